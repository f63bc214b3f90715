import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
} from "@aws-sdk/client-iam";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DuckDBInstance } from "@duckdb/node-api";
import { mkdtemp, readFile, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { toDuckDbSql } from "../src/response/query/duckdb.js";
import { EVENT_COLUMNS } from "../src/response/query/model.js";
import type { IncidentReport, TrailSummary } from "../src/response/types.js";
import { writeLogFolder } from "./fixtures/cloudtrail/attack.js";
import { runCli } from "./helpers/cli.js";
import { DUMMY_CREDENTIALS, REGION, useEmulator } from "./emulator/harness.js";

// The CLI over the trail bucket in the emulator: `athena setup`, `trail --athena` and
// `trail --engine local` give the JSON `trail --logs` gives for the same records.

const emu = useEmulator();
const KEY = "AKIAIOSFODNN7EXAMPLE";
const BUCKET = "cli-trail";
let logs = "";

async function env(): Promise<Record<string, string>> {
  return {
    KEYWARDEN_HOME: await mkdtemp(join(tmpdir(), "kw-athena-")),
    AWS_ENDPOINT_URL: emu.endpoint,
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
    AWS_REGION: "us-east-1",
  };
}

async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await files(p)));
    else if (/\.json(\.gz)?$/.test(e.name)) out.push(p);
  }
  return out.sort();
}

/** The log folder's files in a new bucket, as an account trail writes them (AWSLogs/<account>/...). */
async function upload(bucket: string, folder: string): Promise<void> {
  const s3 = new S3Client({
    endpoint: emu.endpoint,
    region: REGION,
    credentials: DUMMY_CREDENTIALS,
    forcePathStyle: true,
  });
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  for (const f of await files(folder)) {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: relative(folder, f).split("\\").join("/"),
        Body: await readFile(f),
      }),
    );
  }
  s3.destroy();
}

/**
 * Athena's answer for a key: the rows the query would return (the DuckDB rendering of the same
 * model over the same files), queued in the emulator. Returns how many rows were queued.
 */
async function queueAthenaAnswer(accessKeyId: string, folder: string): Promise<number> {
  const db = await DuckDBInstance.create(":memory:", {
    autoinstall_known_extensions: "false",
    autoload_known_extensions: "false",
  });
  const conn = await db.connect();
  const rows = (
    await conn.runAndReadAll(
      toDuckDbSql(
        {
          accessKeyId,
          window: { start: new Date(SINCE), end: null },
          accounts: null,
          regions: null,
          shape: "events",
        },
        await files(folder),
      ),
    )
  ).getRowObjectsJS();
  conn.closeSync();
  db.closeSync();
  await emu.client.queueAthenaResults([
    {
      columns: [...EVENT_COLUMNS],
      rows: rows.map((r) => EVENT_COLUMNS.map((c) => (typeof r[c] === "string" ? r[c] : null))),
    },
  ]);
  return rows.length;
}

beforeAll(async () => {
  logs = await writeLogFolder(KEY);
  await upload(BUCKET, logs);
});

const SINCE = "2026-11-01T00:00:00Z";
const BUCKET_FLAGS = [
  "--bucket",
  BUCKET,
  "--regions",
  "us-east-1",
  "--since",
  SINCE,
  "--no-lookup",
  "--format",
  "json",
];

/** The summary without the fields that say where events were read (files vs a query). */
const answer = (t: TrailSummary) => ({ ...t, sources: { ...t.sources, logFiles: 0 } });

