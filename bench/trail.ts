/* eslint-disable no-console */
// bench/trail: `keywarden trail --logs` (the prefilter over the trail's gzip log files; DuckDB's full
// scan as the reference) against jq doing the same filter-and-group, on ~1 GB (uncompressed) of generated CloudTrail logs with planted
// attacker events. See bench/README.md.
import { spawn } from "node:child_process";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { mkdtemp, rm } from "node:fs/promises";
import { duckDbLogReader } from "../src/response/logs.js";
import type { TrailSummary } from "../src/response/types.js";
import { buildKeywarden } from "./build-cli.js";
import { ATTACKER_KEY, generateLogs, type GenResult } from "./trail-gen.js";

export interface TrailBenchOptions {
  bytes: number;
  recordsPerFile: number;
  repeats: number;
  seed: number;
}

export const TRAIL_FULL: TrailBenchOptions = {
  bytes: 1_000_000_000,
  recordsPerFile: 1500,
  repeats: 3,
  seed: 7,
};
export const TRAIL_QUICK: TrailBenchOptions = {
  bytes: 60_000_000,
  recordsPerFile: 1500,
  repeats: 1,
  seed: 7,
};

const REPO = fileURLToPath(new URL("..", import.meta.url));

/**
 * Runs a bash script (args as $1...), timing the wall clock and, with bash's `times`, the CPU
 * (user + system) of every process it ran: on a shared machine, CPU time is the steadier figure.
 */
