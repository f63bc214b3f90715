import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { duckDbLogReader } from "../src/response/logs.js";
import type { IncidentReport, TrailSummary } from "../src/response/types.js";
import { otherKeyRecord, writeLogFolder } from "./fixtures/cloudtrail/attack.js";
import { shapeRecords, stratusMalformed, writeShape } from "./fixtures/cloudtrail/shapes.js";
import { useEmulator } from "./emulator/harness.js";
import { runCli } from "./helpers/cli.js";

// A log file keywarden cannot read is named and skipped; every other file is still read, and only
// --strict turns it into a non-zero exit. The damaged file is a Stratus Red Team export with a
// comma missing between two records, as one was published (fixtures/cloudtrail/shapes.ts).

const emu = useEmulator();
const KEY = "AKIAIOSFODNN7EXAMPLE";

async function env(): Promise<Record<string, string>> {
  return {
    KEYWARDEN_HOME: await mkdtemp(join(tmpdir(), "kw-unreadable-")),
    AWS_ENDPOINT_URL: emu.endpoint,
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
    AWS_REGION: "us-east-1",
  };
}

async function malformedExport(key: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "kw-stratus-"));
  const file = join(dir, "aws.persistence.iam-create-admin-user.json");
  await writeFile(file, stratusMalformed(shapeRecords(key, "stratus-malformed")));
  return file;
}

