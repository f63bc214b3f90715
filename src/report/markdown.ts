// `--format markdown`: for tickets, pull requests and wiki pages (GitHub-flavoured tables).
// Key ids are masked everywhere except inside the remediation code spans, where the user needs the
// whole id to run the command.

import type { AuditKeyView, AuditReport } from "../domain/audit-report.js";
import { maskKeyId } from "../domain/key-id.js";
import { SEVERITIES, type Finding, type FindingResult } from "../domain/types.js";
import {
  KEY_ID_IN_TEXT,
  RESULTS,
  countByResult,
  formatDate,
  formatDateTime,
  formatDuration,
  sortFindings,
} from "./text.js";

export interface MarkdownOptions {
  showPass: boolean;
}

/**
 * Escapes text for a GFM table cell: backslash-escapes the characters that start inline markup or
 * HTML (and `|`, which would end the cell), and turns line breaks into `<br>`.
 */
export function mdCell(text: string): string {
  return text
    .replace(/[\\`*_[\]<>|~&#!]/g, (c) => `\\${c}`)
    .replace(/\r\n?|\n/g, "<br>")
    .trim();
}

/** A code span that survives any backticks in `text`, with `|` escaped for a table cell. */
export function mdCode(text: string): string {
  const runs = text.match(/`+/g) ?? [];
  const longest = runs.reduce((n, r) => Math.max(n, r.length), 0);
  const fence = "`".repeat(longest + 1);
  const pad = text.startsWith("`") || text.endsWith("`") ? " " : "";
  return `${fence}${pad}${text.replace(/\|/g, "\\|")}${pad}${fence}`;
}

function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), ...rows.map(line)].join("\n");
}

function remediationCell(remediation: string): string {
  const lines = remediation
    .split(/\r\n?|\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "");
  return lines.length === 0 ? "" : lines.map(mdCode).join("<br>");
}

function keyCell(id: string | null): string {
  return id === null ? "" : mdCode(maskKeyId(id));
}

function yesNo(v: boolean | null, yes: string, no: string): string {
  return v === null ? "unknown" : v ? yes : no;
}

function lastUsedCell(k: AuditKeyView): string {
  if (k.lastUsedAt === null) return "never";
  const where = [k.lastUsedService, k.lastUsedRegion].filter((x): x is string => x !== null);
  return mdCell(
    where.length > 0 ? `${formatDate(k.lastUsedAt)} (${where.join(", ")})` : formatDate(k.lastUsedAt),
  );
}

/** Escaped message text in which every key id shows as a masked code span. */
function mdMessage(message: string): string {
  // Key ids hold only letters and digits, so escaping first leaves them intact for the replace.
  return mdCell(message).replace(KEY_ID_IN_TEXT, (id) => mdCode(maskKeyId(id)));
}

function findingRow(f: Finding): string[] {
  return [
    f.result,
    f.severity,
    mdCode(f.ruleId),
    mdCell(f.accountId),
    f.userName === null ? "_(account)_" : mdCell(f.userName),
    keyCell(f.accessKeyId),
    mdMessage(f.message),
    remediationCell(f.remediation),
  ];
}

export function renderMarkdown(report: AuditReport, opts: MarkdownOptions): string {
  const out: string[] = [];
  out.push("# keywarden audit report", "");
  out.push(
    `Generated ${mdCell(formatDateTime(report.generatedAt))} · ${report.accounts.length} account(s) · ` +
      `${report.keys.length} key(s) · ${report.findings.length} finding(s)`,
    "",
  );

  out.push("## Summary", "");
  const results = countByResult(report.findings);
  const bySeverityOf = (r: FindingResult): number[] =>
    SEVERITIES.map((s) => report.findings.filter((f) => f.result === r && f.severity === s).length);
  out.push(
    table(
      ["Result", ...SEVERITIES, "Total"],
      RESULTS.map((r) => [r, ...bySeverityOf(r).map(String), String(results[r])]),
    ),
    "",
  );
  const calls = Object.entries(report.stats.apiCalls);
  const totalCalls = calls.reduce((n, [, c]) => n + c, 0);
  const perOp = calls.map(([op, c]) => `${mdCell(op)} ${c}`).join(", ");
  out.push(
    `API calls: ${totalCalls}${perOp === "" ? "" : ` (${perOp})`} · duration ${formatDuration(report.stats.durationMs)}`,
    "",
  );

  if (report.accounts.length > 0) {
    out.push("## Accounts", "");
    out.push(
      table(
        ["Account", "Users", "Keys", "Root access keys", "Root MFA", "Credential report"],
        report.accounts.map((a) => [
          mdCell(a.accountId),
          String(a.users),
          String(a.keys),
          yesNo(a.rootAccessKeysPresent, "**present**", "none"),
          yesNo(a.rootMfaEnabled, "enabled", "**disabled**"),
          a.credentialReportGeneratedAt === null
            ? "unavailable"
            : mdCell(formatDateTime(a.credentialReportGeneratedAt)),
        ]),
      ),
      "",
    );
  }

  out.push("## Findings", "");
  const shown = sortFindings(report.findings.filter((f) => opts.showPass || f.result !== "PASS"));
  if (shown.length === 0) {
    out.push(opts.showPass ? "No findings." : "No FAIL, WARN or ERROR findings.", "");
  } else {
    out.push(
      table(
        ["Result", "Severity", "Rule", "Account", "User", "Key", "Message", "Remediation"],
        shown.map(findingRow),
      ),
      "",
    );
  }
  const hidden = results.PASS - shown.filter((f) => f.result === "PASS").length;
  if (hidden > 0) out.push(`${hidden} PASS finding(s) not shown.`, "");

  out.push("## Access keys", "");
  if (report.keys.length === 0) {
    out.push("No access keys.", "");
  } else {
    out.push(
      table(
        ["Account", "User", "Key", "Status", "Age (days)", "Last used"],
        report.keys.map((k) => [
          mdCell(k.accountId),
          mdCell(k.userName),
          keyCell(k.accessKeyId),
          k.status,
          String(k.ageDays),
          lastUsedCell(k),
        ]),
      ),
      "",
    );
  }
  return `${out.join("\n").trimEnd()}\n`;
}
