// CloudTrail never logs a secret access key, but a record can still hold one (a CreateAccessKey
// made through a path that logs it, a tool that echoes credentials into a parameter, a URL with a
// presigned query). Incidents are stored and rendered, so this one pass runs over everything
// before it is stored or rendered (respond's report, the incident read back, trail's summary).
//
// A secret access key is 40 characters of base64 ([A-Za-z0-9/+]), and in a record it can be:
// - plain, standing alone (the shape the store's guard refuses, store/guard.ts);
// - URL-encoded: `/` as %2F, `+` as %2B (%252F, %252B when encoded twice);
// - JSON-escaped: `\/` (`\\/`, `\u002F`, `\u002B`), JSON text kept as a string in a field;
// - glued to other base64 text: a key id and its secret written together, a secret followed by a
//   session token, any longer base64 blob with a secret-shaped stretch in it;
// - base64-encoded inside text (a boot script or a config file passed as a parameter).
// So every run of base64 characters, in any of those encodings, is decoded first and judged as
// plain base64; a run judged secret is replaced whole, encoding included.

// A field that names a secret (Secrets Manager's secretId, secretArn, secretName) is not one: the
// name tells a responder which secret was read and a migration plan which to grant. A secret-shaped
// value in it is still caught by the shape check below.
const SECRET_FIELD = /secret(?!(id|arn|name)$)|password|sessiontoken|privatekey/i;

export const REDACTED = "[redacted]";

/** A run of base64 characters, each plain, URL-encoded or JSON-escaped. */
const ENCODED_RUN = /(?:[A-Za-z0-9+/]|%(?:25)*2[BbFf]|\\+\/|\\+u002[BbFf])+/g;
const ENCODED = /%(?:25)*2[BbFf]|\\+\/|\\+u002[BbFf]/g;

const decodeRun = (run: string) => run.replace(ENCODED, (e) => (/[Bb]$/.test(e) ? "+" : "/"));

const mixedCase = (s: string) => /[A-Z]/.test(s) && /[a-z]/.test(s);

/** A key id and a secret written together (`AKIA...` then 40 base64 characters). */
const ID_THEN_SECRET = /(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}[A-Za-z0-9+/]{40}/;

const kind = (c: string) =>
  c <= "9" && c >= "0" ? 2 : c <= "Z" && c >= "A" ? 0 : c <= "z" && c >= "a" ? 1 : 3;

/**
 * Whether some 40-character stretch of a longer run looks like a random secret: upper and lower
 * case, a digit, and the character class changing at least 16 times (random base64 changes class
 * about 25 times in 40 characters, 15 or fewer in 0.2% of cases; paths and identifiers change
 * far less: `AWSLogs/123456789012/CloudTrail/...` 14 times at most).
 */
function hasSecretStretch(run: string): boolean {
  const n = run.length;
  const counts = [0, 0, 0, 0];
  let changes = 0;
  for (let i = 0; i < n; i++) {
    const k = kind(run[i] as string);
    counts[k] = (counts[k] ?? 0) + 1;
    if (i > 0 && k !== kind(run[i - 1] as string)) changes++;
    if (i >= 40) {
      const out = kind(run[i - 40] as string);
      counts[out] = (counts[out] ?? 0) - 1;
      if (kind(run[i - 39] as string) !== out) changes--;
    }
    if (i >= 39 && (counts[0] ?? 0) > 0 && (counts[1] ?? 0) > 0 && (counts[2] ?? 0) > 0 && changes >= 16)
      return true;
  }
  return false;
}

/** Base64 that decodes to text (a script, a config): that text, else null. */
function base64Text(run: string): string | null {
  if (run.length % 4 === 1) return null;
  const bytes = Buffer.from(run, "base64");
  if (bytes.length < 30) return null;
  const text = bytes.toString("utf8");
  let printable = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0;
    if (c === 0 || c === 0xfffd) return null;
    if (c >= 0x20 || c === 0x0a || c === 0x0d || c === 0x09) printable++;
  }
  return printable >= text.length * 0.95 ? text : null;
}

/** Whether one decoded base64 run is, or holds, a secret. */
function isSecretRun(run: string, depth: number): boolean {
  if (run.length < 40) return false;
  // 40 exactly: a secret unless one case is missing (a random secret lacks one with odds of about
  // 1 in 10^9, while SHA-1 hex digests and lower-case paths are common), as the store's guard.
  if (run.length === 40) return mixedCase(run);
  const text = depth < 2 ? base64Text(run) : null;
  if (text !== null) return redactText(text, depth + 1) !== text;
  return ID_THEN_SECRET.test(run) || hasSecretStretch(run);
}

// trail's summary of a busy key redacts hundreds of thousands of groups whose long strings (user
// agents, ARNs) repeat: judged once each. Bounded, and only for strings short enough to keep.
const judged = new Map<string, string>();
const JUDGED_MAX = 20_000;
const JUDGED_LONGEST = 2_048;

export function redactText(text: string, depth = 0): string {
  // A secret is 40 characters at least, in any of its encodings.
  if (text.length < 40) return text;
  const memo = depth === 0 && text.length <= JUDGED_LONGEST;
  if (memo) {
    const known = judged.get(text);
    if (known !== undefined) return known;
  }
  const out = text.replace(ENCODED_RUN, (run) => {
    if (run.length < 40) return run;
    return isSecretRun(decodeRun(run), depth) ? REDACTED : run;
  });
  if (memo) {
    if (judged.size >= JUDGED_MAX) judged.clear();
    judged.set(text, out);
  }
  return out;
}

/** A deep copy with secret-named fields and secret-shaped strings (in any encoding) replaced. */
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
