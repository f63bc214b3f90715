import { AccessDeniedError, AwsFailureError } from "../domain/errors.js";
import type {
  AccessKeyRecord,
  AccountFacts,
  CollectionError,
  Inventory,
  UserRecord,
} from "../domain/types.js";
import { mapWithConcurrency } from "./concurrency.js";
import { parseCredentialReport, ROOT_USER, type ReportKeySlot, type ReportRow } from "./credential-report.js";
import { fetchCredentialReport, type Sleep } from "./fetch-report.js";
import { authorizationsOf } from "./authorizations.js";
import type {
  AuthorizationDetails,
  IamInventoryPort,
  KeyLastUsed,
  ListedAccessKey,
  VirtualMfaDevice,
} from "./ports.js";

/**
 * auto: trust the credential report except where it may be stale for the verdict (see needsFreshLastUse);
 * always: GetAccessKeyLastUsed for every key (slow, exact); report: never call it.
 */
export type LastUsedMode = "auto" | "always" | "report";

export interface CollectOptions {
  port: IamInventoryPort;
  now: Date;
  lastUsed?: LastUsedMode;
  /** Keys the report shows unused for this many days (or never) are re-read live before judging. */
  unusedDays: number;
  /**
   * A report generated at most this long ago is as fresh as GetAccessKeyLastUsed (both read the same
   * tracking data), so its keys are not re-read. AWS hands out a cached report for up to 4 hours.
   */
  reportFreshMs?: number;
  /** Parallel per-user calls. IAM throttles per account; adaptive retry absorbs bursts. */
  concurrency?: number;
  sleep?: Sleep;
  onProgress?: (done: number, total: number) => void;
}

const DAY = 86_400_000;
export const DEFAULT_REPORT_FRESH_MS = 15 * 60_000;

/** Only per-item failures are collected; bad credentials or a dead endpoint end the audit. */
function collectable(e: unknown): e is AccessDeniedError | AwsFailureError {
  return (
    e instanceof AccessDeniedError || (e instanceof AwsFailureError && e.code !== "ENDPOINT_UNREACHABLE")
  );
}

function toCollectionError(
  e: AccessDeniedError | AwsFailureError,
  accountId: string,
  operation: string,
  scope: { userName?: string; accessKeyId?: string } = {},
): CollectionError {
  return {
    accountId,
    userName: scope.userName ?? null,
    accessKeyId: scope.accessKeyId ?? null,
    // The denied call can differ from the step's name (GenerateCredentialReport inside the report fetch).
    operation: e instanceof AccessDeniedError ? e.operation : operation,
    permission: e instanceof AccessDeniedError ? e.permission : `iam:${operation}`,
    code: e instanceof AccessDeniedError ? "AccessDenied" : e.code,
    message: e.message,
  };
}

/** Runs a read; on a collectable failure records it and returns `fallback`. */
async function attempt<T>(
  errors: CollectionError[],
  accountId: string,
  operation: string,
  fallback: T,
  fn: () => Promise<T>,
  scope?: { userName?: string; accessKeyId?: string },
): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (!collectable(e)) throw e;
    errors.push(toCollectionError(e, accountId, operation, scope));
    return fallback;
  }
}

const seconds = (d: Date) => Math.floor(d.getTime() / 1000);

/** The report names slots, not key ids: a slot belongs to the key created at its last_rotated time. */
function matchSlot(key: ListedAccessKey, slots: ReportKeySlot[], taken: Set<number>): ReportKeySlot | null {
  for (const s of slots) {
    if (!taken.has(s.slot) && s.lastRotatedAt && seconds(s.lastRotatedAt) === seconds(key.createdAt)) {
      taken.add(s.slot);
      return s;
    }
  }
  return null;
}

/**
 * Re-read last use when the report cannot be trusted for the verdict: the key is newer than the
 * report, or a cached (older) report says "unused long enough to fail" and a use since it was
 * generated would clear that.
 */
function needsFreshLastUse(
  key: ListedAccessKey,
  slot: ReportKeySlot | null,
  mode: LastUsedMode,
  unusedSince: Date,
  reportIsFresh: boolean,
) {
  if (mode === "always") return true;
  if (mode === "report" || key.status !== "Active") return false;
  if (slot === null) return true;
  if (reportIsFresh) return false;
  return slot.lastUsedAt === null || slot.lastUsedAt < unusedSince;
}

