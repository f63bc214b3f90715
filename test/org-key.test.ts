// `respond KEY --org` / `trail KEY --org` on the emulator, through the real CLI and SDK: an AWS
// Organization (moto's Organizations) with one member account, a key in that member, a key in the
// caller's own account, and a key of an account outside the organization. moto's
// sts:GetAccessKeyInfo finds a key in whichever account's IAM holds it, as AWS does.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
} from "@aws-sdk/client-iam";
import {
  CreateAccountCommand,
  CreateOrganizationCommand,
  OrganizationsClient,
  paginateListAccounts,
} from "@aws-sdk/client-organizations";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { lookupItemOf } from "../src/emulator/client.js";
import type { IncidentReport, TrailSummary } from "../src/response/types.js";
import { attackRecords } from "./fixtures/cloudtrail/attack.js";
import { startActionRecorder, type ActionRecorder } from "./helpers/action-recorder.js";
import { runCli } from "./helpers/cli.js";
import { ACCOUNT_ID, DUMMY_CREDENTIALS, REGION, useEmulator } from "./emulator/harness.js";

const emu = useEmulator();
const OUTSIDER = "999988887777";
let member = "";
let recorder: ActionRecorder | undefined;
afterEach(async () => {
  await recorder?.close();
  recorder = undefined;
});

async function keyIn(accountId: string, user: string): Promise<string> {
  const iam = emu.iamIn(accountId);
  await iam.send(new CreateUserCommand({ UserName: user }));
  return (await iam.send(new CreateAccessKeyCommand({ UserName: user }))).AccessKey?.AccessKeyId ?? "";
}

async function stateOf(accountId: string, user: string) {
  const iam = emu.iamIn(accountId);
  const keys = await iam.send(new ListAccessKeysCommand({ UserName: user }));
  const pol = await iam.send(new ListAttachedUserPoliciesCommand({ UserName: user }));
  return {
    status: keys.AccessKeyMetadata?.[0]?.Status,
    policies: (pol.AttachedPolicies ?? []).map((p) => p.PolicyName),
  };
}

async function env(endpoint = emu.endpoint): Promise<Record<string, string>> {
  return {
    KEYWARDEN_HOME: await mkdtemp(join(tmpdir(), "kw-org-key-")),
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
    AWS_REGION: REGION,
  };
}

beforeAll(async () => {
  const org = new OrganizationsClient({
    endpoint: emu.endpoint,
    region: REGION,
    credentials: DUMMY_CREDENTIALS,
  });
  await org.send(new CreateOrganizationCommand({ FeatureSet: "ALL" }));
  await org.send(new CreateAccountCommand({ AccountName: "workloads", Email: "workloads@example.com" }));
  for await (const page of paginateListAccounts({ client: org }, {}))
    for (const a of page.Accounts ?? []) if (a.Name === "workloads") member = a.Id ?? "";
  expect(member).toMatch(/^\d{12}$/);
});

