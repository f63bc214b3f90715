// The scan report in each output format. Pure. Secrets arrive here already masked; nothing in a
// ScanFinding can reconstruct one.
import { maskKeyId } from "../domain/key-id.js";
import { sanitizeForTerminal } from "../report/text.js";
import { severityRank } from "../domain/severity.js";
import type { Severity } from "../domain/types.js";
import { RULE_IDS } from "./finalize.js";
import type { FindingKind, ScanFinding, ScanReport } from "./types.js";

export const SCAN_FORMATS = ["table", "json", "sarif", "markdown"] as const;
export type ScanFormat = (typeof SCAN_FORMATS)[number];

export function sortFindings(findings: ScanFinding[]): ScanFinding[] {
  return [...findings].sort(
    (a, b) =>
      severityRank(b.severity) - severityRank(a.severity) ||
      a.path.localeCompare(b.path) ||
      a.line - b.line ||
      a.column - b.column,
  );
}

/** The JSON contract: schemaVersion, findings, stats (and joinNote when owners are missing). */
export function toJson(report: ScanReport): object {
  return {
    schemaVersion: report.schemaVersion,
    mode: report.mode,
    findings: sortFindings(report.findings),
    stats: report.stats,
    ...(report.joinNote ? { joinNote: report.joinNote } : {}),
  };
}

const KIND_TITLE: Record<FindingKind, string> = {
  "access-key-id": "AWS access key id",
  "secret-access-key": "AWS secret access key",
  "session-token": "AWS session token",
};

function where(f: ScanFinding): string {
  const commit = f.commit ? ` @${f.commit.slice(0, 10)}` : "";
  return `${f.path}:${f.line}:${f.column}${commit}`;
}

function ownerText(f: ScanFinding): string {
  if (f.owner) return `${f.owner.userName} (${f.keyStatus})`;
  return f.keyStatus === "Unknown" ? "unknown" : f.keyStatus;
}

function summary(report: ScanReport): string {
  const s = report.stats;
  const what = report.mode === "history" ? `${s.blobs} blobs` : `${s.files} files`;
  const mb = (s.bytes / 1e6).toFixed(1);
  const sup = s.suppressed > 0 ? `, ${s.suppressed} suppressed` : "";
  return `${report.findings.length} finding(s) in ${what} (${mb} MB) in ${s.durationMs} ms${sup}`;
}

/** Plain text for a terminal: one block per finding, most severe first. */
export function toTable(report: ScanReport): string {
  const lines: string[] = [];
  for (const f of sortFindings(report.findings)) {
    lines.push(`${f.severity.toUpperCase().padEnd(8)} ${KIND_TITLE[f.kind]}  ${where(f)}`);
    const key = f.accessKeyId ? `key ${maskKeyId(f.accessKeyId)}  ` : "";
    const account = f.accountId ? `account ${f.accountId}  ` : "";
    lines.push(`         ${key}${account}match ${f.match}  owner ${ownerText(f)}`);
    if (f.commit) {
      const head = f.inHead ? "still in HEAD" : "not in HEAD";
      lines.push(
        `         first in ${f.commit.slice(0, 10)} by ${f.author ?? "?"} on ${f.date ?? "?"} (${head})`,
      );
    }
    lines.push(`         next: ${f.advice}`, "");
  }
  if (report.joinNote) lines.push(`note: ${report.joinNote}`);
  lines.push(summary(report));
  // Paths and author names come from the scanned files: no escape sequences reach the terminal.
  return `${sanitizeForTerminal(lines.join("\n"))}\n`;
}

function mdCell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

export function toMarkdown(report: ScanReport): string {
  const out = ["# keywarden scan", "", summary(report), ""];
  if (report.findings.length > 0) {
    out.push("| severity | kind | location | key | account | owner | first commit | next step |");
    out.push("|---|---|---|---|---|---|---|---|");
    for (const f of sortFindings(report.findings)) {
      out.push(
        `| ${f.severity} | ${f.kind} | \`${mdCell(where(f))}\` | ${f.accessKeyId ? `\`${f.accessKeyId}\`` : ""} | ` +
          `${f.accountId ?? ""} | ${mdCell(ownerText(f))} | ${f.commit ? f.commit.slice(0, 10) : ""} | ${mdCell(f.advice)} |`,
      );
    }
    out.push("");
  }
  if (report.joinNote) out.push(`> ${report.joinNote}`, "");
  return out.join("\n");
}

const SARIF_LEVEL: Record<Severity, "error" | "warning" | "note"> = {
  critical: "error",
  high: "error",
  medium: "warning",
  low: "note",
  info: "note",
};

const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: "9.5",
  high: "8.0",
  medium: "5.5",
  low: "3.0",
  info: "1.0",
};

/** SARIF 2.1.0 as GitHub code scanning ingests it: rules, physical locations, partialFingerprints. */
export function toSarif(report: ScanReport, toolVersion: string): object {
  const kinds = Object.keys(RULE_IDS) as FindingKind[];
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "keywarden",
            version: toolVersion,
            informationUri: "https://github.com/keywarden/keywarden",
            rules: kinds.map((k) => ({
              id: RULE_IDS[k],
              name: KIND_TITLE[k].replace(/ /g, ""),
              shortDescription: { text: `Hard-coded ${KIND_TITLE[k]}` },
              fullDescription: {
                text: `A hard-coded ${KIND_TITLE[k]} in a file or in git history. Credentials in code leak with every clone.`,
              },
              help: {
                text: "Contain an active key with `keywarden respond KEY`, remove the value, and rewrite history if it was committed.",
              },
              defaultConfiguration: { level: k === "access-key-id" ? "warning" : "error" },
              properties: {
                tags: ["security", "secrets", "aws"],
                "security-severity": k === "access-key-id" ? "5.5" : "9.5",
              },
            })),
          },
        },
        results: sortFindings(report.findings).map((f) => ({
          ruleId: f.ruleId,
          ruleIndex: kinds.indexOf(f.kind),
          level: SARIF_LEVEL[f.severity],
          message: {
            text: `${KIND_TITLE[f.kind]}${f.accessKeyId ? ` ${f.accessKeyId}` : ""} (key ${f.keyStatus.toLowerCase()}, severity ${f.severity}). ${f.advice}`,
          },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: encodeURI(f.path), uriBaseId: "%SRCROOT%" },
                region: { startLine: f.line, startColumn: f.column },
              },
            },
          ],
          partialFingerprints: { "keywarden/v1": f.fingerprint },
          properties: {
            "security-severity": SECURITY_SEVERITY[f.severity],
            keyStatus: f.keyStatus,
            ...(f.commit ? { commit: f.commit } : {}),
          },
        })),
      },
    ],
  };
}

export function renderScan(report: ScanReport, format: ScanFormat, toolVersion: string): string {
  if (format === "json") return `${JSON.stringify(toJson(report), null, 2)}\n`;
  if (format === "sarif") return `${JSON.stringify(toSarif(report, toolVersion), null, 2)}\n`;
  if (format === "markdown") return toMarkdown(report);
  return toTable(report);
}