describe("keywarden athena setup", () => {
  it("--dry-run prints the DDL with the account found in the bucket", async () => {
    const r = await runCli(["athena", "setup", "--bucket", BUCKET, "--dry-run"], { env: await env() });
    expect(r.stderr).toContain("dry run: nothing was created; 1 account(s)");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("CREATE EXTERNAL TABLE IF NOT EXISTS `keywarden`.`cloudtrail`");
    expect(r.stdout).toContain("'projection.account.values'='123456789012'");
    expect(r.stdout).toContain(
      `'storage.location.template'='s3://${BUCKET}/AWSLogs/\${account}/CloudTrail/\${region}/\${date}'`,
    );
  });

  it("refuses a bad name before any call", async () => {
    const r = await runCli(["athena", "setup", "--bucket", BUCKET, "--table", "Cloud-Trail"], {
      env: await env(),
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--table "Cloud-Trail" is not an Athena name/);
  });
});

describe("keywarden trail over the bucket", () => {
  it("--athena, --engine local and --logs give the same JSON", async () => {
    const e = await env();
    const local = await runCli(
      ["trail", KEY, "--no-lookup", "--logs", logs, "--since", SINCE, "--format", "json"],
      { env: e },
    );
    expect(local.code).toBe(0);
    const want = answer(JSON.parse(local.stdout) as TrailSummary);
    expect(want.events).toBe(13);

    await queueAthenaAnswer(KEY, logs);
    await emu.client.athenaOutcomes([{ state: "SUCCEEDED", scanned_bytes: 5 * 1024 ** 3 }]);
    const athena = await runCli(["trail", KEY, "--athena", ...BUCKET_FLAGS, "--max-scan-gb", "1", "--yes"], {
      env: e,
    });
    expect(athena.stderr).toMatch(/scanned 5\.00 GB \(\$0\.02 at \$5\/TB\)/);
    expect(athena.code).toBe(0);
    expect(answer(JSON.parse(athena.stdout) as TrailSummary)).toEqual(want);

    const copied = await runCli(["trail", KEY, "--engine", "local", ...BUCKET_FLAGS], { env: e });
    expect(copied.code).toBe(0);
    expect(copied.stderr).toMatch(/Copied 4 log file\(s\)/);
    expect(answer(JSON.parse(copied.stdout) as TrailSummary)).toEqual(want);
  });

  it("--dry-run prints the SQL and the estimate, and runs no query", async () => {
    const before = await emu.client.athenaOutcomes([]);
    const r = await runCli(["trail", KEY, "--athena", ...BUCKET_FLAGS, "--dry-run"], { env: await env() });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^SELECT eventid AS eventid/);
    expect(r.stdout).toContain("useridentity.accesskeyid = 'AKIAIOSFODNN7EXAMPLE'");
    expect(r.stdout).toMatch(
      /-- engine: athena; .* in 4 object\(s\), \d+ partition\(s\) \(1 account\(s\), 1 region\(s\)/,
    );
    expect(r.stdout).toContain("Nothing was run.");
    expect(await emu.client.athenaOutcomes([])).toEqual(before);
  });

  it("without --yes, refuses a query above --max-scan-gb in one line and exits 2", async () => {
    const r = await runCli(["trail", KEY, "--athena", ...BUCKET_FLAGS, "--max-scan-gb", "0.000001"], {
      env: await env(),
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^keywarden: Athena estimate: .*\nkeywarden: the Athena query would scan 5509 bytes in \d+ partition\(s\).*, <\$0\.01 at \$5\/TB, above --max-scan-gb 0\.000001; nothing was run\. Pass --yes/,
    );
    expect(r.stdout).toBe("");
  });

  it("--athena without --bucket says what to pass", async () => {
    const r = await runCli(["trail", KEY, "--athena", "--no-lookup"], { env: await env() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Pass --bucket NAME");
  });
});

describe("keywarden respond over the bucket", () => {
  const iam = () => new IAMClient({ endpoint: emu.endpoint, region: REGION, credentials: DUMMY_CREDENTIALS });

  async function leakedKey(userName: string): Promise<string> {
    const client = iam();
    await client.send(new CreateUserCommand({ UserName: userName }));
    const { AccessKey } = await client.send(new CreateAccessKeyCommand({ UserName: userName }));
    client.destroy();
    if (!AccessKey?.AccessKeyId) throw new Error("the emulator created no key");
    return AccessKey.AccessKeyId;
  }

  async function keyState(userName: string): Promise<{ status: string | undefined; policies: number }> {
    const client = iam();
    const keys = await client.send(new ListAccessKeysCommand({ UserName: userName }));
    const attached = await client.send(new ListAttachedUserPoliciesCommand({ UserName: userName }));
    client.destroy();
    return { status: keys.AccessKeyMetadata?.[0]?.Status, policies: attached.AttachedPolicies?.length ?? 0 };
  }

  it("refuses a bad bucket flag before it contains: the key stays Active, nothing attached", async () => {
    const user = "athena-bad-flag";
    const key = await leakedKey(user);
    const r = await runCli(
      ["respond", key, "--yes", "--athena", "--bucket", "s3://not-a-name", "--no-lookup"],
      {
        env: await env(),
      },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--bucket "s3:\/\/not-a-name" is not an S3 bucket name/);
    expect(await keyState(user)).toEqual({ status: "Active", policies: 0 });
  });

  it("contains, then queries the bucket in Athena and reports its events", async () => {
    const user = "athena-leaky";
    const key = await leakedKey(user);
    const folder = await writeLogFolder(key, user);
    await upload("respond-trail", folder);
    const queued = await queueAthenaAnswer(key, folder);
    expect(queued).toBe(13);
    await emu.client.athenaOutcomes([{ state: "SUCCEEDED", scanned_bytes: 1024 ** 3 }]);
    const r = await runCli(
      ["respond", key, "--yes", "--athena", "--bucket", "respond-trail", "--regions", "us-east-1"].concat([
        "--since",
        SINCE,
        "--no-lookup",
        "--format",
        "json",
      ]),
      { env: await env() },
    );
    expect(r.stderr).toMatch(/scanned 1\.00 GB/);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as IncidentReport;
    expect(report.containment.deactivated).toBe(true);
    expect(report.events).toHaveLength(13);
    expect(await keyState(user)).toEqual({ status: "Inactive", policies: 1 });
  });

  it("a failed Athena query leaves the key contained and the incident stored, names the gap and exits 1", async () => {
    const user = "athena-failed";
    const key = await leakedKey(user);
    await emu.client.athenaOutcomes([
      { state: "FAILED", reason: "HIVE_BAD_DATA: Error parsing field value for field 3" },
    ]);
    const r = await runCli(
      ["respond", key, "--yes", "--athena", "--bucket", "respond-trail", "--regions", "us-east-1"].concat([
        "--since",
        SINCE,
        "--no-lookup",
        "--format",
        "json",
      ]),
      { env: await env() },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/warning: the trail bucket could not be read: .*HIVE_BAD_DATA/);
    const report = JSON.parse(r.stdout) as IncidentReport;
    expect(report.containment.deactivated).toBe(true);
    expect(report.sources.bucketFailure).toMatch(/HIVE_BAD_DATA/);
    const open = report.checklist.filter((c) => c.status === "open").map((c) => c.detail);
    expect(open.join(" ")).toMatch(/The trail bucket could not be read/);
    expect(r.stderr).toMatch(/incident \S+ stored/);
    expect(await keyState(user)).toEqual({ status: "Inactive", policies: 1 });
  });
});
