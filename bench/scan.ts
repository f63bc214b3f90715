/* eslint-disable no-console */
// bench/scan: keywarden scan against ripgrep, git-secrets and secretlint on a generated working
// tree and a generated git history. See bench/README.md for what runs and how it is scored.
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { fingerprintOf } from "../src/scan/finalize.js";
import { buildKeywarden } from "./build-cli.js";
import { generateRepo, generateTree } from "./scan-gen.js";
import {
  grepLines,
  historyLines,
  median,
  round,
  scoreLines,
  scoreValues,
  secretlintLines,
  timed,
  type Timed,
} from "./scan-peers.js";

export interface ScanBenchOptions {
  treeBytes: number;
  /** Planted + lookalike corpora in the tree. */
  copies: number;
  commits: number;
  /** Planted corpora (and as many lookalike ones) added along the history. */
  plants: number;
  repeats: number;
  /** secretlint reads the corpora plus this much filler (it is too slow for the whole tree). */
  secretlintBytes: number;
  timeoutMs: number;
}

export const SCAN_FULL: ScanBenchOptions = {
  treeBytes: 1024 ** 3,
  copies: 20,
  commits: 20_000,
  plants: 40,
  repeats: 3,
  secretlintBytes: 20 * 1024 ** 2,
  timeoutMs: 20 * 60_000,
};

export const SCAN_QUICK: ScanBenchOptions = {
  treeBytes: 50 * 1024 ** 2,
  copies: 4,
  commits: 1_000,
  plants: 6,
  repeats: 1,
  secretlintBytes: 5 * 1024 ** 2,
  timeoutMs: 5 * 60_000,
};

const REPO = fileURLToPath(new URL("..", import.meta.url));
/** ripgrep with the key-id pattern gitleaks and git-secrets use (the "equivalent regex"). */
const RG_KEY_ID = "(A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA|ASCA)[A-Z0-9]{16}";

interface JsonFinding {
  kind: "access-key-id" | "secret-access-key" | "session-token";
  path: string;
  line: number;
  fingerprint: string;
}

async function repeat(n: number, f: () => Promise<Timed>): Promise<{ runs: Timed[]; wallMs: number }> {
  const runs: Timed[] = [];
  for (let i = 0; i < n; i++) runs.push(await f());
  return { runs, wallMs: median(runs.map((r) => r.wallMs)) };
}

function mbps(bytes: number, ms: number): number {
  return round(bytes / 1e6 / (ms / 1000), 1);
}

