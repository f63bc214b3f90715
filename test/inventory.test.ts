import {
  CreateAccessKeyCommand,
  DeleteAccessKeyCommand,
  DeleteUserCommand,
  ListAccessKeysCommand,
} from "@aws-sdk/client-iam";
import { beforeEach, describe, expect, it } from "vitest";
import { iamInventoryPort } from "../src/aws/iam-inventory.js";
import { openSession, type AwsSession } from "../src/aws/session.js";
import { collectInventory, type CollectOptions } from "../src/inventory/collect.js";
import { runAudit } from "../src/audit/run.js";
import { DEFAULT_THRESHOLDS } from "../src/rules/rule.js";
import { ACCOUNT_ID, DUMMY_CREDENTIALS, daysAgo, useEmulator } from "./emulator/harness.js";

// The inventory through the real SDK against the emulator: which calls it makes, and that what it
// returns is fresh per key even when the credential report is stale.

const emu = useEmulator();
let session: AwsSession;

beforeEach(async () => {
  await emu.client.reset();
  session = await openSession({
    endpointUrl: emu.endpoint,
    region: "us-east-1",
    credentials: DUMMY_CREDENTIALS,
  });
});

function collect(opts: Partial<CollectOptions> = {}) {
  return collectInventory({
    port: iamInventoryPort(session),
    now: new Date(),
    unusedDays: DEFAULT_THRESHOLDS.unusedDays,
    ...opts,
  });
}

const used = (days: number, service = "s3", region = "us-east-1") => ({
  date: daysAgo(days),
  service,
  region,
});

