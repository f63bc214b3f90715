// The detector: AWS credentials in one file's text. Pure; the text is the file's bytes decoded as
// latin1, so an index is a byte offset and a column is a byte column (what git and editors on
// ASCII lines agree on).
import { allowedBy, hasMarkers } from "./markers.js";
import { gitSecretsNamed, nameStarts } from "./names.js";
import { Lines, pairOf, type KeyAt } from "./pairing.js";
import {
  KEY_ID_RE,
  SESSION_LABEL_AT_RE,
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
  isNameChar,
  isOpaqueSessionToken,
  isPlaceholderKeyId,
  isPlausibleSecret,
  isPlausibleSessionToken,
  isSecretLikeValue,
} from "./patterns.js";
import type { FindingKind } from "./types.js";

export interface RawFinding {
  kind: FindingKind;
  /** The matched text: the key id, the secret or the token. Never printed; masked by callers. */
  value: string;
  /** The key id the secret or token belongs to (unmasked), when there is one. */
  keyId: string | null;
  line: number;
  column: number;
  /** Secrets and tokens: how sure the pairing with keyId is; null when no key id is near. */
  pairing?: "sure" | "unsure" | null;
  /** Secrets and tokens without a key id of their own: the nearest one, in another structure. */
  near?: { id: string; line: number } | null;
  /** Key ids: the line of the secret found with this id (a leaked credential pair). */
  pairedLine?: number;
  /** The allow marker that accepts this finding, when one does (it is then suppressed, not dropped). */
  allowedBy?: string;
}

/** Unnamed 40-character runs this close to a key id are candidate secrets (CSV rows, INI pairs). */
const PAIR_BEFORE = 200;
const PAIR_AFTER = 300;

/**
 * "AKIA" + "ABCD...", 'AKIA' 'ABCD', ["AKIA", "ABCD..."], PHP's "AKIA"."ABCD": fragments of one
 * string literal. A quote, an optional joiner, an optional line break, the same quote.
 */
