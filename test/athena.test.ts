import { AthenaClient, GetDatabaseCommand, ListQueryExecutionsCommand } from "@aws-sdk/client-athena";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DuckDBInstance } from "@duckdb/node-api";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { athenaPort, bucketPort } from "../src/aws/athena.js";
import { openSession, type AwsSession } from "../src/aws/session.js";
import { athenaInvestigate, type AthenaRequest } from "../src/response/athena/investigate.js";
import { athenaSetup } from "../src/response/athena/setup.js";
import type { AthenaPort } from "../src/response/athena/ports.js";
import { duckDbLogReader } from "../src/response/logs.js";
import { toDuckDbSql } from "../src/response/query/duckdb.js";
import { EVENT_COLUMNS } from "../src/response/query/model.js";
import { writeLogFolder } from "./fixtures/cloudtrail/attack.js";
import { DUMMY_CREDENTIALS, REGION, useEmulator } from "./emulator/harness.js";

// The Athena path against the emulator through the real SDK: setup's DDL, the query flow
// (StartQueryExecution, GetQueryExecution polled with backoff, FAILED and CANCELLED, paged
// GetQueryResults, the output location) and the cost estimate from moto S3's listing. moto runs
// no SQL: results are queued through its /moto-api/static/athena/query-results, and states, reasons
// and bytes scanned through the launcher's /_test/athena/outcomes.

const emu = useEmulator();
const KEY = "AKIAIOSFODNN7EXAMPLE";
const BUCKET = "org-trail";
const ORG = "o-abcdef1234";
const A1 = "111111111111";
const A2 = "222222222222";

let session: AwsSession;
const s3 = () =>
  new S3Client({
    endpoint: emu.endpoint,
    region: REGION,
    credentials: DUMMY_CREDENTIALS,
    forcePathStyle: true,
  });
const athenaSdk = () =>
  new AthenaClient({ endpoint: emu.endpoint, region: REGION, credentials: DUMMY_CREDENTIALS });

/** Objects in the org layout: `size` bytes each, under account/region/day. */
async function put(account: string, region: string, day: string, name: string, size: number) {
  await s3().send(
    new PutObjectCommand({
      Bucket: BUCKET,
      Key: `trail/AWSLogs/${ORG}/${account}/CloudTrail/${region}/${day}/${name}.json.gz`,
      Body: Buffer.alloc(size, 1),
    }),
  );
}

beforeAll(async () => {
  session = await openSession(
    { endpointUrl: emu.endpoint, region: REGION, credentials: DUMMY_CREDENTIALS },
    {},
  );
  await s3().send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3().send(new CreateBucketCommand({ Bucket: "athena-results" }));
  // In the window (2026/11/20 .. 2026/11/21): A1 us-east-1 two files, A1 eu-west-1 one, A2 one.
  await put(A1, "us-east-1", "2026/11/20", "a", 1000);
  await put(A1, "us-east-1", "2026/11/21", "b", 2000);
  await put(A1, "eu-west-1", "2026/11/20", "c", 400);
  await put(A2, "us-east-1", "2026/11/21", "d", 7000);
  // Outside it: an older day.
  await put(A1, "us-east-1", "2026/11/10", "old", 50_000);
});

/** An AthenaPort that counts each call, in order. */
function watched(port: AthenaPort): { port: AthenaPort; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    port: {
      start: (sql, ctx) => (calls.push("start"), port.start(sql, ctx)),
      status: (id) => (calls.push("status"), port.status(id)),
      results: (id, t) => (calls.push(`results${t ? "+token" : ""}`), port.results(id, t)),
    },
  };
}

const sleeps: number[] = [];
const waiting = { sleep: (ms: number) => (sleeps.push(ms), Promise.resolve()), maxPolls: 50 };

const SPEC = { bucket: BUCKET, prefix: "trail", orgId: ORG, database: "keywarden", table: "cloudtrail" };

