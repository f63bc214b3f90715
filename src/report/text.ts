// Small pure helpers shared by the renderers. No I/O, no clock.

import { maskKeyId } from "../domain/key-id.js";
import { severityRank } from "../domain/severity.js";
import type { Finding, FindingResult, Severity } from "../domain/types.js";

/** Result order for display: the most actionable first. */
export const RESULTS: readonly FindingResult[] = ["FAIL", "ERROR", "WARN", "PASS"];

/** Access key ids inside free text (global: use with replace/matchAll only). */
export const KEY_ID_IN_TEXT = /\b(?:AKIA|ASIA)[A-Z2-7]{16}\b/g;

/** Masks every access key id that appears inside free text (messages may name the key they judge). */
export function maskKeyIdsInText(text: string): string {
  return text.replace(KEY_ID_IN_TEXT, (id) => maskKeyId(id));
}

// C0 controls except TAB and LF, DEL, and C1 controls: an ESC from an AWS error message must not
// reach the terminal as an escape sequence.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** Normalizes line ends to LF and replaces other control characters with U+FFFD. */
export function sanitizeForTerminal(text: string): string {
  return text.replace(/\r\n?/g, "\n").replace(CONTROL, "\uFFFD");
}

function parseDate(iso: string): Date | null {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** "2024-05-01" from an ISO timestamp; the input unchanged when it does not parse. */
export function formatDate(iso: string): string {
  const d = parseDate(iso);
  return d === null ? iso : d.toISOString().slice(0, 10);
}

/** "2024-05-01 12:34 UTC" from an ISO timestamp; the input unchanged when it does not parse. */
export function formatDateTime(iso: string): string {
  const d = parseDate(iso);
  return d === null ? iso : `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** "850 ms", "12.3 s", "2 min 05 s". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "unknown";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const totalSeconds = Math.round(ms / 1000);
  const minutes = Math.floor(totalSeconds / 60);
  const seconds = totalSeconds % 60;
  return `${minutes} min ${String(seconds).padStart(2, "0")} s`;
}

export function countByResult(findings: readonly Finding[]): Record<FindingResult, number> {
  const counts: Record<FindingResult, number> = { FAIL: 0, ERROR: 0, WARN: 0, PASS: 0 };
  for (const f of findings) counts[f.result] += 1;
  return counts;
}

/** Severity counts over the findings that are not PASS (a PASS has no severity that matters). */
export function countBySeverity(findings: readonly Finding[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
  for (const f of findings) if (f.result !== "PASS") counts[f.severity] += 1;
  return counts;
}

function resultRank(r: FindingResult): number {
  return RESULTS.length - 1 - RESULTS.indexOf(r);
}

/** Negative when a is worse than b: severity first, then FAIL > ERROR > WARN > PASS. */
export function compareFindings(a: Finding, b: Finding): number {
  return severityRank(b.severity) - severityRank(a.severity) || resultRank(b.result) - resultRank(a.result);
}

/** The worst non-PASS finding per access key id ("FAIL" beats "WARN" regardless of severity). */
export function worstByKey(findings: readonly Finding[]): Map<string, { worst: Finding; count: number }> {
  const out = new Map<string, { worst: Finding; count: number }>();
  for (const f of findings) {
    // Advice (info) is not a verdict on the key: it stays in the findings list, not this column.
    if (f.result === "PASS" || f.severity === "info" || f.accessKeyId === null) continue;
    const k = `${f.accountId}/${f.accessKeyId}`;
    const prev = out.get(k);
    if (prev === undefined) {
      out.set(k, { worst: f, count: 1 });
      continue;
    }
    prev.count += 1;
    const byResult = resultRank(f.result) - resultRank(prev.worst.result);
    const bySeverity = severityRank(f.severity) - severityRank(prev.worst.severity);
    if (byResult > 0 || (byResult === 0 && bySeverity > 0)) prev.worst = f;
  }
  return out;
}

export function keyOf(accountId: string, accessKeyId: string): string {
  return `${accountId}/${accessKeyId}`;
}

/** Findings sorted by severity (critical first), then result, keeping the report's order otherwise. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => compareFindings(a.f, b.f) || a.i - b.i)
    .map(({ f }) => f);
}
