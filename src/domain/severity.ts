import { SEVERITIES, type Finding, type Severity } from "./types.js";

/** Higher is more severe: critical=4 ... info=0. */
export function severityRank(s: Severity): number {
  return SEVERITIES.length - 1 - SEVERITIES.indexOf(s);
}

export function isSeverity(s: string): s is Severity {
  return (SEVERITIES as readonly string[]).includes(s);
}

/** A finding "counts" for --fail-on when it is not a PASS and is at or above the threshold. */
export function failsThreshold(f: Finding, threshold: Severity | "none"): boolean {
  if (threshold === "none" || f.result === "PASS") return false;
  return severityRank(f.severity) >= severityRank(threshold);
}
