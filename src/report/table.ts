// `--format table` (the default on a TTY): per-account header and keys table, findings grouped by
// severity with their remediation, and a summary. Key ids are masked everywhere except inside the
// remediation lines, whose commands the user has to run with the whole id.

import Table from "cli-table3";
import pc from "picocolors";
import type { AuditAccountView, AuditKeyView, AuditReport } from "../domain/audit-report.js";
import { maskKeyId } from "../domain/key-id.js";
import { fixFirstLines } from "./fix-first.js";
import { SEVERITIES, type Finding, type FindingResult, type Severity } from "../domain/types.js";
import {
  RESULTS,
  countByResult,
  countBySeverity,
  formatDate,
  formatDateTime,
  formatDuration,
  keyOf,
  maskKeyIdsInText,
  sanitizeForTerminal,
  sortFindings,
  worstByKey,
} from "./text.js";

export interface TableOptions {
  color: boolean;
  showPass: boolean;
  /** Terminal width in columns; 100 when unknown. */
  width?: number;
}

export const DEFAULT_WIDTH = 100;
const MIN_WIDTH = 60;

type Colors = ReturnType<typeof pc.createColors>;
type Fmt = (s: string) => string;

/** A piece of output whose visible length is known without stripping escape codes. */
interface Seg {
  plain: string;
  styled: string;
}

function seg(plain: string, style?: Fmt): Seg {
  return { plain, styled: style === undefined ? plain : style(plain) };
}

function severityStyle(c: Colors, s: Severity): Fmt {
  switch (s) {
    case "critical":
      return (x) => c.bold(c.red(x));
    case "high":
      return c.red;
    case "medium":
      return c.yellow;
    case "low":
      return c.cyan;
    case "info":
      return c.dim;
  }
}

function resultStyle(c: Colors, r: FindingResult, s: Severity): Fmt {
  return r === "PASS" ? c.green : severityStyle(c, s);
}

/** Terminal-safe text with every access key id masked. */
function safe(text: string): string {
  return maskKeyIdsInText(sanitizeForTerminal(text));
}

/** Greedy word wrap; a word longer than the width stays whole on its own line. */
export function wrapText(text: string, width: number): string[] {
  const out: string[] = [];
  for (const para of text.split("\n")) {
    const words = para.split(/ +/).filter((w) => w !== "");
    let line = "";
    for (const w of words) {
      if (line === "") line = w;
      else if (line.length + 1 + w.length <= width) line += ` ${w}`;
      else {
        out.push(line);
        line = w;
      }
    }
    out.push(line);
  }
  return out;
}

/** Packs segments onto lines of at most `width` columns, separated by `gap`; continuation lines indented. */
function pack(segs: Seg[], width: number, indent: string, gap = "  "): string[] {
  const lines: string[] = [];
  let plainLen = 0;
  let styled = "";
  for (const s of segs) {
    if (plainLen === 0) {
      plainLen = s.plain.length;
      styled = s.styled;
    } else if (plainLen + gap.length + s.plain.length <= width) {
      plainLen += gap.length + s.plain.length;
      styled += gap + s.styled;
    } else {
      lines.push(styled);
      plainLen = indent.length + s.plain.length;
      styled = indent + s.styled;
    }
  }
  if (plainLen > 0) lines.push(styled);
  return lines;
}

/** Raises `widths` toward `targets` within `budget`, the smallest needs first; returns what is left. */
function waterFill(widths: number[], targets: number[], indices: number[], budget: number): number {
  const needs = indices
    .map((i) => ({ i, need: Math.max(0, (targets[i] ?? 0) - (widths[i] ?? 0)) }))
    .sort((a, b) => a.need - b.need);
  let left = needs.length;
  let rest = budget;
  for (const { i, need } of needs) {
    const give = Math.min(need, Math.floor(rest / left));
    widths[i] = (widths[i] ?? 0) + give;
    rest -= give;
    left -= 1;
  }
  return rest;
}

/**
 * Column widths (cli-table3 widths include the cell padding) that fit `width` including borders.
 * Fixed columns keep their natural width. Flexible columns get `hardMin` each, then grow toward
 * their `soft` minimum (the longest word, so words are not broken) and then toward their natural
 * width, the smallest needs first.
 */
