/* eslint-disable no-console */
// npm run bench [-- --bench audit|org|store|trail|trail-busy|scan|scan-issue19|respond|serve|athena-pruning|responder|all] [-- --users N] [-- --repeats N] [-- --quick]
// Runs the benchmarks (default: all of them, one after the other) and writes
// bench/results/<bench>.json. See bench/README.md.

import { mkdir, writeFile } from "node:fs/promises";
import { cpus, totalmem, platform, arch } from "node:os";
import { fileURLToPath } from "node:url";
import { benchAudit } from "./audit.js";
import { benchOrg, ORG_FULL, ORG_QUICK } from "./org.js";
import { benchStore, STORE_FULL, STORE_QUICK } from "./store.js";
import { benchTrail, TRAIL_FULL, TRAIL_QUICK } from "./trail.js";
import { benchTrailBusy, summarizeTrailBusy, TRAIL_BUSY_FULL, TRAIL_BUSY_QUICK } from "./trail-busy.js";
import { benchScan, SCAN_FULL, SCAN_ISSUE19, SCAN_QUICK, summarizeScan } from "./scan.js";
import { benchRespond, RESPOND_FULL, RESPOND_QUICK, summarizeRespond } from "./respond.js";
import { benchServe, SERVE_FULL, SERVE_QUICK } from "./serve.js";
import { benchResponder, RESPONDER_FULL, RESPONDER_QUICK, summarizeResponder } from "./responder.js";
import { benchAthenaPruning, PRUNING_FULL, PRUNING_QUICK, summarizeAthenaPruning } from "./athena-pruning.js";

const BENCHES = [
  "audit",
  "org",
  "store",
  "trail",
  "trail-busy",
  "scan",
  "scan-issue19",
  "respond",
  "serve",
  "athena-pruning",
  "responder",
] as const;
type BenchName = (typeof BENCHES)[number];

interface Args {
  benches: BenchName[];
  users: number;
  repeats: number;
  quick: boolean;
  /** --repeats given: applies to every bench. */
  explicitRepeats: boolean;
}

function usage(message: string): never {
  console.error(
    `${message}\nusage: npm run bench -- [--bench audit|org|store|trail|trail-busy|scan|scan-issue19|respond|serve|athena-pruning|responder|all] [--users N] [--repeats N] [--quick]`,
  );
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  const args: Args = { benches: [...BENCHES], users: 5000, repeats: 3, quick: false, explicitRepeats: false };
  let quick = false;
  const explicit = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--quick") {
      quick = true;
    } else if (a === "--bench") {
      const b = argv[++i];
      if (b === "all") args.benches = [...BENCHES];
      else if (BENCHES.includes(b as BenchName)) args.benches = [b as BenchName];
      else usage(`--bench needs one of ${BENCHES.join(", ")}, all`);
    } else if (a === "--users" || a === "--repeats") {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1) usage(`${a} needs a positive integer`);
      args[a === "--users" ? "users" : "repeats"] = n;
      explicit.add(a);
    } else {
      usage(`unknown argument: ${String(a)}`);
    }
  }
  if (quick) {
    if (!explicit.has("--users")) args.users = 500;
    if (!explicit.has("--repeats")) args.repeats = 1;
  }
  args.quick = quick;
  args.explicitRepeats = explicit.has("--repeats");
  return args;
}

interface AuditResult {
  seed: { users: number; usersWithKeys: number; keys: number; staleOrNeverUsedActiveKeys: number };
  keywarden: {
    wallMs: { median: number };
    totalCalls: number;
    callsPerUserWithKeys: number;
    callsByOperation: object;
    clientCpuMsPerCall: number;
    connections: number[];
  };
  keywardenCachedReport: { wallMs: { median: number }; totalCalls: number; callsPerUserWithKeys: number };
  naiveSequential: { wallMs: { median: number }; totalCalls: number; callsByOperation: object };
  naiveConcurrent: {
    wallMs: { median: number };
    totalCalls: number;
    clientCpuMsPerCall: number;
    connections: number[];
  };
  load: { before: number[]; after: number[] };
  ratios: {
    clientCpuPerCallVsNaiveConcurrent: number;
    speedupVsNaiveSequential: number;
    speedupVsNaiveConcurrent: number;
    callRatioNaiveToKeywarden: number;
  };
  targets: Record<string, boolean>;
}

