import type { AuditAccountView, AuditReport } from "../domain/audit-report.js";
import {
  AccessDeniedError,
  AwsFailureError,
  CredentialsError,
  KeywardenError,
  UsageError,
} from "../domain/errors.js";
import type { ApiCallCounts, Finding } from "../domain/types.js";
import { mapWithConcurrency } from "../inventory/concurrency.js";
import { compareFindings, COLLECTION_RULE_ID } from "../rules/evaluate.js";

// Many accounts in one audit: each account is audited on its own (its own session, its own IAM
// throttling), a bounded number at a time, and the reports are joined into one AuditReport of the
// same contract. An account that cannot be reached or read becomes an ERROR finding; the rest go on.

/** How the audit reaches the accounts: the caller's own account directly, every other one through a role. */
export interface AccountAccess {
  /** The caller's own account, audited with the caller's credentials (no role); null if unknown. */
  callerAccountId: string | null;
  roleName: string;
  partition: string;
  /** Whether AssumeRole passes an external id (the value itself is never printed). */
  externalId: boolean;
}

export interface OrgAuditOptions<S> {
  /** Account ids (12 digits); duplicates are audited once, in ascending order. */
  accounts: readonly string[];
  /** The session for an account (AssumeRole for all but the caller's own); a throw fails that account. */
  sessionFor: (accountId: string) => Promise<S>;
  /** One account's audit (runAudit with the thresholds); a throw fails that account. */
  auditAccount: (session: S, accountId: string) => Promise<AuditReport>;
  /** Called once an account is done with its session, whether its audit succeeded or not. */
  release?: ((session: S) => void) | undefined;
  access: AccountAccess;
  /** Accounts audited at the same time. */
  concurrency: number;
  now: Date;
  /** Calls of the whole run, read at the end; default: the sum of the accounts' reports. */
  apiCalls?: (() => ApiCallCounts) | undefined;
  onProgress?: ((done: number, total: number) => void) | undefined;
  /** Wall clock for durationMs; injected so tests stay deterministic. */
  clock?: (() => number) | undefined;
}

export const ACCOUNT_ID = /^\d{12}$/;

/**
 * Account ids from `--accounts`: separated by commas, spaces or new lines, `#` starts a comment
 * (for files). Every id must be 12 digits; duplicates are dropped, the order is kept.
 */
