import type { NamedPolicy } from "../access/types.js";
import type { AuditKeyView, AuditReport } from "../domain/audit-report.js";
import type { AccessKeyRecord, ApiCallCounts, Inventory } from "../domain/types.js";
import { collectInventory, type LastUsedMode } from "../inventory/collect.js";
import type { Sleep } from "../inventory/fetch-report.js";
import type { IamInventoryPort } from "../inventory/ports.js";
import { evaluateRules } from "../rules/evaluate.js";
import { ageInDays } from "../rules/support.js";
import { addBlastRadiusAndRisk, byRisk, type KeyExposure } from "./risk.js";
import type { Thresholds } from "../rules/rule.js";

export interface AuditOptions {
  port: IamInventoryPort;
  /** Read after collection, so the report carries the calls this audit made. */
  apiCalls: () => ApiCallCounts;
  now: Date;
  thresholds: Thresholds;
  lastUsed?: LastUsedMode;
  concurrency?: number;
  sleep?: Sleep;
  onProgress?: (done: number, total: number) => void;
  /** Wall clock for durationMs; injected so tests stay deterministic. */
  clock?: () => number;
  /** Per key id, what the store knows (found in code, an open incident), for the risk score. */
  exposures?: ReadonlyMap<string, KeyExposure>;
  /** Organization audit: each member account's service control policies, one list per level. */
  scps?: ReadonlyMap<string, NamedPolicy[][]>;
  /** `risk`: keys highest risk first; default: as collected. */
  sort?: "risk";
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** One key as the JSON contracts show it (audit and keys share it). */
export function toKeyView(k: AccessKeyRecord, now: Date): AuditKeyView {
  return {
    accountId: k.accountId,
    userName: k.userName,
    accessKeyId: k.accessKeyId,
    status: k.status,
    createdAt: k.createdAt.toISOString(),
    lastUsedAt: iso(k.lastUsedAt),
    lastUsedService: k.lastUsedService,
    lastUsedRegion: k.lastUsedRegion,
    ageDays: ageInDays(k.createdAt, now),
  };
}

const sorted = (keys: AuditKeyView[], sort: AuditOptions["sort"]) =>
  sort === "risk" ? [...keys].sort(byRisk) : keys;

/** Collects one account's inventory, judges it, and shapes the `--format json` contract. */
export async function runAudit(opts: AuditOptions): Promise<{ report: AuditReport; inventory: Inventory }> {
  const clock = opts.clock ?? (() => performance.now());
  const started = clock();
  const inventory = await collectInventory({
    port: opts.port,
    now: opts.now,
    lastUsed: opts.lastUsed,
    unusedDays: opts.thresholds.unusedDays,
    concurrency: opts.concurrency,
    sleep: opts.sleep,
    onProgress: opts.onProgress,
  });
  const findings = evaluateRules(inventory, { now: opts.now, thresholds: opts.thresholds });
  const report: AuditReport = {
    schemaVersion: 1,
    generatedAt: opts.now.toISOString(),
    accounts: inventory.accounts.map((a) => ({
      accountId: a.accountId,
      users: inventory.users.filter((u) => u.accountId === a.accountId).length,
      keys: inventory.keys.filter((k) => k.accountId === a.accountId).length,
      rootAccessKeysPresent: a.rootAccessKeysPresent,
      rootMfaEnabled: a.rootMfaEnabled,
      credentialReportGeneratedAt: iso(a.credentialReportGeneratedAt),
    })),
    keys: sorted(
      addBlastRadiusAndRisk(
        inventory.keys.map((k) => toKeyView(k, opts.now)),
        inventory,
        opts.now,
        opts.exposures,
        opts.scps,
      ),
      opts.sort,
    ),
    findings,
    stats: { apiCalls: opts.apiCalls(), durationMs: Math.round(clock() - started) },
  };
  return { report, inventory };
}
