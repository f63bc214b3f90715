// The emulator harness itself: the launcher's test-only endpoints and patches, seen through the
// real AWS SDK, and src/emulator/process.ts' start/stop and error paths.
import { spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  GenerateCredentialReportCommand,
  GetAccessKeyLastUsedCommand,
  GetAccountSummaryCommand,
  GetCredentialReportCommand,
  GetUserCommand,
  ListAccessKeysCommand,
  ListMFADevicesCommand,
  ListVirtualMFADevicesCommand,
  paginateGetAccountAuthorizationDetails,
  paginateListUsers,
  paginateListVirtualMFADevices,
  type IAMClient,
  type VirtualMFADevice,
} from "@aws-sdk/client-iam";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EnvironmentError } from "../../src/domain/errors.js";
import type { BulkUserSpec } from "../../src/emulator/client.js";
import { findLauncher, startEmulator } from "../../src/emulator/process.js";
import { ACCOUNT_ID, useEmulator } from "./harness.js";

const emu = useEmulator();

const REPORT_HEADER =
  "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed," +
  "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated," +
  "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service," +
  "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date," +
  "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active," +
  "cert_1_last_rotated,cert_2_active,cert_2_last_rotated";

async function reportLines(iam: IAMClient): Promise<{ lines: string[]; generatedTime: Date | undefined }> {
  const out = await iam.send(new GetCredentialReportCommand({}));
  const text = Buffer.from(out.Content ?? new Uint8Array()).toString("utf8");
  return { lines: text.split("\n"), generatedTime: out.GeneratedTime };
}

function rowOf(lines: string[], user: string): Record<string, string> {
  const header = (lines[0] ?? "").split(",");
  const line = lines.find((l) => l.startsWith(`${user},`));
  if (line === undefined) throw new Error(`no report row for ${user}`);
  const cells = line.split(",");
  return Object.fromEntries(header.map((h, i) => [h, cells[i] ?? ""]));
}

async function caught(p: Promise<unknown>): Promise<{ name: string; status: number | undefined }> {
  try {
    await p;
  } catch (err) {
    const e = err as { name: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode };
  }
  throw new Error("expected the call to fail");
}

async function allVirtualDevices(iam: IAMClient): Promise<VirtualMFADevice[]> {
  const devices: VirtualMFADevice[] = [];
  for await (const page of paginateListVirtualMFADevices({ client: iam }, {})) {
    devices.push(...(page.VirtualMFADevices ?? []));
  }
  return devices;
}

