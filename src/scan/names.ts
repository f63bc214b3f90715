// Where a name that holds a secret starts, and git-secrets' optional-prefix names. Pure.
import { GIT_SECRETS_NAME_RE, NAME_LOOKBACK, VALUE_AFTER_NAME_RE, isNameChar } from "./patterns.js";

/** Where a name that ends in one of `needles` starts with one of `heads` (lower-case), once each. */
export function nameStarts(text: string, at: number[], heads: string[]): number[] {
  const starts = new Set<number>();
  for (const p of at) {
    const from = Math.max(0, p - NAME_LOOKBACK);
    const before = text.slice(from, p).toLowerCase();
    for (const h of heads) {
      const i = before.lastIndexOf(h);
      if (i >= 0) starts.add(from + i);
    }
  }
  return [...starts];
}

/** What may stand between a name and its `=` or `:`: quotes, spaces, tabs. */
const ASSIGN_PAD = new Set([34, 39, 96, 32, 9]);

/**
 * Values under git-secrets' optional-prefix names (`aws_key`, `access_key`, `SecretKey`, `KEY`):
 * every "key"/"KEY"/"Key" hit, widened to the whole identifier, which must be one of those names.
 */
export function gitSecretsNamed(text: string, keyNames: number[]): { value: string; index: number }[] {
  const out: { value: string; index: number }[] = [];
  const ends = keyNames.map((p) => p + 3);
  for (const end of ends) {
    if (end < text.length && isNameChar(text.charCodeAt(end))) continue;
    // Most names ending in "key" are not assigned a value here (getKey(), publicKey,): look for
    // the `=` or `:` first, before widening to the whole name.
    let v = end;
    while (v < text.length && v < end + 8 && ASSIGN_PAD.has(text.charCodeAt(v))) v++;
    const op = text.charCodeAt(v);
    if (op !== 58 && op !== 61) continue;
    let start = end;
    while (start > 0 && end - start < 24 && isNameChar(text.charCodeAt(start - 1))) start--;
    if (!GIT_SECRETS_NAME_RE.test(text.slice(start, end))) continue;
    VALUE_AFTER_NAME_RE.lastIndex = end;
    const m = VALUE_AFTER_NAME_RE.exec(text);
    const value = m?.[1];
    if (m && value) out.push({ value, index: m.index + m[0].length - value.length });
  }
  return out;
}
