/* eslint-disable no-console */
// npm run bench [-- --users N] [-- --repeats N] [-- --quick]
// Runs the benchmarks and writes bench/results/<bench>.json. See bench/README.md.

import { mkdir, writeFile } from "node:fs/promises";
import { cpus, totalmem, platform, arch } from "node:os";
import { fileURLToPath } from "node:url";
import { benchAudit } from "./audit.js";

interface Args {
  users: number;
  repeats: number;
}

function usage(message: string): never {
  console.error(`${message}\nusage: npm run bench -- [--users N] [--repeats N] [--quick]`);
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  const args: Args = { users: 5000, repeats: 3 };
  let quick = false;
  const explicit = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--quick") {
      quick = true;
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
  return args;
}

interface AuditResult {
  seed: { users: number; usersWithKeys: number; keys: number; staleOrNeverUsedActiveKeys: number };
  keywarden: {
    wallMs: { median: number };
    totalCalls: number;
    callsPerUserWithKeys: number;
    callsByOperation: object;
  };
  keywardenCachedReport: { wallMs: { median: number }; totalCalls: number; callsPerUserWithKeys: number };
  naiveSequential: { wallMs: { median: number }; totalCalls: number; callsByOperation: object };
  naiveConcurrent: { wallMs: { median: number }; totalCalls: number };
  ratios: {
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
    `  targets: <= 1.1 calls per user with keys: ${mark(r.targets.callsPerUserWithKeysAtMost1_1)}; ` +
      `>= 3x faster than naive: ${mark(r.targets.atLeast3xFasterThanNaive)}`,
  ].join("\n");
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  console.log(`bench audit: ${args.users} users, ${args.repeats} repeat(s)`);
  const result = await benchAudit(args);
  const out = {
    bench: "audit",
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? "unknown",
      memGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
      node: process.version,
      platform: `${platform()} ${arch()}`,
    },
    ...result,
  };
  const dir = fileURLToPath(new URL("./results/", import.meta.url));
  await mkdir(dir, { recursive: true });
  const file = `${dir}audit.json`;
  await writeFile(file, `${JSON.stringify(out, null, 2)}\n`);
  console.log(summarize(result as AuditResult));
  console.log(`wrote ${file}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