describe("bulk seed", () => {
  const users: BulkUserSpec[] = [];
  for (let i = 0; i < 5000; i++) {
    const u: BulkUserSpec = { name: `bulk-${String(i).padStart(5, "0")}`, tags: { team: `t${i % 7}` } };
    if (i % 2 === 0) {
      u.access_keys = [
        {
          create_date: "2024-01-02T03:04:05Z",
          last_used: { date: "2024-06-01T10:00:00Z", service: "ec2", region: "eu-west-1" },
        },
      ];
      if (i % 4 === 0) u.access_keys.push({ status: "Inactive" });
    }
    if (i === 1) u.mfa = "virtual";
    if (i === 3) u.mfa = "hardware";
    if (i === 5) u.password = { last_used: "2025-01-01T00:00:00Z" };
    users.push(u);
  }
  let seeded: Awaited<ReturnType<typeof emu.client.bulkSeed>>;

  beforeAll(async () => {
    await emu.client.reset();
    seeded = await emu.client.bulkSeed({ users });
  });

  it("creates every user and every key", async () => {
    expect(seeded.users).toHaveLength(5000);
    expect(seeded.elapsed_ms).toBeGreaterThan(0);
    expect(seeded.users.reduce((n, u) => n + u.access_keys.length, 0)).toBe(2500 + 1250);
    let count = 0;
    for await (const page of paginateListUsers({ client: emu.iam() }, {})) count += page.Users?.length ?? 0;
    expect(count).toBe(5000);
    expect(seeded.users[0]?.arn).toBe(`arn:aws:iam::${ACCOUNT_ID}:user/bulk-00000`);
  });

  it("keeps the seeded dates, status and last use", async () => {
    const iam = emu.iam();
    const keys = await iam.send(new ListAccessKeysCommand({ UserName: "bulk-00000" }));
    const [first, second] = keys.AccessKeyMetadata ?? [];
    expect(first?.AccessKeyId).toBe(seeded.users[0]?.access_keys[0]?.access_key_id);
    expect(first?.CreateDate?.toISOString()).toBe("2024-01-02T03:04:05.000Z");
    expect(first?.Status).toBe("Active");
    expect(second?.Status).toBe("Inactive");

    const lastUsed = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: first?.AccessKeyId }));
    expect(lastUsed.UserName).toBe("bulk-00000");
    expect(lastUsed.AccessKeyLastUsed?.LastUsedDate?.toISOString()).toBe("2024-06-01T10:00:00.000Z");
    expect(lastUsed.AccessKeyLastUsed?.ServiceName).toBe("ec2");
    expect(lastUsed.AccessKeyLastUsed?.Region).toBe("eu-west-1");

    const never = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: second?.AccessKeyId }));
    expect(never.AccessKeyLastUsed?.LastUsedDate).toBeUndefined();
    expect(never.AccessKeyLastUsed?.ServiceName).toBe("N/A");
  });

  it("sets tags, passwords and both kinds of MFA", async () => {
    const iam = emu.iam();
    const user = await iam.send(new GetUserCommand({ UserName: "bulk-00005" }));
    expect(user.User?.Tags).toEqual([{ Key: "team", Value: "t5" }]);
    expect(user.User?.PasswordLastUsed?.toISOString()).toBe("2025-01-01T00:00:00.000Z");

    const virtual = await iam.send(new ListMFADevicesCommand({ UserName: "bulk-00001" }));
    const hardware = await iam.send(new ListMFADevicesCommand({ UserName: "bulk-00003" }));
    expect(virtual.MFADevices?.[0]?.SerialNumber).toBe(`arn:aws:iam::${ACCOUNT_ID}:mfa/bulk-00001`);
    expect(hardware.MFADevices).toHaveLength(1);
    const listed = (await allVirtualDevices(iam)).map((d) => d.SerialNumber);
    expect(listed).toEqual([`arn:aws:iam::${ACCOUNT_ID}:mfa/bulk-00001`]);
    const assigned = await iam.send(new ListVirtualMFADevicesCommand({ AssignmentStatus: "Assigned" }));
    expect(assigned.VirtualMFADevices?.[0]?.User?.UserName).toBe("bulk-00001");
  });

  it("rejects a bad spec without creating anything", async () => {
    await expect(
      emu.client.bulkSeed({ users: [{ name: "fresh-user" }, { name: "bulk-00000" }] }),
    ).rejects.toThrow(/HTTP 400: users\[1\]: user bulk-00000 already exists/);
    await expect(emu.iam().send(new GetUserCommand({ UserName: "fresh-user" }))).rejects.toThrow();
    await expect(
      emu.client.bulkSeed({ users: [{ name: "three-keys", access_keys: [{}, {}, {}] }] }),
    ).rejects.toThrow(/at most 2 keys/);
  });
});

