// `--format csv`: RFC 4180, one row per finding (PASS included: a CSV is a data export, filter it in
// the spreadsheet), full key ids like the JSON output.

import type { AuditReport } from "../domain/audit-report.js";
import type { Finding } from "../domain/types.js";

export const CSV_COLUMNS = [
  "ruleId",
  "result",
  "severity",
  "accountId",
  "userName",
  "accessKeyId",
  "message",
  "remediation",
] as const satisfies readonly (keyof Finding)[];

// A cell that starts with one of these is read as a formula by spreadsheet software (OWASP "CSV
// injection"); TAB and CR are on OWASP's list as well.
const FORMULA_START = /^[=+\-@\t\r]/;

/** Neutralizes formulas with a leading single quote, then quotes per RFC 4180 when needed. */
export function csvField(value: string | null): string {
  let s = value ?? "";
  if (FORMULA_START.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Header plus one record per finding, each ending in CRLF. */
export function renderCsv(report: AuditReport): string {
  const lines = [CSV_COLUMNS.join(",")];
  for (const f of report.findings) lines.push(CSV_COLUMNS.map((c) => csvField(f[c])).join(","));
  return lines.map((l) => `${l}\r\n`).join("");
}