export function parseAccountIds(text: string, source = "--accounts"): string[] {
  const ids: string[] = [];
  const lines = text.split(/\r?\n/);
  for (const [i, line] of lines.entries()) {
    const content = line.replace(/#.*$/, "");
    for (const token of content.split(/[\s,]+/)) {
      if (token === "") continue;
      if (!ACCOUNT_ID.test(token)) {
        const where = lines.length > 1 ? `${source}, line ${i + 1}` : source;
        throw new UsageError(
          `${where}: "${token}" is not an AWS account id (12 digits)`,
          "Pass account ids such as --accounts 111111111111,222222222222, or @file with one id a line.",
        );
      }
      if (!ids.includes(token)) ids.push(token);
    }
  }
  if (ids.length === 0) {
    throw new UsageError(
      `${source} names no account`,
      "Pass account ids such as --accounts 111111111111,222222222222, or @file with one id a line.",
    );
  }
  return ids;
}

function viaRole(accountId: string, access: AccountAccess): boolean {
  return accountId !== access.callerAccountId;
}

export function roleArnOf(accountId: string, access: AccountAccess): string {
  return `arn:${access.partition}:iam::${accountId}:role/${access.roleName}`;
}

/** The role's bare name: the part after the last `/` of a name given with a path. */
function bareRoleName(access: AccountAccess): string {
  return access.roleName.split("/").pop() ?? access.roleName;
}

function grantCommand(access: AccountAccess): string {
  return (
    `\`aws iam put-role-policy --role-name ${bareRoleName(access)} --policy-name keywarden-audit ` +
    '--policy-document "$(keywarden permissions audit)"`'
  );
}

/** The commands that create the role in a member account so that the caller's account may assume it. */
function createRoleCommands(accountId: string, access: AccountAccess): string {
  const principal =
    access.callerAccountId === null
      ? "<the account you run keywarden in>"
      : `arn:${access.partition}:iam::${access.callerAccountId}:root`;
  const statement: Record<string, unknown> = {
    Effect: "Allow",
    Principal: { AWS: principal },
    Action: "sts:AssumeRole",
  };
  if (access.externalId) {
    statement.Condition = { StringEquals: { "sts:ExternalId": "<your --external-id>" } };
  }
  const trust = JSON.stringify({ Version: "2012-10-17", Statement: [statement] });
  const slash = access.roleName.lastIndexOf("/");
  const path = slash < 0 ? "" : ` --path /${access.roleName.slice(0, slash + 1)}`;
  return (
    `with credentials of account ${accountId}, \`aws iam create-role --role-name ${bareRoleName(access)}${path} ` +
    `--assume-role-policy-document '${trust}'\`, then ${grantCommand(access)}`
  );
}

function errorText(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.trim().replace(/\.$/, "");
}

function isThrottled(e: unknown): boolean {
  return e instanceof AwsFailureError && e.code === "THROTTLED";
}

/**
 * The ERROR finding for an account that could not be audited at all: the role could not be assumed
 * ("assume"), or the account's audit itself failed ("audit": credentials refused, throttled, ...).
 */
export function accountFailureFinding(
  accountId: string,
  error: unknown,
  stage: "assume" | "audit",
  access: AccountAccess,
): Finding {
  const role = viaRole(accountId, access);
  const arn = roleArnOf(accountId, access);
  const how = role ? `through role ${arn}` : "with the caller's own credentials";
  const what =
    stage === "assume"
      ? `keywarden could not assume role ${arn}`
      : `the audit of account ${accountId} ${how} failed`;
  const message =
    `Could not audit account ${accountId}: ${what} (${errorText(error)}). ` +
    "Every access key of this account is unknown, not clean.";

  let remediation: string;
  if (isThrottled(error)) {
    remediation =
      `AWS throttled the calls for account ${accountId} beyond the retry budget: re-run later, or lower ` +
      "--account-concurrency (accounts in parallel) or --concurrency (calls per account).";
  } else if (stage === "assume" && error instanceof AccessDeniedError) {
    remediation =
      `Make role ${arn} exist with a trust policy that lets the caller assume it (${createRoleCommands(accountId, access)}); ` +
      "the caller also needs sts:AssumeRole on it. If your accounts have another role for this, pass it with --role-name.";
  } else if (role && error instanceof AccessDeniedError) {
    remediation = `Grant ${error.permission} to role ${arn}: with credentials of account ${accountId}, ${grantCommand(access)}.`;
  } else if (role && error instanceof CredentialsError) {
    remediation =
      `AWS refused the credentials of role ${arn} in account ${accountId}: check that the account is ACTIVE and ` +
      `that no policy denies the role's sessions, then re-run \`keywarden audit --accounts ${accountId}\`.`;
  } else if (error instanceof KeywardenError) {
    remediation = error.fix;
  } else {
    remediation = `Re-run \`keywarden audit --accounts ${accountId} --debug\` to see the cause.`;
  }
  return {
    ruleId: COLLECTION_RULE_ID,
    result: "ERROR",
    severity: "high",
    accountId,
    userName: null,
    accessKeyId: null,
    message,
    remediation,
  };
}

const CALLER_IDENTITY = "the identity you run keywarden as";

/**
 * In an account reached through the role, "grant it to the identity you run keywarden as" means the
 * role: say so, with the command that grants the audit policy to it.
 */
export function attributeToRole(findings: Finding[], accountId: string, access: AccountAccess): Finding[] {
  if (!viaRole(accountId, access)) return findings;
  const arn = roleArnOf(accountId, access);
  return findings.map((f) => {
    if (f.result !== "ERROR" || f.accountId !== accountId || !f.remediation.includes(CALLER_IDENTITY))
      return f;
    return {
      ...f,
      remediation:
        f.remediation.replace(
          CALLER_IDENTITY,
          `role ${arn}, which keywarden assumes in account ${accountId}`,
        ) + ` With credentials of account ${accountId}: ${grantCommand(access)}.`,
    };
  });
}

function failedAccountView(accountId: string): AuditAccountView {
  return {
    accountId,
    users: 0,
    keys: 0,
    rootAccessKeysPresent: null,
    rootMfaEnabled: null,
    credentialReportGeneratedAt: null,
  };
}

function sumCalls(reports: readonly AuditReport[]): ApiCallCounts {
  const sum = new Map<string, number>();
  for (const r of reports) {
    for (const [op, n] of Object.entries(r.stats.apiCalls)) sum.set(op, (sum.get(op) ?? 0) + n);
  }
  return Object.fromEntries([...sum.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

/** Errors that are bugs, not an account's trouble: they end the run instead of hiding in a finding. */
function isBug(e: unknown): boolean {
  return e instanceof TypeError || e instanceof ReferenceError;
}

type Outcome = { ok: true; report: AuditReport } | { ok: false; finding: Finding };

/** Audits the accounts, `concurrency` at a time, into one report; a failing account is an ERROR finding. */
export async function runOrgAudit<S>(opts: OrgAuditOptions<S>): Promise<AuditReport> {
  const clock = opts.clock ?? (() => performance.now());
  const started = clock();
  const accounts = [...new Set(opts.accounts)].sort();
  let done = 0;

  const outcomes = await mapWithConcurrency(
    accounts,
    opts.concurrency,
    async (accountId): Promise<Outcome> => {
      let stage: "assume" | "audit" = "assume";
      let session: { value: S } | null = null;
      try {
        session = { value: await opts.sessionFor(accountId) };
        stage = "audit";
        const report = await opts.auditAccount(session.value, accountId);
        return { ok: true, report };
      } catch (e) {
        if (isBug(e)) throw e;
        return { ok: false, finding: accountFailureFinding(accountId, e, stage, opts.access) };
      } finally {
        if (session !== null) opts.release?.(session.value);
        opts.onProgress?.(++done, accounts.length);
      }
    },
  );

  const views: AuditAccountView[] = [];
  const report: AuditReport = {
    schemaVersion: 1,
    generatedAt: opts.now.toISOString(),
    accounts: views,
    keys: [],
    findings: [],
    stats: { apiCalls: {}, durationMs: 0 },
  };
  const reports: AuditReport[] = [];
  for (const [i, o] of outcomes.entries()) {
    const accountId = accounts[i] ?? "";
    if (o.ok) {
      reports.push(o.report);
      views.push(...o.report.accounts);
      report.keys.push(...o.report.keys);
      report.findings.push(...attributeToRole(o.report.findings, accountId, opts.access));
    } else {
      views.push(failedAccountView(accountId));
      report.findings.push(o.finding);
    }
  }
  report.findings.sort(compareFindings);
  report.stats = {
    apiCalls: opts.apiCalls ? opts.apiCalls() : sumCalls(reports),
    durationMs: Math.round(clock() - started),
  };
  return report;
}