describe("root account", () => {
  beforeAll(() => emu.client.reset());

  it("is absent, as in stock moto, until described", async () => {
    const iam = emu.iam();
    const summary = (await iam.send(new GetAccountSummaryCommand({}))).SummaryMap;
    expect(summary?.AccountMFAEnabled).toBe(0);
    expect(summary?.AccountAccessKeysPresent).toBe(0);
    await iam.send(new GenerateCredentialReportCommand({}));
    const { lines } = await reportLines(iam);
    expect(lines).toEqual([REPORT_HEADER]);
  });

  it("changes the account summary, the virtual MFA list and the report's first row", async () => {
    const root = await emu.client.setRoot({
      access_keys: [
        { active: true, last_rotated: "2019-05-06T07:08:09Z", last_used: "2025-02-03T04:05:06Z" },
        { active: false, last_rotated: "2020-01-01T00:00:00Z", last_used: null },
      ],
      mfa: "virtual",
      create_date: "2015-03-04T05:06:07Z",
      password_last_used: "2025-01-01T12:00:00Z",
    });
    expect(root.mfa_serial).toBe(`arn:aws:iam::${ACCOUNT_ID}:mfa/root-account-mfa-device`);
    const iam = emu.iam();
    const summary = (await iam.send(new GetAccountSummaryCommand({}))).SummaryMap;
    expect(summary?.AccountMFAEnabled).toBe(1);
    expect(summary?.AccountAccessKeysPresent).toBe(1);

    const device = (await allVirtualDevices(iam)).find((d) => d.SerialNumber === root.mfa_serial);
    expect(device?.User?.Arn).toBe(`arn:aws:iam::${ACCOUNT_ID}:root`);
    expect(device?.EnableDate).toBeInstanceOf(Date);

    await emu.client.credentialReport({ expire: true });
    await iam.send(new GenerateCredentialReportCommand({}));
    const { lines } = await reportLines(iam);
    expect(lines[1]).toBe(
      `<root_account>,arn:aws:iam::${ACCOUNT_ID}:root,2015-03-04T05:06:07+00:00,not_supported,` +
        "2025-01-01T12:00:00+00:00,not_supported,not_supported,true," +
        "true,2019-05-06T07:08:09+00:00,2025-02-03T04:05:06+00:00,us-east-1,s3," +
        "false,2020-01-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,false,N/A",
    );
  });

  it("can be described again: hardware MFA, no keys", async () => {
    await emu.client.setRoot({ access_keys: [], mfa: "hardware" });
    const iam = emu.iam();
    const summary = (await iam.send(new GetAccountSummaryCommand({}))).SummaryMap;
    expect(summary?.AccountMFAEnabled).toBe(1);
    expect(summary?.AccountAccessKeysPresent).toBe(0);
    expect((await allVirtualDevices(iam)).map((d) => d.SerialNumber)).toEqual([]);
    await emu.client.credentialReport({ expire: true });
    await iam.send(new GenerateCredentialReportCommand({}));
    const root = rowOf((await reportLines(iam)).lines, "<root_account>");
    expect(root.mfa_active).toBe("true");
    expect(root.access_key_1_active).toBe("false");
    expect(root.access_key_1_last_rotated).toBe("N/A");
    expect(root.password_last_used).toBe("no_information");
  });
});