function run(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ ms: number; cpuMs: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const wrapped = `set -o pipefail; ${script}; rc=$?; times >&2; exit $rc`;
    const child = spawn("bash", ["-c", wrapped, "bench", ...args], {
      cwd: REPO,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
    child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
    child.on("error", reject);
    child.on("close", (code) => {
      const ms = performance.now() - t0;
      if (code !== 0) {
        reject(new Error(`${script.slice(0, 80)} exited ${String(code)}: ${stderr.slice(0, 500)}`));
        return;
      }
      // The last line of `times`: user and system time of the children, e.g. "0m3.210s 0m0.120s".
      const last = stderr.trim().split("\n").pop() ?? "";
      const secs = [...last.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
      resolve({ ms, cpuMs: (secs.reduce((x, y) => x + y, 0) || Number.NaN) * 1000, stdout });
    });
  });
}

interface Group {
  sourceIPAddress: string | null;
  userAgent: string | null;
  region: string;
  eventName: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
}

/** The jq program: the same filter (the key's records) and grouping as `keywarden trail`. */
const JQ_PROGRAM = `[inputs | .Records[] | select(.userIdentity.accessKeyId == $k)]
  | group_by([.sourceIPAddress, .userAgent, .awsRegion, .eventName])
  | map({sourceIPAddress: .[0].sourceIPAddress, userAgent: .[0].userAgent, region: .[0].awsRegion,
         eventName: .[0].eventName, count: length,
         firstSeen: (map(.eventTime) | min), lastSeen: (map(.eventTime) | max)})`;

async function keywardenCli(
  bin: string,
  dir: string,
): Promise<{ ms: number; cpuMs: number; groups: Group[]; events: number }> {
  const env = { PATH: process.env.PATH, HOME: tmpdir(), NO_COLOR: "1", AWS_EC2_METADATA_DISABLED: "true" };
  const r = await run(
    `"$1" "$2" trail "$3" --no-lookup --logs "$4" --format json`,
    [process.execPath, bin, ATTACKER_KEY, dir],
    env,
  );
  const t = JSON.parse(r.stdout) as TrailSummary;
  return { ms: r.ms, cpuMs: r.cpuMs, groups: t.groups, events: t.events };
}

async function jq(dir: string): Promise<{ ms: number; cpuMs: number; groups: Group[] }> {
  // gzip -dc in the same pipeline, as a person would run it over a copy of the bucket.
  const script = `find "$1" -name '*.json.gz' -print0 | sort -z | xargs -0 gzip -dc | jq -n --arg k "$2" "$3"`;
  const r = await run(script, [dir, ATTACKER_KEY, JQ_PROGRAM]);
  return { ms: r.ms, cpuMs: r.cpuMs, groups: JSON.parse(r.stdout) as Group[] };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
};
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

function groupKey(g: Group): string {
  return JSON.stringify([
    g.sourceIPAddress,
    g.userAgent,
    g.region,
    g.eventName,
    g.count,
    g.firstSeen.slice(0, 19),
    g.lastSeen.slice(0, 19),
  ]);
}

export async function benchTrail(o: TrailBenchOptions): Promise<object> {
  const load0 = loadavg()[0] ?? 0;
  const t0 = performance.now();
  const gen: GenResult = await generateLogs({
    bytes: o.bytes,
    recordsPerFile: o.recordsPerFile,
    seed: o.seed,
    dir: join(tmpdir(), "keywarden-bench-trail"),
  });
  const genMs = performance.now() - t0;
  console.log(
    `  data: ${gen.files} files, ${gen.records} records, ${round(gen.uncompressedBytes / 1e6)} MB uncompressed, ${round(gen.compressedBytes / 1e6)} MB gzip` +
      (gen.cached ? " (cached)" : ` (generated in ${round(genMs / 1000)} s)`),
  );
  const mb = gen.uncompressedBytes / 1e6;

  // Warm-up (not recorded): the page cache holds the files for both tools alike.
  const work = await mkdtemp(join(tmpdir(), "keywarden-bench-trail-cli-"));
  const bin = await buildKeywarden(work);
  await keywardenCli(bin, gen.dir);
  await jq(gen.dir);

  const kwMs: number[] = [];
  const libMs: number[] = [];
  const fullMs: number[] = [];
  const jqMs: number[] = [];
  const kwCpu: number[] = [];
  const jqCpu: number[] = [];
  let kw: Awaited<ReturnType<typeof keywardenCli>> | null = null;
  let jqOut: Awaited<ReturnType<typeof jq>> | null = null;
  let recall = 0;
  for (let i = 0; i < o.repeats; i++) {
    kw = await keywardenCli(bin, gen.dir);
    kwMs.push(kw.ms);
    kwCpu.push(kw.cpuMs);
    // In-process, the same reader without Node/tsx start-up, and the planted events by id.
    const l0 = performance.now();
    const lib = await duckDbLogReader().read([gen.dir], ATTACKER_KEY, null);
    libMs.push(performance.now() - l0);
    const found = new Set(lib.events.map((e) => e.eventId));
    recall = gen.planted.filter((p) => found.has(p.eventID)).length / gen.planted.length;
    // The reference path: DuckDB parses every record of every file (no prefilter).
    const f0 = performance.now();
    const full = await duckDbLogReader({ prefilter: false }).read([gen.dir], ATTACKER_KEY, null);
    fullMs.push(performance.now() - f0);
    if (full.events.length !== lib.events.length) {
      throw new Error(`prefilter found ${lib.events.length} events, the full scan ${full.events.length}`);
    }
    jqOut = await jq(gen.dir);
    jqMs.push(jqOut.ms);
    jqCpu.push(jqOut.cpuMs);
    console.log(
      `  repeat ${i + 1}: keywarden trail ${round(kw.ms)} ms (cpu ${round(kw.cpuMs)} ms), in-process reader ${round(libMs[i] ?? 0)} ms, DuckDB full scan ${round(fullMs[i] ?? 0)} ms, jq ${round(jqOut.ms)} ms (cpu ${round(jqOut.cpuMs)} ms)`,
    );
  }
  await rm(work, { recursive: true, force: true });
  if (!kw || !jqOut) throw new Error("no repeats");
  const sameGroups =
    kw.groups.map(groupKey).sort().join("\n") === jqOut.groups.map(groupKey).sort().join("\n");
  const kwMed = median(kwMs);
  const jqMed = median(jqMs);
  const plantedFoundInGroups = gen.planted.every((p) =>
    kw.groups.some(
      (g) =>
        g.sourceIPAddress === p.sourceIPAddress && g.eventName === p.eventName && g.region === p.awsRegion,
    ),
  );
  return {
    options: o,
    data: {
      files: gen.files,
      records: gen.records,
      uncompressedBytes: gen.uncompressedBytes,
      compressedBytes: gen.compressedBytes,
      keyEvents: gen.keyEvents.length,
      plantedAttackerEvents: gen.planted.length,
      layout: 'AWSLogs/<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/*.json.gz, each {"Records": [...]}',
    },
    keywardenTrailCli: {
      command: `node dist/cli/bin.js trail ${ATTACKER_KEY} --no-lookup --logs DIR --format json (compiled, as installed)`,
      wallMs: { median: round(kwMed), runs: kwMs.map((x) => round(x)) },
      mbPerSecond: round(mb / (kwMed / 1000)),
      cpuMs: { median: round(median(kwCpu)), runs: kwCpu.map((x) => round(x)) },
      events: kw.events,
      groups: kw.groups.length,
    },
    keywardenReaderInProcess: {
      wallMs: { median: round(median(libMs)), runs: libMs.map((x) => round(x)) },
      mbPerSecond: round(mb / (median(libMs) / 1000)),
    },
    duckdbFullScanInProcess: {
      note: "DuckDB reads every file whole (prefilter off): the reference the prefiltered path must equal",
      wallMs: { median: round(median(fullMs)), runs: fullMs.map((x) => round(x)) },
      mbPerSecond: round(mb / (median(fullMs) / 1000)),
    },
    jq: {
      command: `find DIR -name '*.json.gz' -print0 | sort -z | xargs -0 gzip -dc | jq -n --arg k KEY '<filter-and-group>'`,
      program: JQ_PROGRAM,
      wallMs: { median: round(jqMed), runs: jqMs.map((x) => round(x)) },
      mbPerSecond: round(mb / (jqMed / 1000)),
      cpuMs: { median: round(median(jqCpu)), runs: jqCpu.map((x) => round(x)) },
      groups: jqOut.groups.length,
    },
    ratio: {
      keywardenCliVsJq: round(jqMed / kwMed, 2),
      keywardenInProcessVsJq: round(jqMed / median(libMs), 2),
      duckdbFullScanVsJq: round(jqMed / median(fullMs), 2),
      /** CPU seconds jq's pipeline spent for each CPU second of keywarden's (all processes, all threads). */
      cpuJqOverKeywarden: round(median(jqCpu) / median(kwCpu), 2),
    },
    // Other work on the machine during the run (1-minute load average at start and end).
    loadAverage: { start: round(load0, 2), end: round(loadavg()[0] ?? 0, 2) },
    recall: { plantedEventsFoundById: recall, plantedFoundInTrailGroups: plantedFoundInGroups },
    sameGroupsAsJq: sameGroups,
    targets: { atLeast10xJq: jqMed / kwMed >= 10, everyPlantedEventFound: recall === 1 },
  };
}
