// What an AWS credential looks like, and what only looks like one. Pure; no I/O.
//
// Access key ids are 20 characters: a 4-character prefix naming the kind of principal, then 16
// characters of RFC 4648 base32 (A-Z, 2-7). Peers match [A-Z0-9]{16}, which also matches strings
// with 0, 1, 8 or 9 that AWS never issues; we do not.

/** Every unique-id prefix AWS documents for IAM/STS ids that can appear as an access key id. */
export const KEY_ID_PREFIXES = [
  "AKIA", // long-term access key
  "ASIA", // temporary (STS) access key
  "ABIA", // AWS STS service bearer token
  "ACCA", // context-specific credential
  "AGPA", // group
  "AIDA", // IAM user
  "AROA", // role
  "AIPA", // EC2 instance profile
  "ANPA", // managed policy
  "ANVA", // version in a managed policy
  "APKA", // public key
  "ASCA", // certificate
  "A3T", // legacy keys: A3T followed by one more character
] as const;

const PREFIX_ALT = "A(?:KIA|SIA|BIA|CCA|GPA|IDA|ROA|IPA|NPA|NVA|PKA|SCA|3T[A-Z0-9])";
/** A key id standing alone: not inside a longer run of letters and digits (a hash, base64...). */
export const KEY_ID_RE = new RegExp(`(?<![A-Za-z0-9/+])${PREFIX_ALT}[A-Z2-7]{16}(?![A-Za-z0-9/+])`, "g");

/** Ids that name an access key (the rest name principals or policies: not credentials, still reported). */
export function isCredentialKeyId(id: string): boolean {
  return ["AKIA", "ASIA", "ABIA", "ACCA", "A3T"].some((p) => id.startsWith(p));
}

const B64 = "A-Za-z0-9/+";
/** A 40-character base64 run that is not part of a longer one. */
export const SECRET_RUN_RE = new RegExp(`(?<![${B64}])[${B64}]{40}(?![${B64}=])`, "g");

/**
 * A secret assigned to one of the names SDKs, the CLI, Terraform and CloudFormation use:
 * aws_secret_access_key = X, "SecretAccessKey": "X", secretAccessKey: 'X', AWS_SECRET_ACCESS_KEY=X,
 * secret_key = "X", <SecretAccessKey>X</...>, setenv("AWS_SECRET_ACCESS_KEY", "X"). Sticky: run at
 * the "s" of a "secret" found by indexOf; group 1 says whether a "key" followed.
 */
export const SECRET_AT_RE = new RegExp(
  `secret((?:[_\\-. ]?access)?[_\\-. ]?key)?(?:[_\\-.]?id)?` +
    `["'\`]?\\s*(?:=>|:=|[:=,>(]|\\s)\\s*(?:[a-z.]*\\()?["'\`]?([${B64}]{40})(?![${B64}=])`,
  "iy",
);

/**
 * A session token after its usual names (aws_session_token, SessionToken, AWS_SECURITY_TOKEN,
 * X-Amz-Security-Token). Sticky: run at the "s" of "session"/"security" found by indexOf.
 */
export const TOKEN_AT_RE = new RegExp(
  `(?:session|security)[_\\-.]?token["'\`]?\\s*(?:=>|:=|[:=,>]|\\s)\\s*["'\`]?([${B64}]{100,}={0,2})`,
  "iy",
);

/**
 * What indexOf looks for: the tail of each name. V8's string search first looks for the needle's
 * first character, so needles start with a character rare in code and prose where they can ("_",
 * "-", a capital): "Key" runs twenty times faster than "secret". A hit then looks back for
 * "secret"/"session". "key" and "KEY" stand for "_key", "-key", "_KEY" (the hit's previous
 * character tells) and for git-secrets' bare `key`/`KEY` names, in one pass each.
 */