describe("credential report", () => {
  beforeAll(() => emu.client.reset());

  it("is not present before the first generation", async () => {
    expect(await caught(emu.iam().send(new GetCredentialReportCommand({})))).toEqual({
      name: "CredentialReportNotPresentException",
      status: 410,
    });
  });

  it("is a snapshot: keys created after generation appear only after expire + regenerate", async () => {
    const iam = emu.iam();
    await emu.createUser("early", { console: true, mfa: "virtual" });
    const early = await emu.createKey("early", {
      createdDaysAgo: 100,
      lastUsed: { daysAgo: 2, service: "sts", region: "eu-central-1" },
    });
    await emu.createUser("late");

    const first = await iam.send(new GenerateCredentialReportCommand({}));
    expect(first.State).toBe("STARTED");
    const again = await iam.send(new GenerateCredentialReportCommand({}));
    expect(again.State).toBe("COMPLETE");

    await emu.createKey("late");
    const before = await reportLines(iam);
    expect(before.lines[0]).toBe(REPORT_HEADER);
    expect(Math.abs((before.generatedTime?.getTime() ?? 0) - Date.now())).toBeLessThan(60_000);
    const earlyRow = rowOf(before.lines, "early");
    expect(earlyRow.password_enabled).toBe("true");
    expect(earlyRow.password_last_used).toBe("no_information");
    expect(earlyRow.password_last_changed).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
    expect(earlyRow.password_next_rotation).toBe("N/A");
    expect(earlyRow.mfa_active).toBe("true");
    expect(earlyRow.access_key_1_active).toBe("true");
    expect(earlyRow.access_key_1_last_used_region).toBe("eu-central-1");
    expect(earlyRow.access_key_1_last_used_service).toBe("sts");
    expect(earlyRow.access_key_2_active).toBe("false");
    expect(earlyRow.access_key_2_last_rotated).toBe("N/A");
    expect(rowOf(before.lines, "late").access_key_1_active).toBe("false");
    expect(before.lines.join("\n")).not.toContain("AKIA"); // the report never holds key ids
    expect(early.accessKeyId).toMatch(/^AKIA/);

    const state = await emu.client.credentialReport({ expire: true });
    expect(state).toEqual({ generated_at: null, expired: true, in_progress_polls: 0 });
    expect(await caught(iam.send(new GetCredentialReportCommand({})))).toEqual({
      name: "CredentialReportExpiredException",
      status: 410,
    });
    expect((await iam.send(new GenerateCredentialReportCommand({}))).State).toBe("STARTED");
    const after = await reportLines(iam);
    const lateRow = rowOf(after.lines, "late");
    expect(lateRow.access_key_1_active).toBe("true");
    expect(lateRow.access_key_1_last_used_date).toBe("N/A");
    expect(lateRow.access_key_1_last_used_region).toBe("N/A");
    expect(lateRow.access_key_1_last_used_service).toBe("N/A");
    expect(lateRow.password_enabled).toBe("false");
    expect(lateRow.password_last_used).toBe("N/A");
  });

  it("regenerates only when the snapshot is older than 4 hours", async () => {
    const iam = emu.iam();
    const threeHoursAgo = new Date(Date.now() - 3 * 3_600_000);
    threeHoursAgo.setUTCMilliseconds(0);
    await emu.client.credentialReport({ generated_at: threeHoursAgo });
    expect((await iam.send(new GenerateCredentialReportCommand({}))).State).toBe("COMPLETE");
    expect((await reportLines(iam)).generatedTime?.toISOString()).toBe(threeHoursAgo.toISOString());

    await emu.client.credentialReport({ generated_at: new Date(Date.now() - 5 * 3_600_000) });
    expect((await iam.send(new GenerateCredentialReportCommand({}))).State).toBe("STARTED");
    const fresh = await reportLines(iam);
    expect(Math.abs((fresh.generatedTime?.getTime() ?? 0) - Date.now())).toBeLessThan(60_000);
  });

  it("answers ReportInProgress for the configured number of polls", async () => {
    const iam = emu.iam();
    await emu.client.credentialReport({ expire: true, in_progress_polls: 2 });
    expect((await iam.send(new GenerateCredentialReportCommand({}))).State).toBe("STARTED");
    expect((await iam.send(new GenerateCredentialReportCommand({}))).State).toBe("STARTED");
    for (let i = 0; i < 2; i++) {
      expect(await caught(iam.send(new GetCredentialReportCommand({})))).toEqual({
        name: "CredentialReportNotReadyException",
        status: 404,
      });
    }
    expect((await reportLines(iam)).lines[0]).toBe(REPORT_HEADER);
    expect((await iam.send(new GenerateCredentialReportCommand({}))).State).toBe("COMPLETE");
  });
});

describe("auth checks", () => {
  beforeAll(() => emu.client.reset());
  afterAll(() => emu.client.setAuth(false));

  it("refuses a request signed with an inactive key (InvalidClientTokenId), accepts an active one", async () => {
    await emu.createUser("signer");
    const active = await emu.createKey("signer");
    const inactive = await emu.createKey("signer", { status: "Inactive" });
    await emu.client.setAuth(true);

    const me = await emu.sts(active).send(new GetCallerIdentityCommand({}));
    expect(me.Arn).toBe(`arn:aws:iam::${ACCOUNT_ID}:user/signer`);
    expect(await caught(emu.sts(inactive).send(new GetCallerIdentityCommand({})))).toMatchObject({
      name: "InvalidClientTokenId",
      status: 403,
    });
    expect(await caught(emu.sts().send(new GetCallerIdentityCommand({})))).toMatchObject({
      name: "InvalidClientTokenId",
    });

    await emu.client.setAuth(false);
    expect((await emu.sts().send(new GetCallerIdentityCommand({}))).Account).toBe(ACCOUNT_ID);
  });

  it("is switched off again by reset", async () => {
    await emu.client.setAuth(true);
    await emu.client.reset();
    expect((await emu.sts().send(new GetCallerIdentityCommand({}))).Account).toBe(ACCOUNT_ID);
  });
});

