/* eslint-disable no-console */
// What `trail --logs` reads from each shape of CloudTrail file (test/fixtures/cloudtrail/shapes.ts:
// 13 events of one key per file): events found, and of those how many have a real time (not
// 1970-01-01), a source IP, a user agent and a user name. Run it against this tree or another
// checkout's reader to compare before and after a change:
//
//   npx tsx bench/trail-shapes.ts                     # this tree's reader
//   npx tsx bench/trail-shapes.ts --code /path/to/old/checkout
//
// Not a timing bench: it prints counts (and --json writes them as JSON to stdout).
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { writeFile } from "node:fs/promises";
import { gzipSync } from "node:zlib";
import {
  assumedRoleRecords,
  shapeRecords,
  SHAPES,
  stratusMalformed,
  undatedRecords,
  wrappedAsRecords,
  writeShapesFolder,
} from "../test/fixtures/cloudtrail/shapes.js";

const KEY = "AKIAIOSFODNN7EXAMPLE";
const SESSION_KEY = "ASIAIOSFODNN7SESSION";

interface Row {
  shape: string;
  events: number | string;
  dated: number;
  withIp: number;
  withAgent: number;
  withUser: number;
  sinceLeak: number | string;
  warnings: string;
}

interface Event {
  eventTime: string;
  sourceIPAddress: string | null;
  userAgent: string | null;
  userName: string | null;
}

interface Reader {
  read(
    paths: string[],
    key: string,
    since: Date | null,
  ): Promise<{ events: Event[]; unreadableFiles?: { file: string }[]; undatedRecords?: unknown[] }>;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const at = args.indexOf("--code");
  const code = resolve(at >= 0 ? (args[at + 1] ?? ".") : ".");
  const mod = (await import(pathToFileURL(join(code, "src/response/logs.ts")).href)) as {
    duckDbLogReader: () => Reader;
  };
  const reader = mod.duckDbLogReader();
  const { root, files } = await writeShapesFolder(KEY);
  const malformed = join(root, "stratus", "aws.persistence.iam-backdoor-user-malformed.json");
  await writeFile(malformed, stratusMalformed(shapeRecords(KEY, "stratus-malformed")));
  const extra = (name: string, data: Buffer) => {
    const path = join(root, "extra", name);
    return writeFile(path, data).then(() => path);
  };
  await import("node:fs/promises").then((fs) => fs.mkdir(join(root, "extra")));
  const logstashWrapped = await extra(
    "logstash-as-records.json.gz",
    wrappedAsRecords("otrf-logstash-jsonl", KEY),
  );
  const datadogWrapped = await extra(
    "datadog-as-records.json.gz",
    wrappedAsRecords("datadog-api-export", KEY),
  );
  const undated = await extra("undated.json.gz", undatedRecords(KEY));
  const role = await extra(
    "assumed-role.json.gz",
    gzipSync(JSON.stringify({ Records: assumedRoleRecords(SESSION_KEY) })),
  );

  const rows: Row[] = [];
  const measure = async (shape: string, paths: string[], key = KEY) => {
    const row: Row = {
      shape,
      events: 0,
      dated: 0,
      withIp: 0,
      withAgent: 0,
      withUser: 0,
      sinceLeak: 0,
      warnings: "",
    };
    try {
      const r = await reader.read(paths, key, null);
      row.events = r.events.length;
      row.dated = r.events.filter((e) => e.eventTime && !e.eventTime.startsWith("1970")).length;
      row.withIp = r.events.filter((e) => e.sourceIPAddress).length;
      row.withAgent = r.events.filter((e) => e.userAgent).length;
      row.withUser = r.events.filter((e) => e.userName).length;
      const w = [
        ...(r.unreadableFiles ?? []).map(() => "unreadable file"),
        ...(r.undatedRecords ?? []).map(() => "undated record"),
      ];
      row.warnings = w.length > 0 ? `${w.length} (${[...new Set(w)].join(", ")})` : "";
      // The attack starts at 2026-11-20T00:00Z: 11 of the 13 events are after it.
      row.sinceLeak = (await reader.read(paths, key, new Date("2026-11-20T00:00:00Z"))).events.length;
    } catch (err) {
      row.events = `error: ${(err as Error).message.split("\n")[0]?.slice(0, 70) ?? ""}`;
      row.sinceLeak = "-";
    }
    rows.push(row);
  };
  for (const shape of SHAPES) await measure(shape, [files[shape]]);
  await measure("stratus-array, a comma missing", [malformed]);
  await measure("s3-records + malformed file (two --logs)", [files["s3-records"], malformed]);
  await measure("Logstash (OTRF) records wrapped as {Records}", [logstashWrapped]);
  await measure("Datadog records wrapped as {Records}", [datadogWrapped]);
  await measure("{Records}, one eventTime not a day, one missing", [undated]);
  await measure("{Records}, assumed-role (ASIA) key", [role], SESSION_KEY);
  await measure("all of the above in one folder (14 files)", [root]);

  if (args.includes("--json")) {
    console.log(JSON.stringify({ code, rows }, null, 2));
    return;
  }
  console.log(`reader: ${code}`);
  console.log(
    "| shape | events (of 13) | dated | source IP | user agent | user | --since leak (of 11) | warnings |",
  );
  console.log("|---|---|---|---|---|---|---|---|");
  for (const r of rows) {
    console.log(
      `| ${r.shape} | ${r.events} | ${r.dated} | ${r.withIp} | ${r.withAgent} | ${r.withUser} | ${r.sinceLeak} | ${r.warnings} |`,
    );
  }
}

await main();