export const SECRET_NEEDLES = ["key", "KEY", "Key"] as const;
export const TOKEN_NEEDLES = ["_token", "_TOKEN", "-token", "Token"] as const;
/** How far back from a needle the name can start ("secret_access" is 13 characters). */
export const NAME_LOOKBACK = 16;

/**
 * git-secrets' secret pattern makes every part of the name optional but "key":
 * (AWS)?_?(SECRET)?_?(ACCESS)?_?KEY. keywarden takes the same names, but only as a whole
 * identifier (`aws_key`, `access_key`, `SecretKey`, `KEY`; not `API_KEY` or `cache_key`), and only
 * with a value that looks random (isSecretLikeValue), since these names say less than "secret".
 */
export const GIT_SECRETS_NAME_RE = /^(?:aws)?[_-]?(?:secret)?[_-]?(?:access)?[_-]?key$/i;
/** What an identifier can hold, for finding where a name starts and ends. */
export function isNameChar(code: number): boolean {
  return (
    (code >= 65 && code <= 90) ||
    (code >= 97 && code <= 122) ||
    (code >= 48 && code <= 57) ||
    code === 95 ||
    code === 45
  );
}
/** `= X`, `: X`, `=> X`, `:= X` right after a name (sticky), the value in group 1. */
export const VALUE_AFTER_NAME_RE = new RegExp(
  `["'\`]?[ \t]*(?:=>|:=|[:=])[ \t]*["'\`]?([${B64}]{40})(?![${B64}=])`,
  "y",
);

/**
 * An opaque session token labelled only `session` (TruffleHog's fixtures, hand-written YAML):
 * sticky at the "s". Longer than the named form asks, because "session" alone names many things.
 */
export const SESSION_LABEL_AT_RE = new RegExp(
  `session["'\`]?[ \t]*(?:=>|:=|[:=])[ \t]*["'\`]?([${B64}]{160,}={0,2})(?![${B64}=]|\\.[${B64}])`,
  "iy",
);

/** The leading bytes every STS session token shares (base64 of its binary header). */
export const TOKEN_PREFIXES = ["IQoJb3JpZ2luX2Vj", "FwoGZXIvYXdzE"] as const;
/** A whole token from one of TOKEN_PREFIXES (sticky: matched at the prefix's position). */
export const TOKEN_BODY_RE = new RegExp(`[${B64}]{96,}={0,2}`, "y");

export function isBase64Char(code: number): boolean {
  return (
    (code >= 65 && code <= 90) ||
    (code >= 97 && code <= 122) ||
    (code >= 48 && code <= 57) ||
    code === 43 ||
    code === 47
  );
}

/** The AWS documentation's example credentials and their family: never reported. */
const EXAMPLE_KEY_IDS = new Set(["AKIAIOSFODNN7EXAMPLE", "AKIAI44QH8DHBEXAMPLE", "ASIAIOSFODNN7EXAMPLE"]);

/** Stems of the documentation's ids and secrets: variants of them (…LONGKEY, …SECRET) are examples too. */
const EXAMPLE_ID_STEMS = ["IOSFODNN7", "I44QH8DHB"];
const EXAMPLE_SECRET_STEMS = ["wJalrXUtnFEMI/K7MDENG", "je7MtGbClwBF/2Zp9Utk"];

export function isExampleKeyId(id: string): boolean {
  return EXAMPLE_KEY_IDS.has(id) || id.includes("EXAMPLE") || EXAMPLE_ID_STEMS.some((s) => id.includes(s));
}

/** Placeholders such as AKIAXXXXXXXXXXXXXXXX or AKIAAAAABBBBCCCCDDDD: a real id is random base32. */
export function isPlaceholderKeyId(id: string): boolean {
  const body = id.slice(4);
  // Six equal characters in a row: about 1 in 10^7 for a real id.
  if (/(.)\1{5}/.test(body)) return true;
  return new Set(body).size < 6;
}