async function lookupEvents(body: unknown): Promise<{ Events: { EventId?: string }[]; NextToken?: string }> {
  const res = await fetch(emu.endpoint, {
    method: "POST",
    headers: {
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents",
    },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { Events: { EventId?: string }[]; NextToken?: string };
}

describe("CloudTrail LookupEvents", () => {
  beforeAll(() => emu.client.reset());

  it("answers from seeded events, filtered and newest first", async () => {
    await emu.client.seedCloudTrailEvents([
      { EventId: "e1", EventName: "ListBuckets", EventTime: "2025-01-01T00:00:00Z", AccessKeyId: "AKIAONE" },
      {
        EventId: "e2",
        EventName: "GetObject",
        EventTime: new Date("2025-01-02T00:00:00Z"),
        AccessKeyId: "AKIAONE",
      },
      { EventId: "e3", EventName: "ListUsers", EventTime: 1735862400, AccessKeyId: "AKIATWO" },
    ]);
    const one = await lookupEvents({
      LookupAttributes: [{ AttributeKey: "AccessKeyId", AttributeValue: "AKIAONE" }],
    });
    expect(one.Events.map((e) => e.EventId)).toEqual(["e2", "e1"]);
    const windowed = await lookupEvents({ StartTime: 1735776000 }); // 2025-01-02T00:00:00Z
    expect(windowed.Events.map((e) => e.EventId)).toEqual(["e3", "e2"]);
    const paged = await lookupEvents({ MaxResults: 2 });
    expect(paged.NextToken).toBe("2");
    expect((await lookupEvents({ MaxResults: 2, NextToken: "2" })).Events.map((e) => e.EventId)).toEqual([
      "e1",
    ]);
  });
});

describe("GetAccountAuthorizationDetails", () => {
  beforeAll(() => emu.client.reset());

  it("lists the AWS managed policies the account uses (as AWS does), every customer managed one", async () => {
    const iam = emu.iam();
    await emu.createUser("gaad-user");
    await iam.send(
      new AttachUserPolicyCommand({
        UserName: "gaad-user",
        PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess",
      }),
    );
    await iam.send(
      new CreatePolicyCommand({
        PolicyName: "unattached-local",
        PolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }],
        }),
      }),
    );
    await iam.send(
      new CreateRoleCommand({
        RoleName: "gaad-bounded",
        AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [] }),
        PermissionsBoundary: "arn:aws:iam::aws:policy/PowerUserAccess",
      }),
    );
    const names: string[] = [];
    for await (const page of paginateGetAccountAuthorizationDetails(
      { client: iam },
      { Filter: ["User", "LocalManagedPolicy", "AWSManagedPolicy"] },
    ))
      names.push(...(page.Policies ?? []).map((p) => p.Arn ?? ""));
    expect(names.sort()).toEqual([
      `arn:aws:iam::${ACCOUNT_ID}:policy/unattached-local`,
      "arn:aws:iam::aws:policy/PowerUserAccess",
      "arn:aws:iam::aws:policy/ReadOnlyAccess",
    ]);
  });
});

describe("reset", () => {
  it("clears users, root, report snapshot and CloudTrail events", async () => {
    await emu.client.bulkSeed({ users: [{ name: "to-be-gone", access_keys: [{}] }] });
    await emu.client.setRoot({ access_keys: [], mfa: "virtual" });
    await emu.client.seedCloudTrailEvents([{ EventName: "X", EventTime: new Date() }]);
    const iam = emu.iam();
    await iam.send(new GenerateCredentialReportCommand({}));
    await emu.client.credentialReport({ in_progress_polls: 5 });

    await emu.client.reset();

    let count = 0;
    for await (const page of paginateListUsers({ client: iam }, {})) count += page.Users?.length ?? 0;
    expect(count).toBe(0);
    expect((await iam.send(new GetAccountSummaryCommand({}))).SummaryMap?.AccountMFAEnabled).toBe(0);
    expect(await allVirtualDevices(iam)).toEqual([]);
    expect(await caught(iam.send(new GetCredentialReportCommand({})))).toMatchObject({
      name: "CredentialReportNotPresentException",
    });
    expect((await lookupEvents({})).Events).toEqual([]);
  });

  it("through /moto-api/reset clears the launcher's state too", async () => {
    await emu.client.setRoot({ access_keys: [], mfa: "hardware" });
    const res = await fetch(`${emu.endpoint}/moto-api/reset`, { method: "POST" });
    expect(res.status).toBe(200);
    expect((await emu.iam().send(new GetAccountSummaryCommand({}))).SummaryMap?.AccountMFAEnabled).toBe(0);
  });
});