function summarize(r: AuditResult): string {
  const ops = (o: object) =>
    Object.entries(o)
      .map(([k, v]) => `${k} ${String(v)}`)
      .join(", ");
  const mark = (ok: boolean | undefined) => (ok ? "met" : "NOT met");
  return [
    `audit: ${r.seed.users} users, ${r.seed.usersWithKeys} with keys, ${r.seed.keys} keys ` +
      `(${r.seed.staleOrNeverUsedActiveKeys} active keys stale or never used)`,
    `  keywarden         ${String(r.keywarden.wallMs.median).padStart(7)} ms  ${String(r.keywarden.totalCalls).padStart(6)} calls`,
    `                    ${ops(r.keywarden.callsByOperation)}`,
    `  keywarden on a 2 h old cached report: ${r.keywardenCachedReport.wallMs.median} ms, ` +
      `${r.keywardenCachedReport.totalCalls} calls, ${r.keywardenCachedReport.callsPerUserWithKeys} per user with keys`,
    `  naive sequential  ${String(r.naiveSequential.wallMs.median).padStart(7)} ms  ${String(r.naiveSequential.totalCalls).padStart(6)} calls`,
    `                    ${ops(r.naiveSequential.callsByOperation)}`,
    `  naive concurrent  ${String(r.naiveConcurrent.wallMs.median).padStart(7)} ms  ${String(r.naiveConcurrent.totalCalls).padStart(6)} calls`,
    `  speedup: ${r.ratios.speedupVsNaiveSequential}x vs naive sequential, ${r.ratios.speedupVsNaiveConcurrent}x vs naive concurrent; ` +
      `naive makes ${r.ratios.callRatioNaiveToKeywarden}x the calls`,
    `  calls per user with keys (beyond the constant ones): ${r.keywarden.callsPerUserWithKeys}`,
    `  client CPU per call: keywarden ${r.keywarden.clientCpuMsPerCall} ms, naive concurrent ${r.naiveConcurrent.clientCpuMsPerCall} ms ` +
      `(${r.ratios.clientCpuPerCallVsNaiveConcurrent}x); connections per run: keywarden ${r.keywarden.connections.join("/")}, ` +
      `naive concurrent ${r.naiveConcurrent.connections.join("/")}; load ${r.load.before[0]} -> ${r.load.after[0]}`,
    `  targets: <= 1.1 calls per user with keys: ${mark(r.targets.callsPerUserWithKeysAtMost1_1)}; ` +
      `>= 3x faster than naive: ${mark(r.targets.atLeast3xFasterThanNaive)}`,
  ].join("\n");
}

