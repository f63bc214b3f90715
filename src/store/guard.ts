// Belt and braces: the rotation code never hands a secret to the store, and this check makes sure.
// A secret access key is 40 characters of base64 ([A-Za-z0-9/+]); one "standing alone" is a run of
// exactly 40 such characters, not part of a longer run. Runs with no upper-case or no lower-case
// letter are let through: a random secret lacks one with odds of about 1 in 10^9, while SHA-1 hex
// digests and lower-case paths (which a 40-character run can otherwise be) are common in job data.
//
// IAM names are the other legal 40-character runs: a user may be called
// `SvcDeployPipelineProd2024Account01Worker`, and its name then stands alone in `userName` and in
// every finding's message. By shape alone such a name and a secret without `/` are the same, so
// the guard uses what the value itself says: a run is a name when the value holds it as an IAM
// name, i.e. in a name field (`userName`, `roleName`, `groupName`, `policyName`) whose whole value
// is a legal IAM name, or as the last segment of an IAM or STS ARN. Such a run passes wherever it
// appears in that value; every other run is judged by shape as before. A secret with `/` is never a
// legal IAM name (IAM names are [\w+=,.@-]), so it is refused even in a name field.
import { SecretShapedValueError } from "./errors.js";

const STANDALONE_40 = /(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])/g;
/** Fields that hold an IAM entity's name, as keywarden's records and AWS's own shapes spell them. */
const NAME_FIELD = /^(?:user|role|group|policy)_?name$/i;
/** IAM user and role names: up to 64 of these characters; groups and policies up to 128. */
const IAM_NAME = /^[\w+=,.@-]{1,128}$/;
/** An IAM or STS ARN; the last path segment is the entity's name (sessions of assumed roles too). */
const IAM_ARN = /\barn:aws[a-z-]*:(?:iam|sts)::\d{12}:[a-z-]+\/[\w+=,.@/-]+/g;

/** Standalone 40-character runs with both an upper-case and a lower-case letter. */
function secretShapedRuns(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(STANDALONE_40)) {
    const run = m[0];
    if (/[A-Z]/.test(run) && /[a-z]/.test(run)) out.push(run);
  }
  return out;
}

/** Whether `text` holds a standalone secret-shaped run that is not one of the `names` runs. */
export function looksLikeSecretAccessKey(text: string, names: ReadonlySet<string> = new Set()): boolean {
  return secretShapedRuns(text).some((run) => !names.has(run));
}

/**
 * The secret-shaped runs of every IAM name `value` holds (see the header): these are names, not
 * secrets, wherever they appear in the same value.
 */
export function iamNameRuns(value: unknown): Set<string> {
  const runs = new Set<string>();
  const addName = (name: string) => {
    if (IAM_NAME.test(name)) for (const run of secretShapedRuns(name)) runs.add(run);
  };
  const visit = (v: unknown, key: string | null, seen: Set<object>): void => {
    if (typeof v === "string") {
      if (key !== null && NAME_FIELD.test(key)) addName(v);
      for (const m of v.matchAll(IAM_ARN)) addName(m[0].slice(m[0].lastIndexOf("/") + 1));
      return;
    }
    if (typeof v !== "object" || v === null || seen.has(v)) return;
    seen.add(v);
    if (Array.isArray(v)) {
      for (const item of v) visit(item, null, seen);
      return;
    }
    for (const [k, item] of Object.entries(v)) visit(item, k, seen);
  };
  visit(value, null, new Set());
  return runs;
}

/** Throws SecretShapedValueError if any string (or object key) anywhere in `value` looks like a secret. */
export function assertNoSecrets(value: unknown, where: string): void {
  walk(value, where, iamNameRuns(value), new Set());
}

function walk(value: unknown, where: string, names: ReadonlySet<string>, seen: Set<object>): void {
  if (typeof value === "string") {
    if (looksLikeSecretAccessKey(value, names)) throw new SecretShapedValueError(where);
    return;
  }
  if (typeof value !== "object" || value === null || seen.has(value)) return;
  seen.add(value);
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      walk(item, `${where}[${i}]`, names, seen);
    });
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    if (looksLikeSecretAccessKey(key, names)) throw new SecretShapedValueError(`a key of ${where}`);
    walk(item, `${where}.${key}`, names, seen);
  }
}
