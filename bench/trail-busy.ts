/* eslint-disable no-console */
// bench/trail-busy: `keywarden trail --logs` on a busy key (a quarter of all records are its),
// against a plain DuckDB query over the same files (bench/trail-duckdb-peer.js, a separate node
// process on the same duckdb package), alternated run by run, with each side's peak RSS from
// /usr/bin/time. Also the sparse key of bench/trail for comparison. Writes
// bench/results/trail-busy.json.
//   npx tsx bench/trail-busy.ts [--mb 300] [--repeats 3]
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildKeywarden } from "./build-cli.js";
import { ATTACKER_KEY, generateLogs } from "./trail-gen.js";

const REPO = fileURLToPath(new URL("..", import.meta.url));
const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const MB = arg("--mb", 300);
const REPEATS = arg("--repeats", 3);

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
const load = () => loadavg().map((x) => Math.round(x * 100) / 100);

async function keyCase(bin: string, ownerShare: number | undefined) {
  const gen = await generateLogs({
    bytes: MB * 1e6,
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
  const before = load();
  const kw: Awaited<ReturnType<typeof measured>>[] = [];
  const peer: Awaited<ReturnType<typeof measured>>[] = [];
  for (let i = 0; i < REPEATS; i++) {
    kw.push(await measured(kwCmd));
    peer.push(await measured(peerCmd));
    console.log(`  pair ${i + 1}: keywarden ${kw[i]?.ms} ms, DuckDB query ${peer[i]?.ms} ms`);
  }
  const kwOut = JSON.parse(kw[0]?.stdout ?? "{}") as { events: number; groups: unknown[] };
  const peerOut = JSON.parse(peer[0]?.stdout ?? "[]") as { count: number }[];
  const kwMs = median(kw.map((r) => r.ms));
  const peerMs = median(peer.map((r) => r.ms));
  return {
    files: gen.files,
    records: gen.records,
    keyEvents: gen.keyEvents.length,
    uncompressedBytes: gen.uncompressedBytes,
    loadAverage: { before, after: load() },
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

const work = await mkdtemp(join(tmpdir(), "keywarden-bench-trail-busy-"));
const bin = await buildKeywarden(work);
console.log(`bench trail-busy: ${MB} MB of CloudTrail logs, ${REPEATS} pairs per case`);
console.log(" busy key (a quarter of all records):");
const busy = await keyCase(bin, 0.25);
console.log(" sparse key (1 in 2,000 records):");
const sparse = await keyCase(bin, undefined);
const result = {
  machine: { cores: availableParallelism(), node: process.version },
  mb: MB,
  busy,
  sparse,
  targets: {
    busyWithin1_3xOfDuckdb: busy.keywardenVsDuckdb <= 1.3,
    busyUnder500Mb: busy.keywarden.maxRssMb < 500,
  },
};
const dir = join(REPO, "bench/results");
await mkdir(dir, { recursive: true });
await writeFile(join(dir, "trail-busy.json"), JSON.stringify(result, null, 2) + "\n");
console.log(
  JSON.stringify({ busy: busy.keywardenVsDuckdb, sparse: sparse.keywardenVsDuckdb, targets: result.targets }),
);