const JOIN_RE = /(["'])[ \t]*(?:[+.,][ \t]*)?(?:\r?\n[ \t]*)?(?:[+.,][ \t]*)?\1/y;

interface Hit {
  kind: FindingKind;
  value: string;
  keyId: string | null;
  index: number;
  pairing?: "sure" | "unsure" | null;
  near?: { id: string; line: number } | null;
  pairedIndex?: number;
}

/**
 * Where a literal occurs, by String#indexOf (memchr-fast; a case-insensitive regex over the whole
 * text is ten times slower). The slower, anchored regexes then run only in windows around these.
 */
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
  const keyIds: KeyAt[] = hits.map((h) => ({ id: h.value, index: h.index }));
  const secrets: Hit[] = [];
  const secretAt = new Set<number>();
  const addSecret = (value: string, index: number, plausible: (s: string) => boolean) => {
    if (secretAt.has(index) || !plausible(value)) return;
    secretAt.add(index);
    secrets.push({ kind: "secret-access-key", value, keyId: null, index });
  };
  // Unnamed 40-character runs count only near a key id (which one they belong to comes later).
  for (const k of keyIds) {
    if (!isCredentialKeyId(k.id)) continue;
    const from = Math.max(0, k.index - PAIR_BEFORE);
    const window = text.slice(from, k.index + 20 + PAIR_AFTER);
    SECRET_RUN_RE.lastIndex = 0;
    for (const m of window.matchAll(SECRET_RUN_RE)) addSecret(m[0], from + m.index, isPlausibleSecret);
  }
  // One search for all the names' needles, then split by family.
  const named = positions(text, NEEDLES);
  const keyNames = named.filter((p) => SECRET_NEEDLES.some((n) => text.startsWith(n, p)));
  const tokenNames = named.filter((p) => TOKEN_NEEDLES.some((n) => text.startsWith(n, p)));
  // "secret_key", "SecretAccessKey", "SECRET_KEY": "Key", or "key"/"KEY" after "_" or "-".
  const secretNames: number[] = [];
  for (const p of keyNames) {
    const before = text.charCodeAt(p - 1);
    if (text.charCodeAt(p) === 75 && text.charCodeAt(p + 1) === 101) secretNames.push(p);
    else if (before === 95 || before === 45) secretNames.push(p - 1);
  }
  for (const start of nameStarts(text, secretNames, ["secret"])) {
    SECRET_AT_RE.lastIndex = start;
    const m = SECRET_AT_RE.exec(text);
    // "secret_key", "SecretAccessKey"... a bare "secret" is anybody's.
    if (!m || m[1] === undefined) continue;
    const value = m[2] ?? "";
    addSecret(value, m.index + m[0].length - value.length, isPlausibleSecret);
  }
  for (const g of gitSecretsNamed(text, keyNames)) addSecret(g.value, g.index, isSecretLikeValue);

  const tokens: Hit[] = [];
  const tokenAt = new Set<number>();
  const addToken = (value: string, index: number, plausible: (s: string) => boolean) => {
    if (tokenAt.has(index) || !plausible(value)) return;
    tokenAt.add(index);
    tokens.push({ kind: "session-token", value, keyId: null, index });
  };
  for (const start of nameStarts(text, tokenNames, ["session", "security"])) {
    TOKEN_AT_RE.lastIndex = start;
    const m = TOKEN_AT_RE.exec(text);
    if (m) addToken(m[1] ?? "", m.index + m[0].length - (m[1] ?? "").length, isPlausibleSessionToken);
  }
  // A bare `session:` label says little (web sessions, cookies): it counts beside a temporary
  // key id only, which also spares every other file the search for "session" (a common word).
  const sessionLabels = keyIds.some((k) => k.id.startsWith("ASIA")) ? positions(text, SESSION_LABELS) : [];
  for (const p of sessionLabels) {
    if (p > 0 && isNameChar(text.charCodeAt(p - 1)) && text.charCodeAt(p - 1) !== 95) continue;
    SESSION_LABEL_AT_RE.lastIndex = p;
    const m = SESSION_LABEL_AT_RE.exec(text);
    if (m) addToken(m[1] ?? "", m.index + m[0].length - (m[1] ?? "").length, isOpaqueSessionToken);
  }
  for (const p of positions(text, TOKEN_PREFIXES)) {
    if (p > 0 && isBase64Char(text.charCodeAt(p - 1))) continue;
    TOKEN_BODY_RE.lastIndex = p;
    const m = TOKEN_BODY_RE.exec(text);
    if (m) addToken(m[0], p, isPlausibleSessionToken);
  }
  if (secrets.length + tokens.length > 0) pair(text, hits, keyIds, secrets, tokens);
  return [...hits, ...secrets, ...tokens];
}

/** Bare `session` labels (TruffleHog's `session: ...`). */
const SESSION_LABELS = ["session", "Session"] as const;

/**
 * Ties each secret to the nearest credential key id in its structure and each token to the
 * nearest temporary (ASIA) one; marks the key ids found with their secret.
 */
function pair(text: string, ids: Hit[], keyIds: KeyAt[], secrets: Hit[], tokens: Hit[]): void {
  const lines = new Lines(text);
  const credentials = keyIds.filter((k) => isCredentialKeyId(k.id));
  const temporary = keyIds.filter((k) => k.id.startsWith("ASIA"));
  const pairedAt = new Map<string, number>();
  for (const [list, keys] of [
    [secrets, credentials],
    [tokens, temporary],
  ] as const) {
    for (const h of list) {
      const p = pairOf(lines, h.index, keys);
      h.keyId = p.keyId;
      h.pairing = p.confidence;
      h.near = p.near;
      if (list === secrets && p.keyId !== null && !pairedAt.has(p.keyId)) pairedAt.set(p.keyId, h.index);
    }
  }
  for (const h of ids) {
    const at = pairedAt.get(h.value);
    if (at !== undefined) h.pairedIndex = at;
  }
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

/**
 * Line and column of each hit, the line of each key id's paired secret, and the allow marker
 * (if any) that accepts it: such hits are kept, marked, for the caller to count as suppressed.
 */
function locate(text: string, hits: Hit[]): RawFinding[] {
  if (hits.length === 0) return [];
  hits.sort((a, b) => a.index - b.index);
  const markers = hasMarkers(text);
  const out: RawFinding[] = [];
  const lineAt = new Map<number, number>();
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
    lineAt.set(h.index, line);
    const f: RawFinding = {
      kind: h.kind,
      value: h.value,
      keyId: h.keyId,
      line,
      column: h.index - lineStart + 1,
    };
    if (h.kind !== "access-key-id") {
      f.pairing = h.pairing ?? null;
      if (h.near) f.near = h.near;
    }
    if (markers) {
      const lineEnd = text.indexOf("\n", h.index);
      const here = text.slice(lineStart, lineEnd === -1 ? text.length : lineEnd);
      const above = prevLineStart >= 0 ? text.slice(prevLineStart, lineStart - 1) : "";
      const by = allowedBy(here, above);
      if (by !== null) f.allowedBy = by;
    }
    out.push(f);
  }
  hits.forEach((h, i) => {
    const f = out[i];
    if (h.pairedIndex !== undefined && f) f.pairedLine = lineAt.get(h.pairedIndex) ?? f.line;
  });
  return out;
}