describe("collectInventory", () => {
  it("asks for keys only of users the report shows with keys", async () => {
    const users = [
      ...Array.from({ length: 30 }, (_, i) => ({ name: `nokeys-${i}` })),
      ...Array.from({ length: 5 }, (_, i) => ({
        name: `withkey-${i}`,
        access_keys: [{ create_date: daysAgo(20), last_used: used(1) }],
      })),
    ];
    await emu.client.bulkSeed({ users });
    const inv = await collect();
    const calls = session.counter.snapshot();

    expect(inv.keys).toHaveLength(5);
    expect(inv.users).toHaveLength(35);
    expect(calls.ListAccessKeys).toBe(5);
    // Recently used keys are trusted from the report: no per-key call.
    expect(calls.GetAccessKeyLastUsed).toBeUndefined();
    expect(inv.keys.every((k) => k.lastUsedSource === "credential-report")).toBe(true);
    expect(inv.errors).toEqual([]);
  });

  it("re-reads last use from a cached report only for active keys it shows as unused", async () => {
    const seeded = await emu.client.bulkSeed({
      users: [
        { name: "fresh", access_keys: [{ create_date: daysAgo(100), last_used: used(2) }] },
        { name: "stale", access_keys: [{ create_date: daysAgo(200), last_used: used(80) }] },
        { name: "never", access_keys: [{ create_date: daysAgo(60), last_used: null }] },
        {
          name: "inactive",
          access_keys: [{ status: "Inactive", create_date: daysAgo(300), last_used: null }],
        },
      ],
    });
    const idOf = (name: string) => seeded.users.find((u) => u.name === name)?.access_keys[0]?.access_key_id;
    // AWS hands out a cached report for up to 4 hours: one from 2 hours ago may miss recent use.
    await emu.client.credentialReport({ generated_at: daysAgo(2 / 24) });
    const inv = await collect();
    const source = (name: string) => inv.keys.find((k) => k.accessKeyId === idOf(name))?.lastUsedSource;

    expect(session.counter.snapshot().GetAccessKeyLastUsed).toBe(2);
    expect(source("fresh")).toBe("credential-report");
    expect(source("stale")).toBe("GetAccessKeyLastUsed");
    expect(source("never")).toBe("GetAccessKeyLastUsed");
    expect(source("inactive")).toBe("credential-report");
  });

  it("trusts a report generated just now: no per-key call for keys it covers", async () => {
    await emu.client.bulkSeed({
      users: [
        { name: "stale", access_keys: [{ create_date: daysAgo(200), last_used: used(80) }] },
        { name: "never", access_keys: [{ create_date: daysAgo(60), last_used: null }] },
      ],
    });
    const inv = await collect();
    expect(session.counter.snapshot().GetAccessKeyLastUsed).toBeUndefined();
    expect(inv.keys.map((k) => k.lastUsedSource)).toEqual(["credential-report", "credential-report"]);
    expect(inv.keys.find((k) => k.userName === "stale")?.lastUsedAt?.getTime()).toBeLessThan(
      daysAgo(79).getTime(),
    );
  });

  it("judges a key by its use after the report was generated, not by the stale report", async () => {
    const seeded = await emu.client.bulkSeed({
      users: [{ name: "batch", access_keys: [{ create_date: daysAgo(60), last_used: used(70) }] }],
    });
    const keyId = seeded.users[0]?.access_keys[0]?.access_key_id ?? "";
    await emu.client.credentialReport({ generated_at: daysAgo(0.1) }); // snapshot says: unused 70 days
    await emu.client.backdate({ access_key_id: keyId, last_used: used(0.01, "sqs", "eu-west-1") });

    const { report } = await runAudit({
      port: iamInventoryPort(session),
      apiCalls: () => session.counter.snapshot(),
      now: new Date(),
      thresholds: DEFAULT_THRESHOLDS,
    });
    const key = report.keys.find((k) => k.accessKeyId === keyId);
    expect(key?.lastUsedService).toBe("sqs");
    expect(key?.lastUsedRegion).toBe("eu-west-1");
    const unused = report.findings.find((f) => f.ruleId === "access-key-unused" && f.accessKeyId === keyId);
    expect(unused?.result).toBe("PASS");
  });

  it("sees keys and users created after the report, and forgets users deleted since", async () => {
    await emu.client.bulkSeed({
      users: [
        { name: "old", access_keys: [{ create_date: daysAgo(10), last_used: used(1) }] },
        { name: "gone", access_keys: [{ create_date: daysAgo(10), last_used: used(1) }] },
      ],
    });
    await emu.client.credentialReport({ generated_at: daysAgo(0.05) });
    const gone = await emu
      .iam()
      .send(new CreateAccessKeyCommand({ UserName: "gone" }))
      .catch(() => null);
    // "gone" now has two keys in AWS; delete both and the user after the report was taken.
    const listed = await emu.iam().send(new ListAccessKeysCommand({ UserName: "gone" }));
    for (const k of listed.AccessKeyMetadata ?? []) {
      await emu.iam().send(new DeleteAccessKeyCommand({ UserName: "gone", AccessKeyId: k.AccessKeyId }));
    }
    await emu.iam().send(new DeleteUserCommand({ UserName: "gone" }));
    expect(gone).not.toBeNull();
    await emu.createUser("newcomer", { tags: { owner: "n@example.com" }, path: "/team/" });
    const newKey = await emu.createKey("newcomer", { createdDaysAgo: 0 });

    const inv = await collect();
    expect(inv.keys.map((k) => k.userName).sort()).toEqual(["newcomer", "old"]);
    expect(inv.users.map((u) => u.userName).sort()).toEqual(["newcomer", "old"]);
    const fresh = inv.keys.find((k) => k.accessKeyId === newKey.accessKeyId);
    expect(fresh?.lastUsedSource).toBe("GetAccessKeyLastUsed");
    expect(fresh?.userTags).toEqual({ owner: "n@example.com" });
    expect(fresh?.userPath).toBe("/team/");
    expect(inv.errors).toEqual([]);
  });

  it("normalizes user facts: tags, path, password, MFA devices", async () => {
    await emu.client.bulkSeed({
      users: [
        {
          name: "alice",
          path: "/people/",
          tags: { owner: "alice@example.com", team: "platform" },
          create_date: daysAgo(400),
          password: { last_used: daysAgo(3) },
          mfa: "virtual",
          access_keys: [{ create_date: daysAgo(30), last_used: used(1, "ec2", "eu-west-1") }],
        },
        { name: "bob", password: { last_used: null }, mfa: "hardware" },
        { name: "carol", password: null, mfa: null },
      ],
    });
    const inv = await collect();
    const alice = inv.keys.find((k) => k.userName === "alice");
    expect(alice).toMatchObject({
      accountId: ACCOUNT_ID,
      userArn: `arn:aws:iam::${ACCOUNT_ID}:user/people/alice`,
      userPath: "/people/",
      userTags: { owner: "alice@example.com", team: "platform" },
      status: "Active",
      lastUsedService: "ec2",
      lastUsedRegion: "eu-west-1",
      passwordEnabled: true,
      mfaActive: true,
    });
    expect(alice?.mfaDevices).toHaveLength(1);
    const user = (n: string) => inv.users.find((u) => u.userName === n);
    expect(user("bob")).toMatchObject({ passwordEnabled: true, mfaActive: true, mfaDevices: [] });
    expect(user("carol")).toMatchObject({ passwordEnabled: false, mfaActive: false, accessKeyIds: [] });
  });

  it("reads root facts from the summary, the report's root row and the MFA device list", async () => {
    await emu.client.setRoot({
      access_keys: [{ active: true, last_rotated: daysAgo(500), last_used: daysAgo(40) }],
      mfa: "virtual",
    });
    const [account] = (await collect()).accounts;
    expect(account).toMatchObject({
      accountId: ACCOUNT_ID,
      rootAccessKeysPresent: true,
      rootMfaEnabled: true,
      rootHardwareMfa: false,
    });
    expect(account?.rootKeys).toHaveLength(1);
    expect(account?.rootKeys[0]?.active).toBe(true);

    await emu.client.setRoot({ access_keys: [], mfa: "hardware" });
    const [after] = (await collect()).accounts;
    expect(after).toMatchObject({
      rootAccessKeysPresent: false,
      rootMfaEnabled: true,
      rootHardwareMfa: true,
    });
  });

  it("polls while the credential report is being generated", async () => {
    await emu.client.bulkSeed({
      users: [{ name: "u", access_keys: [{ create_date: daysAgo(5), last_used: used(1) }] }],
    });
    await emu.client.credentialReport({ expire: true, in_progress_polls: 2 });
    const waits: number[] = [];
    const inv = await collect({ sleep: (ms) => (waits.push(ms), Promise.resolve()) });
    expect(inv.keys).toHaveLength(1);
    expect(waits).toEqual([250, 500]);
    expect(session.counter.snapshot().GetCredentialReport).toBe(3);
  });

  it("honours --last-used always and report", async () => {
    await emu.client.bulkSeed({
      users: [
        { name: "a", access_keys: [{ create_date: daysAgo(5), last_used: used(1) }] },
        {
          name: "b",
          access_keys: [
            { create_date: daysAgo(90), last_used: null },
            { create_date: daysAgo(3), last_used: used(1) },
          ],
        },
      ],
    });
    await collect({ lastUsed: "always" });
    expect(session.counter.snapshot().GetAccessKeyLastUsed).toBe(3);

    session = await openSession({
      endpointUrl: emu.endpoint,
      region: "us-east-1",
      credentials: DUMMY_CREDENTIALS,
    });
    const inv = await collect({ lastUsed: "report" });
    expect(session.counter.snapshot().GetAccessKeyLastUsed).toBeUndefined();
    expect(inv.keys.every((k) => k.lastUsedSource === "credential-report")).toBe(true);
  });
});
