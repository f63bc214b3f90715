// `keywarden audit --org` / `--accounts` end to end on the emulator: an AWS Organization with member
// accounts (moto keeps each account's IAM apart), AssumeRole into each, one JSON report for all.
// moto lets any role do anything while auth checks are off, so the broken account only fails with
// them on: everything is seeded first, then auth is turned on and the CLI signs with an admin key.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AttachRolePolicyCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListUsersCommand,
  PutUserPolicyCommand,
} from "@aws-sdk/client-iam";
import {
  AttachPolicyCommand,
  CloseAccountCommand,
  CreateAccountCommand,
  CreateOrganizationCommand,
  CreateOrganizationalUnitCommand,
  CreatePolicyCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
  paginateListAccounts,
} from "@aws-sdk/client-organizations";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import type { InitializeMiddleware, MetadataBearer } from "@smithy/types";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { assumeRoleCredentials, listActiveAccounts } from "../src/aws/organizations.js";
import { openSession } from "../src/aws/session.js";
import { ACCOUNT_ID, DUMMY_CREDENTIALS, REGION, useEmulator, type Credentials } from "./emulator/harness.js";
import { runCli, type CliResult } from "./helpers/cli.js";

const emu = useEmulator();

const DAY = 86_400_000;
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const ago = (days: number) => new Date(NOW.getTime() - days * DAY);
const ROLE = "OrganizationAccountAccessRole";

/** Member accounts by name, filled in beforeAll from ListAccounts. */
const ids = { good1: "", good2: "", broken: "", closed: "" };
/** Access key ids seeded per account. */
const seededKeys = new Map<string, string[]>();
/** Every secret the emulator holds: none may reach an output. */
const secrets: string[] = [];
let admin: Credentials = { accessKeyId: "", secretAccessKey: "" };
let noAssume: Credentials = { accessKeyId: "", secretAccessKey: "" };
let tmp = "";

interface Json {
  schemaVersion: number;
  accounts: {
    accountId: string;
    users: number;
    keys: number;
    rootAccessKeysPresent: boolean | null;
    credentialReportGeneratedAt: string | null;
  }[];
  keys: { accountId: string; userName: string; accessKeyId: string }[];
  findings: {
    ruleId: string;
    result: string;
    severity: string;
    accountId: string;
    userName: string | null;
    accessKeyId: string | null;
    message: string;
    remediation: string;
  }[];
  stats: { apiCalls: Record<string, number>; durationMs: number };
}

async function kw(args: string[], creds: Credentials = admin): Promise<CliResult> {
  const env: Record<string, string> = {
    AWS_ENDPOINT_URL: emu.endpoint,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: creds.accessKeyId,
    AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
    ...(creds.sessionToken === undefined ? {} : { AWS_SESSION_TOKEN: creds.sessionToken }),
  };
  const r = await runCli(args, { env });
  for (const s of secrets) {
    expect(r.stdout).not.toContain(s);
    expect(r.stderr).not.toContain(s);
  }
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stderr).not.toContain("NodeVersionSupportWarning");
  return r;
}

const parse = (r: CliResult) => JSON.parse(r.stdout) as Json;
const keysOf = (report: Json, accountId: string) =>
  report.keys
    .filter((k) => k.accountId === accountId)
    .map((k) => k.accessKeyId)
    .sort();
