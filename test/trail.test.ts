import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { lookupItemOf } from "../src/emulator/client.js";
import { cutRecords, duckDbLogReader } from "../src/response/logs.js";
import type { TrailSummary } from "../src/response/types.js";
import {
  attackRecords,
  ATTACKER_IP,
  OWNER_IP,
  otherKeyRecord,
  writeLogFolder,
} from "./fixtures/cloudtrail/attack.js";
import { runCli } from "./helpers/cli.js";
import { useEmulator } from "./emulator/harness.js";

// keywarden trail (LookupEvents and log files) and the DuckDB log reader on S3-shaped fixtures.

const emu = useEmulator();
const KEY = "AKIAIOSFODNN7EXAMPLE";

const logFolder = () => writeLogFolder(KEY);

async function env(): Promise<Record<string, string>> {
  return {
    KEYWARDEN_HOME: await mkdtemp(join(tmpdir(), "kw-trail-")),
    AWS_ENDPOINT_URL: emu.endpoint,
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
    AWS_REGION: "us-east-1",
  };
}

describe("the DuckDB log reader", () => {
  it("reads .json.gz and .json files under a folder and keeps only the key's records", async () => {
    const root = await logFolder();
    const r = await duckDbLogReader().read([root], KEY, null);
    expect(r.files).toBe(4);
    expect(r.events).toHaveLength(13);
    expect(r.events.every((e) => e.accessKeyId === KEY && e.origin === "logs")).toBe(true);
    const create = r.events.find((e) => e.eventName === "CreateAccessKey");
    expect(create?.requestParameters).toEqual({ userName: "support-backup" });
    expect(JSON.stringify(create?.responseElements)).not.toContain("wJalrXUtnFEMI");
    expect(r.events.find((e) => e.eventName === "DeleteDetector")?.errorCode).toBe("AccessDenied");
    const since = await duckDbLogReader().read([root], KEY, new Date("2026-11-20T03:10:00Z"));
    expect(since.events.map((e) => e.eventName).sort()).toEqual(
      [
        "AuthorizeSecurityGroupIngress",
        "DeleteDetector",
        "PutBucketPolicy",
        "RunInstances",
        "StopLogging",
      ].sort(),
    );
  });

  it("says which path is missing, and names a file that is not a CloudTrail log", async () => {
    await expect(duckDbLogReader().read(["/nonexistent/kw"], KEY, null)).rejects.toMatchObject({
      exitCode: 2,
    });
    const dir = await mkdtemp(join(tmpdir(), "kw-bad-"));
    await writeFile(join(dir, "broken.json"), `{ this is not json ${KEY}`);
    const r = await duckDbLogReader().read([dir], KEY, null);
    expect(r.events).toEqual([]);
    expect(r.unreadableFiles).toEqual([
      {
        file: join(dir, "broken.json"),
        error: expect.stringMatching(/^not JSON: .* at line 1, column 3$/) as string,
        skipped: "file",
      },
    ]);
  });
});

