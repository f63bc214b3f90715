// Shared helpers for the rules: day arithmetic, finding construction, command strings.
// Pure: no I/O, no clock. Time always comes from the caller (ctx.now).

import { maskKeyId } from "../domain/key-id.js";
import type {
  AccessKeyRecord,
  CollectionError,
  Finding,
  FindingResult,
  Inventory,
  UserRecord,
} from "../domain/types.js";
import type { RuleMeta } from "./rule.js";

export const DAY_MS = 86_400_000;

function utcMidnight(d: Date): number {
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
}

/**
 * Whole UTC calendar days from `from` to `to` (never negative). A key created on 2025-03-17 is
 * 90 days old on 2025-06-15 whatever the time of day, so ages agree with the YYYY-MM-DD dates
 * printed next to them.
 */
export function ageInDays(from: Date, to: Date): number {
  return Math.max(0, Math.round((utcMidnight(to) - utcMidnight(from)) / DAY_MS));
}

/** YYYY-MM-DD in UTC. */
export function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export function addDays(d: Date, days: number): Date {
  return new Date(d.getTime() + days * DAY_MS);
}

/** "1 day", "2 days". */
export function days(n: number): string {
  return n === 1 ? "1 day" : `${n} days`;
}

/** The later of two dates; a last use recorded before creation (clock skew, odd data) counts as creation. */
export function later(a: Date, b: Date | null): Date {
  return b !== null && b.getTime() > a.getTime() ? b : a;
}

/** "last used 2025-06-14 with s3 in us-east-1" or "never used". */
export function describeLastUse(key: AccessKeyRecord): string {
  if (key.lastUsedAt === null) return "never used";
  const service = knownService(key.lastUsedService);
  const region = knownService(key.lastUsedRegion);
  return (
    `last used ${isoDate(key.lastUsedAt)}` +
    (service === null ? "" : ` with ${service}`) +
    (region === null ? "" : ` in ${region}`)
  );
}

/** The credential report writes "N/A" and GetAccessKeyLastUsed may say "N/A" or "not_supported" for "no data". */
export function knownService(s: string | null): string | null {
  if (s === null) return null;
  const v = s.trim().toLowerCase();
  if (v === "" || v === "n/a" || v === "not_supported" || v === "no_information") return null;
  return v;
}

/** "access key AKIA************ABCD of user alice": the message form; full ids only go in remediation. */
export function keyLabel(key: { accessKeyId: string; userName: string }): string {
  return `access key ${maskKeyId(key.accessKeyId)} of user ${key.userName}`;
}

export interface Subject {
  accountId: string;
  userName: string | null;
  accessKeyId: string | null;
}

export function finding(
  meta: RuleMeta,
  subject: Subject,
  result: FindingResult,
  message: string,
  remediation = "",
): Finding {
  return {
    ruleId: meta.id,
    result,
    severity: meta.severity,
    accountId: subject.accountId,
    userName: subject.userName,
    accessKeyId: subject.accessKeyId,
    message,
    remediation,
  };
}

export function keySubject(key: AccessKeyRecord): Subject {
  return { accountId: key.accountId, userName: key.userName, accessKeyId: key.accessKeyId };
}

export function userSubject(user: { accountId: string; userName: string }): Subject {
  return { accountId: user.accountId, userName: user.userName, accessKeyId: null };
}

export function accountSubject(accountId: string): Subject {
  return { accountId, userName: null, accessKeyId: null };
}

/** Remediation for data a rule needed but was denied. */
export function grantRemediation(permission: string): string {
  return (
    `Grant ${permission} to the identity you run keywarden as ` +
    "(`keywarden permissions` prints the least-privilege policy), then re-run `keywarden audit`."
  );
}

const DENIED = /AccessDenied|Unauthorized|NotAuthorized|Forbidden/i;
const THROTTLED = /Throttl|RateExceeded|Rate exceeded|TooManyRequests|RequestLimitExceeded|SlowDown/i;

/** Remediation for data that could not be collected: grant, wait, or diagnose, by the error's kind. */
export function collectionRemediation(e: CollectionError): string {
  if (DENIED.test(e.code)) return grantRemediation(e.permission);
  if (THROTTLED.test(e.code)) {
    return (
      `IAM throttled ${e.operation} beyond the retry budget: re-run \`keywarden audit\` later. ` +
      `If it keeps failing, check that the identity has ${e.permission} (\`keywarden permissions\`).`
    );
  }
  return (
    `Re-run \`keywarden audit\`; if ${e.operation} keeps failing with ${e.code}, check that the identity has ` +
    `${e.permission} (\`keywarden permissions\`) and run \`keywarden doctor\`.`
  );
}

