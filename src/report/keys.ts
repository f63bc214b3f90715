import Table from "cli-table3";
import type { AuditKeyView } from "../domain/audit-report.js";
import { maskKeyId } from "../domain/key-id.js";
import type { ApiCallCounts } from "../domain/types.js";
import { csvField } from "./csv.js";
import { formatDate, sanitizeForTerminal } from "./text.js";

/** The `keywarden keys --format json` contract: the inventory, unjudged. */
export interface KeysReport {
  schemaVersion: 1;
  generatedAt: string;
  keys: (AuditKeyView & { lastUsedSource: string })[];
  stats: { apiCalls: ApiCallCounts; durationMs: number };
}

export type KeysFormat = "table" | "json" | "csv";

const COLUMNS = [
  "accountId",
  "userName",
  "accessKeyId",
  "status",
  "createdAt",
  "ageDays",
  "lastUsedAt",
  "lastUsedService",
  "lastUsedRegion",
  "lastUsedSource",
] as const;

export function renderKeys(report: KeysReport, format: KeysFormat, opts: { fullIds: boolean }): string {
  if (format === "json") return `${JSON.stringify(report, null, 2)}\n`;
  if (format === "csv") {
    const rows = report.keys.map((k) => COLUMNS.map((c) => csvField(String(k[c] ?? ""))).join(","));
    return `${[COLUMNS.join(","), ...rows].join("\r\n")}\r\n`;
  }
  if (report.keys.length === 0) return "No access keys.\n";
  const table = new Table({
    head: ["Account", "User", "Access key", "Status", "Days", "Last used", "Service", "Region"],
    style: { head: [], border: [] },
  });
  for (const k of report.keys) {
    table.push([
      k.accountId,
      sanitizeForTerminal(k.userName),
      opts.fullIds ? k.accessKeyId : maskKeyId(k.accessKeyId),
      k.status,
      String(k.ageDays),
      k.lastUsedAt ? formatDate(k.lastUsedAt) : "never",
      k.lastUsedService ?? "-",
      k.lastUsedRegion ?? "-",
    ]);
  }
  const active = report.keys.filter((k) => k.status === "Active").length;
  return `${table.toString()}\n${report.keys.length} keys (${active} active)\n`;
}