describe("athena setup", () => {
  it("--dry-run prints the statements, finds the accounts in the bucket, and starts nothing", async () => {
    const r = await athenaSetup(
      { athena: athenaPort(session), bucket: bucketPort(session), waiting },
      { ...SPEC, accounts: null, regions: null, dryRun: true },
    );
    expect(r.accounts).toEqual([A1, A2]);
    expect(r.queryIds).toEqual([]);
    expect(r.statements[1]).toContain(
      "'storage.location.template'='s3://org-trail/trail/AWSLogs/o-abcdef1234/${account}/CloudTrail/${region}/${date}'",
    );
    expect(r.statements[1]).toContain(`'projection.account.values'='${A1},${A2}'`);
    const listed = await athenaSdk().send(new ListQueryExecutionsCommand({}));
    expect(listed.QueryExecutionIds ?? []).toEqual([]);
  });

  it("creates the database and the table through StartQueryExecution, in order", async () => {
    const w = watched(athenaPort(session));
    const r = await athenaSetup(
      { athena: w.port, bucket: bucketPort(session), waiting },
      {
        ...SPEC,
        accounts: null,
        regions: ["us-east-1", "eu-west-1"],
        dryRun: false,
        outputLocation: "s3://athena-results/kw/",
      },
    );
    expect(r.queryIds).toHaveLength(3);
    expect(w.calls).toEqual(["start", "status", "start", "status", "start", "status"]);
    // moto reads CREATE DATABASE: the database exists in its catalog now.
    const db = await athenaSdk().send(
      new GetDatabaseCommand({ CatalogName: "AwsDataCatalog", DatabaseName: "keywarden" }),
    );
    expect(db.Database?.Name).toBe("keywarden");
    expect(r.regions).toEqual(["eu-west-1", "us-east-1"]);
  });

  it("says where it looked when the bucket has no account folders", async () => {
    await expect(
      athenaSetup(
        { athena: athenaPort(session), bucket: bucketPort(session), waiting },
        { ...SPEC, orgId: "o-zzzzzzzzzz", accounts: null, regions: null, dryRun: true },
      ),
    ).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringContaining("s3://org-trail/trail/AWSLogs/o-zzzzzzzzzz/") as string,
    });
  });
});

