import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { lookupItemOf } from "../src/emulator/client.js";
import { duckDbLogReader } from "../src/response/logs.js";
import { fromLookupItem } from "../src/response/normalize.js";
import type { TrailEvent, TrailSummary } from "../src/response/types.js";
import { ATTACKER_AGENT, ATTACKER_IP, OWNER_IP } from "./fixtures/cloudtrail/attack.js";
import {
  assumedRoleRecords,
  ROLE_NAME,
  SHAPES,
  undatedRecords,
  wrappedAsRecords,
  writeShape,
  writeShapesFolder,
} from "./fixtures/cloudtrail/shapes.js";
import { DUMMY_CREDENTIALS, REGION, useEmulator } from "./emulator/harness.js";
import { runCli } from "./helpers/cli.js";

// `trail --logs` on CloudTrail records in the shapes other tools leave them in
// (test/fixtures/cloudtrail/shapes.ts says where each comes from): every shape gives the same 13
// events, each with its time, source IP, user agent and user, and --since cuts them the same way.

const emu = useEmulator();
const KEY = "AKIAIOSFODNN7EXAMPLE";
const LEAK = new Date("2026-11-20T00:00:00Z");

const summary = (events: TrailEvent[]) =>
  events.map((e) => [
    e.eventName,
    e.eventTime,
    e.sourceIPAddress,
    e.userAgent,
    e.userName,
    e.region,
    e.errorCode,
  ]);

async function env(): Promise<Record<string, string>> {
  return {
    KEYWARDEN_HOME: await mkdtemp(join(tmpdir(), "kw-shapes-")),
    AWS_ENDPOINT_URL: emu.endpoint,
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
    AWS_REGION: "us-east-1",
  };
}

