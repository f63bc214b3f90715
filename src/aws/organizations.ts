import {
  AWSOrganizationsNotInUseException,
  DescribeAccountCommand,
  paginateListAccounts,
  type Account,
} from "@aws-sdk/client-organizations";
import { AssumeRoleCommand, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import { UsageError } from "../domain/errors.js";
import type { ApiCallCounts } from "../domain/types.js";
import { call, callSite, mapAwsError } from "./errors.js";
import { openSession, type AwsSession, type AwsTarget } from "./session.js";

// An organization audit: the accounts (Organizations ListAccounts, from the management account or a
// delegated administrator) and one session per member account through AssumeRole. Every call is
// counted: Organizations and STS on the caller's session, IAM on each account's own session.

export const DEFAULT_ROLE_NAME = "OrganizationAccountAccessRole";
export const DEFAULT_SESSION_NAME = "keywarden-audit";
/** Assumed-role credentials are renewed this long before they expire. */
const REFRESH_BEFORE_MS = 5 * 60_000;

export interface OrgAccount {
  id: string;
  name: string | null;
}

export interface Caller {
  accountId: string;
  arn: string;
  /** "aws", "aws-us-gov", "aws-cn", ...: role ARNs are built in the caller's partition. */
  partition: string;
}

export async function callerOf(session: AwsSession): Promise<Caller> {
  const r = await call(callSite(session, "GetCallerIdentity", "sts"), () =>
    session.sts().send(new GetCallerIdentityCommand({})),
  );
  if (r.Account === undefined || r.Arn === undefined)
    throw new Error("GetCallerIdentity returned no account");
  return { accountId: r.Account, arn: r.Arn, partition: r.Arn.split(":")[1] ?? "aws" };
}

/**
 * Whether `accountId` is in the caller's organization (organizations:DescribeAccount, from the
 * management account or a delegated administrator): AWS answers AccountNotFoundException for an
 * account of another organization or of none, AWSOrganizationsNotInUseException when the caller's
 * account is in no organization. Any other failure (a denial) is thrown, mapped.
 */
export async function membershipOf(
  session: AwsSession,
  accountId: string,
): Promise<"member" | "not-member" | "no-organization"> {
  try {
    await session.organizations().send(new DescribeAccountCommand({ AccountId: accountId }));
    return "member";
  } catch (err) {
    const name = (err as { name?: string }).name;
    if (name === "AccountNotFoundException") return "not-member";
    if (name === "AWSOrganizationsNotInUseException") return "no-organization";
    throw mapAwsError(err, callSite(session, "DescribeAccount", "organizations"));
  }
}

/** `State` replaces the deprecated `Status` (retired in 2026); older APIs and emulators send only `Status`. */
function isActive(a: Account): boolean {
  return (a.State ?? a.Status) === "ACTIVE";
}

/** Every ACTIVE account of the organization, by id, through the ListAccounts paginator. */
export async function listActiveAccounts(session: AwsSession): Promise<OrgAccount[]> {
  const accounts: OrgAccount[] = [];
  try {
    await call(callSite(session, "ListAccounts", "organizations"), async () => {
      for await (const page of paginateListAccounts({ client: session.organizations() }, {})) {
        for (const a of page.Accounts ?? []) {
          if (a.Id !== undefined && isActive(a)) accounts.push({ id: a.Id, name: a.Name ?? null });
        }
      }
    });
  } catch (e) {
    if ((e as { cause?: unknown }).cause instanceof AWSOrganizationsNotInUseException) {
      throw new UsageError(
        "the caller's account is not in an AWS Organization, so --org has no accounts to list",
        "Audit one account without --org, or name the accounts with --accounts 111111111111,222222222222.",
      );
    }
    throw e;
  }
  // An organization always has its management account: none means the caller cannot see the
  // organization (AWS denies member accounts; some emulators answer an empty list instead).
  if (accounts.length === 0) {
    throw new UsageError(
      "Organizations ListAccounts returned no ACTIVE account for the caller",
      "Run --org with credentials of the management account or of a delegated administrator, or name the accounts with --accounts.",
    );
  }
  return accounts.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export interface AssumeRoleOptions {
  roleName: string;
  externalId?: string | undefined;
  sessionName?: string | undefined;
  partition: string;
}

export function roleArn(accountId: string, opts: { roleName: string; partition: string }): string {
  return `arn:${opts.partition}:iam::${accountId}:role/${opts.roleName}`;
}

/**
 * AssumeRole with the caller's session (counted there), and a provider that assumes the role again
 * shortly before the credentials expire, so an account whose audit outlives them goes on.
 */
export async function assumeRoleCredentials(
  base: AwsSession,
  accountId: string,
  opts: AssumeRoleOptions,
): Promise<AwsCredentialIdentityProvider> {
  const arn = roleArn(accountId, opts);
  const assume = async (): Promise<AwsCredentialIdentity> => {
    const r = await call(callSite(base, "AssumeRole", "sts"), () =>
      base.sts().send(
        new AssumeRoleCommand({
          RoleArn: arn,
          RoleSessionName: opts.sessionName ?? DEFAULT_SESSION_NAME,
          ...(opts.externalId === undefined ? {} : { ExternalId: opts.externalId }),
        }),
      ),
    );
    const c = r.Credentials;
    if (c?.AccessKeyId === undefined || c.SecretAccessKey === undefined) {
      throw new Error(`AssumeRole ${arn} returned no credentials`);
    }
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      ...(c.SessionToken === undefined ? {} : { sessionToken: c.SessionToken }),
      ...(c.Expiration === undefined ? {} : { expiration: c.Expiration }),
    };
  };
  let current = await assume();
  let renewing: Promise<AwsCredentialIdentity> | null = null;
  return async () => {
    const expires = current.expiration?.getTime();
    if (expires === undefined || expires - Date.now() > REFRESH_BEFORE_MS) return current;
    renewing ??= assume().finally(() => {
      renewing = null;
    });
    current = await renewing;
    return current;
  };
}

/** A session in `accountId` through AssumeRole: same endpoints, region and retry policy as `base`. */
export async function assumeRoleSession(
  base: AwsSession,
  accountId: string,
  opts: AssumeRoleOptions & { target: AwsTarget; env?: NodeJS.ProcessEnv | undefined },
): Promise<AwsSession> {
  const credentials = await assumeRoleCredentials(base, accountId, opts);
  return openSession({ ...opts.target, credentials }, opts.env ?? process.env);
}

function addCounts(into: Map<string, number>, counts: ApiCallCounts): void {
  for (const [op, n] of Object.entries(counts)) into.set(op, (into.get(op) ?? 0) + n);
}

export interface OrgSessions {
  /** The caller's own session for its own account; an assumed-role session for any other. */
  sessionFor(accountId: string): Promise<AwsSession>;
  /** Closes an account's connections once its audit is done; its calls stay counted. */
  release(session: AwsSession): void;
  /** Calls of the caller's session and of every account session, summed by operation. */
  apiCalls(): ApiCallCounts;
  totalCalls(): number;
}

/** One session per account for an organization audit, and the sum of their call counters. */
export function orgSessions(
  base: AwsSession,
  caller: Caller,
  opts: Omit<AssumeRoleOptions, "partition"> & { target: AwsTarget; env?: NodeJS.ProcessEnv | undefined },
): OrgSessions {
  const live = new Set<AwsSession>();
  const released = new Map<string, number>();
  const sessions = () => [base, ...live];
  return {
    async sessionFor(accountId) {
      if (accountId === caller.accountId) return base;
      const s = await assumeRoleSession(base, accountId, { ...opts, partition: caller.partition });
      live.add(s);
      return s;
    },
    release(session) {
      if (session === base || !live.delete(session)) return;
      addCounts(released, session.counter.snapshot());
      session.iam().destroy();
      session.sts().destroy();
    },
    apiCalls() {
      const sum = new Map(released);
      for (const s of sessions()) addCounts(sum, s.counter.snapshot());
      return Object.fromEntries([...sum.entries()].sort(([a], [b]) => a.localeCompare(b)));
    },
    totalCalls() {
      let n = 0;
      for (const v of released.values()) n += v;
      for (const s of sessions()) n += s.counter.total;
      return n;
    },
  };
}
