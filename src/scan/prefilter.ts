// The literal prefilter: can these bytes hold anything detect() reports? Decoding a buffer to a
// string cost more than half of a tree scan (profile in bench/README.md), and almost every file
// of a code tree holds no credential, so the bytes are searched first with Buffer#indexOf
// (memchr/memmem speed) for the literals every finding needs, and each hit is checked on the
// bytes around it. Only a buffer that passes is decoded and run through the regexes.
//
// This must never drop a finding: each test below is a necessary condition of one path of
// detect() (the comment names the path), looser where that keeps it simple. prefilter.test.ts
// checks it against detect() on every corpus file.

/** [A-Z2-7]: the 16 characters after a key id's prefix. */
function isKeyChar(b: number): boolean {
  return (b >= 65 && b <= 90) || (b >= 50 && b <= 55);
}
/** [A-Z0-9]: what keyJoins() lets a key-id fragment hold. */
function isFragmentChar(b: number): boolean {
  return (b >= 65 && b <= 90) || (b >= 48 && b <= 57);
}
function isB64(b: number): boolean {
  return (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || (b >= 48 && b <= 57) || b === 43 || b === 47;
}
function isNameByte(b: number): boolean {
  return (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || (b >= 48 && b <= 57) || b === 95 || b === 45;
}

/** The second to fourth bytes of each key-id prefix after its "A" (KEY_ID_PREFIXES); "3T" takes one more. */
const PREFIX_TAILS = ["KIA", "SIA", "BIA", "CCA", "GPA", "IDA", "ROA", "IPA", "NPA", "NVA", "PKA", "SCA"].map(
  (t) => [t.charCodeAt(0), t.charCodeAt(1), t.charCodeAt(2)] as const,
);

/** At `i` (an "A"): a key-id prefix followed by 16 key characters (KEY_ID_RE, boundaries aside). */
function keyIdAt(buf: Buffer, i: number): boolean {
  const b1 = buf[i + 1];
  const b2 = buf[i + 2];
  let start = -1;
  if (b1 === 51 && b2 === 84)
    start = i + 4; // A3T + one [A-Z0-9]
  else {
    const b3 = buf[i + 3];
    for (const t of PREFIX_TAILS) {
      if (t[0] === b1 && t[1] === b2 && t[2] === b3) {
        start = i + 4;
        break;
      }
    }
  }
  if (start < 0 || start + 16 > buf.length) return false;
  for (let j = start; j < start + 16; j++) if (!isKeyChar(buf[j] ?? 0)) return false;
  return true;
}

/**
 * At `i` (an "A" after a quote): a fragment of 1-19 [A-Z0-9] closed by a quote, then a joiner as
 * JOIN_RE has it (blanks, + . or ",", a line break, the same quote again) and one more [A-Z0-9]:
 * where keyJoins() joins literals.
 */
function fragmentAt(buf: Buffer, i: number): boolean {
  const open = buf[i - 1];
  if (open !== 34 && open !== 39) return false;
  let j = i;
  while (j < buf.length && j - i < 20 && isFragmentChar(buf[j] ?? 0)) j++;
  const q = buf[j];
  if (j - i >= 20 || (q !== 34 && q !== 39)) return false;
  let k = j + 1;
  const blanks = () => {
    while (buf[k] === 32 || buf[k] === 9) k++;
  };
  const joiner = () => {
    if (buf[k] === 43 || buf[k] === 46 || buf[k] === 44) {
      k++;
      blanks();
    }
  };
  blanks();
  joiner();
  if (buf[k] === 13 && buf[k + 1] === 10) k += 2;
  else if (buf[k] === 10) k++;
  blanks();
  joiner();
  return buf[k] === q && isFragmentChar(buf[k + 1] ?? 0);
}

/** Every "A": key ids, and literal fragments a key id may be split into. */
function anyKeyIdOrFragment(buf: Buffer): boolean {
  for (let i = buf.indexOf(65); i >= 0; i = buf.indexOf(65, i + 1)) {
    if (keyIdAt(buf, i) || fragmentAt(buf, i)) return true;
  }
  return false;
}

/** Whether buf holds `word` (lower case) at `i`, ignoring ASCII case. */
function wordAt(buf: Buffer, i: number, word: string): boolean {
  if (i < 0 || i + word.length > buf.length) return false;
  for (let k = 0; k < word.length; k++) if (((buf[i + k] ?? 0) | 32) !== word.charCodeAt(k)) return false;
  return true;
}

/** A run of at least `min` base64 characters starting at `i`. */
function runAt(buf: Buffer, i: number, min: number): boolean {
  for (let k = 0; k < min; k++) if (!isB64(buf[i + k] ?? 0)) return false;
  return true;
}

/**
 * What may stand between a name and its value in SECRET_AT_RE, TOKEN_AT_RE and
 * VALUE_AFTER_NAME_RE: quotes, \s as latin1 text has it (NBSP included), and = : , > (.
 */
const BETWEEN = new Set([34, 39, 96, 9, 10, 11, 12, 13, 32, 0xa0, 61, 58, 44, 62, 40]);

/** From `i`, past what may separate a name from its value: where the value must start. */
function valueStart(buf: Buffer, i: number): number {
  while (i < buf.length && BETWEEN.has(buf[i] ?? 0)) i++;
  return i;
}

/** A value of `min`+ base64 characters after a name ending at `i`; SECRET_AT_RE also allows `f(`. */
function valueAfter(buf: Buffer, i: number, min: number, call: boolean): boolean {
  const v = valueStart(buf, i);
  if (runAt(buf, v, min)) return true;
  if (!call) return false;
  // (?:[a-z.]*\()?["'`]? — a call such as os.getenv( or str( before the quoted value.
  let j = v;
  while (j < buf.length && ((((buf[j] ?? 0) | 32) >= 97 && ((buf[j] ?? 0) | 32) <= 122) || buf[j] === 46))
    j++;
  if (buf[j] !== 40) return false;
  return runAt(buf, valueStart(buf, j + 1), min);
}

/**
 * SECRET_AT_RE at `s` (a "secret"): secret[sep]access?[sep]key([sep]id)? then a 40-character value.
 */
function secretAt(buf: Buffer, s: number): boolean {
  let i = s + 6;
  const sep = (b: number | undefined) => b === 95 || b === 45 || b === 46 || b === 32;
  if (sep(buf[i]) && wordAt(buf, i + 1, "access")) i += 7;
  else if (wordAt(buf, i, "access")) i += 6;
  if (sep(buf[i])) i++;
  if (!wordAt(buf, i, "key")) return false;
  i += 3;
  if (sep(buf[i]) && buf[i] !== 32 && wordAt(buf, i + 1, "id")) i += 3;
  else if (wordAt(buf, i, "id")) i += 2;
  // An id the regex does not take ("key id(...)") is read by valueAfter as a call.
  return valueAfter(buf, i, 40, true);
}

/** TOKEN_AT_RE at `s` (a "session" or "security"): [sep]token, then a 100+ character value. */
function tokenAt(buf: Buffer, s: number, head: string): boolean {
  let i = s + head.length;
  if (buf[i] === 95 || buf[i] === 45 || buf[i] === 46) i++;
  if (!wordAt(buf, i, "token")) return false;
  return valueAfter(buf, i + 5, 100, false);
}

/** Positions of `needle` in buf. */
function* hits(buf: Buffer, needle: Buffer): Generator<number> {
  for (let i = buf.indexOf(needle); i >= 0; i = buf.indexOf(needle, i + needle.length)) yield i;
}

const KEY_NEEDLES = ["key", "KEY", "Key"].map((s) => Buffer.from(s));
const TOKEN_NEEDLES = ["_token", "_TOKEN", "-token", "Token"].map((s) => Buffer.from(s));
const TOKEN_PREFIXES = ["IQoJb3JpZ2luX2Vj", "FwoGZXIvYXdzE"].map((s) => Buffer.from(s));
/** How far before a "key"/"token" needle its name's head can start (NAME_LOOKBACK, plus the "_"). */
const LOOKBACK = 17;

/** A named secret: SECRET_AT_RE after "secret...key", or git-secrets' `key = X` (names.ts). */
function namedSecret(buf: Buffer): boolean {
  for (const needle of KEY_NEEDLES) {
    for (const p of hits(buf, needle)) {
      for (let s = Math.max(0, p - LOOKBACK); s < p; s++) {
        if (wordAt(buf, s, "secret") && secretAt(buf, s)) return true;
      }
      // gitSecretsNamed: the name ends here, quotes or blanks, then "=" or ":", then a 40-run.
      const end = p + 3;
      if (isNameByte(buf[end] ?? 0)) continue;
      let v = end;
      while (v < buf.length && v < end + 8 && [34, 39, 96, 32, 9].includes(buf[v] ?? 0)) v++;
      if (buf[v] !== 58 && buf[v] !== 61) continue;
      if (valueAfter(buf, v, 40, false)) return true;
    }
  }
  return false;
}

/** A named session token (TOKEN_AT_RE after "session"/"security"), or a token by its prefix. */
function sessionToken(buf: Buffer): boolean {
  for (const t of TOKEN_PREFIXES) if (buf.indexOf(t) >= 0) return true;
  for (const needle of TOKEN_NEEDLES) {
    for (const p of hits(buf, needle)) {
      for (let s = Math.max(0, p - LOOKBACK); s < p; s++) {
        if (wordAt(buf, s, "session") && tokenAt(buf, s, "session")) return true;
        if (wordAt(buf, s, "security") && tokenAt(buf, s, "security")) return true;
      }
    }
  }
  return false;
}

/**
 * False only when detect() would find nothing in these bytes: no key id or key-id fragment, no
 * named secret with a 40-character value, no session token. UTF-16 text (NULs in the first 4 KB,
 * which content.ts squeezes to ASCII first) is always passed on.
 */
export function mayHoldCredential(buf: Buffer): boolean {
  const head = buf.subarray(0, 4096);
  if (head.indexOf(0) >= 0) return true;
  if (anyKeyIdOrFragment(buf)) return true;
  return namedSecret(buf) || sessionToken(buf);
}
