// CloudTrail never logs a secret access key, but a response element can still hold one (a
// CreateAccessKey made through a path that logs it, a tool that echoes credentials into a
// parameter). Incidents are stored and rendered, so every 40-character run shaped like a secret
// is replaced before an event leaves the reader. Same shape as the store's guard (store/guard.ts).
const STANDALONE_40 = /(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])/g;
const SECRET_FIELD = /secret|password|sessiontoken|privatekey/i;

export const REDACTED = "[redacted]";

export function redactText(text: string): string {
  return text.replace(STANDALONE_40, (run) => (/[A-Z]/.test(run) && /[a-z]/.test(run) ? REDACTED : run));
}

/** A deep copy with secret-named fields and secret-shaped strings replaced. */
export function redactValue(value: unknown): unknown {
  if (typeof value === "string") return redactText(value);
  if (Array.isArray(value)) return value.map(redactValue);
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[redactText(k)] = SECRET_FIELD.test(k) && v !== null && v !== "" ? REDACTED : redactValue(v);
    }
    return out;
  }
  return value;
}