export function isExampleSecret(s: string): boolean {
  return s.includes("EXAMPLE") || /(.)\1{5}/.test(s) || EXAMPLE_SECRET_STEMS.some((x) => s.startsWith(x));
}

/**
 * A 40-character run that could be a secret access key: random base64 has both cases and some
 * digit or / or +; a word-only run, a hex digest or a path does not. Odds a real secret fails:
 * about 1 in 4,000 for the digit test, negligible for the others.
 */
export function isPlausibleSecret(s: string): boolean {
  if (s.length !== 40) return false;
  if (!/[A-Z]/.test(s) || !/[a-z]/.test(s) || !/[0-9/+]/.test(s)) return false;
  if (isExampleSecret(s)) return false;
  return shannonBits(s) >= 4.0;
}

/**
 * A value under a name that says little (git-secrets' `key`, `access_key`...): a plausible secret
 * that is also random enough (a real secret scores below 4.2 bits about once in 20,000) and is
 * not base64 of text (a real secret decodes to 30 random bytes, all printable about once in 10^13).
 */
export function isSecretLikeValue(s: string): boolean {
  return isPlausibleSecret(s) && shannonBits(s) >= 4.2 && !decodesToText(s);
}

/** Base64 whose bytes are all printable ASCII: encoded text (a config value, a phrase), not a key. */
export function decodesToText(s: string): boolean {
  const bytes = Buffer.from(s, "base64");
  if (bytes.length === 0) return false;
  for (const b of bytes) if (!((b >= 32 && b < 127) || b === 9 || b === 10 || b === 13)) return false;
  return true;
}

/** Bits per character; random base64 of 40 characters scores about 4.9. */
export function shannonBits(s: string): number {
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

export function isPlausibleSessionToken(s: string): boolean {
  return s.length >= 100 && /[A-Z]/.test(s) && /[a-z]/.test(s) && /[0-9]/.test(s) && !s.includes("EXAMPLE");
}

/** A token under the bare `session` label: also binary inside, as STS tokens are (not encoded JSON). */
export function isOpaqueSessionToken(s: string): boolean {
  return isPlausibleSessionToken(s) && !decodesToText(s.slice(0, 160));
}

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/**
 * The account a key id belongs to, decoded offline: the 16 base32 characters after the prefix
 * carry the account number in bits 1..40 of their first 6 bytes. Holds for ids AWS issued since
 * about 2019 (older AKIA ids decode to nonsense, which the join then does not confirm).
 */
export function accountIdOfKeyId(id: string): string | null {
  if (id.length !== 20 || id.startsWith("A3T")) return null;
  let bits = 0n;
  for (const c of id.slice(4, 14)) {
    const v = BASE32.indexOf(c);
    if (v < 0) return null;
    bits = (bits << 5n) | BigInt(v);
  }
  // 10 characters = 50 bits; the first 48 are the 6 bytes the account lives in.
  const sixBytes = bits >> 2n;
  const account = (sixBytes & 0x7fffffffff80n) >> 7n;
  // Ids issued before the current format decode to more than 12 digits: no account to tell.
  if (account > 999_999_999_999n) return null;
  return account.toString().padStart(12, "0");
}

/** The inverse of accountIdOfKeyId, for tests and the bench: an id of `prefix` in `accountId`. */
export function keyIdForAccount(prefix: string, accountId: string, random: () => number): string {
  const account = BigInt(accountId);
  // Bit 47 is set in ids AWS issues; the low 7 bits are random.
  const sixBytes = (1n << 47n) | (account << 7n) | BigInt(Math.floor(random() * 128));
  let bits = (sixBytes << 2n) | BigInt(Math.floor(random() * 4));
  let head = "";
  for (let i = 0; i < 10; i++) {
    head = BASE32.charAt(Number(bits & 31n)) + head;
    bits >>= 5n;
  }
  let tail = "";
  for (let i = 0; i < 6; i++) tail += BASE32.charAt(Math.floor(random() * 32));
  return prefix + head + tail;
}
