// Belt and braces: the rotation code never hands a secret to the store, and this check makes sure.
// A secret access key is 40 characters of base64 ([A-Za-z0-9/+]); one "standing alone" is a run of
// exactly 40 such characters, not part of a longer run. Runs with no upper-case or no lower-case
// letter are let through: a random secret lacks one with odds of about 1 in 10^9, while SHA-1 hex
// digests and lower-case paths (which a 40-character run can otherwise be) are common in job data.
import { SecretShapedValueError } from "./errors.js";

const STANDALONE_40 = /(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])/g;

export function looksLikeSecretAccessKey(text: string): boolean {
  for (const m of text.matchAll(STANDALONE_40)) {
    const run = m[0];
    if (/[A-Z]/.test(run) && /[a-z]/.test(run)) return true;
  }
  return false;
}

/** Throws SecretShapedValueError if any string (or object key) anywhere in `value` looks like a secret. */
export function assertNoSecrets(value: unknown, where: string): void {
  walk(value, where, new Set());
}

function walk(value: unknown, where: string, seen: Set<object>): void {
  if (typeof value === "string") {
    if (looksLikeSecretAccessKey(value)) throw new SecretShapedValueError(where);
    return;
  }
  if (typeof value !== "object" || value === null || seen.has(value)) return;
  seen.add(value);
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      walk(item, `${where}[${i}]`, seen);
    });
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    if (looksLikeSecretAccessKey(key)) throw new SecretShapedValueError(`a key of ${where}`);
    walk(item, `${where}.${key}`, seen);
  }
}