describe("a log file that cannot be read", () => {
  it("is named with the parser's line and column, and the good files beside it are still read", async () => {
    const bad = await malformedExport(KEY);
    const text = await readFile(bad, "utf8");
    expect(() => JSON.parse(text) as unknown).toThrow();
    const good = await writeLogFolder(KEY);
    for (const prefilter of [true, false]) {
      const r = await duckDbLogReader({ prefilter }).read([good, bad], KEY, null);
      expect(r.events).toHaveLength(13);
      expect(r.unreadableFiles).toEqual([
        {
          file: bad,
          error: expect.stringMatching(
            /^not JSON: Expected ',' or ']' after array element at line \d+, column 4$/,
          ) as string,
          skipped: "file",
        },
      ]);
    }
  });

  it("a damaged {Records} file is named on the fast path and on DuckDB's full scan alike", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kw-records-bad-"));
    const bad = join(dir, "123456789012_CloudTrail_us-east-1_20261120T0300Z_damaged.json.gz");
    const text = JSON.stringify({ Records: shapeRecords(KEY, "damaged") }).replace(
      '},{"eventVersion"',
      '}{"eventVersion"',
    );
    await writeFile(bad, gzipSync(text));
    const good = await writeLogFolder(KEY);
    for (const prefilter of [true, false]) {
      const r = await duckDbLogReader({ prefilter }).read([good, dir], KEY, null);
      expect(r.events, `prefilter ${String(prefilter)}`).toHaveLength(13);
      expect(r.unreadableFiles).toEqual([
        {
          file: bad,
          error: expect.stringMatching(/^not (JSON|a CloudTrail log file): /) as string,
          skipped: "file",
        },
      ]);
    }
  });

  it("trail warns, keeps the good files' events, exits 0; --strict exits 1; JSON lists it as unreadableFiles", async () => {
    const bad = await malformedExport(KEY);
    const good = await writeLogFolder(KEY);
    const e = await env();
    const r = await runCli(["trail", KEY, "--no-lookup", "--logs", good, "--logs", bad, "--format", "json"], {
      env: e,
    });
    expect(r.code).toBe(0);
    const t = JSON.parse(r.stdout) as TrailSummary;
    expect(t.events).toBe(13);
    expect(t.sources.logFiles).toBe(5);
    expect(t.sources.unreadableFiles).toEqual([expect.objectContaining({ file: bad, skipped: "file" })]);
    expect(r.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(
        new RegExp(
          `^keywarden: warning: skipped the unreadable log file ${bad}: not JSON: .* at line \\d+, column 4$`,
        ),
      ),
    ]);

    const table = await runCli(
      ["trail", KEY, "--no-lookup", "--logs", good, "--logs", bad, "--format", "table"],
      { env: e },
    );
    expect(table.code).toBe(0);
    expect(table.stdout).toContain("13 event(s) made with AKIA************MPLE");

    const strict = await runCli(
      ["trail", KEY, "--no-lookup", "--logs", good, "--logs", bad, "--strict", "--format", "json"],
      {
        env: e,
      },
    );
    expect(strict.code).toBe(1);
    expect((JSON.parse(strict.stdout) as TrailSummary).events).toBe(13);
    expect(strict.stderr).toContain(`skipped the unreadable log file ${bad}`);

    const clean = await runCli(["trail", KEY, "--no-lookup", "--logs", good, "--strict"], { env: e });
    expect(clean.code).toBe(0);
    expect(clean.stderr).toBe("");
  });

  it("a JSON Lines file with damaged lines: each line is named, the other lines are read", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kw-jsonl-"));
    const file = await writeShape(dir, "otrf-logstash-jsonl", KEY);
    const lines = (await readFile(file, "utf8")).split("\n");
    // Kafka consumers cut a message short when the broker drops the connection mid-record: one cut
    // before the record's key id, one after it.
    lines[3] = (lines[3] ?? "").slice(0, 120);
    lines[6] = (lines[6] ?? "").slice(0, (lines[6] ?? "").indexOf(KEY) + 40);
    expect(lines[3]).not.toContain(KEY);
    expect(lines[6]).toContain(KEY);
    await writeFile(file, lines.join("\n"));
    const r = await duckDbLogReader().read([file], KEY, null);
    expect(r.events).toHaveLength(11);
    expect(r.unreadableFiles).toEqual([
      {
        file,
        error: expect.stringMatching(
          /^2 line\(s\) are not JSON and were skipped \(line 4: it is cut short or damaged .*; line 7: .* at column \d+\); its other 11 record\(s\) of the key were read$/,
        ) as string,
        skipped: "lines",
      },
    ]);
  });

  it("a file that mentions the key but holds no record in a known layout is named, not silently empty", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kw-unknown-"));
    const file = join(dir, "splunk-export.json");
    await writeFile(
      file,
      JSON.stringify({ preview: false, result: { _raw: `accessKeyId=${KEY} eventName=CreateUser` } }),
    );
    const r = await duckDbLogReader().read([file], KEY, null);
    expect(r.unreadableFiles).toEqual([
      {
        file,
        error: "it mentions the key but holds no CloudTrail record in a layout keywarden reads",
        skipped: "file",
      },
    ]);
    // The same key id inside another key's record is no such problem: that record is simply not the key's.
    const other = join(dir, "other.json");
    await writeFile(
      other,
      `${JSON.stringify({ ...otherKeyRecord(1), responseElements: { accessKey: { accessKeyId: KEY } } })}\n`,
    );
    expect((await duckDbLogReader().read([other], KEY, null)).unreadableFiles).toEqual([]);
  });

  it("respond reads the good files, records the skipped one in the incident and its checklist; --strict exits 1", async () => {
    await emu.createUser("ci-deployer");
    const key = (await emu.createKey("ci-deployer")).accessKeyId;
    const good = await writeLogFolder(key);
    const bad = await malformedExport(key);
    const e = await env();
    const r = await runCli(
      ["respond", key, "--yes", "--no-lookup", "--logs", good, "--logs", bad, "--format", "json"],
      { env: e },
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`keywarden: warning: skipped the unreadable log file ${bad}: not JSON`);
    const report = JSON.parse(r.stdout) as IncidentReport;
    expect(report.eventCount).toBe(13);
    expect(report.sources.unreadableFiles).toEqual([expect.objectContaining({ file: bad })]);
    expect(report.checklist.find((c) => c.id === "review-cloudtrail")).toMatchObject({
      status: "open",
      detail: expect.stringContaining(`1 log file(s) could not be read (${bad})`) as string,
    });
    expect(report.steps.map((s) => s.what)).toContainEqual(
      expect.stringContaining(`Skipped the unreadable log file ${bad}`),
    );

    const strict = await runCli(
      [
        "respond",
        key,
        "--dry-run",
        "--no-lookup",
        "--logs",
        good,
        "--logs",
        bad,
        "--strict",
        "--format",
        "json",
      ],
      { env: e },
    );
    expect(strict.code).toBe(1);
    expect((JSON.parse(strict.stdout) as IncidentReport).eventCount).toBe(13);
  });

  it("--strict is in both verbs' help", async () => {
    for (const verb of ["trail", "respond"]) {
      const r = await runCli([verb, "--help"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/--strict\s+exit 1 when a --logs file cannot be read/);
    }
  });
});
