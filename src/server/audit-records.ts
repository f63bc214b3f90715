import { randomBytes } from "node:crypto";
import type { AuditReport } from "../domain/audit-report.js";
import type { Inventory, LastUsedSource } from "../domain/types.js";
import { toAuditReportJson } from "../report/json.js";
import type { StoredRecord, Store } from "../store/types.js";

// Audits kept for the dashboard: record kind `audit`, subject the account id, data the
// `keywarden audit --format json` contract plus where each key's last use came from (the
// `keywarden keys` contract needs it; the audit contract projection drops it again).

export const AUDIT_KIND = "audit";

export interface StoredAudit {
  report: AuditReport;
  lastUsedSources: Record<string, LastUsedSource>;
  record: StoredRecord;
}

export function lastUsedSourcesOf(inventory: Inventory): Record<string, LastUsedSource> {
  return Object.fromEntries(inventory.keys.map((k) => [k.accessKeyId, k.lastUsedSource]));
}

export async function saveAudit(
  store: Store,
  report: AuditReport,
  lastUsedSources: Record<string, LastUsedSource>,
): Promise<StoredRecord> {
  const stamp = report.generatedAt.replace(/[-:.]/g, "").toLowerCase();
  return store.putRecord({
    kind: AUDIT_KIND,
    id: `aud-${stamp}-${randomBytes(3).toString("hex")}`,
    subject: report.accounts.map((a) => a.accountId).join(",") || null,
    data: { ...toAuditReportJson(report), lastUsedSources },
  });
}

/** The newest stored audit, or null when none was saved yet. */
export async function latestAudit(store: Store): Promise<StoredAudit | null> {
  const [record] = await store.listRecords(AUDIT_KIND, { limit: 1 });
  if (!record) return null;
  const data = record.data as unknown as AuditReport & { lastUsedSources?: Record<string, LastUsedSource> };
  return { report: toAuditReportJson(data), lastUsedSources: data.lastUsedSources ?? {}, record };
}