async function duckRows(files: string[]): Promise<(string | null)[][]> {
  const db = await DuckDBInstance.create(":memory:", {
    autoinstall_known_extensions: "false",
    autoload_known_extensions: "false",
  });
  const conn = await db.connect();
  try {
    const rows = (
      await conn.runAndReadAll(
        toDuckDbSql(
          {
            accessKeyId: KEY,
            window: { start: null, end: null },
            accounts: null,
            regions: null,
            shape: "events",
          },
          files,
        ),
      )
    ).getRowObjectsJS();
    return rows.map((r) => EVENT_COLUMNS.map((c) => (typeof r[c] === "string" ? r[c] : null)));
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

const WINDOW = { start: new Date("2026-11-20T00:00:00Z"), end: new Date("2026-11-20T23:00:00Z") };
const request = (over: Partial<AthenaRequest> = {}): AthenaRequest => ({
  spec: SPEC,
  ctx: { outputLocation: "s3://athena-results/kw/" },
  accessKeyId: KEY,
  window: WINDOW,
  accounts: null,
  regions: null,
  maxScanGb: 100,
  yes: false,
  dryRun: false,
  ...over,
});

describe("trail --athena: the query flow", () => {
  it("gives the events the log files give, polling with backoff until the query ends", async () => {
    const root = await writeLogFolder(KEY);
    const day = (d: string) =>
      join(root, "AWSLogs", "123456789012", "CloudTrail", "us-east-1", "2026", "11", d);
    const rows = await duckRows([
      join(day("10"), "a.json.gz"),
      join(day("20"), "b.json.gz"),
      join(day("20"), "c.json"),
    ]);
    await emu.client.queueAthenaResults([{ columns: [...EVENT_COLUMNS], rows }]);
    await emu.client.athenaOutcomes([{ state: "SUCCEEDED", pending_polls: 3, scanned_bytes: 123_456_789 }]);
    sleeps.length = 0;
    const w = watched(athenaPort(session));
    const r = await athenaInvestigate({ athena: w.port, bucket: bucketPort(session), waiting }, request());
    const local = await duckDbLogReader().read([root], KEY, null);
    expect(r.events).toEqual(local.events);
    expect(w.calls).toEqual(["start", "status", "status", "status", "status", "results"]);
    expect(sleeps).toEqual([250, 500, 1000]);
    expect(r.scannedBytes).toBe(123_456_789);
    expect(r.costUsd).toBeCloseTo((123_456_789 / 2 ** 40) * 5, 10);
    expect(r.outputLocation).toBe(`s3://athena-results/kw/${r.queryExecutionId}.csv`);
    // The SQL Athena got is the model's, with the window's date partitions.
    expect(r.sql).toContain(`"date" BETWEEN '2026/11/20' AND '2026/11/21'`);
  });

  it("reads every page of a large result (1000 rows a page)", async () => {
    const rows = Array.from({ length: 2_345 }, (_, i) => {
      const row: (string | null)[] = EVENT_COLUMNS.map(() => null);
      row[EVENT_COLUMNS.indexOf("eventid")] = `e-${String(i).padStart(5, "0")}`;
      row[EVENT_COLUMNS.indexOf("eventtime")] = "2026-11-20T05:00:00Z";
      row[EVENT_COLUMNS.indexOf("eventname")] = "GetObject";
      row[EVENT_COLUMNS.indexOf("accesskeyid")] = KEY;
      return row;
    });
    await emu.client.queueAthenaResults([{ columns: [...EVENT_COLUMNS], rows }]);
    const w = watched(athenaPort(session));
    const r = await athenaInvestigate({ athena: w.port, bucket: bucketPort(session), waiting }, request());
    expect(r.events).toHaveLength(2_345);
    expect(new Set(r.events.map((e) => e.eventId)).size).toBe(2_345);
    expect(r.pages).toBe(3);
    expect(w.calls.filter((c) => c.startsWith("results"))).toEqual([
      "results",
      "results+token",
      "results+token",
    ]);
  });

  it.each([
    [
      "FAILED",
      "HIVE_CURSOR_ERROR: Row is not a valid JSON Object\nat line 2",
      /failed \(.+\): HIVE_CURSOR_ERROR: Row is not a valid JSON Object$/,
    ],
    ["CANCELLED", "Query cancelled by user", /was cancelled \(.+\): Query cancelled by user$/],
  ] as const)(
    "a %s query is one line with Athena's reason, and no results are read",
    async (state, reason, message) => {
      await emu.client.athenaOutcomes([{ state, reason, pending_polls: 1 }]);
      const w = watched(athenaPort(session));
      const err = await athenaInvestigate(
        { athena: w.port, bucket: bucketPort(session), waiting },
        request(),
      ).catch((e: unknown) => e);
      expect(err).toMatchObject({
        exitCode: 5,
        code: `ATHENA_QUERY_${state}`,
        message: expect.stringMatching(message) as string,
      });
      expect(w.calls).toEqual(["start", "status", "status"]);
    },
  );
});

describe("the cost guard", () => {
  it("estimates from the listing of the window's partitions only", async () => {
    const r = await athenaInvestigate(
      { athena: athenaPort(session), bucket: bucketPort(session), waiting },
      request({ dryRun: true }),
    );
    // Window 2026/11/20 (+ the next day for late delivery): a, b, c, d; never the old file.
    expect(r.estimate).toMatchObject({
      bytes: 10_400,
      objects: 4,
      accounts: [A1, A2],
      regions: ["eu-west-1", "us-east-1"],
      sampled: false,
    });
    expect(r.estimate.dates).toEqual(["2026/11/20", "2026/11/21"]);
    expect(r.ran).toBe(false);
    const known = await athenaInvestigate(
      { athena: athenaPort(session), bucket: bucketPort(session), waiting },
      request({ dryRun: true, accounts: [A1], regions: ["us-east-1"] }),
    );
    expect(known.estimate).toMatchObject({ bytes: 3_000, objects: 2, partitions: 2 });
    expect(known.sql).toContain(`account IN ('${A1}')`);
  });

  it("refuses above --max-scan-gb without --yes, starting nothing; --yes runs it", async () => {
    const w = watched(athenaPort(session));
    // 10,400 bytes against a limit of about 5 KB.
    const tiny = 5_000 / 1024 ** 3;
    await expect(
      athenaInvestigate(
        { athena: w.port, bucket: bucketPort(session), waiting },
        request({ maxScanGb: tiny }),
      ),
    ).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringContaining("above --max-scan-gb") as string,
    });
    expect(w.calls).toEqual([]);
    let asked = "";
    const confirmed = await athenaInvestigate(
      {
        athena: w.port,
        bucket: bucketPort(session),
        waiting,
        confirm: (q) => ((asked = q), Promise.resolve(true)),
      },
      request({ maxScanGb: tiny }),
    );
    expect(asked).toMatch(/would scan 10400 bytes in 6 partition\(s\)/);
    expect(confirmed.ran).toBe(true);
    const yes = await athenaInvestigate(
      { athena: w.port, bucket: bucketPort(session), waiting },
      request({ maxScanGb: tiny, yes: true }),
    );
    expect(yes.ran).toBe(true);
  });
});