function machine(): object {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? "unknown",
    memGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${platform()} ${arch()}`,
  };
}

async function write(bench: BenchName, result: object): Promise<string> {
  const out = { bench, date: new Date().toISOString(), machine: machine(), ...result };
  const dir = fileURLToPath(new URL("./results/", import.meta.url));
  await mkdir(dir, { recursive: true });
  const file = `${dir}${bench}.json`;
  await writeFile(file, `${JSON.stringify(out, null, 2)}\n`);
  return file;
}

interface CurvePoint {
  accounts: number;
  users: number;
  usersWithKeys: number;
  wallMs: { median: number };
  totalCalls: number;
  callsPerUserWithKeys: number;
  callsByOperation: object;
}

interface OrgResult {
  accountsCurve: CurvePoint[];
  singleAccountCurve: CurvePoint[];
  exponents: Record<string, { a: number; b: number; r2: number }>;
  linearOrBetter: Record<string, boolean>;
}

function summarizeOrg(r: OrgResult): string {
  const line = (p: CurvePoint) =>
    `  ${String(p.accounts).padStart(3)} acct ${String(p.users).padStart(6)} users ` +
    `${String(p.usersWithKeys).padStart(5)} with keys  ${String(p.wallMs.median).padStart(7)} ms  ` +
    `${String(p.totalCalls).padStart(6)} calls  ${p.callsPerUserWithKeys} per user with keys`;
  return [
    "org: accounts curve",
    ...r.accountsCurve.map(line),
    "org: single-account curve",
    ...r.singleAccountCurve.map(line),
    "org: exponents b in cost = a * n^b",
    ...Object.entries(r.exponents).map(
      ([k, v]) =>
        `  ${k.padEnd(22)} b = ${v.b} (r2 ${v.r2})  linear or better: ${String(r.linearOrBetter[k])}`,
    ),
  ].join("\n");
}

interface StoreResult {
  results: { backend: string; workers: number; jobsPerSecond: { median: number; runs: number[] } }[];
}

function summarizeStore(r: StoreResult): string {
  return [
    "store: rotation jobs advanced per second",
    ...r.results.map(
      (x) =>
        `  ${x.backend.padEnd(8)} ${x.workers} worker(s)  ${String(x.jobsPerSecond.median).padStart(7)} jobs/s  ` +
        `(runs ${x.jobsPerSecond.runs.join(" / ")})`,
    ),
  ].join("\n");
}

interface TrailResult {
  keywardenTrailCli: { mbPerSecond: number };
  keywardenReaderInProcess: { mbPerSecond: number };
  jq: { mbPerSecond: number };
  ratio: { keywardenCliVsJq: number };
  recall: { plantedEventsFoundById: number };
  sameGroupsAsJq: boolean;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  for (const bench of args.benches) {
    if (bench === "audit") {
      console.log(`bench audit: ${args.users} users, ${args.repeats} repeat(s)`);
      const result = await benchAudit(args);
      const file = await write("audit", result);
      console.log(summarize(result as AuditResult));
      console.log(`wrote ${file}`);
    } else if (bench === "org") {
      const opts = { ...(args.quick ? ORG_QUICK : ORG_FULL) };
      if (args.explicitRepeats) opts.repeats = args.repeats;
      console.log(
        `bench org: ${opts.accounts.join("/")} accounts x ${opts.usersPerAccount} users, ` +
          `single account ${opts.users.join("/")} users, ${opts.repeats} repeat(s)`,
      );
      const result = await benchOrg(opts);
      const file = await write("org", result);
      console.log(summarizeOrg(result as OrgResult));
      console.log(`wrote ${file}`);
    } else if (bench === "trail") {
      const opts = { ...(args.quick ? TRAIL_QUICK : TRAIL_FULL) };
      if (args.explicitRepeats) opts.repeats = args.repeats;
      console.log(`bench trail: ${opts.bytes / 1e6} MB of CloudTrail logs, ${opts.repeats} repeat(s)`);
      const result = (await benchTrail(opts)) as TrailResult;
      const file = await write("trail", result);
      console.log(
        `trail: keywarden ${result.keywardenTrailCli.mbPerSecond} MB/s (in-process reader ${result.keywardenReaderInProcess.mbPerSecond} MB/s), ` +
          `jq ${result.jq.mbPerSecond} MB/s: ${result.ratio.keywardenCliVsJq}x; recall ${result.recall.plantedEventsFoundById}; ` +
          `same groups as jq: ${String(result.sameGroupsAsJq)}`,
      );
      console.log(`wrote ${file}`);
    } else if (bench === "trail-busy") {
      const opts = { ...(args.quick ? TRAIL_BUSY_QUICK : TRAIL_BUSY_FULL) };
      if (args.explicitRepeats) opts.repeats = args.repeats;
      console.log(`bench trail-busy: ${opts.mb} MB of CloudTrail logs, ${opts.repeats} pair(s) per case`);
      const result = await benchTrailBusy(opts);
      const file = await write("trail-busy", result);
      console.log(summarizeTrailBusy(result));
      console.log(`wrote ${file}`);
    } else if (bench === "respond") {
      const opts = { ...(args.quick ? RESPOND_QUICK : RESPOND_FULL) };
      if (args.explicitRepeats) opts.pairs = args.repeats;
      console.log(`bench respond: ${opts.pairs} alternating pairs of keywarden and the SDK script`);
      const result = await benchRespond(opts);
      const file = await write("respond", result);
      console.log(summarizeRespond(result as Parameters<typeof summarizeRespond>[0]));
      console.log(`wrote ${file}`);
    } else if (bench === "serve") {
      const opts = { ...(args.quick ? SERVE_QUICK : SERVE_FULL) };
      if (args.explicitRepeats) opts.pairs = args.repeats;
      console.log(
        `bench serve: ${opts.users}-user audit stored 10 times, ${opts.pairs} alternating pairs per case`,
      );
      const result = (await benchServe(opts)) as { worstRatioP50: number };
      const file = await write("serve", result);
      console.log(`serve: worst p50 ratio to the bare server ${result.worstRatioP50}x (goal: within 5x)`);
      console.log(`wrote ${file}`);
    } else if (bench === "athena-pruning") {
      // No emulator: an in-memory listing of a simulated organization bucket (bench/athena-layout.ts).
      const opts = { ...(args.quick ? PRUNING_QUICK : PRUNING_FULL) };
      console.log(
        `bench athena-pruning: ${opts.accounts} accounts x ${opts.regions} regions x ${opts.days} days, error over ${opts.errorSeeds} seeds`,
      );
      const result = await benchAthenaPruning(opts);
      const file = await write("athena-pruning", result);
      console.log(summarizeAthenaPruning(result));
      console.log(`wrote ${file}`);
    } else if (bench === "responder") {
      const opts = { ...(args.quick ? RESPONDER_QUICK : RESPONDER_FULL) };
      if (args.explicitRepeats) opts.runs = args.repeats;
      console.log(`bench responder: the Lambda bundle's size and ${opts.runs} cold starts against bare node`);
      const result = await benchResponder(opts);
      const file = await write("responder", result);
      console.log(summarizeResponder(result));
      console.log(`wrote ${file}`);
    } else if (bench === "scan" || bench === "scan-issue19") {
      const opts = { ...(args.quick ? SCAN_QUICK : bench === "scan" ? SCAN_FULL : SCAN_ISSUE19) };
      if (args.explicitRepeats) opts.repeats = args.repeats;
      console.log(
        `bench scan: ${(opts.treeBytes / 1024 ** 2).toFixed(0)} MiB tree, ${opts.commits} commits, ${opts.repeats} repeat(s)`,
      );
      const result = await benchScan(opts);
      const file = await write(bench, result);
      console.log(summarizeScan(result));
      console.log(`wrote ${file}`);
    } else {
      const opts = { ...(args.quick ? STORE_QUICK : STORE_FULL) };
      if (args.explicitRepeats) opts.repeats = args.repeats;
      console.log(`bench store: ${opts.jobs} jobs, ${opts.repeats} repeat(s)`);
      const result = await benchStore(opts);
      const file = await write("store", result);
      console.log(summarizeStore(result as StoreResult));
      console.log(`wrote ${file}`);
    }
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