describe("every shape of CloudTrail file", () => {
  it("gives the same 13 events, with time, source IP, user agent and user, as the trail's own files", async () => {
    const root = await mkdtemp(join(tmpdir(), "kw-one-shape-"));
    const reference = await duckDbLogReader().read([await writeShape(root, "s3-records", KEY)], KEY, null);
    expect(reference.events).toHaveLength(13);
    for (const shape of SHAPES) {
      const file = await writeShape(root, shape, KEY);
      const r = await duckDbLogReader().read([file], KEY, null);
      expect(r.unreadableFiles, shape).toEqual([]);
      expect(r.undatedRecords, shape).toEqual([]);
      expect(summary(r.events), shape).toEqual(summary(reference.events));
      expect(
        r.events.map((e) => e.eventId).every((id) => id.startsWith(`${shape}:`)),
        shape,
      ).toBe(true);
      // What the sweep needs survives the reshaping: the backdoor user's name, the instance id.
      const create = r.events.find((e) => e.eventName === "CreateUser");
      expect(create?.requestParameters, shape).toEqual({ userName: "support-backup" });
      // The attack starts at LEAK: 11 of the 13 events are after it, in every shape.
      const since = await duckDbLogReader().read([file], KEY, LEAK);
      expect(
        since.events.map((e) => e.sourceIPAddress),
        shape,
      ).toEqual(Array(11).fill(ATTACKER_IP));
    }
  });

  it("reads a folder of all of them at once, as the full DuckDB/JSON scan does", async () => {
    const { root } = await writeShapesFolder(KEY);
    const fast = await duckDbLogReader().read([root], KEY, null);
    expect(fast.files).toBe(SHAPES.length);
    expect(fast.events).toHaveLength(13 * SHAPES.length);
    const full = await duckDbLogReader({ prefilter: false }).read([root], KEY, null);
    expect(full.events).toEqual(fast.events);
  });

  it("dates Logstash's @timestamp records (OTRF) and reads Datadog's moved IP and agent, also inside {Records}", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kw-wrapped-"));
    const logstash = join(dir, "logstash.json.gz");
    const datadog = join(dir, "datadog.json.gz");
    await writeFile(logstash, wrappedAsRecords("otrf-logstash-jsonl", KEY));
    await writeFile(datadog, wrappedAsRecords("datadog-api-export", KEY));
    for (const prefilter of [true, false]) {
      const a = await duckDbLogReader({ prefilter }).read([logstash], KEY, LEAK);
      expect(a.events).toHaveLength(11);
      expect(a.events.every((e) => e.eventTime.startsWith("2026-11-20T03:"))).toBe(true);
      const b = await duckDbLogReader({ prefilter }).read([datadog], KEY, null);
      expect(new Set(b.events.map((e) => e.sourceIPAddress))).toEqual(new Set([OWNER_IP, ATTACKER_IP]));
      expect(b.events.filter((e) => e.userAgent === ATTACKER_AGENT)).toHaveLength(11);
    }
  });

  it("counts and names a record whose time cannot be read, and never dates it 1970", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kw-undated-"));
    const file = join(dir, "undated.json.gz");
    await writeFile(file, undatedRecords(KEY));
    for (const prefilter of [true, false]) {
      const r = await duckDbLogReader({ prefilter }).read([file], KEY, null);
      expect(r.events).toHaveLength(11);
      expect(r.events.some((e) => e.eventTime.startsWith("1970"))).toBe(false);
      expect(r.undatedRecords).toEqual([
        {
          file,
          eventId: "undated:evt-0005-CreateUser",
          eventName: "CreateUser",
          time: "2026-11-31T03:02:00Z",
        },
        { file, eventId: "undated:evt-0006-CreateAccessKey", eventName: "CreateAccessKey", time: null },
      ]);
    }
    const cli = await runCli(["trail", KEY, "--no-lookup", "--logs", file, "--format", "json"], {
      env: await env(),
    });
    expect(cli.code).toBe(0);
    const t = JSON.parse(cli.stdout) as TrailSummary;
    expect(t.events).toBe(11);
    expect(t.firstSeen).toBe("2026-11-10T09:00:00.000Z");
    expect(t.sources.undatedRecords.map((u) => u.eventName)).toEqual(["CreateUser", "CreateAccessKey"]);
    expect(cli.stderr).toContain("left out 2 record(s) of the key whose time cannot be read");
    expect(cli.stderr).toContain("CreateUser undated:evt-0005-CreateUser in");
    const strict = await runCli(["trail", KEY, "--no-lookup", "--logs", file, "--strict"], {
      env: await env(),
    });
    expect(strict.code).toBe(1);
  });

  it("names the role of an assumed-role key on the --logs path as LookupEvents does", async () => {
    const session = "ASIAIOSFODNN7SESSION";
    const records = assumedRoleRecords(session);
    await emu.client.seedCloudTrailEvents(records.map(lookupItemOf));
    // As src/aws/cloudtrail.ts does: LookupEvents per region, each item through fromLookupItem.
    const fromLookup: TrailEvent[] = [];
    for (const region of [REGION, "eu-west-1"]) {
      const trail = new CloudTrailClient({ endpoint: emu.endpoint, region, credentials: DUMMY_CREDENTIALS });
      const page = await trail.send(
        new LookupEventsCommand({
          LookupAttributes: [{ AttributeKey: "AccessKeyId", AttributeValue: session }],
        }),
      );
      trail.destroy();
      fromLookup.push(...(page.Events ?? []).map((item) => fromLookupItem(item, region)));
    }
    expect(fromLookup).toHaveLength(13);
    expect(new Set(fromLookup.map((e) => e.userName))).toEqual(new Set([ROLE_NAME]));

    const dir = join(await mkdtemp(join(tmpdir(), "kw-role-")), "AWSLogs");
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "role.json.gz"), gzipSync(JSON.stringify({ Records: records })));
    for (const prefilter of [true, false]) {
      const r = await duckDbLogReader({ prefilter }).read([dir], session, null);
      expect(r.events.map((e) => [e.eventId, e.userName])).toEqual(
        [...fromLookup]
          .sort((a, b) => a.eventTime.localeCompare(b.eventTime))
          .map((e) => [e.eventId, e.userName]),
      );
    }
    const cli = await runCli(["trail", session, "--no-lookup", "--logs", dir, "--format", "json"], {
      env: await env(),
    });
    expect(cli.code).toBe(0);
    expect((JSON.parse(cli.stdout) as TrailSummary).events).toBe(13);
  });

  it("trail --logs groups a folder of every shape like the trail's own files, and says so in JSON", async () => {
    const { root } = await writeShapesFolder(KEY);
    const r = await runCli(
      ["trail", KEY, "--no-lookup", "--logs", root, "--since", "2026-11-20T00:00:00Z", "--format", "json"],
      {
        env: await env(),
      },
    );
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain("warning");
    const t = JSON.parse(r.stdout) as TrailSummary;
    expect(t.events).toBe(11 * SHAPES.length);
    expect(t.bySourceIP).toEqual([
      expect.objectContaining({ value: ATTACKER_IP, count: 11 * SHAPES.length }),
    ]);
    expect(t.byUserAgent.map((d) => d.value)).toEqual([ATTACKER_AGENT]);
    expect(t.sources).toMatchObject({ logFiles: SHAPES.length, unreadableFiles: [], undatedRecords: [] });
  });
});