export function fitColumns(
  natural: number[],
  soft: number[],
  flexible: boolean[],
  width: number,
  hardMin = 10,
): number[] {
  const borders = natural.length + 1;
  if (natural.reduce((a, b) => a + b, 0) + borders <= width) return natural;
  const flex = natural.map((_, i) => i).filter((i) => flexible[i] === true);
  const out = natural.map((n, i) => (flexible[i] === true ? Math.min(n, hardMin) : n));
  const used = out.reduce((a, b) => a + b, 0);
  let budget = Math.max(0, width - borders - used);
  const softTargets = natural.map((n, i) => Math.min(n, Math.max(soft[i] ?? 0, hardMin)));
  budget = waterFill(out, softTargets, flex, budget);
  waterFill(out, natural, flex, budget);
  return out;
}

function accountHeader(c: Colors, a: AuditAccountView, width: number): string[] {
  const rootKeys =
    a.rootAccessKeysPresent === null
      ? seg("root keys: unknown", c.yellow)
      : a.rootAccessKeysPresent
        ? seg("root keys: PRESENT", c.red)
        : seg("root keys: none", c.green);
  const rootMfa =
    a.rootMfaEnabled === null
      ? seg("root MFA: unknown", c.yellow)
      : a.rootMfaEnabled
        ? seg("root MFA: on", c.green)
        : seg("root MFA: OFF", c.red);
  const report =
    a.credentialReportGeneratedAt === null
      ? seg("credential report: unavailable", c.yellow)
      : seg(`credential report: ${formatDateTime(a.credentialReportGeneratedAt)}`);
  return pack(
    [
      seg(`Account ${safe(a.accountId)}`, (x) => c.bold(x)),
      seg(`users: ${a.users}`),
      seg(`keys: ${a.keys}`),
      rootKeys,
      rootMfa,
      report,
    ],
    width,
    "  ",
  );
}

/** One logical line of a table cell; wrapped to the column later, each piece keeping the style. */
type CellLine = Seg & { style?: Fmt };

function line(plain: string, style?: Fmt): CellLine {
  return style === undefined ? { plain, styled: plain } : { plain, styled: style(plain), style };
}

