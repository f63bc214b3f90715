// The detector: AWS credentials in one file's text. Pure; the text is the file's bytes decoded as
// latin1, so an index is a byte offset and a column is a byte column (what git and editors on
// ASCII lines agree on).
import {
  KEY_ID_RE,
  NAME_LOOKBACK,
  SECRET_AT_RE,
  SECRET_NEEDLES,
  SECRET_RUN_RE,
  TOKEN_AT_RE,
  TOKEN_NEEDLES,
  TOKEN_BODY_RE,
  TOKEN_PREFIXES,
  isBase64Char,
  isCredentialKeyId,
  isExampleKeyId,
  isPlaceholderKeyId,
  isPlausibleSecret,
  isPlausibleSessionToken,
} from "./patterns.js";
import type { FindingKind } from "./types.js";

export interface RawFinding {
  kind: FindingKind;
  /** The matched text: the key id, the secret or the token. Never printed; masked by callers. */
  value: string;
  /** The key id the secret or token sits next to (unmasked), when there is one. */
  keyId: string | null;
  line: number;
  column: number;
}

/** Secrets within this many characters of a key id are its pair (same line in CSV, next lines in INI). */
const PAIR_BEFORE = 200;
const PAIR_AFTER = 300;
/** A token is paired with the nearest temporary key id this close. */
const TOKEN_PAIR = 3000;

/**
 * "AKIA" + "ABCD...", 'AKIA' 'ABCD', ["AKIA", "ABCD..."], PHP's "AKIA"."ABCD": fragments of one
 * string literal. A quote, an optional joiner, an optional line break, the same quote.
 */