describe("respond --org", () => {
  it("contains a member account's key through the organization role, asking only what decides it first", async () => {
    const key = await keyIn(member, "member-ci");
    await emu.client.seedCloudTrailEvents(
      attackRecords({ accessKeyId: key, userName: "member-ci", accountId: member }).map(lookupItemOf),
    );
    recorder = await startActionRecorder(emu.endpoint);
    const r = await runCli(["respond", key, "--org", "--yes", "--regions", REGION, "--format", "json"], {
      env: await env(recorder.url),
    });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as IncidentReport;
    expect(report).toMatchObject({ accountId: member, userName: "member-ci" });
    expect(report.events.length).toBeGreaterThan(0);
    expect(await stateOf(member, "member-ci")).toEqual({
      status: "Inactive",
      policies: [expect.stringMatching(/^AWSCompromisedKeyQuarantineV\d$/) as string],
    });
    const calls = recorder.calls.map((c) => `${c.call} ${c.status}`);
    // The key's account and the caller's at once, then membership and the role, then containment
    // in the member account (the key's account is not asked again).
    expect([...calls.slice(0, 2)].sort()).toEqual(["sts:GetAccessKeyInfo 200", "sts:GetCallerIdentity 200"]);
    expect(calls.slice(2, 5)).toEqual([
      "organizations:DescribeAccount 200",
      "sts:AssumeRole 200",
      "iam:GetAccessKeyLastUsed 200",
    ]);
    expect(calls[5]).toBe("iam:UpdateAccessKey 200");
    expect(calls[6]).toMatch(/^iam:AttachUserPolicy /);
    expect(calls.filter((c) => c.startsWith("sts:GetAccessKeyInfo"))).toHaveLength(1);
  }, 180_000);

  it("a key of the caller's own account: no role, the same containment", async () => {
    await emu.createUser("own-ci");
    const key = (await emu.createKey("own-ci")).accessKeyId;
    recorder = await startActionRecorder(emu.endpoint);
    const r = await runCli(["respond", key, "--org", "--yes", "--regions", REGION, "--format", "json"], {
      env: await env(recorder.url),
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ accountId: ACCOUNT_ID, userName: "own-ci" });
    const calls = recorder.calls.map((c) => c.call);
    expect(calls).not.toContain("organizations:DescribeAccount");
    expect(calls).not.toContain("sts:AssumeRole");
    expect((await stateOf(ACCOUNT_ID, "own-ci")).status).toBe("Inactive");
  }, 180_000);

  it("a key of an account outside the organization: exit 7, one line naming it, nothing changed", async () => {
    const key = await keyIn(OUTSIDER, "stranger");
    const r = await runCli(["respond", key, "--org", "--yes", "--regions", REGION], { env: await env() });
    expect(r.code).toBe(7);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain(`belongs to account ${OUTSIDER}, which is not in the organization`);
    expect(r.stderr).toContain("--profile");
    expect(await stateOf(OUTSIDER, "stranger")).toEqual({ status: "Active", policies: [] });
  }, 120_000);

  it("--org with --account is a usage error before any AWS call", async () => {
    const key = await keyIn(member, "member-both");
    recorder = await startActionRecorder(emu.endpoint);
    const r = await runCli(["respond", key, "--org", "--account", member, "--yes"], {
      env: await env(recorder.url),
    });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(recorder.calls).toEqual([]);
    const t = await runCli(["trail", key, "--org", "--account", member], { env: await env(recorder.url) });
    expect(t.code).toBe(2);
    expect(recorder.calls).toEqual([]);
    expect((await stateOf(member, "member-both")).status).toBe("Active");
  }, 120_000);
});

describe("trail --org", () => {
  it("reads the member account's CloudTrail through the role; outside the organization, exit 7", async () => {
    const key = await keyIn(member, "member-reader");
    await emu.client.seedCloudTrailEvents(
      attackRecords({ accessKeyId: key, userName: "member-reader", accountId: member }).map(lookupItemOf),
    );
    recorder = await startActionRecorder(emu.endpoint);
    const r = await runCli(["trail", key, "--org", "--regions", REGION, "--format", "json"], {
      env: await env(recorder.url),
    });
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as TrailSummary).events).toBeGreaterThan(0);
    const calls = recorder.calls.map((c) => c.call);
    expect(calls).toContain("sts:AssumeRole");
    expect(calls.indexOf("sts:AssumeRole")).toBeLessThan(calls.indexOf("cloudtrail:LookupEvents"));
    // trail changes nothing.
    expect(await stateOf(member, "member-reader")).toEqual({ status: "Active", policies: [] });

    const outsider = await keyIn(OUTSIDER, "stranger-reader");
    const out = await runCli(["trail", outsider, "--org", "--regions", REGION], { env: await env() });
    expect(out.code).toBe(7);
    expect(out.stderr).toContain(`account ${OUTSIDER}`);
  }, 180_000);
});