/**
 * A collection error that leaves this subject's data for the given permissions unknown: same
 * account, one of the permissions, and scoped to the subject (an error without a user or key
 * covers every user or key of the account).
 */
export function collectionErrorFor(
  inventory: Inventory,
  subject: Subject,
  permissions: readonly string[],
): CollectionError | undefined {
  return inventory.errors.find(
    (e) =>
      e.accountId === subject.accountId &&
      permissions.includes(e.permission) &&
      (e.userName === null || e.userName === subject.userName) &&
      (e.accessKeyId === null || e.accessKeyId === subject.accessKeyId),
  );
}

/**
 * Why a key's "never used" (lastUsedAt null) cannot be trusted, if it cannot: its GetAccessKeyLastUsed
 * call failed, or its last use was to come from a credential report that could not be fetched.
 */
export function lastUseUnknown(inventory: Inventory, key: AccessKeyRecord): CollectionError | undefined {
  if (key.lastUsedAt !== null) return undefined;
  const subject = keySubject(key);
  return (
    collectionErrorFor(inventory, subject, ["iam:GetAccessKeyLastUsed"]) ??
    (key.lastUsedSource === "credential-report"
      ? collectionErrorFor(inventory, subject, ["iam:GetCredentialReport", "iam:GenerateCredentialReport"])
      : undefined)
  );
}

/** The ERROR finding for a subject whose input could not be collected. */
export function unknownInputFinding(
  meta: RuleMeta,
  subject: Subject,
  what: string,
  error: CollectionError,
): Finding {
  return finding(
    meta,
    subject,
    "ERROR",
    `Cannot tell ${what}: ${error.operation} (${error.permission}) failed with ${error.code}, ` +
      "so this is unknown, not clean.",
    collectionRemediation(error),
  );
}

/** Every user of the inventory: the users list, plus owners of keys the users list lacks. */
export function allUsers(
  inventory: Inventory,
): { accountId: string; userName: string; record: UserRecord | null }[] {
  const seen = new Map<string, { accountId: string; userName: string; record: UserRecord | null }>();
  for (const u of inventory.users) {
    const k = `${u.accountId}\u0000${u.userName}`;
    if (!seen.has(k)) seen.set(k, { accountId: u.accountId, userName: u.userName, record: u });
  }
  for (const key of inventory.keys) {
    const k = `${key.accountId}\u0000${key.userName}`;
    if (!seen.has(k)) seen.set(k, { accountId: key.accountId, userName: key.userName, record: null });
  }
  return [...seen.values()];
}

// Rules ask for each user's keys: filtering the whole key list per user made an audit quadratic in
// account size (5,000 users: 18 million comparisons per rule). One index per key list, rebuilt if the
// list grew or shrank since (inventories are built, then only read).
const keyIndexes = new WeakMap<
  readonly AccessKeyRecord[],
  { size: number; byUser: Map<string, AccessKeyRecord[]> }
>();

export function keysOf(inventory: Inventory, accountId: string, userName: string): AccessKeyRecord[] {
  let ix = keyIndexes.get(inventory.keys);
  if (ix?.size !== inventory.keys.length) {
    ix = { size: inventory.keys.length, byUser: new Map() };
    for (const k of inventory.keys) {
      const id = `${k.accountId}\u0000${k.userName}`;
      const list = ix.byUser.get(id);
      if (list) list.push(k);
      else ix.byUser.set(id, [k]);
    }
    keyIndexes.set(inventory.keys, ix);
  }
  // A copy, as before: callers sort what they get.
  return [...(ix.byUser.get(`${accountId}\u0000${userName}`) ?? [])];
}

/** Exact commands, with the real user name and full key id filled in. */
export const cmd = {
  rotate: (userName: string, keyId: string): string =>
    `keywarden rotate --user ${userName} --key ${keyId} --to <target>`,
  deactivate: (userName: string, keyId: string): string =>
    `aws iam update-access-key --user-name ${userName} --access-key-id ${keyId} --status Inactive`,
  reactivate: (userName: string, keyId: string): string =>
    `aws iam update-access-key --user-name ${userName} --access-key-id ${keyId} --status Active`,
  delete: (userName: string, keyId: string): string =>
    `aws iam delete-access-key --user-name ${userName} --access-key-id ${keyId}`,
  createKey: (userName: string): string => `aws iam create-access-key --user-name ${userName}`,
};

/** Wrap a command in backticks for Markdown-ish output. */
export function code(s: string): string {
  return `\`${s}\``;
}