/** Splits a word longer than `width`, after a hyphen when one fits, else hard. */
function breakWord(word: string, width: number): string[] {
  const out: string[] = [];
  let rest = word;
  while (rest.length > width) {
    const hyphen = rest.lastIndexOf("-", width - 1);
    const cut = hyphen > 0 ? hyphen + 1 : width;
    out.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  out.push(rest);
  return out;
}

/** Word wrap for table cells: never wider than `width`, so cli-table3 never has to truncate. */
function wrapCell(text: string, width: number): string[] {
  const out: string[] = [];
  for (const l of wrapText(text, width)) {
    if (l.length <= width) out.push(l);
    else for (const w of l.split(" ")) out.push(...breakWord(w, width));
  }
  return out;
}

function lastUsedLines(c: Colors, k: AuditKeyView): CellLine[] {
  if (k.lastUsedAt === null) return [line("never", c.dim)];
  const where = [k.lastUsedService, k.lastUsedRegion].filter((x): x is string => x !== null && x !== "");
  const lines = [line(formatDate(k.lastUsedAt))];
  if (where.length > 0) lines.push(line(safe(where.join(" ")), c.dim));
  return lines;
}

function riskLines(c: Colors, k: AuditKeyView): CellLine[] {
  if (!k.risk) return [line("-", c.dim)];
  const score = k.risk.score;
  const cls = k.blastRadius?.classes[0] ?? "radius unknown";
  return [
    line(String(score), score >= 60 ? c.red : score >= 30 ? c.yellow : undefined),
    line(`${cls}${k.blastRadius?.conditional ? " (conditional)" : ""}`, c.dim),
  ];
}

function keysTable(
  c: Colors,
  keys: AuditKeyView[],
  worst: ReturnType<typeof worstByKey>,
  findings: readonly Finding[],
  width: number,
): string {
  const judged = new Set(
    findings.flatMap((f) => (f.accessKeyId === null ? [] : [keyOf(f.accountId, f.accessKeyId)])),
  );
  const head = ["User", "Access key", "Status", "Days", "Last used", "Worst finding"];
  // Risk and blast radius, when the audit computed them (not for stored reports that predate them).
  const withRisk = keys.some((k) => k.risk !== undefined);
  if (withRisk) head.push("Risk");
  const rows: CellLine[][][] = keys.map((k) => {
    const w = worst.get(keyOf(k.accountId, k.accessKeyId));
    let verdict: CellLine[];
    if (w !== undefined) {
      verdict = [
        line(`${w.worst.result} ${w.worst.severity}`, resultStyle(c, w.worst.result, w.worst.severity)),
        line(safe(w.worst.ruleId)),
      ];
      if (w.count > 1) verdict.push(line(`(+${w.count - 1} more)`, c.dim));
    } else if (judged.has(keyOf(k.accountId, k.accessKeyId))) {
      verdict = [line("PASS", c.green)];
    } else {
      verdict = [line("not judged", c.dim)];
    }
    const row = [
      [line(safe(k.userName))],
      [line(maskKeyId(k.accessKeyId))],
      [line(k.status, k.status === "Active" ? undefined : c.dim)],
      [line(String(k.ageDays))],
      lastUsedLines(c, k),
      verdict,
    ];
    if (withRisk) row.push(riskLines(c, k));
    return row;
  });
  const lengths = (i: number, measure: (text: string) => number): number =>
    Math.max(measure(head[i] ?? ""), ...rows.flatMap((r) => (r[i] ?? []).map((l) => measure(l.plain))));
  const longestWord = (text: string): number => text.split(" ").reduce((m, w) => Math.max(m, w.length), 0);
  const natural = head.map((_, i) => 2 + lengths(i, (t) => t.length));
  const soft = head.map((_, i) => 2 + lengths(i, longestWord));
  const colWidths = fitColumns(
    natural,
    soft,
    [true, false, false, false, true, true, ...(withRisk ? [true] : [])],
    width,
  );
  const t = new Table({
    head: head.map((h) => c.bold(h)),
    colWidths,
    colAligns: ["left", "left", "left", "right", "left", "left", "left"],
    wordWrap: true,
    wrapOnWordBoundary: true,
    style: { head: [], border: [] },
  });
  for (const r of rows) {
    t.push(
      r.map((cell, i) => {
        const inner = Math.max(1, (colWidths[i] ?? 12) - 2);
        return cell
          .flatMap((l) => wrapCell(l.plain, inner).map((p) => (l.style === undefined ? p : l.style(p))))
          .join("\n");
      }),
    );
  }
  return t.toString();
}

/** Remediation lines that are commands are never wrapped, so they can be copied and pasted whole. */
function isCommand(line: string): boolean {
  return /^(?:\$ |aws |keywarden |git |export |set |\$env:)/.test(line);
}

function findingBlock(c: Colors, f: Finding, width: number, showAccount: boolean): string[] {
  const head: Seg[] = [
    seg(f.result.padEnd(5), resultStyle(c, f.result, f.severity)),
    seg(safe(f.ruleId), (x) => c.bold(x)),
    seg(f.userName === null ? "(account)" : `user ${safe(f.userName)}`),
  ];
  if (f.accessKeyId !== null) head.push(seg(`key ${maskKeyId(f.accessKeyId)}`));
  if (showAccount || f.userName === null) head.push(seg(`account ${safe(f.accountId)}`, c.dim));
  const lines = pack(head, width - 2, "         ").map((l) => `  ${l}`);

  const textIndent = "         ";
  for (const l of wrapText(safe(f.message), width - textIndent.length)) lines.push(textIndent + l);

  // Remediation keeps full key ids (the user runs these commands); only control characters go.
  const remediation = sanitizeForTerminal(f.remediation)
    .split("\n")
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== "");
  if (remediation.length > 0) {
    lines.push(textIndent + c.dim("Remediation:"));
    const remIndent = `${textIndent}  `;
    for (const l of remediation) {
      const trimmed = l.trimStart();
      const extra = " ".repeat(l.length - trimmed.length);
      const wrapped = isCommand(trimmed)
        ? [trimmed]
        : wrapText(trimmed, width - remIndent.length - extra.length);
      for (const w of wrapped) lines.push(remIndent + extra + c.cyan(w));
    }
  }
  return lines;
}