export async function benchScan(opts: ScanBenchOptions): Promise<object> {
  const work = await mkdtemp(join(tmpdir(), "kw-bench-scan-"));
  try {
    return await benchIn(work, opts);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function benchIn(work: string, opts: ScanBenchOptions): Promise<object> {
  const loadBefore = loadavg().map((x) => round(x, 2));
  console.log("  building keywarden (tsc)");
  const bin = await buildKeywarden(work);
  const tree = join(work, "tree");
  const repo = join(work, "repo");
  let t = performance.now();
  const info = await generateTree(tree, opts.treeBytes, opts.copies);
  const treeGenMs = Math.round(performance.now() - t);
  console.log(`  tree: ${info.files} files, ${(info.bytes / 1e6).toFixed(0)} MB in ${treeGenMs} ms`);
  t = performance.now();
  const hist = await generateRepo(repo, opts.commits, opts.plants);
  const repoGenMs = Math.round(performance.now() - t);
  console.log(`  repo: ${hist.commits} commits in ${repoGenMs} ms`);

  // git-secrets keeps its patterns in git config: a private HOME so the user's is never touched.
  const gsHome = join(work, "gs-home");
  await mkdir(gsHome);
  const gsEnv = { ...process.env, HOME: gsHome, GIT_CONFIG_NOSYSTEM: "1" };
  spawnSync("git", ["secrets", "--register-aws", "--global"], { env: gsEnv });
  const limit = { timeoutMs: opts.timeoutMs };

  // --- working tree ---------------------------------------------------------------------------
  console.log("  tree: keywarden");
  const kw = await repeat(opts.repeats, () =>
    timed(
      process.execPath,
      [bin, "scan", tree, "--offline", "--no-store", "--format", "json", "--fail-on", "none"],
      {
        ...limit,
        env: { ...process.env, KEYWARDEN_HOME: join(work, "kw-home") },
      },
    ),
  );
  const kwReport = JSON.parse(kw.runs[0]?.stdout ?? "{}") as {
    findings: JsonFinding[];
    stats: { files: number; bytes: number };
  };
  const plantedFps = new Set(info.planted.map((p) => fingerprintOf(p.kind, p.value)));
  const kwExact = kwReport.findings.filter((f) => plantedFps.has(f.fingerprint)).length;

  console.log("  tree: ripgrep");
  const rg = await repeat(opts.repeats, () =>
    timed("rg", ["-n", "--no-heading", "--no-messages", "--hidden", "-e", RG_KEY_ID, tree], limit),
  );
  console.log("  tree: git-secrets --scan -r");
  const gs = await repeat(opts.repeats, () =>
    timed("git", ["secrets", "--scan", "-r", tree], { ...limit, env: gsEnv, cwd: work }),
  );
  // secretlint: the corpora plus filler up to secretlintBytes.
  const slFiles = [...info.corpusPaths];
  let slBytes = info.corpusBytes;
  for (const [i, p] of info.fillerPaths.entries()) {
    if (slBytes >= opts.secretlintBytes) break;
    slFiles.push(p);
    slBytes += info.fillerSizes[i] ?? 0;
  }
  const slCfg = join(work, "secretlint", ".secretlintrc.json");
  const slOut = join(work, "secretlint", "report.json");
  await mkdir(join(work, "secretlint"));
  await writeFile(slCfg, JSON.stringify({ rules: [{ id: "@secretlint/secretlint-rule-aws" }] }));
  console.log(`  tree: secretlint (${slFiles.length} files)`);
  const sl = await repeat(1, () =>
    timed(
      join(REPO, "node_modules/.bin/secretlint"),
      // --output: secretlint exits before a large report is flushed to a pipe.
      ["--secretlintrc", slCfg, "--format", "json", "--output", slOut, "--no-color", ...slFiles],
      { ...limit, cwd: tree },
    ),
  );
  const slMeasuredBytes = slBytes;

  const treeScores = {
    keywarden: scoreLines(
      kwReport.findings.map((f) => ({ path: f.path, line: f.line })),
      info.planted,
      info.lookalikes,
    ),
    ripgrep: scoreLines(grepLines(rg.runs[0]?.stdout ?? "", tree), info.planted, info.lookalikes),
    gitSecrets: scoreLines(
      grepLines(`${gs.runs[0]?.stdout ?? ""}\n${gs.runs[0]?.stderr ?? ""}`, tree),
      info.planted,
      info.lookalikes,
    ),
    secretlint: scoreLines(
      secretlintLines(await readFile(slOut, "latin1").catch(() => ""), tree),
      info.planted,
      info.lookalikes,
    ),
  };

  // --- history --------------------------------------------------------------------------------
  console.log("  history: keywarden --history");
  const kwh = await repeat(opts.repeats, () =>
    timed(
      process.execPath,
      [bin, "scan", repo, "--history", "--offline", "--no-store", "--format", "json", "--fail-on", "none"],
      {
        ...limit,
        env: { ...process.env, KEYWARDEN_HOME: join(work, "kw-home") },
      },
    ),
  );
  const kwhReport = JSON.parse(kwh.runs[0]?.stdout ?? "{}") as {
    findings: JsonFinding[];
    stats: { blobs: number; bytes: number };
  };
  const histFps = new Set(hist.planted.map((p) => fingerprintOf(p.kind, p.value)));
  const kwhFound = new Set(
    kwhReport.findings.filter((f) => histFps.has(f.fingerprint)).map((f) => f.fingerprint),
  );
  const kwhFalse = kwhReport.findings.filter((f) => !histFps.has(f.fingerprint)).length;

  console.log("  history: git-secrets --scan-history");
  const gsh = await repeat(1, () =>
    timed("git", ["secrets", "--scan-history"], { ...limit, env: gsEnv, cwd: repo }),
  );
  const gshScore = scoreValues(
    historyLines(`${gsh.runs[0]?.stdout ?? ""}\n${gsh.runs[0]?.stderr ?? ""}`),
    hist.planted,
  );

  const blobs = kwhReport.stats.blobs;
  const result = {
    options: opts,
    // What else the (shared) machine was doing: 1, 5 and 15-minute load averages.
    loadAverage: { before: loadBefore, after: loadavg().map((x) => round(x, 2)) },
    tree: {
      files: info.files,
      bytes: info.bytes,
      plantedCredentials: info.planted.length,
      lookalikeLines: info.lookalikes.length,
      generateMs: treeGenMs,
      keywarden: {
        wallMs: kw.wallMs,
        runs: kw.runs.map((r) => r.wallMs),
        mbPerSec: mbps(info.bytes, kw.wallMs),
        exactFound: kwExact,
        ...treeScores.keywarden,
      },
      ripgrep: {
        wallMs: rg.wallMs,
        runs: rg.runs.map((r) => r.wallMs),
        mbPerSec: mbps(info.bytes, rg.wallMs),
        regex: RG_KEY_ID,
        ...treeScores.ripgrep,
      },
      gitSecrets: {
        wallMs: gs.wallMs,
        runs: gs.runs.map((r) => r.wallMs),
        timedOut: gs.runs.some((r) => r.timedOut),
        mbPerSec: mbps(info.bytes, gs.wallMs),
        ...treeScores.gitSecrets,
      },
      secretlint: {
        wallMs: sl.wallMs,
        timedOut: sl.runs.some((r) => r.timedOut),
        files: slFiles.length,
        approxBytes: slMeasuredBytes,
        mbPerSec: mbps(slMeasuredBytes, sl.wallMs),
        note: "corpora + a filler subset only; recall and false positives over the whole planted set",
        exitCode: sl.runs[0]?.code ?? null,
        stderrHead: (sl.runs[0]?.stderr ?? "").slice(0, 300),
        ...treeScores.secretlint,
      },
    },
    history: {
      commits: hist.commits,
      blobs,
      bytes: kwhReport.stats.bytes,
      plantedCredentials: hist.planted.length,
      corporaDeletedLater: hist.deletedLater,
      generateMs: repoGenMs,
      keywarden: {
        wallMs: kwh.wallMs,
        runs: kwh.runs.map((r) => r.wallMs),
        blobsPerSec: Math.round(blobs / (kwh.wallMs / 1000)),
        mbPerSec: mbps(kwhReport.stats.bytes, kwh.wallMs),
        found: kwhFound.size,
        recall: round(kwhFound.size / Math.max(1, hist.planted.length)),
        falsePositives: kwhFalse,
      },
      gitSecrets: {
        wallMs: gsh.wallMs,
        timedOut: gsh.runs.some((r) => r.timedOut),
        blobsPerSec: Math.round(blobs / (gsh.wallMs / 1000)),
        ...gshScore,
      },
    },
  };
  const tr = result.tree;
  return {
    ...result,
    targets: {
      treeAtLeastHalfOfRipgrep: tr.keywarden.mbPerSec >= tr.ripgrep.mbPerSec / 2,
      historyFasterThanGitSecrets: result.history.keywarden.wallMs < result.history.gitSecrets.wallMs,
      recallAbovePeers:
        tr.keywarden.recall > Math.max(tr.ripgrep.recall, tr.gitSecrets.recall, tr.secretlint.recall) &&
        result.history.keywarden.recall > result.history.gitSecrets.recall,
      precisionAbovePeers:
        tr.keywarden.precision >
        Math.max(tr.ripgrep.precision, tr.gitSecrets.precision, tr.secretlint.precision),
    },
  };
}

interface Side {
  wallMs: number;
  mbPerSec?: number;
  blobsPerSec?: number;
  recall: number;
  falsePositives: number;
  timedOut?: boolean;
}

/** A few lines for stdout; the JSON has everything. */
export function summarizeScan(r: object): string {
  const x = r as {
    tree: { bytes: number; files: number } & Record<
      "keywarden" | "ripgrep" | "gitSecrets" | "secretlint",
      Side
    >;
    history: { commits: number; blobs: number } & Record<"keywarden" | "gitSecrets", Side>;
    targets: Record<string, boolean>;
  };
  const row = (name: string, s: Side, unit: "mb" | "blobs") =>
    `  ${name.padEnd(12)} ${String(s.wallMs).padStart(8)} ms  ` +
    (unit === "mb"
      ? `${String(s.mbPerSec).padStart(7)} MB/s`
      : `${String(s.blobsPerSec).padStart(7)} blobs/s`) +
    `  recall ${s.recall}  false positives ${s.falsePositives}${s.timedOut ? "  (timed out)" : ""}`;
  return [
    `scan tree: ${x.tree.files} files, ${(x.tree.bytes / 1e6).toFixed(0)} MB`,
    row("keywarden", x.tree.keywarden, "mb"),
    row("ripgrep", x.tree.ripgrep, "mb"),
    row("git-secrets", x.tree.gitSecrets, "mb"),
    row("secretlint", x.tree.secretlint, "mb") + "  (subset)",
    `scan history: ${x.history.commits} commits, ${x.history.blobs} blobs`,
    row("keywarden", x.history.keywarden, "blobs"),
    row("git-secrets", x.history.gitSecrets, "blobs"),
    `  targets: ${Object.entries(x.targets)
      .map(([k, v]) => `${k} ${v ? "met" : "NOT met"}`)
      .join("; ")}`,
  ].join("\n");
}