const errorsOf = (report: Json, accountId: string) =>
  report.findings.filter((f) => f.result === "ERROR" && f.accountId === accountId);

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "keywarden-org-test-"));
  const org = new OrganizationsClient({
    endpoint: emu.endpoint,
    region: REGION,
    credentials: DUMMY_CREDENTIALS,
  });
  await org.send(new CreateOrganizationCommand({ FeatureSet: "ALL" }));
  for (const name of Object.keys(ids)) {
    await org.send(new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com` }));
  }
  for await (const page of paginateListAccounts({ client: org }, {})) {
    for (const a of page.Accounts ?? []) {
      if (a.Name !== undefined && a.Name in ids && a.Id !== undefined) ids[a.Name as keyof typeof ids] = a.Id;
    }
  }
  expect(Object.values(ids).every((id) => /^\d{12}$/.test(id))).toBe(true);
  await org.send(new CloseAccountCommand({ AccountId: ids.closed }));

  // The role exists in every member account without permissions; two of them get AdministratorAccess.
  for (const id of [ids.good1, ids.good2]) {
    await emu.iamIn(id).send(
      new AttachRolePolicyCommand({
        RoleName: ROLE,
        PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess",
      }),
    );
  }
  for (const [i, id] of [ACCOUNT_ID, ids.good1, ids.good2, ids.broken, ids.closed].entries()) {
    const seeded = await emu.client.bulkSeed({
      account_id: id,
      users: [
        { name: `app-${i}`, create_date: ago(300), access_keys: [{ create_date: ago(200) }] },
        {
          name: `ci-${i}`,
          create_date: ago(30),
          access_keys: [{ create_date: ago(10), last_used: { date: ago(1), service: "s3" } }],
        },
      ],
    });
    // Root with hardware MFA and no keys: nothing critical, so only the broken account's ERRORs
    // (high) can make the run fail at the default --fail-on high.
    await emu.client.setRoot({ account_id: id, access_keys: [], mfa: "hardware" });
    const keys = seeded.users.flatMap((u) => u.access_keys);
    seededKeys.set(id, keys.map((k) => k.access_key_id).sort());
    secrets.push(...keys.map((k) => k.secret_access_key));
  }

  // SCPs: good1 sits in an OU whose SCP denies IAM; good2 stays under the root (FullAWSAccess only).
  // app-N holds iam:* in every account: administrator-equivalent, except where the SCP cuts it.
  const rootId = (await org.send(new ListRootsCommand({}))).Roots?.[0]?.Id ?? "";
  const ou = await org.send(new CreateOrganizationalUnitCommand({ ParentId: rootId, Name: "restricted" }));
  const ouId = ou.OrganizationalUnit?.Id ?? "";
  await org.send(
    new MoveAccountCommand({ AccountId: ids.good1, SourceParentId: rootId, DestinationParentId: ouId }),
  );
  const denyIam = await org.send(
    new CreatePolicyCommand({
      Name: "DenyIam",
      Description: "no IAM in this OU",
      Type: "SERVICE_CONTROL_POLICY",
      Content: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Sid: "NoIam", Effect: "Deny", Action: "iam:*", Resource: "*" }],
      }),
    }),
  );
  await org.send(
    new AttachPolicyCommand({ PolicyId: denyIam.Policy?.PolicySummary?.Id ?? "", TargetId: ouId }),
  );
  for (const [i, id] of [ACCOUNT_ID, ids.good1, ids.good2].entries()) {
    await emu.iamIn(id).send(
      new PutUserPolicyCommand({
        UserName: `app-${i}`,
        PolicyName: "iam-admin",
        PolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: "iam:*", Resource: "*" }],
        }),
      }),
    );
  }

  // Management account: an administrator to sign with, and a user that may not call sts:AssumeRole.
  admin = await emu.createAdmin("org-admin");
  await emu.createUser("no-assume");
  await emu.iam().send(
    new PutUserPolicyCommand({
      UserName: "no-assume",
      PolicyName: "no-sts",
      PolicyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: ["iam:*", "organizations:ListAccounts"], Resource: "*" }],
      }),
    }),
  );
  noAssume = await emu.createKey("no-assume");
  secrets.push(admin.secretAccessKey, noAssume.secretAccessKey);
  await emu.client.setAuth(true);
});

afterAll(async () => {
  await emu.client.setAuth(false);
  await rm(tmp, { recursive: true, force: true });
});

describe("keywarden audit --org", () => {
  let r: CliResult;
  let report: Json;
  beforeAll(async () => {
    r = await kw(["audit", "--org", "--format", "json"]);
    report = parse(r);
  });

  it("audits the management account and every ACTIVE member in one report; the closed account is left out", () => {
    expect(r.stderr).toBe("");
    expect(Object.keys(report).sort()).toEqual(
      ["accounts", "findings", "generatedAt", "keys", "schemaVersion", "stats"].sort(),
    );
    expect(report.accounts.map((a) => a.accountId)).toEqual(
      [ACCOUNT_ID, ids.good1, ids.good2, ids.broken].sort(),
    );
    expect(report.accounts.find((a) => a.accountId === ids.good1)).toMatchObject({ users: 2, keys: 2 });
  });

  it("lists the keys of both good accounts with their account ids, and the management account's", () => {
    expect(keysOf(report, ids.good1)).toEqual(seededKeys.get(ids.good1));
    expect(keysOf(report, ids.good2)).toEqual(seededKeys.get(ids.good2));
    // The management account's own keys: the seeded two, the admin's and no-assume's.
    expect(keysOf(report, ACCOUNT_ID)).toEqual(
      [...(seededKeys.get(ACCOUNT_ID) ?? []), admin.accessKeyId, noAssume.accessKeyId].sort(),
    );
    expect(keysOf(report, ids.broken)).toEqual([]);
    expect(keysOf(report, ids.closed)).toEqual([]);
    // The 200-day-old key of each good member account is judged there, not lost in the join.
    for (const id of [ids.good1, ids.good2]) {
      expect(
        report.findings.some(
          (f) => f.accountId === id && f.ruleId === "access-key-rotation" && f.result === "FAIL",
        ),
      ).toBe(true);
    }
  });

  it("the account whose role has no permissions is a collection ERROR naming the account and the role; exit 1", () => {
    expect(r.code).toBe(1);
    const errors = errorsOf(report, ids.broken);
    expect(errors.length).toBeGreaterThan(0);
    const collection = errors.filter((f) => f.ruleId === "collection");
    expect(collection.map((f) => f.message).join("\n")).toContain(`account ${ids.broken}`);
    for (const f of collection) {
      expect(f.severity).toBe("high");
      expect(f.message).toContain("AccessDenied");
      expect(f.remediation).toContain(`role arn:aws:iam::${ids.broken}:role/${ROLE}`);
      expect(f.remediation).toContain(`aws iam put-role-policy --role-name ${ROLE}`);
    }
    expect(report.accounts.find((a) => a.accountId === ids.broken)).toMatchObject({
      users: 0,
      keys: 0,
      credentialReportGeneratedAt: null,
    });
    for (const id of [ACCOUNT_ID, ids.good1, ids.good2]) expect(errorsOf(report, id)).toEqual([]);
  });

  it("stats.apiCalls count Organizations, STS and every account's IAM calls", () => {
    const calls = report.stats.apiCalls;
    expect(calls.ListAccounts).toBe(1);
    // One AssumeRole per member account; the management account uses the caller's own credentials.
    expect(calls.AssumeRole).toBe(3);
    // The caller's identity once, then once per audited account.
    expect(calls.GetCallerIdentity).toBe(5);
    expect(calls.GetAccountSummary).toBe(4);
    // ListAccessKeys for each user with keys, in the three readable accounts.
    expect(calls.ListAccessKeys).toBe(4 + 2 + 2);
  });

  it("cuts each member's blast radius by the SCPs of its OU and root; the management account is not affected", () => {
    const radius = (accountId: string, user: string) =>
      (report.keys as { accountId: string; userName: string; blastRadius?: { classes: string[] } }[]).find(
        (k) => k.accountId === accountId && k.userName === user,
      )?.blastRadius?.classes;
    // iam:* under an OU whose SCP denies iam:*: nothing left.
    expect(radius(ids.good1, "app-1")).toEqual(["nothing"]);
    // The same policy under the root's FullAWSAccess alone, and in the management account.
    expect(radius(ids.good2, "app-2")?.[0]).toBe("administrator-equivalent");
    expect(radius(ACCOUNT_ID, "app-0")?.[0]).toBe("administrator-equivalent");
    // Read once for the organization: ListParents per member account (good1, good2, broken) and per
    // OU (restricted); ListPoliciesForTarget per member, OU and root; DescribePolicy per distinct
    // policy (FullAWSAccess, DenyIam). None per key or user.
    const calls = report.stats.apiCalls;
    expect(calls.ListParents).toBe(3 + 1);
    expect(calls.ListPoliciesForTarget).toBe(3 + 1 + 1);
    expect(calls.DescribePolicy).toBe(2);
  });

  it("--fail-on none exits 0 with the same ERRORs in the report", async () => {
    const none = await kw(["audit", "--org", "--format", "json", "--fail-on", "none"]);
    expect(none.code).toBe(0);
    expect(errorsOf(parse(none), ids.broken).length).toBe(errorsOf(report, ids.broken).length);
  });

  it("--stats on stderr sums the calls of every account", async () => {
    const s = await kw(["audit", "--org", "--format", "json", "--stats", "--account-concurrency", "1"]);
    expect(s.code).toBe(1);
    const total = Object.values(parse(s).stats.apiCalls).reduce((a, b) => a + b, 0);
    expect(s.stderr).toMatch(new RegExp(`^keywarden: ${total} AWS calls \\(.*AssumeRole=3.*ListAccounts=1`));
  });
});

describe("keywarden audit --org: AssumeRole refused", () => {
  it("a caller without sts:AssumeRole: each member account is one ERROR naming its role; the run goes on", async () => {
    const r = await kw(["audit", "--org", "--format", "json"], noAssume);
    expect(r.code).toBe(1);
    const report = parse(r);
    expect(keysOf(report, ACCOUNT_ID).length).toBe(4);
    for (const id of [ids.good1, ids.good2, ids.broken]) {
      const errors = errorsOf(report, id);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({
        ruleId: "collection",
        severity: "high",
        userName: null,
        accessKeyId: null,
      });
      expect(errors[0]?.message).toContain(`could not assume role arn:aws:iam::${id}:role/${ROLE}`);
      expect(errors[0]?.message).toContain("AssumeRole failed: access denied");
      expect(errors[0]?.remediation).toContain(`aws iam create-role --role-name ${ROLE}`);
      expect(errors[0]?.remediation).toContain(`arn:aws:iam::${ACCOUNT_ID}:root`);
      expect(keysOf(report, id)).toEqual([]);
    }
    expect(report.stats.apiCalls.AssumeRole).toBe(3);
  });
});

describe("keywarden audit --accounts", () => {
  it("@file: audits just the listed accounts through the role, without Organizations", async () => {
    const file = join(tmp, "accounts.txt");
    await writeFile(file, `# audit these\n${ids.good2}   # payments\n\n${ids.broken}\n${ids.good2}\n`);
    const r = await kw(["audit", "--accounts", `@${file}`, "--format", "json"]);
    expect(r.code).toBe(1);
    const report = parse(r);
    expect(report.accounts.map((a) => a.accountId)).toEqual([ids.good2, ids.broken].sort());
    expect(keysOf(report, ids.good2)).toEqual(seededKeys.get(ids.good2));
    expect(report.keys.every((k) => k.accountId === ids.good2)).toBe(true);
    expect(errorsOf(report, ids.broken).length).toBeGreaterThan(0);
    expect(report.stats.apiCalls.ListAccounts).toBeUndefined();
    expect(report.stats.apiCalls.AssumeRole).toBe(2);
  });

  it("a list with the caller's own account audits it with the caller's credentials", async () => {
    const r = await kw(["audit", "--accounts", `${ACCOUNT_ID},${ids.good1}`, "--format", "json"]);
    expect(r.code).toBe(0);
    const report = parse(r);
    expect(report.accounts.map((a) => a.accountId)).toEqual([ACCOUNT_ID, ids.good1].sort());
    expect(report.stats.apiCalls.AssumeRole).toBe(1);
    expect(keysOf(report, ids.good1)).toEqual(seededKeys.get(ids.good1));
  });

  it("refuses ids that are not 12 digits, an unreadable file, and role flags without --org or --accounts", async () => {
    const bad = await kw(["audit", "--accounts", `${ids.good1},12345`]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"12345" is not an AWS account id (12 digits)');
    const missing = await kw(["audit", "--accounts", `@${join(tmp, "nope.txt")}`]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("could not read");
    const stray = await kw(["audit", "--role-name", "Auditor"]);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toContain("--role-name only applies to a many-account audit");
    const both = await kw(["audit", "--org", "--accounts", ids.good1]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("--org and --accounts cannot be combined");
  });
});

describe("keywarden audit --org from a member account", () => {
  it("Organizations shows it no account: a usage error that points at the management account", async () => {
    const sts = emu.sts(admin);
    const assumed = await sts.send(
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ids.good1}:role/${ROLE}`, RoleSessionName: "t" }),
    );
    const c = assumed.Credentials;
    if (c?.AccessKeyId === undefined || c.SecretAccessKey === undefined || c.SessionToken === undefined) {
      throw new Error("AssumeRole returned no credentials");
    }
    const r = await kw(["audit", "--org"], {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("ListAccounts returned no ACTIVE account");
    expect(r.stderr).toContain("management account");
  });
});

describe("listActiveAccounts", () => {
  it("follows every page of ListAccounts and keeps only ACTIVE accounts", async () => {
    // One account a page, so the paginator has to follow NextToken through every account.
    const onePerPage: InitializeMiddleware<object, MetadataBearer> = (next, context) => (args) => {
      if (context.commandName === "ListAccountsCommand")
        (args.input as { MaxResults?: number }).MaxResults = 1;
      return next(args);
    };
    const session = await openSession(
      {
        endpointUrl: emu.endpoint,
        region: REGION,
        credentials: admin,
        configureClient: (client) => {
          if (client instanceof OrganizationsClient) {
            client.middlewareStack.add(onePerPage, { step: "initialize", name: "onePerPage" });
          }
        },
      },
      {},
    );
    const accounts = await listActiveAccounts(session);
    expect(accounts.map((a) => a.id)).toEqual([ACCOUNT_ID, ids.good1, ids.good2, ids.broken].sort());
    expect(accounts.find((a) => a.id === ids.good1)?.name).toBe("good1");
    // Five accounts (the closed one included), one a page.
    expect(session.counter.snapshot().ListAccounts).toBe(5);
  });
});

describe("assumeRoleCredentials", () => {
  it("hands out the same credentials until 5 minutes before they expire, then assumes the role again", async () => {
    const base = await openSession({ endpointUrl: emu.endpoint, region: REGION, credentials: admin }, {});
    const provider = await assumeRoleCredentials(base, ids.good1, { roleName: ROLE, partition: "aws" });
    const first = await provider();
    expect(await provider()).toBe(first);
    expect(base.counter.snapshot().AssumeRole).toBe(1);
    const expiration = first.expiration;
    if (expiration === undefined) throw new Error("AssumeRole returned no expiration");
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(expiration.getTime() - 6 * 60_000);
      expect(await provider()).toBe(first);
      vi.setSystemTime(expiration.getTime() - 4 * 60_000);
      const renewed = await provider();
      expect(renewed.accessKeyId).not.toBe(first.accessKeyId);
      expect(base.counter.snapshot().AssumeRole).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("the emulator's own client", () => {
  it("a fresh IAM client in a member account sees only that account's users", async () => {
    // Guards the premise of the tests above: moto keeps each account's IAM apart.
    await emu.client.setAuth(false);
    try {
      const users = await emu.iamIn(ids.good2).send(new ListUsersCommand({}));
      expect((users.Users ?? []).map((u) => u.UserName).sort()).toEqual(["app-2", "ci-2"]);
    } finally {
      await emu.client.setAuth(true);
    }
  });
});

describe("keywarden rotate --account", () => {
  /** IAM in a member account as the management admin sees it through the role (auth checks are on). */
  async function memberIam(accountId: string): Promise<IAMClient> {
    const sts = new STSClient({ endpoint: emu.endpoint, region: REGION, credentials: admin });
    const r = await sts.send(
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${accountId}:role/${ROLE}`, RoleSessionName: "test" }),
    );
    const c = r.Credentials;
    return new IAMClient({
      endpoint: emu.endpoint,
      region: REGION,
      credentials: {
        accessKeyId: c?.AccessKeyId ?? "",
        secretAccessKey: c?.SecretAccessKey ?? "",
        sessionToken: c?.SessionToken ?? "",
      },
    });
  }

  it("rotates a member account's key through the role, and records the account on the job", async () => {
    const store = join(await mkdtemp(join(tmpdir(), "kw-org-rotate-")), "keywarden.db");
    const before = await (await memberIam(ids.good1)).send(new ListAccessKeysCommand({ UserName: "app-1" }));
    const oldId = before.AccessKeyMetadata?.[0]?.AccessKeyId ?? "";
    expect(oldId).not.toBe("");

    const r = await kw([
      "--store",
      store,
      "rotate",
      "--user",
      "app-1",
      "--account",
      ids.good1,
      "--to",
      "stdout",
      "--observe",
      "0",
      "--delete-now",
      "--yes",
    ]);
    expect(r.stderr).toContain("is done");
    expect(r.code).toBe(0);
    const printed = JSON.parse(r.stdout.trim()) as { AccessKeyId: string; SecretAccessKey: string };
    secrets.push(printed.SecretAccessKey);

    const after = await (await memberIam(ids.good1)).send(new ListAccessKeysCommand({ UserName: "app-1" }));
    expect((after.AccessKeyMetadata ?? []).map((k) => k.AccessKeyId)).toEqual([printed.AccessKeyId]);
    expect(printed.AccessKeyId).not.toBe(oldId);

    const jobs = JSON.parse((await kw(["--store", store, "rotations", "--format", "json"])).stdout) as {
      accountId: string;
      state: string;
    }[];
    expect(jobs).toEqual([expect.objectContaining({ accountId: ids.good1, state: "done" })]);
  });

  it("refuses --account without --user, and an id that is not 12 digits", async () => {
    const self = await kw(["rotate", "--account", ids.good1, "--to", "stdout"]);
    expect(self.code).toBe(2);
    expect(self.stderr).toContain("--account needs --user");
    const bad = await kw(["rotate", "--user", "x", "--account", "12345", "--to", "stdout"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("not a 12-digit account id");
  });
});