function findingsSection(c: Colors, report: AuditReport, opts: TableOptions, width: number): string[] {
  const shown = sortFindings(report.findings.filter((f) => opts.showPass || f.result !== "PASS"));
  const out: string[] = [c.bold(opts.showPass ? "Findings" : "Findings (FAIL, WARN, ERROR)")];
  if (shown.length === 0) {
    out.push(c.green(opts.showPass ? "  No findings." : "  No FAIL, WARN or ERROR findings."));
    return out;
  }
  const showAccount = report.accounts.length > 1;
  for (const s of SEVERITIES) {
    const group = shown.filter((f) => f.severity === s);
    if (group.length === 0) continue;
    if (s === "info" && !opts.showPass) {
      // Advice, one line each, so it does not bury the findings above it.
      out.push(
        "",
        severityStyle(c, s)(`INFO (${group.length}): advice, with remediation under --all or --format json`),
      );
      for (const f of group) out.push(findingBlock(c, f, width, showAccount)[0] ?? "");
      continue;
    }
    out.push("", severityStyle(c, s)(`${s.toUpperCase()} (${group.length})`));
    for (const f of group) {
      out.push(...findingBlock(c, f, width, showAccount));
    }
  }
  return out;
}

function summary(c: Colors, report: AuditReport, opts: TableOptions, width: number): string[] {
  const results = countByResult(report.findings);
  const sev = countBySeverity(report.findings);
  const label = (l: string): Seg => seg(l.padEnd(10), (x) => c.bold(x));
  const indent = " ".repeat(12);
  const resultSegs = RESULTS.map((r) => {
    const n = results[r];
    const style = n === 0 ? c.dim : r === "PASS" ? c.green : r === "WARN" ? c.yellow : c.red;
    const hidden = r === "PASS" && n > 0 && !opts.showPass ? " (not shown)" : "";
    return seg(`${n} ${r}${hidden}`, style);
  });
  const sevSegs = SEVERITIES.map((s) => seg(`${sev[s]} ${s}`, sev[s] === 0 ? c.dim : severityStyle(c, s)));
  const calls = Object.entries(report.stats.apiCalls).sort(([a], [b]) => a.localeCompare(b));
  const total = calls.reduce((n, [, k]) => n + k, 0);
  return [
    ...pack([label("Summary"), ...resultSegs], width, indent),
    ...pack([label("Severity"), ...sevSegs, seg("(FAIL, WARN, ERROR)", c.dim)], width, indent),
    ...pack(
      [label("API calls"), seg(`${total} total`), ...calls.map(([op, n]) => seg(`${safe(op)} ${n}`, c.dim))],
      width,
      indent,
    ),
    ...pack([label("Duration"), seg(formatDuration(report.stats.durationMs))], width, indent),
  ];
}

export function renderTable(report: AuditReport, opts: TableOptions): string {
  const c = pc.createColors(opts.color);
  const width = Math.max(MIN_WIDTH, Math.floor(opts.width ?? DEFAULT_WIDTH));
  const worst = worstByKey(report.findings);
  const out: string[] = [];

  out.push(c.bold(`keywarden audit · ${formatDateTime(report.generatedAt)}`), "");

  const accountIds = new Set(report.accounts.map((a) => a.accountId));
  const groups: { header: string[]; keys: AuditKeyView[] }[] = report.accounts.map((a) => ({
    header: accountHeader(c, a, width),
    keys: report.keys.filter((k) => k.accountId === a.accountId),
  }));
  const orphans = report.keys.filter((k) => !accountIds.has(k.accountId));
  if (orphans.length > 0) groups.push({ header: [c.bold("Other accounts")], keys: orphans });
  if (groups.length === 0) out.push(c.dim("No accounts audited."), "");

  for (const g of groups) {
    out.push(...g.header);
    out.push(
      g.keys.length === 0 ? c.dim("  No access keys.") : keysTable(c, g.keys, worst, report.findings, width),
      "",
    );
  }

  const fix = fixFirstLines(report.keys, report.accounts.length > 1);
  if (fix.length > 0) out.push(c.bold("Fix first"), ...fix.map((l) => `  ${safe(l)}`), "");

  out.push(...findingsSection(c, report, opts, width), "");
  out.push(...summary(c, report, opts, width));
  return `${out.join("\n")}\n`;
}