describe("harness seed helpers", () => {
  beforeAll(() => emu.client.reset());

  it("create users and keys through the SDK with backdated dates", async () => {
    const now = new Date("2025-06-01T00:00:00Z");
    const user = await emu.createUser("helper", {
      path: "/ops/",
      tags: { owner: "me" },
      createdDaysAgo: 400,
      now,
    });
    expect(user.arn).toBe(`arn:aws:iam::${ACCOUNT_ID}:user/ops/helper`);
    const key = await emu.createKey("helper", {
      status: "Inactive",
      createdDaysAgo: 91,
      lastUsed: { daysAgo: 30, service: "s3", region: "us-west-2" },
      now,
    });
    const iam = emu.iam();
    const got = await iam.send(new GetUserCommand({ UserName: "helper" }));
    expect(got.User?.CreateDate?.toISOString()).toBe(emu.daysAgo(400, now).toISOString());
    const keys = await iam.send(new ListAccessKeysCommand({ UserName: "helper" }));
    expect(keys.AccessKeyMetadata?.[0]).toMatchObject({ AccessKeyId: key.accessKeyId, Status: "Inactive" });
    expect(keys.AccessKeyMetadata?.[0]?.CreateDate?.toISOString()).toBe("2025-03-02T00:00:00.000Z");
    const lastUsed = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: key.accessKeyId }));
    expect(lastUsed.AccessKeyLastUsed?.LastUsedDate?.toISOString()).toBe("2025-05-02T00:00:00.000Z");
    const hw = await emu.createUser("helper-hw", { mfa: "hardware" });
    expect((await allVirtualDevices(iam)).map((d) => d.SerialNumber)).not.toContain(hw.mfaSerial);
    await iam.send(new CreateAccessKeyCommand({ UserName: "helper-hw" }));
  });
});

describe("process.ts", () => {
  let shadow: string;
  beforeAll(() => {
    // A directory whose `moto` package fails to import, put first on PYTHONPATH: exactly what a
    // machine without moto looks like to the launcher.
    shadow = mkdtempSync(join(tmpdir(), "keywarden-no-moto-"));
    mkdirSync(join(shadow, "moto"));
    writeFileSync(join(shadow, "moto", "__init__.py"), 'raise ImportError("No module named moto")\n');
  });
  afterAll(() => {
    rmSync(shadow, { recursive: true, force: true });
  });

  it("the launcher says how to install moto and exits 3 when moto is missing", () => {
    const run = spawnSync("python3", [findLauncher(), "0"], {
      env: { ...process.env, PYTHONPATH: shadow },
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(run.status).toBe(3);
    expect(run.stderr.trim()).toBe(
      'keywarden emulator: python3 module moto is missing; install it with: pip install "moto[server]==5.2.1"',
    );
    expect(run.stdout).toBe("");
  });

  it("startEmulator throws EMULATOR_MISSING when moto is missing", async () => {
    const err: unknown = await startEmulator({ env: { PYTHONPATH: shadow } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EnvironmentError);
    const e = err as EnvironmentError;
    expect(e.code).toBe("EMULATOR_MISSING");
    expect(e.message).toMatch(/moto is missing/);
    expect(e.fix).toBe('pip install "moto[server]==5.2.1"');
  });

  it("startEmulator throws EMULATOR_MISSING when python3 is missing", async () => {
    const err: unknown = await startEmulator({ python: "/nonexistent/keywarden/python3" }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(EnvironmentError);
    const e = err as EnvironmentError;
    expect(e.code).toBe("EMULATOR_MISSING");
    expect(e.message).toContain("/nonexistent/keywarden/python3 was not found");
    expect(e.fix).toContain('pip install "moto[server]==5.2.1"');
    expect(e.exitCode).toBe(6);
  });

  it("starts a second, independent emulator and stops it", async () => {
    const second = await startEmulator();
    try {
      expect(second.endpoint).toBe(`http://127.0.0.1:${second.port}`);
      expect(second.endpoint).not.toBe(emu.endpoint);
      const health = await fetch(`${second.endpoint}/_test/health`);
      expect(await health.json()).toMatchObject({ ok: true, moto: "5.2.1" });
    } finally {
      await second.stop();
    }
    expect(() => process.kill(second.pid, 0)).toThrow();
    await second.stop(); // idempotent
  });
});