const JOIN_RE = /(["'])[ \t]*(?:[+.,][ \t]*)?(?:\r?\n[ \t]*)?(?:[+.,][ \t]*)?\1/y;

const ALLOW = "keywarden:allow";

interface Hit {
  kind: FindingKind;
  value: string;
  keyId: string | null;
  index: number;
}

/**
 * Where a literal occurs, by String#indexOf (memchr-fast; a case-insensitive regex over the whole
 * text is ten times slower). The slower, anchored regexes then run only in windows around these.
 */
/** Where a name that ends in one of `needles` starts with one of `heads` (lower-case), once each. */
function nameStarts(text: string, at: number[], heads: string[]): number[] {
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

function positions(text: string, needles: readonly string[]): number[] {
  const out: number[] = [];
  for (const n of needles) {
    for (let i = text.indexOf(n); i >= 0; i = text.indexOf(n, i + n.length)) out.push(i);
  }
  return out.sort((a, b) => a - b);
}

export function detect(text: string): RawFinding[] {
  const hits = detectHits(text);
  // Key ids split into literal fragments: join those fragments and look for key ids again,
  // keeping only what the plain pass missed.
  const joins = keyJoins(text);
  if (joins.length > 0) {
    const { joined, toOriginal } = joinFragments(text, joins);
    const seen = new Set(hits.map((h) => h.value));
    for (const h of keyIdHits(joined)) {
      if (!seen.has(h.value)) hits.push({ ...h, index: toOriginal(h.index) });
    }
  }
  return locate(text, hits);
}

const KEY_CHAR = /[A-Z0-9]/;
const NEEDLES = [...SECRET_NEEDLES, ...TOKEN_NEEDLES];

/**
 * Joiners inside a key id split across literals: a literal starting with "A" and holding only
 * key-id characters, a joiner, and more key-id characters, for up to 20 characters in all.
 */
function keyJoins(text: string): { index: number; length: number }[] {
  const out: { index: number; length: number }[] = [];
  for (const q of positions(text, ['"A', "'A"])) {
    let pos = q + 1;
    let total = 0;
    for (;;) {
      let end = pos;
      while (end < text.length && KEY_CHAR.test(text.charAt(end))) end++;
      total += end - pos;
      if (total >= 20 || end === pos) break;
      JOIN_RE.lastIndex = end;
      const m = JOIN_RE.exec(text);
      if (!m || !KEY_CHAR.test(text.charAt(end + m[0].length))) break;
      out.push({ index: end, length: m[0].length });
      pos = end + m[0].length;
    }
  }
  return out.sort((a, b) => a.index - b.index);
}

function keyIdHits(text: string): Hit[] {
  const hits: Hit[] = [];
  KEY_ID_RE.lastIndex = 0;
  for (const m of text.matchAll(KEY_ID_RE)) {
    const id = m[0];
    if (isExampleKeyId(id) || isPlaceholderKeyId(id)) continue;
    hits.push({ kind: "access-key-id", value: id, keyId: id, index: m.index });
  }
  return hits;
}

function detectHits(text: string): Hit[] {
  const hits = keyIdHits(text);
  const keyIds = hits.map((h) => ({ id: h.value, index: h.index }));
  const secretAt = new Set<number>();
  const addSecret = (value: string, index: number, keyId: string | null) => {
    if (secretAt.has(index) || !isPlausibleSecret(value)) return;
    secretAt.add(index);
    hits.push({ kind: "secret-access-key", value, keyId, index });
  };
  for (const k of keyIds) {
    if (!isCredentialKeyId(k.id)) continue;
    const from = Math.max(0, k.index - PAIR_BEFORE);
    const window = text.slice(from, k.index + 20 + PAIR_AFTER);
    SECRET_RUN_RE.lastIndex = 0;
    for (const m of window.matchAll(SECRET_RUN_RE)) addSecret(m[0], from + m.index, k.id);
  }
  // One search for all the names' needles, then split by family.
  const named = positions(text, NEEDLES);
  const secretNames = named.filter((p) => SECRET_NEEDLES.some((n) => text.startsWith(n, p)));
  const tokenNames = named.filter((p) => TOKEN_NEEDLES.some((n) => text.startsWith(n, p)));
  for (const start of nameStarts(text, secretNames, ["secret"])) {
    SECRET_AT_RE.lastIndex = start;
    const m = SECRET_AT_RE.exec(text);
    // "secret_key", "SecretAccessKey"... a bare "secret" is anybody's.
    if (!m || m[1] === undefined) continue;
    const value = m[2] ?? "";
    const index = m.index + m[0].length - value.length;
    addSecret(value, index, nearestKeyId(keyIds, index, PAIR_BEFORE + PAIR_AFTER, false));
  }
  const tokenAt = new Set<number>();
  const addToken = (value: string, index: number) => {
    if (tokenAt.has(index) || !isPlausibleSessionToken(value)) return;
    tokenAt.add(index);
    hits.push({ kind: "session-token", value, keyId: nearestKeyId(keyIds, index, TOKEN_PAIR, true), index });
  };
  for (const start of nameStarts(text, tokenNames, ["session", "security"])) {
    TOKEN_AT_RE.lastIndex = start;
    const m = TOKEN_AT_RE.exec(text);
    if (m) addToken(m[1] ?? "", m.index + m[0].length - (m[1] ?? "").length);
  }
  for (const p of positions(text, TOKEN_PREFIXES)) {
    if (p > 0 && isBase64Char(text.charCodeAt(p - 1))) continue;
    TOKEN_BODY_RE.lastIndex = p;
    const m = TOKEN_BODY_RE.exec(text);
    if (m) addToken(m[0], p);
  }
  return hits;
}

function nearestKeyId(
  keyIds: { id: string; index: number }[],
  index: number,
  within: number,
  temporaryOnly: boolean,
): string | null {
  let best: { id: string; d: number } | null = null;
  for (const k of keyIds) {
    if (temporaryOnly ? !k.id.startsWith("ASIA") : !isCredentialKeyId(k.id)) continue;
    const d = Math.abs(k.index - index);
    if (d <= within && (best === null || d < best.d)) best = { id: k.id, d };
  }
  return best?.id ?? null;
}

function joinFragments(
  text: string,
  joins: { index: number; length: number }[],
): { joined: string; toOriginal: (i: number) => number } {
  // Where each removed joiner was (in joined coordinates) and how much had been removed by then.
  const at: number[] = [];
  const shift: number[] = [];
  let removed = 0;
  let joined = "";
  let last = 0;
  for (const j of joins) {
    if (j.index < last) continue;
    joined += text.slice(last, j.index);
    removed += j.length;
    at.push(joined.length);
    shift.push(removed);
    last = j.index + j.length;
  }
  joined += text.slice(last);
  const toOriginal = (i: number) => {
    let lo = 0;
    let hi = at.length - 1;
    let s = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((at[mid] ?? 0) <= i) {
        s = shift[mid] ?? 0;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return i + s;
  };
  return { joined, toOriginal };
}

/** Line and column of each hit; hits on a line (or under a line) saying keywarden:allow are dropped. */
function locate(text: string, hits: Hit[]): RawFinding[] {
  hits.sort((a, b) => a.index - b.index);
  const out: RawFinding[] = [];
  let line = 1;
  let lineStart = 0;
  let prevLineStart = -1;
  let pos = 0;
  for (const h of hits) {
    while (pos < h.index) {
      const nl = text.indexOf("\n", pos);
      if (nl === -1 || nl >= h.index) {
        pos = h.index;
        break;
      }
      line++;
      prevLineStart = lineStart;
      lineStart = nl + 1;
      pos = nl + 1;
    }
    const lineEnd = text.indexOf("\n", h.index);
    const here = text.slice(lineStart, lineEnd === -1 ? text.length : lineEnd);
    const above = prevLineStart >= 0 ? text.slice(prevLineStart, lineStart) : "";
    if (here.includes(ALLOW) || above.includes(ALLOW)) continue;
    out.push({ kind: h.kind, value: h.value, keyId: h.keyId, line, column: h.index - lineStart + 1 });
  }
  return out;
}
