/* eslint-disable no-console */
// bench/trail-busy: `keywarden trail --logs` on a busy key (a quarter of all records are its),
// against a plain DuckDB query over the same files (bench/trail-duckdb-peer.js, a separate node
// process on the same duckdb package), alternated run by run, with each side's peak RSS from
// /usr/bin/time and the load average around each case (rerun once if it moved by more than a core).
// Also the sparse key of bench/trail for comparison. Writes bench/results/trail-busy.json.
//   npm run bench -- --bench trail-busy [--quick] [--repeats N]
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildKeywarden } from "./build-cli.js";
import { withLoad } from "./load.js";
import { ATTACKER_KEY, generateLogs } from "./trail-gen.js";

const REPO = fileURLToPath(new URL("..", import.meta.url));

export interface TrailBusyOptions {
  /** Megabytes of uncompressed CloudTrail JSON per case. */
  mb: number;
  /** Alternated pairs per case. */
  repeats: number;
}
export const TRAIL_BUSY_FULL: TrailBusyOptions = { mb: 1000, repeats: 3 };
export const TRAIL_BUSY_QUICK: TrailBusyOptions = { mb: 50, repeats: 1 };

/** Wall time, peak RSS (KB, from GNU time) and stdout of one command. */
function measured(cmd: string[]): Promise<{ ms: number; maxRssKb: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn("/usr/bin/time", ["-f", "KW_MAXRSS %M", ...cmd], {
      cwd: REPO,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => (out += s));
    child.stderr.setEncoding("utf8").on("data", (s: string) => (err += s));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) {
        reject(new Error(`${cmd.join(" ").slice(0, 80)}: exit ${String(code)}: ${err.slice(-400)}`));
        return;
      }
      const rss = /KW_MAXRSS (\d+)/.exec(err);
      resolve({ ms: Math.round(performance.now() - t0), maxRssKb: Number(rss?.[1] ?? 0), stdout: out });
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function keyCase(bin: string, opts: TrailBusyOptions, ownerShare: number | undefined) {
  const gen = await generateLogs({
    bytes: opts.mb * 1e6,
    recordsPerFile: 1500,
    seed: 7,
    dir: join(tmpdir(), "keywarden-bench-trail"),
    ...(ownerShare ? { ownerShare } : {}),
  });
  console.log(`  ${gen.files} files, ${gen.records} records, ${gen.keyEvents.length} of the key`);
  const kwCmd = [
    process.execPath,
    bin,
    "trail",
    ATTACKER_KEY,
    "--no-lookup",
    "--logs",
    gen.dir,
    "--format",
    "json",
  ];
  const peerCmd = [process.execPath, join(REPO, "bench/trail-duckdb-peer.js"), gen.dir, ATTACKER_KEY];
  await measured(kwCmd); // warm-up: the page cache holds the files for both alike
  const timed = await withLoad(ownerShare ? "busy key" : "sparse key", async () => {
    const kw: Awaited<ReturnType<typeof measured>>[] = [];
    const peer: Awaited<ReturnType<typeof measured>>[] = [];
    for (let i = 0; i < opts.repeats; i++) {
      kw.push(await measured(kwCmd));
      peer.push(await measured(peerCmd));
      console.log(`  pair ${i + 1}: keywarden ${kw[i]?.ms} ms, DuckDB query ${peer[i]?.ms} ms`);
    }
    return { kw, peer };
  });
  const { kw, peer } = timed.result;
  const kwOut = JSON.parse(kw[0]?.stdout ?? "{}") as { events: number; groups: unknown[] };
  const peerOut = JSON.parse(peer[0]?.stdout ?? "[]") as { count: number }[];
  const kwMs = median(kw.map((r) => r.ms));
  const peerMs = median(peer.map((r) => r.ms));
  return {
    files: gen.files,
    records: gen.records,
    keyEvents: gen.keyEvents.length,
    uncompressedBytes: gen.uncompressedBytes,
    loadAverage: timed.load,
    ...(timed.rerunBecauseOf
      ? {
          rerunBecauseOfLoad: {
            load: timed.rerunBecauseOf.load,
            keywardenRunsMs: timed.rerunBecauseOf.result.kw.map((r) => r.ms),
            duckdbRunsMs: timed.rerunBecauseOf.result.peer.map((r) => r.ms),
          },
        }
      : {}),
    keywarden: {
      command: "keywarden trail KEY --no-lookup --logs DIR --format json",
      wallMs: { median: kwMs, runs: kw.map((r) => r.ms) },
      maxRssMb: Math.max(...kw.map((r) => Math.round(r.maxRssKb / 1024))),
      events: kwOut.events,
      groups: kwOut.groups.length,
    },
    duckdbQuery: {
      command: "node bench/trail-duckdb-peer.js DIR KEY",
      wallMs: { median: peerMs, runs: peer.map((r) => r.ms) },
      maxRssMb: Math.max(...peer.map((r) => Math.round(r.maxRssKb / 1024))),
      events: peerOut.reduce((n, g) => n + g.count, 0),
      groups: peerOut.length,
    },
    keywardenVsDuckdb: Math.round((kwMs / peerMs) * 100) / 100,
  };
}

export async function benchTrailBusy(opts: TrailBusyOptions) {
  // The generated logs stay cached in $TMPDIR/keywarden-bench-trail; the build is removed.
  const work = await mkdtemp(join(tmpdir(), "keywarden-bench-trail-busy-"));
  let busy, sparse;
  try {
    const bin = await buildKeywarden(work);
    console.log(" busy key (a quarter of all records):");
    busy = await keyCase(bin, opts, 0.25);
    console.log(" sparse key (1 in 2,000 records):");
    sparse = await keyCase(bin, opts, undefined);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return {
    mb: opts.mb,
    busy,
    sparse,
    targets: {
      busyWithin1_3xOfDuckdb: busy.keywardenVsDuckdb <= 1.3,
      busyUnder500Mb: busy.keywarden.maxRssMb < 500,
    },
  };
}

export function summarizeTrailBusy(r: Awaited<ReturnType<typeof benchTrailBusy>>): string {
  const line = (name: string, c: typeof r.busy) =>
    `  ${name}: ${c.keyEvents} events; keywarden ${c.keywarden.wallMs.median} ms (${c.keywarden.maxRssMb} MB peak), ` +
    `DuckDB query ${c.duckdbQuery.wallMs.median} ms (${c.duckdbQuery.maxRssMb} MB): ${c.keywardenVsDuckdb}x; ` +
    `load ${c.loadAverage.before[0]} -> ${c.loadAverage.after[0]}`;
  return [
    `trail-busy: ${r.mb} MB of logs, keywarden's wall over the DuckDB query's (lower is better)`,
    line("busy key  ", r.busy),
    line("sparse key", r.sparse),
    `  targets: within 1.3x of DuckDB on the busy key: ${r.targets.busyWithin1_3xOfDuckdb ? "met" : "NOT met"}; ` +
      `under 500 MB: ${r.targets.busyUnder500Mb ? "met" : "NOT met"}`,
  ].join("\n");
}
