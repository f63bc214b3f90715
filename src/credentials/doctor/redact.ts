// The last line of defence: no secret access key or session token leaves doctor, whatever text an
// error carried. Every string of the report passes through here.
import type { DoctorReport } from "./types.js";

/** Long base64 runs: session tokens are hundreds of characters; nothing else doctor prints is. */
const LONG_TOKEN = /[A-Za-z0-9/+=]{100,}/g;
export const REDACTED = "****";

export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  // Longest first, so a secret that contains another is removed whole.
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) {
    if (s.length >= 8) out = out.split(s).join(REDACTED);
  }
  return out.replace(LONG_TOKEN, REDACTED);
}

export function redactReport(report: DoctorReport, secrets: readonly string[]): DoctorReport {
  const r = (s: string): string => redact(s, secrets);
  const rn = (s: string | null): string | null => (s === null ? null : r(s));
  return {
    ...report,
    source: {
      kind: report.source.kind,
      name: r(report.source.name),
      shadowed: report.source.shadowed.map((s) => ({ ...s, name: r(s.name) })),
    },
    checks: report.checks.map((c) => ({ id: c.id, status: c.status, message: r(c.message), fix: rn(c.fix) })),
    diagnosis: {
      code: report.diagnosis.code,
      message: r(report.diagnosis.message),
      fix: rn(report.diagnosis.fix),
    },
  };
}
