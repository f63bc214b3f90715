import { ConflictError, UsageError } from "../domain/errors.js";
import { maskKeyId } from "../domain/key-id.js";
import type { AwsSession } from "../aws/session.js";
import { awsTargetOf, sessionFor } from "./aws-wiring.js";
import type { CliIO } from "./io.js";

// `respond KEY --org` / `trail KEY --org`: a key whose account is not known. sts:GetAccessKeyInfo
// names it (without using the key); the caller's own account is worked in as usual; a member
// account of the caller's organization through its organization role (--role-name, default
// OrganizationAccountAccessRole, and --external-id, as `audit --org`); any other account is
// refused. The calls are the fewest that decide it, in this order, before containment:
// GetAccessKeyInfo and GetCallerIdentity at once, then DescribeAccount and AssumeRole only for a
// key of another account.

export interface OrgKeyFlags {
  org?: boolean;
  account?: string;
  roleName?: string;
  externalId?: string;
  profile?: string;
  region?: string;
  endpointUrl?: string;
  maxAttempts?: number;
}

export interface OrgKeySessions {
  /** Where the key lives: the caller's session, or the member role's. */
  session: AwsSession;
  /** The caller's own session (the security or log-archive account): the trail bucket is read with it. */
  callerSession: AwsSession;
  keyAccount: string;
  /** The member account reached through the role, or null for the caller's own. */
  viaRole: string | null;
}

/** --org with --account is two answers to one question: refused before any AWS call. */
export function checkOrgFlags(flags: OrgKeyFlags): void {
  if (flags.org === true && flags.account !== undefined) {
    throw new UsageError(
      "--org and --account both say which account to work in",
      "Pass --org to find the key's account, or --account ID to name it, not both.",
    );
  }
}

export async function orgKeySessions(
  accessKeyId: string,
  flags: OrgKeyFlags,
  io: CliIO,
): Promise<OrgKeySessions> {
  const target = awsTargetOf(flags);
  const base = await sessionFor(target, io);
  const [{ responseIamPort }, { callerOf, assumeRoleSession, membershipOf, DEFAULT_ROLE_NAME }] =
    await Promise.all([import("../aws/iam-response.js"), import("../aws/organizations.js")]);
  const [keyAccount, caller] = await Promise.all([
    responseIamPort(base).keyAccount(accessKeyId),
    callerOf(base),
  ]);
  if (keyAccount === caller.accountId) {
    return { session: base, callerSession: base, keyAccount, viaRole: null };
  }
  const masked = maskKeyId(accessKeyId);
  const outside = (why: string) =>
    new ConflictError(
      "KEY_ACCOUNT_OUTSIDE_ORGANIZATION",
      `${masked} belongs to account ${keyAccount}, ${why}`,
      `Run it with credentials for account ${keyAccount} (--profile NAME), or from the organization that account is in.`,
    );
  const membership = await membershipOf(base, keyAccount);
  if (membership === "not-member")
    throw outside(`which is not in the organization of account ${caller.accountId}`);
  if (membership === "no-organization")
    throw outside(`and account ${caller.accountId} is in no organization`);
  const session = await assumeRoleSession(base, keyAccount, {
    roleName: flags.roleName ?? DEFAULT_ROLE_NAME,
    externalId: flags.externalId,
    sessionName: "keywarden-respond",
    partition: caller.partition,
    target,
    env: io.env,
  });
  return { session, callerSession: base, keyAccount, viaRole: keyAccount };
}
