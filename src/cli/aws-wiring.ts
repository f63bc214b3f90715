import { createInterface } from "node:readline/promises";
import { openSession, type AwsSession, type AwsTarget } from "../aws/session.js";
import type { CliIO } from "./io.js";

// The AWS session and the confirmation prompt, apart from the rotation engine and the store:
// `respond` needs these before containment and must not load anything else first.

export interface RotationFlags {
  profile?: string;
  region?: string;
  endpointUrl?: string;
  maxAttempts?: number;
  yes?: boolean;
}

export function awsTargetOf(flags: RotationFlags): AwsTarget {
  return {
    profile: flags.profile,
    region: flags.region,
    endpointUrl: flags.endpointUrl,
    maxAttempts: flags.maxAttempts,
  };
}

/** y/N on the terminal; without a terminal, only --yes may say yes. */
export function confirmer(io: CliIO, yes: boolean): (question: string) => Promise<boolean> {
  return async (question) => {
    if (yes) return true;
    if (!process.stdin.isTTY || io.stderr.isTTY !== true) {
      io.stderr.write(`keywarden: ${question} Not asked: no terminal. Pass --yes to allow it.\n`);
      return false;
    }
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      const answer = await rl.question(`${question} [y/N] `);
      return /^y(es)?$/i.test(answer.trim());
    } finally {
      rl.close();
    }
  };
}

/** Another account of the organization, reached through a role (as `audit --accounts` does). */
export interface AccountRole {
  accountId: string;
  roleName: string;
  externalId?: string | undefined;
}

/** `--account`/`--role-name`/`--external-id` as a role, or undefined for the caller's own account. */
export function accountRoleOf(flags: {
  account?: string | undefined;
  roleName?: string | undefined;
  externalId?: string | undefined;
}): AccountRole | undefined {
  return flags.account
    ? {
        accountId: flags.account,
        roleName: flags.roleName ?? "OrganizationAccountAccessRole",
        externalId: flags.externalId,
      }
    : undefined;
}

/**
 * A session for the target; with `role`, a session in that account through sts:AssumeRole from the
 * target's credentials (the caller's own account needs no role).
 */
export async function sessionFor(target: AwsTarget, io: CliIO, role?: AccountRole): Promise<AwsSession> {
  const base = await openSession(target, io.env);
  if (!role) return base;
  const { callerOf, assumeRoleSession } = await import("../aws/organizations.js");
  const caller = await callerOf(base);
  if (caller.accountId === role.accountId) return base;
  return assumeRoleSession(base, role.accountId, {
    roleName: role.roleName,
    externalId: role.externalId,
    sessionName: "keywarden-rotate",
    partition: caller.partition,
    target,
    env: io.env,
  });
}