function userFromArn(arn: string): { path: string } {
  const resource = arn.split(":").slice(5).join(":"); // user/path/name
  const parts = resource.split("/");
  return { path: parts.length > 2 ? `/${parts.slice(1, -1).join("/")}/` : "/" };
}

/** MFA facts: the report's flag when the user is in it, else whether a virtual device is assigned. */
function mfaOf(
  row: ReportRow | null | undefined,
  arn: string,
  devicesByArn: Map<string, string[]>,
): { mfaActive: boolean; mfaDevices: string[] } {
  const devices = devicesByArn.get(arn) ?? [];
  return { mfaActive: row?.mfaActive ?? devices.length > 0, mfaDevices: devices };
}

export async function collectInventory(opts: CollectOptions): Promise<Inventory> {
  const { port, now } = opts;
  const mode = opts.lastUsed ?? "auto";
  const errors: CollectionError[] = [];
  const identity = await port.getCallerIdentity();
  const accountId = identity.account;

  const report = await attempt(errors, accountId, "GetCredentialReport", null, () =>
    fetchCredentialReport(port, { sleep: opts.sleep }),
  );
  const rows: ReportRow[] = report ? parseCredentialReport(report.csv) : [];
  const rootRow = rows.find((r) => r.user === ROOT_USER) ?? null;
  const rowsByUser = new Map(rows.filter((r) => r.user !== ROOT_USER).map((r) => [r.user, r]));

  const [details, summary, mfaDevices] = await Promise.all([
    attempt(errors, accountId, "GetAccountAuthorizationDetails", null as AuthorizationDetails | null, () =>
      port.getAuthorizationDetails(),
    ),
    attempt(errors, accountId, "GetAccountSummary", null as Record<string, number> | null, () =>
      port.getAccountSummary(),
    ),
    attempt(errors, accountId, "ListVirtualMFADevices", null as VirtualMfaDevice[] | null, () =>
      port.listVirtualMfaDevices(),
    ),
  ]);
  const detailsByUser = new Map((details?.users ?? []).map((d) => [d.userName, d]));
  const devicesByArn = new Map<string, string[]>();
  for (const d of mfaDevices ?? []) {
    if (d.userArn) devicesByArn.set(d.userArn, [...(devicesByArn.get(d.userArn) ?? []), d.serialNumber]);
  }

  // Users to ask for keys: those the report shows with a key slot, plus users newer than the report.
  // Users without keys cost no call, so API calls grow with users-with-keys, not with users.
  const candidates = new Set<string>();
  for (const row of rowsByUser.values()) if (row.keys.length > 0) candidates.add(row.user);
  for (const d of details?.users ?? []) if (!rowsByUser.has(d.userName)) candidates.add(d.userName);

  const names = [...candidates].sort();
  let done = 0;
  const listed = await mapWithConcurrency(names, opts.concurrency ?? 8, async (userName) => {
    const keys = await attempt(
      errors,
      accountId,
      "ListAccessKeys",
      [] as ListedAccessKey[],
      async () => {
        try {
          return await port.listAccessKeys(userName);
        } catch (e) {
          // Deleted since the report was generated: it has no keys any more.
          if ((e as { cause?: { name?: string } }).cause?.name === "NoSuchEntityException") return [];
          throw e;
        }
      },
      { userName },
    );
    opts.onProgress?.(++done, names.length);
    return { userName, keys };
  });

  const unusedSince = new Date(now.getTime() - opts.unusedDays * DAY);
  const reportIsFresh =
    report !== null &&
    now.getTime() - report.generatedAt.getTime() <= (opts.reportFreshMs ?? DEFAULT_REPORT_FRESH_MS);
  const keys: AccessKeyRecord[] = [];
  const refresh: { record: AccessKeyRecord }[] = [];
  const userKeyIds = new Map<string, string[]>();
  for (const { userName, keys: userKeys } of listed) {
    const row = rowsByUser.get(userName) ?? null;
    const detail = detailsByUser.get(userName) ?? null;
    const arn = detail?.arn ?? row?.arn ?? `arn:aws:iam::${accountId}:user/${userName}`;
    const taken = new Set<number>();
    for (const k of [...userKeys].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())) {
      const slot = row ? matchSlot(k, row.keys, taken) : null;
      const record: AccessKeyRecord = {
        accountId,
        userName,
        userArn: arn,
        userPath: detail?.path ?? userFromArn(arn).path,
        userTags: detail?.tags ?? {},
        userCreatedAt: detail?.createdAt ?? row?.userCreatedAt ?? k.createdAt,
        accessKeyId: k.accessKeyId,
        status: k.status,
        createdAt: k.createdAt,
        lastUsedAt: slot?.lastUsedAt ?? null,
        lastUsedService: slot?.lastUsedService ?? null,
        lastUsedRegion: slot?.lastUsedRegion ?? null,
        lastUsedSource: "credential-report",
        passwordEnabled: row?.passwordEnabled ?? false,
        passwordLastUsedAt: row?.passwordLastUsedAt ?? null,
        ...mfaOf(row, arn, devicesByArn),
      };
      keys.push(record);
      userKeyIds.set(userName, [...(userKeyIds.get(userName) ?? []), k.accessKeyId]);
      if (needsFreshLastUse(k, slot, mode, unusedSince, reportIsFresh)) refresh.push({ record });
    }
  }

  await mapWithConcurrency(refresh, opts.concurrency ?? 8, async ({ record }) => {
    const lu = await attempt(
      errors,
      accountId,
      "GetAccessKeyLastUsed",
      null as KeyLastUsed | null,
      () => port.getAccessKeyLastUsed(record.accessKeyId),
      { userName: record.userName, accessKeyId: record.accessKeyId },
    );
    if (!lu) return;
    record.lastUsedAt = lu.at;
    record.lastUsedService = lu.service;
    record.lastUsedRegion = lu.region;
    record.lastUsedSource = "GetAccessKeyLastUsed";
  });

  // Without the report, password and MFA facts are unknown: leave user-level rules without input
  // (the collection ERROR says why) rather than let them pass on guesses.
  const users: UserRecord[] = [];
  if (report) {
    const allNames = new Set([...rowsByUser.keys(), ...detailsByUser.keys()]);
    for (const userName of [...allNames].sort()) {
      const row = rowsByUser.get(userName);
      const detail = detailsByUser.get(userName);
      if (details && !detail) continue; // deleted since the report
      const arn = detail?.arn ?? row?.arn ?? "";
      users.push({
        accountId,
        userName,
        userArn: arn,
        userPath: detail?.path ?? userFromArn(arn).path,
        userTags: detail?.tags ?? {},
        createdAt: detail?.createdAt ?? row?.userCreatedAt ?? now,
        passwordEnabled: row?.passwordEnabled ?? false,
        passwordLastUsedAt: row?.passwordLastUsedAt ?? null,
        ...mfaOf(row, arn, devicesByArn),
        accessKeyIds: userKeyIds.get(userName) ?? [],
      });
    }
  }

  const rootMfaEnabled = summary ? (summary.AccountMFAEnabled ?? 0) > 0 : (rootRow?.mfaActive ?? null);
  const rootVirtual = mfaDevices ? mfaDevices.some((d) => d.userArn?.endsWith(":root") ?? false) : null;
  const account: AccountFacts = {
    accountId,
    rootAccessKeysPresent: summary
      ? (summary.AccountAccessKeysPresent ?? 0) > 0
      : rootRow
        ? rootRow.keys.length > 0
        : null,
    rootMfaEnabled,
    rootHardwareMfa: rootMfaEnabled === null || rootVirtual === null ? null : rootMfaEnabled && !rootVirtual,
    rootKeys: (rootRow?.keys ?? []).map((s) => ({
      slot: s.slot,
      active: s.active,
      lastRotatedAt: s.lastRotatedAt,
      lastUsedAt: s.lastUsedAt,
    })),
    credentialReportGeneratedAt: report?.generatedAt ?? null,
  };

  return {
    accounts: [account],
    users,
    keys,
    errors,
    ...(details ? { authorizations: authorizationsOf(accountId, details) } : {}),
  };
}