describe("the prefilter", () => {
  it("finds exactly what a full DuckDB scan finds", async () => {
    const root = await logFolder();
    const fast = await duckDbLogReader().read([root], KEY, null);
    const full = await duckDbLogReader({ prefilter: false }).read([root], KEY, null);
    expect(fast.events).toEqual(full.events);
  });

  it("in lean mode (trail's) keeps every event and what groups it, without the parameters", async () => {
    const root = await logFolder();
    const full = await duckDbLogReader().read([root], KEY, null);
    const lean = await duckDbLogReader({ lean: true }).read([root], KEY, null);
    const grouping = (e: (typeof full.events)[number]) => [
      e.eventId,
      e.eventTime,
      e.eventName,
      e.region,
      e.sourceIPAddress,
      e.userAgent,
      e.accessKeyId,
    ];
    expect(lean.events.map(grouping)).toEqual(full.events.map(grouping));
    expect(full.events.some((e) => e.requestParameters !== null)).toBe(true);
    expect(lean.events.every((e) => e.requestParameters === null && e.responseElements === null)).toBe(true);
    expect(lean.events.every((e) => e.resources.length === 0)).toBe(true);
  });

  it("reads a file it cannot cut into records in full, with the same result", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kw-odd-"));
    // Pretty-printed, keys in another order: no `{"eventVersion"` record starts to cut at.
    const odd = attackRecords({ accessKeyId: KEY, userName: "u" }).map(({ eventVersion, ...rest }) => ({
      ...rest,
      eventVersion,
    }));
    await writeFile(join(dir, "odd.json.gz"), gzipSync(JSON.stringify({ Records: odd }, null, 2)));
    const cut = cutRecords(Buffer.from(JSON.stringify({ Records: odd }, null, 2)), Buffer.from(KEY));
    expect(cut).toBeNull();
    const r = await duckDbLogReader().read([dir], KEY, null);
    expect(r.events).toHaveLength(13);
    // A key id inside another key's record (a CreateAccessKey response) is cut out, then dropped by the query.
    const other = { ...otherKeyRecord(1), responseElements: { accessKey: { accessKeyId: KEY } } };
    await writeFile(join(dir, "other.json.gz"), gzipSync(JSON.stringify({ Records: [other] })));
    expect((await duckDbLogReader().read([dir], KEY, null)).events).toHaveLength(13);
  });
});

describe("keywarden trail", () => {
  it("groups the key's LookupEvents by IP, agent, region and event with first and last seen", async () => {
    await emu.client.seedCloudTrailEvents(
      attackRecords({ accessKeyId: KEY, userName: "ci-deployer" }).map(lookupItemOf),
    );
    const r = await runCli(["trail", KEY, "--regions", "us-east-1,eu-west-1", "--format", "json"], {
      env: await env(),
    });
    expect(r.code).toBe(0);
    const t = JSON.parse(r.stdout) as TrailSummary;
    expect(t.events).toBe(13);
    expect(t.sources.lookupRegions).toEqual(["us-east-1", "eu-west-1"]);
    expect(t.bySourceIP.map((d) => [d.value, d.count])).toEqual([
      [ATTACKER_IP, 11],
      [OWNER_IP, 2],
    ]);
    expect(t.byRegion.find((d) => d.value === "eu-west-1")).toMatchObject({
      count: 2,
      firstSeen: "2026-11-20T03:10:00.000Z",
    });
    expect(t.groups[0]).toMatchObject({
      eventName: "DeleteDetector",
      sourceIPAddress: ATTACKER_IP,
      count: 1,
    });

    const table = await runCli(
      ["trail", KEY, "--regions", "us-east-1", "--since", "2026-11-20T03:14:00Z", "--format", "table"],
      {
        env: await env(),
      },
    );
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(
      "2 event(s) made with AKIA************MPLE since 2026-11-20T03:14:00.000Z",
    );
    expect(table.stdout).toMatch(/StopLogging/);
    expect(table.stdout).not.toMatch(/CreateUser/);
  });

  it("reads log files with --logs --no-lookup and finds the same events as LookupEvents", async () => {
    const root = await logFolder();
    const r = await runCli(["trail", KEY, "--no-lookup", "--logs", root, "--format", "json"], {
      env: await env(),
    });
    expect(r.code).toBe(0);
    const t = JSON.parse(r.stdout) as TrailSummary;
    expect(t.events).toBe(13);
    expect(t.sources).toEqual({
      lookupRegions: [],
      logFiles: 4,
      lookupFailures: [],
      unreadableFiles: [],
      undatedRecords: [],
    });
    expect(t.byEventName.map((d) => d.value)).toContain("RunInstances");
  });

  it("rejects a bad key id, a bad --since and --no-lookup without --logs in one line", async () => {
    const e = await env();
    for (const args of [
      ["trail", "AKIA123"],
      ["trail", KEY, "--since", "yesterday"],
      ["trail", KEY, "--no-lookup"],
    ]) {
      const r = await runCli(args, { env: e });
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    }
  });
});
