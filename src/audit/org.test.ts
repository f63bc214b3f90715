import { describe, expect, it } from "vitest";
import type { AuditReport } from "../domain/audit-report.js";
import { AccessDeniedError, AwsFailureError, CredentialsError, UsageError } from "../domain/errors.js";
import type { Finding } from "../domain/types.js";
import { grantRemediation } from "../rules/support.js";
import {
  accountFailureFinding,
  attributeToRole,
  parseAccountIds,
  runOrgAudit,
  type AccountAccess,
  type OrgAuditOptions,
} from "./org.js";

const NOW = new Date("2025-06-15T12:00:00.000Z");
const CALLER = "111111111111";
const A = "222222222222";
const B = "333333333333";
const C = "444444444444";
const ACCESS: AccountAccess = {
  callerAccountId: CALLER,
  roleName: "OrganizationAccountAccessRole",
  partition: "aws",
  externalId: false,
};
const roleArn = (id: string) => `arn:aws:iam::${id}:role/OrganizationAccountAccessRole`;

function aFinding(accountId: string, over: Partial<Finding> = {}): Finding {
  return {
    ruleId: "access-key-rotation",
    result: "FAIL",
    severity: "medium",
    accountId,
    userName: "alice",
    accessKeyId: `AKIA${accountId.slice(0, 12)}ABCD`,
    message: `key of ${accountId}`,
    remediation: "rotate",
    ...over,
  };
}

/** What runAudit would return for one account with one user and key, and `calls` ListAccessKeys. */
function aReport(accountId: string, findings: Finding[] = [aFinding(accountId)], calls = 1): AuditReport {
  return {
    schemaVersion: 1,
    generatedAt: NOW.toISOString(),
    accounts: [
      {
        accountId,
        users: 1,
        keys: 1,
        rootAccessKeysPresent: false,
        rootMfaEnabled: true,
        credentialReportGeneratedAt: NOW.toISOString(),
      },
    ],
    keys: [
      {
        accountId,
        userName: "alice",
        accessKeyId: `AKIA${accountId.slice(0, 12)}ABCD`,
        status: "Active",
        createdAt: NOW.toISOString(),
        lastUsedAt: null,
        lastUsedService: null,
        lastUsedRegion: null,
        ageDays: 0,
      },
    ],
    findings,
    stats: { apiCalls: { GetCallerIdentity: 1, ListAccessKeys: calls }, durationMs: 5 },
  };
}

/** A fake account runner: the session is the account id itself. */
function options(over: Partial<OrgAuditOptions<string>> = {}): OrgAuditOptions<string> {
  return {
    accounts: [A, B],
    sessionFor: (id) => Promise.resolve(id),
    auditAccount: (session) => Promise.resolve(aReport(session)),
    access: ACCESS,
    concurrency: 4,
    now: NOW,
    clock: () => 0,
    ...over,
  };
}

