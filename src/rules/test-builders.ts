// Small builders for rule tests: sensible, passing defaults; override only what a test is about.

import type {
  AccessKeyRecord,
  AccountFacts,
  CollectionError,
  Inventory,
  UserRecord,
} from "../domain/types.js";
import { DEFAULT_THRESHOLDS, type RuleContext, type Thresholds } from "./rule.js";
import { DAY_MS } from "./support.js";

/** The fixed "now" of every rule test. */
export const NOW = new Date("2025-06-15T12:00:00.000Z");
export const ACCOUNT_ID = "111122223333";

export function daysAgo(n: number, from: Date = NOW): Date {
  return new Date(from.getTime() - n * DAY_MS);
}

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
let keySeq = 0;

/** A well-formed, unique access key id: AKIATEST + 12 base32 characters. */
export function nextKeyId(): string {
  let n = ++keySeq;
  let tail = "";
  for (let i = 0; i < 12; i++) {
    tail = (BASE32[n % 32] ?? "A") + tail;
    n = Math.floor(n / 32);
  }
  return `AKIATEST${tail}`;
}

function userArn(accountId: string, path: string, userName: string): string {
  return `arn:aws:iam::${accountId}:user${path}${userName}`;
}

/** An active key of alice, 10 days old, used yesterday with s3 in us-east-1; the user is old and has no password. */
export function aKey(overrides: Partial<AccessKeyRecord> = {}): AccessKeyRecord {
  const key: AccessKeyRecord = {
    accountId: ACCOUNT_ID,
    userName: "alice",
    userArn: "",
    userPath: "/",
    userTags: {},
    userCreatedAt: daysAgo(400),
    accessKeyId: nextKeyId(),
    status: "Active",
    createdAt: daysAgo(10),
    lastUsedAt: daysAgo(1),
    lastUsedService: "s3",
    lastUsedRegion: "us-east-1",
    lastUsedSource: "GetAccessKeyLastUsed",
    passwordEnabled: false,
    passwordLastUsedAt: null,
    mfaActive: false,
    mfaDevices: [],
    ...overrides,
  };
  if (overrides.userArn === undefined) key.userArn = userArn(key.accountId, key.userPath, key.userName);
  // A key never used has no last-used service or region either, unless a test says otherwise.
  if (key.lastUsedAt === null) {
    if (!("lastUsedService" in overrides)) key.lastUsedService = null;
    if (!("lastUsedRegion" in overrides)) key.lastUsedRegion = null;
  }
  return key;
}

/** User alice, created 400 days ago, no password, no MFA, no keys. */
export function aUser(overrides: Partial<UserRecord> = {}): UserRecord {
  const user: UserRecord = {
    accountId: ACCOUNT_ID,
    userName: "alice",
    userArn: "",
    userPath: "/",
    userTags: {},
    createdAt: daysAgo(400),
    passwordEnabled: false,
    passwordLastUsedAt: null,
    mfaActive: false,
    mfaDevices: [],
    accessKeyIds: [],
    ...overrides,
  };
  if (overrides.userArn === undefined) user.userArn = userArn(user.accountId, user.userPath, user.userName);
  return user;
}

/** A clean account: no root keys, root MFA on a hardware device. */
export function anAccount(overrides: Partial<AccountFacts> = {}): AccountFacts {
  return {
    accountId: ACCOUNT_ID,
    rootAccessKeysPresent: false,
    rootMfaEnabled: true,
    rootHardwareMfa: true,
    rootKeys: [],
    credentialReportGeneratedAt: new Date(NOW.getTime() - 3_600_000),
    ...overrides,
  };
}

export function aCollectionError(overrides: Partial<CollectionError> = {}): CollectionError {
  return {
    accountId: ACCOUNT_ID,
    userName: null,
    accessKeyId: null,
    operation: "ListAccessKeys",
    permission: "iam:ListAccessKeys",
    code: "AccessDenied",
    message: "User: arn:aws:iam::111122223333:user/auditor is not authorized to perform: iam:ListAccessKeys",
    ...overrides,
  };
}

/**
 * An inventory from parts. Users default to the owners of the keys (their facts taken from the
 * first key), accounts to one clean account per account id seen.
 */
export function anInventory(parts: Partial<Inventory> = {}): Inventory {
  const keys = parts.keys ?? [];
  let users = parts.users;
  if (users === undefined) {
    const byName = new Map<string, UserRecord>();
    for (const k of keys) {
      const id = `${k.accountId}/${k.userName}`;
      const existing = byName.get(id);
      if (existing !== undefined) {
        existing.accessKeyIds.push(k.accessKeyId);
        continue;
      }
      byName.set(
        id,
        aUser({
          accountId: k.accountId,
          userName: k.userName,
          userArn: k.userArn,
          userPath: k.userPath,
          userTags: k.userTags,
          createdAt: k.userCreatedAt,
          passwordEnabled: k.passwordEnabled,
          passwordLastUsedAt: k.passwordLastUsedAt,
          mfaActive: k.mfaActive,
          mfaDevices: k.mfaDevices,
          accessKeyIds: [k.accessKeyId],
        }),
      );
    }
    users = [...byName.values()];
  }
  const accountIds = [...new Set([...users.map((u) => u.accountId), ...keys.map((k) => k.accountId)])];
  const accounts =
    parts.accounts ??
    (accountIds.length > 0 ? accountIds.map((accountId) => anAccount({ accountId })) : [anAccount()]);
  return { accounts, users, keys, errors: parts.errors ?? [] };
}

export function aContext(thresholds: Partial<Thresholds> = {}, now: Date = NOW): RuleContext {
  return { now, thresholds: { ...DEFAULT_THRESHOLDS, ...thresholds } };
}

/** The only element; throws (failing the test) when there are none or several. */
export function single<T>(items: readonly T[]): T {
  const [first] = items;
  if (items.length !== 1 || first === undefined) {
    throw new Error(`expected exactly one item, got ${items.length}: ${JSON.stringify(items, null, 2)}`);
  }
  return first;
}
