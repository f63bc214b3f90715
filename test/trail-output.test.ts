import { lstatSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { spooledOutput } from "../src/cli/common-options.js";
import { renderTrail, trailChunks } from "../src/cli/commands/trail.js";
import { plainTable, plainTableChunks } from "../src/report/plain-table.js";
import { REDACTED, redactValue } from "../src/response/redact.js";
import type { TrailGroup, TrailSummary } from "../src/response/types.js";
import { leakedForms, makeSecret, recordsWithSecrets, secretForms } from "./fixtures/cloudtrail/secrets.js";
import { writeRecordsAs } from "./fixtures/cloudtrail/shapes.js";
import { runCli } from "./helpers/cli.js";

// trail's output on a busy key (issue 19): hundreds of thousands of groups, written a batch at a
// time with the redaction pass applied per group, to stdout or through --output's spool file.

const KEY = "AKIAIOSFODNN7EXAMPLE";

function busySummary(groups: number): TrailSummary {
  const g: TrailGroup[] = Array.from({ length: groups }, (_, i) => ({
    sourceIPAddress: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    userAgent: i % 2 ? "aws-cli/2.15.30 Python/3.11.8 Linux/6.1.0 exe/x86_64.debian.12 prompt/off" : null,
    region: "eu-central-1",
    eventName: i % 3 ? "PutObject" : "ListObjects",
    count: 1 + (i % 5),
    firstSeen: "2026-11-05T03:19:35.000Z",
    lastSeen: "2026-11-05T03:19:35.000Z",
  }));
  return {
    schemaVersion: 1,
    accessKeyId: KEY,
    since: null,
    events: groups,
    firstSeen: "2026-11-05T03:19:35.000Z",
    lastSeen: "2026-11-05T03:19:35.000Z",
    groups: g,
    bySourceIP: g.map((x) => ({
      value: x.sourceIPAddress,
      count: x.count,
      firstSeen: x.firstSeen,
      lastSeen: x.lastSeen,
    })),
    byUserAgent: [],
    byRegion: [
      {
        value: "eu-central-1",
        count: groups,
        firstSeen: "2026-11-05T03:19:35.000Z",
        lastSeen: "2026-11-05T03:19:35.000Z",
      },
    ],
    byEventName: [],
    sources: { lookupRegions: [], logFiles: 1, lookupFailures: [], unreadableFiles: [], undatedRecords: [] },
  };
}

describe("trail's printed summary on a busy key", () => {
  it("prints 200,000 groups in every format (the table once overflowed the stack), in pieces", () => {
    const t = busySummary(200_000);
    const json = [...trailChunks(t, "json", redactValue)];
    expect(json.join("")).toBe(`${JSON.stringify(t, null, 2)}\n`);
    // No piece holds more than a batch: the whole text is never one string.
    expect(Math.max(...json.map((p) => p.length))).toBeLessThan(400_000);
    for (const format of ["table", "markdown"] as const) {
      const pieces = [...trailChunks(t, format, redactValue)];
      expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(400_000);
      const lines = pieces.join("").split("\n");
      // table: head, blank, who (header + 200,000), blank, groups (header + 200,000), and the "" after
      // the last newline; markdown: title, blank, head, blank, header, rule, 200,000 rows, ""
      expect(lines.length).toBe(format === "table" ? 400_006 : 200_007);
    }
  });

  it("pads columns as plainTable does, whatever the number of rows", () => {
    const rows = Array.from({ length: 150_000 }, (_, i) => [String(i), i === 7 ? "wide-cell" : "x", "z"]);
    const whole = plainTable(rows);
    expect(whole.split("\n")[0]).toBe("0       x          z");
    expect([...plainTableChunks(() => rows, 1000)].join("")).toBe(`${whole}\n`);
  });

  it("redacts a user agent before the table cuts it to 60 characters", () => {
    const secret = makeSecret();
    const t = busySummary(1);
    // The secret straddles the 60-character cut: cut first, its first 36 characters would show.
    const ua = `python-requests/2.31.0 ${secret}`;
    (t.groups[0] as TrailGroup).userAgent = ua;
    for (const format of ["table", "markdown", "json"] as const) {
      const text = [...trailChunks(t, format, redactValue)].join("");
      expect(text).not.toContain(secret.slice(0, 8));
      expect(renderTrail(redactValue(t) as TrailSummary, format)).toBe(text);
    }
    expect([...trailChunks(t, "json", redactValue)].join("")).toContain(REDACTED);
  });
});

describe("trail --logs, printed and written with --output", () => {
  it("writes the same bytes to stdout and to -o, leaks no secret, and leaves no spool file", async () => {
    const f = secretForms(makeSecret(), KEY);
    const logs = await mkdtemp(join(tmpdir(), "kw-trail-out-logs-"));
    await writeRecordsAs(logs, "s3-records", recordsWithSecrets(KEY, f));
    const dir = await mkdtemp(join(tmpdir(), "kw-trail-out-"));
    const env = { KEYWARDEN_HOME: dir };
    for (const format of ["json", "table", "markdown"]) {
      const printed = await runCli(["trail", KEY, "--no-lookup", "--logs", logs, "--format", format], {
        env,
      });
      expect(printed.code, printed.stderr).toBe(0);
      expect(leakedForms(printed.stdout, f), format).toEqual([]);
      const file = join(dir, `trail.${format}`);
      writeFileSync(file, "an older report\n", { mode: 0o644 });
      const written = await runCli(
        ["trail", KEY, "--no-lookup", "--logs", logs, "--format", format, "-o", file],
        { env },
      );
      expect(written.code, written.stderr).toBe(0);
      expect(written.stdout).toBe("");
      expect(readFileSync(file, "utf8")).toBe(printed.stdout);
      // Reports name keys and people: the spool is created 0600 and renamed over the old file.
      expect(lstatSync(file).mode & 0o777).toBe(0o600);
    }
    expect(readdirSync(dir).filter((n) => n.endsWith(".tmp"))).toEqual([]);
  });
});

describe("the --output spool", () => {
  it("leaves the file as it was, and no spool, when the verb fails", () => {
    const dir = mkdtempSync(join(tmpdir(), "kw-spool-"));
    const file = join(dir, "report.json");
    writeFileSync(file, "kept\n");
    const out = spooledOutput(file);
    out.write("half a report");
    expect(readdirSync(dir)).toHaveLength(2);
    out.abort();
    expect(readFileSync(file, "utf8")).toBe("kept\n");
    expect(readdirSync(dir)).toEqual(["report.json"]);
  });

  it("writes an empty report as an empty file, and writes through a symbolic link", () => {
    const dir = mkdtempSync(join(tmpdir(), "kw-spool-"));
    const empty = join(dir, "empty.txt");
    spooledOutput(empty).commit();
    expect(readFileSync(empty, "utf8")).toBe("");
    const real = join(dir, "real.txt");
    writeFileSync(real, "old");
    const link = join(dir, "link.txt");
    symlinkSync(real, link);
    const out = spooledOutput(link);
    out.write("new ");
    out.write("text");
    out.commit();
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(real, "utf8")).toBe("new text");
  });

  it("reports a folder it cannot write to when the verb is done, with nothing left behind", () => {
    const dir = mkdtempSync(join(tmpdir(), "kw-spool-"));
    const out = spooledOutput(join(dir, "gone", "report.json"));
    out.write("text");
    expect(() => {
      out.commit();
    }).toThrow(/could not write the report to .*report\.json \(ENOENT\)/);
    expect(readdirSync(dir)).toEqual([]);
  });
});