/** A promise and the function that settles it. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

describe("runOrgAudit: orchestration", () => {
  it("never audits more accounts at once than the concurrency, and reaches it", async () => {
    const accounts = ["500000000001", "500000000002", "500000000003", "500000000004", "500000000005"];
    const gates = new Map(accounts.map((id) => [id, gate()]));
    let inFlight = 0;
    let maxInFlight = 0;
    const started: string[] = [];
    const run = runOrgAudit(
      options({
        accounts,
        concurrency: 2,
        auditAccount: async (id) => {
          started.push(id);
          maxInFlight = Math.max(maxInFlight, ++inFlight);
          await gates.get(id)?.promise;
          inFlight--;
          return aReport(id);
        },
      }),
    );
    // The first two start; then each released account lets the next one start.
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual(accounts.slice(0, 2));
    for (const id of accounts) {
      gates.get(id)?.open();
      await new Promise((r) => setImmediate(r));
    }
    const report = await run;
    expect(maxInFlight).toBe(2);
    expect(started).toEqual(accounts);
    expect(report.accounts.map((a) => a.accountId)).toEqual(accounts);
  });

  it("audits each account once, in ascending id order, whatever order and duplicates it is given", async () => {
    const seen: string[] = [];
    const report = await runOrgAudit(
      options({
        accounts: [C, A, C, B],
        concurrency: 1,
        sessionFor: (id) => {
          seen.push(id);
          return Promise.resolve(id);
        },
      }),
    );
    expect(seen).toEqual([A, B, C]);
    expect(report.accounts.map((a) => a.accountId)).toEqual([A, B, C]);
    expect(report.keys.map((k) => k.accountId)).toEqual([A, B, C]);
  });

  it("joins the accounts' reports into one contract: keys, accounts, findings sorted as evaluateRules sorts", async () => {
    const report = await runOrgAudit(
      options({
        accounts: [B, A],
        auditAccount: (id) =>
          Promise.resolve(
            aReport(id, [
              aFinding(id, { result: "PASS", severity: "info", message: `pass ${id}` }),
              aFinding(id, { result: id === B ? "FAIL" : "WARN", severity: "medium" }),
            ]),
          ),
      }),
    );
    expect(Object.keys(report).sort()).toEqual([
      "accounts",
      "findings",
      "generatedAt",
      "keys",
      "schemaVersion",
      "stats",
    ]);
    expect(report.schemaVersion).toBe(1);
    expect(report.generatedAt).toBe(NOW.toISOString());
    expect(report.findings.map((f) => [f.result, f.accountId])).toEqual([
      ["FAIL", B],
      ["WARN", A],
      ["PASS", A],
      ["PASS", B],
    ]);
    expect(report.keys).toHaveLength(2);
  });

  it("sums the accounts' API calls by default, and takes the run's own count when given", async () => {
    const summed = await runOrgAudit(
      options({ auditAccount: (id) => Promise.resolve(aReport(id, [], id === A ? 2 : 5)) }),
    );
    expect(summed.stats.apiCalls).toEqual({ GetCallerIdentity: 2, ListAccessKeys: 7 });
    const given = await runOrgAudit(options({ apiCalls: () => ({ AssumeRole: 1, ListAccounts: 1 }) }));
    expect(given.stats.apiCalls).toEqual({ AssumeRole: 1, ListAccounts: 1 });
  });

  it("reports the whole run's duration from the injected clock", async () => {
    let t = 1000;
    const report = await runOrgAudit(
      options({
        clock: () => t,
        auditAccount: (id) => {
          t += 250;
          return Promise.resolve(aReport(id));
        },
      }),
    );
    expect(report.stats.durationMs).toBe(500);
  });

  it("reports progress once per account, failed ones included, ending at total/total", async () => {
    const progress: [number, number][] = [];
    await runOrgAudit(
      options({
        accounts: [A, B, C],
        concurrency: 1,
        sessionFor: (id) => (id === B ? Promise.reject(new Error("boom")) : Promise.resolve(id)),
        onProgress: (done, total) => progress.push([done, total]),
      }),
    );
    expect(progress).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
  });

  it("releases every session it opened, once, also when the audit failed", async () => {
    const released: string[] = [];
    await runOrgAudit(
      options({
        accounts: [A, B, C],
        sessionFor: (id) => (id === C ? Promise.reject(new Error("no session")) : Promise.resolve(id)),
        auditAccount: (id) =>
          id === B
            ? Promise.reject(new AwsFailureError("AWS_ERROR", "x", "y"))
            : Promise.resolve(aReport(id)),
        release: (s) => released.push(s),
      }),
    );
    expect(released.sort()).toEqual([A, B]);
  });

  it("an empty account list is an empty report", async () => {
    const report = await runOrgAudit(options({ accounts: [] }));
    expect(report.accounts).toEqual([]);
    expect(report.findings).toEqual([]);
  });
});

describe("runOrgAudit: one failing account", () => {
  const denied = new AccessDeniedError(
    "AssumeRole",
    "sts:AssumeRole",
    "AssumeRole failed: access denied; the caller lacks sts:AssumeRole",
  );

  it("becomes a high ERROR finding and an empty account entry; the other accounts are audited", async () => {
    const report = await runOrgAudit(
      options({
        accounts: [A, B, C],
        sessionFor: (id) => (id === B ? Promise.reject(denied) : Promise.resolve(id)),
      }),
    );
    expect(report.accounts.map((a) => a.accountId)).toEqual([A, B, C]);
    expect(report.accounts[1]).toEqual({
      accountId: B,
      users: 0,
      keys: 0,
      rootAccessKeysPresent: null,
      rootMfaEnabled: null,
      credentialReportGeneratedAt: null,
    });
    expect(report.keys.map((k) => k.accountId)).toEqual([A, C]);
    const errors = report.findings.filter((f) => f.result === "ERROR");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      ruleId: "collection",
      result: "ERROR",
      severity: "high",
      accountId: B,
      userName: null,
      accessKeyId: null,
    });
    expect(errors[0]?.message).toContain(roleArn(B));
    expect(errors[0]?.message).toContain("AssumeRole failed: access denied");
    // As evaluateRules sorts: every FAIL (here medium) before any ERROR (high).
    expect(report.findings.map((f) => f.result)).toEqual(["FAIL", "FAIL", "ERROR"]);
  });

  it("a failing AssumeRole says how to create the role, trusted by the caller's account", () => {
    const f = accountFailureFinding(B, denied, "assume", ACCESS);
    expect(f.message).toBe(
      `Could not audit account ${B}: keywarden could not assume role ${roleArn(B)} ` +
        "(AssumeRole failed: access denied; the caller lacks sts:AssumeRole). " +
        "Every access key of this account is unknown, not clean.",
    );
    expect(f.remediation).toContain("aws iam create-role --role-name OrganizationAccountAccessRole");
    expect(f.remediation).toContain(`"Principal":{"AWS":"arn:aws:iam::${CALLER}:root"}`);
    expect(f.remediation).toContain("keywarden permissions audit");
    expect(f.remediation).toContain("--role-name");
    expect(f.remediation).not.toContain("sts:ExternalId");
  });

  it("with an external id the trust policy asks for it, without printing the value", () => {
    const f = accountFailureFinding(B, denied, "assume", { ...ACCESS, externalId: true });
    expect(f.remediation).toContain('"sts:ExternalId":"<your --external-id>"');
  });

  it("a role with a path is created with that path, in the caller's partition", () => {
    const access = { ...ACCESS, roleName: "audit/Keywarden", partition: "aws-us-gov" };
    const f = accountFailureFinding(B, denied, "assume", access);
    expect(f.message).toContain(`arn:aws-us-gov:iam::${B}:role/audit/Keywarden`);
    expect(f.remediation).toContain("create-role --role-name Keywarden --path /audit/");
    expect(f.remediation).toContain(`"arn:aws-us-gov:iam::${CALLER}:root"`);
  });

  it("throttled past the retries: re-run later or lower the concurrency", async () => {
    const throttled = new AwsFailureError("THROTTLED", "ListAccessKeys failed: throttled", "wait", {
      retryable: true,
    });
    const report = await runOrgAudit(
      options({
        auditAccount: (id) => (id === A ? Promise.reject(throttled) : Promise.resolve(aReport(id))),
      }),
    );
    const f = report.findings.find((x) => x.result === "ERROR");
    expect(f?.accountId).toBe(A);
    expect(f?.message).toContain(`through role ${roleArn(A)}`);
    expect(f?.message).toContain("ListAccessKeys failed: throttled");
    expect(f?.remediation).toContain("--account-concurrency");
    expect(report.keys.map((k) => k.accountId)).toEqual([B]);
  });

  it("credentials refused inside the account name the role", () => {
    const e = new CredentialsError("KEY_NOT_VALID", "GetCallerIdentity failed: key not valid", "doctor");
    const f = accountFailureFinding(A, e, "audit", ACCESS);
    expect(f.remediation).toContain(`credentials of role ${roleArn(A)}`);
    expect(f.remediation).toContain(`keywarden audit --accounts ${A}`);
  });

  it("the caller's own account is audited without a role, and its failure says so", async () => {
    const e = new CredentialsError("SESSION_EXPIRED", "GetCallerIdentity failed: expired", "Refresh them.");
    const report = await runOrgAudit(
      options({
        accounts: [CALLER, A],
        auditAccount: (id) => (id === CALLER ? Promise.reject(e) : Promise.resolve(aReport(id))),
      }),
    );
    const f = report.findings.find((x) => x.result === "ERROR");
    expect(f?.accountId).toBe(CALLER);
    expect(f?.message).toContain("with the caller's own credentials");
    expect(f?.message).not.toContain(":role/");
    expect(f?.remediation).toBe("Refresh them.");
  });

  it("a bug is not an account's failure: it ends the run", async () => {
    await expect(
      runOrgAudit(options({ auditAccount: () => Promise.reject(new TypeError("x is undefined")) })),
    ).rejects.toThrow(TypeError);
  });
});

describe("attributeToRole", () => {
  const denied = aFinding(A, {
    ruleId: "collection",
    result: "ERROR",
    severity: "high",
    userName: null,
    accessKeyId: null,
    remediation: grantRemediation("iam:GetAccountSummary"),
  });

  it("in a role account, the identity to grant is the role, with the command", () => {
    const [f] = attributeToRole([denied], A, ACCESS);
    expect(f?.remediation).toContain(`Grant iam:GetAccountSummary to role ${roleArn(A)}`);
    expect(f?.remediation).toContain("aws iam put-role-policy --role-name OrganizationAccountAccessRole");
  });

  it("leaves the caller's own account, and findings that are not ERRORs, as they are", () => {
    const own = { ...denied, accountId: CALLER };
    expect(attributeToRole([own], CALLER, ACCESS)).toEqual([own]);
    const fail = aFinding(A, { remediation: grantRemediation("iam:ListAccessKeys") });
    expect(attributeToRole([fail], A, ACCESS)).toEqual([fail]);
  });

  it("is applied to the accounts' reports by runOrgAudit", async () => {
    const report = await runOrgAudit(
      options({ accounts: [A], auditAccount: () => Promise.resolve(aReport(A, [denied])) }),
    );
    expect(report.findings[0]?.remediation).toContain(`role ${roleArn(A)}`);
  });
});

describe("parseAccountIds", () => {
  it("reads commas, spaces and lines, drops # comments and duplicates, keeps the order", () => {
    expect(parseAccountIds(`${B},${A}`)).toEqual([B, A]);
    const file = `# production\n${A}  # payments\n\n${B}\n${A}\r\n  ${C}\n`;
    expect(parseAccountIds(file, "accounts.txt")).toEqual([A, B, C]);
  });

  it("refuses an id that is not 12 digits, naming the line of a file", () => {
    expect(() => parseAccountIds(`${A},12345`)).toThrow(UsageError);
    expect(() => parseAccountIds(`${A},12345`)).toThrow(
      '--accounts: "12345" is not an AWS account id (12 digits)',
    );
    expect(() => parseAccountIds(`${A}\n${B}\narn:aws:iam::${C}:root\n`, "ids.txt")).toThrow(
      /^ids\.txt, line 3: "arn:aws:iam::444444444444:root" is not an AWS account id/,
    );
  });

  it("refuses a list with no account", () => {
    expect(() => parseAccountIds("# nothing here\n\n", "empty.txt")).toThrow("empty.txt names no account");
    expect(() => parseAccountIds(",")).toThrow(UsageError);
  });
});
