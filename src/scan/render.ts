// The scan report in each output format. Pure. Secrets arrive here already masked; nothing in a
// ScanFinding can reconstruct one. Key ids are whole in JSON and SARIF (machines join on them and
// users run commands with them); the table and markdown mask them, as audit's do, except inside
// the advice's commands (`keywarden respond ID` must be runnable as written) and with --show-ids.
import { maskKeyId } from "../domain/key-id.js";
import { sanitizeForTerminal } from "../report/text.js";
import { severityRank } from "../domain/severity.js";
import type { Severity } from "../domain/types.js";
import { RULE_IDS } from "./finalize.js";
import { KEY_ID_RE } from "./patterns.js";
import type { FindingKind, ScanFinding, ScanReport, SuppressedFinding } from "./types.js";

export const SCAN_FORMATS = ["table", "json", "sarif", "markdown"] as const;
export type ScanFormat = (typeof SCAN_FORMATS)[number];

export interface RenderOptions {
  /** Whole key ids in the table and markdown too (JSON and SARIF always have them). */
  showIds?: boolean;
}

/** Key ids in prose masked; inside `code spans` (commands to run) kept whole. */
export function maskIdsOutsideCode(text: string): string {
  return text
    .split("`")
    .map((part, i) => (i % 2 === 1 ? part : part.replace(KEY_ID_RE, (id) => maskKeyId(id))))
    .join("`");
}

export function sortFindings<T extends ScanFinding>(findings: T[]): T[] {
  return [...findings].sort(
    (a, b) =>
      severityRank(b.severity) - severityRank(a.severity) ||
      a.path.localeCompare(b.path) ||
      a.line - b.line ||
      a.column - b.column,
  );
}

/**
 * The JSON contract: schemaVersion, findings, stats (and joinNote when owners are missing,
 * warnings when an archive was not read whole, suppressed with --show-suppressed).
 */
export function toJson(report: ScanReport): object {
  return {
    schemaVersion: report.schemaVersion,
    mode: report.mode,
    findings: sortFindings(report.findings),
    stats: report.stats,
    ...(report.joinNote ? { joinNote: report.joinNote } : {}),
    ...(report.warnings ? { warnings: report.warnings } : {}),
    ...(report.suppressed ? { suppressed: sortFindings(report.suppressed) } : {}),
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
  const archives = s.archives > 0 ? `, ${s.archives} archive(s) opened` : "";
  return `${report.findings.length} finding(s) in ${what} (${mb} MB) in ${s.durationMs} ms${archives}${sup}`;
}

function findingLines(f: ScanFinding, opts: RenderOptions): string[] {
  const id = (x: string) => (opts.showIds ? x : maskKeyId(x));
  const lines = [`${f.severity.toUpperCase().padEnd(8)} ${KIND_TITLE[f.kind]}  ${where(f)}`];
  const key = f.accessKeyId ? `key ${id(f.accessKeyId)}${f.pairing === "unsure" ? " (unsure)" : ""}  ` : "";
  const account = f.accountId ? `account ${f.accountId}  ` : "";
  lines.push(`         ${key}${account}match ${f.match}  owner ${ownerText(f)}`);
  if (f.commit) {
    const head = f.inHead ? "still in HEAD" : "not in HEAD";
    lines.push(
      `         first in ${f.commit.slice(0, 10)} by ${f.author ?? "?"} on ${f.date ?? "?"} (${head})`,
    );
  }
  lines.push(`         next: ${opts.showIds ? f.advice : maskIdsOutsideCode(f.advice)}`, "");
  return lines;
}

/** Plain text for a terminal: one block per finding, most severe first. */
export function toTable(report: ScanReport, opts: RenderOptions = {}): string {
  const lines: string[] = [];
  for (const f of sortFindings(report.findings)) lines.push(...findingLines(f, opts));
  if (report.suppressed && report.suppressed.length > 0) {
    lines.push(`Suppressed (${report.suppressed.length}):`, "");
    for (const f of sortFindings(report.suppressed)) {
      lines.push(...findingLines(f, opts).slice(0, -2), `         suppressed by ${f.suppressedBy}`, "");
    }
  }
  for (const w of report.warnings ?? []) lines.push(`warning: ${w}`);
  if (report.joinNote) lines.push(`note: ${report.joinNote}`);
  lines.push(summary(report));
  // Paths and author names come from the scanned files: no escape sequences reach the terminal.
  return `${sanitizeForTerminal(lines.join("\n"))}\n`;
}

function mdCell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

function mdRows(findings: (ScanFinding | SuppressedFinding)[], opts: RenderOptions): string[] {
  const out = [
    "| severity | kind | location | key | account | owner | first commit | next step |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const f of sortFindings(findings)) {
    const key = f.accessKeyId ? `\`${opts.showIds ? f.accessKeyId : maskKeyId(f.accessKeyId)}\`` : "";
    const by = "suppressedBy" in f ? ` (suppressed by ${f.suppressedBy})` : "";
    const advice = opts.showIds ? f.advice : maskIdsOutsideCode(f.advice);
    out.push(
      `| ${f.severity} | ${f.kind} | \`${mdCell(where(f))}\` | ${key}${f.pairing === "unsure" ? " (unsure)" : ""} | ` +
        `${f.accountId ?? ""} | ${mdCell(ownerText(f))} | ${f.commit ? f.commit.slice(0, 10) : ""} | ${mdCell(advice + by)} |`,
    );
  }
  return out;
}

export function toMarkdown(report: ScanReport, opts: RenderOptions = {}): string {
  const out = ["# keywarden scan", "", summary(report), ""];
  if (report.findings.length > 0) out.push(...mdRows(report.findings, opts), "");
  if (report.suppressed && report.suppressed.length > 0) {
    out.push("## Suppressed", "", ...mdRows(report.suppressed, opts), "");
  }
  for (const w of report.warnings ?? []) out.push(`> warning: ${mdCell(w)}`, "");
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

/** Suppressions kept outside the scanned files; the rest are comments in them (SARIF "inSource"). */
const EXTERNAL = new Set([".keywardenignore", "baseline"]);

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
        results: [
          ...sortFindings(report.findings),
          ...sortFindings<ScanFinding & { suppressedBy?: string }>(report.suppressed ?? []),
        ].map((f: ScanFinding & { suppressedBy?: string }) => ({
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
            ...(f.accessKeyId ? { accessKeyId: f.accessKeyId } : {}),
            ...(f.pairing ? { pairing: f.pairing } : {}),
            ...(f.commit ? { commit: f.commit } : {}),
          },
          // Accepted findings (--show-suppressed) stay in the log, marked as GitHub expects.
          ...(f.suppressedBy !== undefined
            ? {
                suppressions: [
                  {
                    kind: EXTERNAL.has(f.suppressedBy) ? "external" : "inSource",
                    justification: `accepted by ${f.suppressedBy}`,
                  },
                ],
              }
            : {}),
        })),
      },
    ],
  };
}

export function renderScan(
  report: ScanReport,
  format: ScanFormat,
  toolVersion: string,
  opts: RenderOptions = {},
): string {
  if (format === "json") return `${JSON.stringify(toJson(report), null, 2)}\n`;
  if (format === "sarif") return `${JSON.stringify(toSarif(report, toolVersion), null, 2)}\n`;
  if (format === "markdown") return toMarkdown(report, opts);
  return toTable(report, opts);
}
