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
import { generateNodeModulesTree, generateRepo, generateTree, type TreeInfo } from "./scan-gen.js";
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
  /** A node_modules-like tree (many small files, minified bundles, source maps, lock files). */
  nodeModulesBytes: number;
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
  nodeModulesBytes: 400 * 1024 ** 2,
  copies: 20,
  commits: 20_000,
  plants: 40,
  repeats: 3,
  secretlintBytes: 20 * 1024 ** 2,
  timeoutMs: 20 * 60_000,
};

/** The sizes issue 19 measured: 300 MiB trees, a 3,000-commit history, 3 pairs each. */
export const SCAN_ISSUE19: ScanBenchOptions = {
  treeBytes: 300 * 1024 ** 2,
  nodeModulesBytes: 300 * 1024 ** 2,
  copies: 10,
  commits: 3_000,
  plants: 20,
  repeats: 3,
  secretlintBytes: 5 * 1024 ** 2,
  timeoutMs: 10 * 60_000,
};

export const SCAN_QUICK: ScanBenchOptions = {
  treeBytes: 50 * 1024 ** 2,
  nodeModulesBytes: 30 * 1024 ** 2,
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

/**
 * keywarden and its peer alternated run by run (k, p, k, p...), so a change in the shared
 * machine's load hits both sides alike; medians of each side.
 */
async function pairs(
  n: number,
  kw: () => Promise<Timed>,
  peer: (() => Promise<Timed>) | null,
): Promise<{
  kw: { runs: Timed[]; wallMs: number };
  peer: { runs: Timed[]; wallMs: number } | null;
  loadAverage: { before: number[]; after: number[] };
}> {
  const before = loadavg().map((x) => round(x, 2));
  const a: Timed[] = [];
  const b: Timed[] = [];
  for (let i = 0; i < n; i++) {
    a.push(await kw());
    if (peer) b.push(await peer());
  }
  return {
    kw: { runs: a, wallMs: median(a.map((r) => r.wallMs)) },
    peer: peer ? { runs: b, wallMs: median(b.map((r) => r.wallMs)) } : null,
    loadAverage: { before, after: loadavg().map((x) => round(x, 2)) },
  };
}

/** ripgrep on PATH, or null: the bench then skips ripgrep's cases and says so. */
function ripgrep(): string | null {
  const r = spawnSync("rg", ["--version"], { encoding: "utf8" });
  if (r.status === 0) return "rg";
  console.log("  ripgrep (rg) is not installed: its cases are skipped (apt-get install -y ripgrep)");
  return null;
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
  const rgBin = ripgrep();
  const kwEnv = { ...process.env, KEYWARDEN_HOME: join(work, "kw-home") };
  const kwTree = (dir: string) => () =>
    timed(
      process.execPath,
      [bin, "scan", dir, "--offline", "--no-store", "--format", "json", "--fail-on", "none"],
      { ...limit, env: kwEnv },
    );
  const rgTree = (dir: string) =>
    rgBin === null
      ? null
      : () => timed(rgBin, ["-n", "--no-heading", "--no-messages", "--hidden", "-e", RG_KEY_ID, dir], limit);
  console.log("  tree: keywarden and ripgrep, alternated");
  const treePair = await pairs(opts.repeats, kwTree(tree), rgTree(tree));
  const kw = treePair.kw;
  const rg = treePair.peer ?? { runs: [], wallMs: 0 };
  const kwReport = JSON.parse(kw.runs[0]?.stdout ?? "{}") as {
    findings: JsonFinding[];
    stats: { files: number; bytes: number };
  };
  const plantedFps = new Set(info.planted.map((p) => fingerprintOf(p.kind, p.value)));
  const kwExact = kwReport.findings.filter((f) => plantedFps.has(f.fingerprint)).length;

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
  // The peer of the history scan: every diff of every commit through ripgrep, as people do.
  const logRg =
    rgBin === null
      ? null
      : () =>
          timed(
            "bash",
            [
              "-o",
              "pipefail",
              "-c",
              `git log -p --all --no-color | ${rgBin} -n --no-messages -e '${RG_KEY_ID}'`,
            ],
            { ...limit, cwd: repo },
          );
  console.log("  history: keywarden --history and git log -p | rg, alternated");
  const histPair = await pairs(
    opts.repeats,
    () =>
      timed(
        process.execPath,
        [bin, "scan", repo, "--history", "--offline", "--no-store", "--format", "json", "--fail-on", "none"],
        { ...limit, env: kwEnv },
      ),
    logRg,
  );
  const kwh = histPair.kw;
  const lrg = histPair.peer;
  const kwhReport = JSON.parse(kwh.runs[0]?.stdout ?? "{}") as {
    findings: JsonFinding[];
    stats: { blobs: number; bytes: number };
  };
  const histFps = new Set(hist.planted.map((p) => fingerprintOf(p.kind, p.value)));
  const kwhFound = new Set(
    kwhReport.findings.filter((f) => histFps.has(f.fingerprint)).map((f) => f.fingerprint),
  );
  const kwhFalse = kwhReport.findings.filter((f) => !histFps.has(f.fingerprint)).length;
  // "Found once": no planted credential reported twice (the same fingerprint on two findings).
  const kwhPlanted = kwhReport.findings.filter((f) => histFps.has(f.fingerprint));
  const kwhDuplicates = kwhPlanted.length - kwhFound.size;

  console.log("  history: git-secrets --scan-history");
  const gsh = await repeat(1, () =>
    timed("git", ["secrets", "--scan-history"], { ...limit, env: gsEnv, cwd: repo }),
  );
  const gshScore = scoreValues(
    historyLines(`${gsh.runs[0]?.stdout ?? ""}\n${gsh.runs[0]?.stderr ?? ""}`),
    hist.planted,
  );

  // --- a node_modules-like tree ---------------------------------------------------------------
  const nmDir = join(work, "nm");
  t = performance.now();
  const nm = await generateNodeModulesTree(nmDir, opts.nodeModulesBytes, opts.copies);
  const nmGenMs = Math.round(performance.now() - t);
  console.log(`  node_modules tree: ${nm.files} files, ${(nm.bytes / 1e6).toFixed(0)} MB in ${nmGenMs} ms`);
  console.log("  node_modules tree: keywarden and ripgrep, alternated");
  const nmPair = await pairs(opts.repeats, kwTree(nmDir), rgTree(nmDir));
  const nmResult = nodeModulesResult(nm, nmDir, nmPair, nmGenMs);

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
        duplicates: kwhDuplicates,
      },
      gitLogRipgrep:
        lrg === null
          ? { skipped: "ripgrep (rg) is not installed" }
          : {
              command: `git log -p --all --no-color | rg -n -e '${RG_KEY_ID}'`,
              wallMs: lrg.wallMs,
              runs: lrg.runs.map((r) => r.wallMs),
              matchedLines: (lrg.runs[0]?.stdout ?? "").split("\n").filter((l) => l !== "").length,
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
  const rgOk = rgBin !== null;
  return {
    ...result,
    nodeModules: nmResult,
    // 1, 5 and 15-minute load averages around each alternated case (the machine is shared).
    caseLoadAverage: {
      tree: treePair.loadAverage,
      history: histPair.loadAverage,
      nodeModules: nmPair.loadAverage,
    },
    ratios: {
      treeThroughputVsRipgrep: rgOk ? round(rg.wallMs / kw.wallMs, 3) : null,
      nodeModulesThroughputVsRipgrep: rgOk ? nmResult.ratioVsRipgrep : null,
      treeVsGitSecrets: round(gs.wallMs / kw.wallMs, 3),
      historyVsGitLogRipgrep: lrg ? round(lrg.wallMs / kwh.wallMs, 3) : null,
      historyVsGitSecrets: round(gsh.wallMs / kwh.wallMs, 3),
    },
    targets: {
      treeAtLeastHalfOfRipgrep: rgOk ? tr.keywarden.mbPerSec >= tr.ripgrep.mbPerSec / 2 : null,
      nodeModulesAtLeastHalfOfRipgrep: rgOk ? nmResult.ratioVsRipgrep >= 0.5 : null,
      treeFasterThanGitSecrets: kw.wallMs < gs.wallMs,
      historyAtLeastAsFastAsGitLogRipgrep: lrg ? kwh.wallMs <= lrg.wallMs : null,
      historyEveryPlantedFoundOnce:
        result.history.keywarden.found === hist.planted.length && kwhDuplicates === 0,
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

function nodeModulesResult(
  nm: TreeInfo,
  dir: string,
  pair: Awaited<ReturnType<typeof pairs>>,
  generateMs: number,
): { ratioVsRipgrep: number } & Record<string, unknown> {
  const report = JSON.parse(pair.kw.runs[0]?.stdout ?? "{}") as { findings: JsonFinding[] };
  const kwScore = scoreLines(
    report.findings.map((f) => ({ path: f.path, line: f.line })),
    nm.planted,
    nm.lookalikes,
  );
  const rgScore = pair.peer
    ? scoreLines(grepLines(pair.peer.runs[0]?.stdout ?? "", dir), nm.planted, nm.lookalikes)
    : null;
  return {
    files: nm.files,
    bytes: nm.bytes,
    plantedCredentials: nm.planted.length,
    generateMs,
    keywarden: {
      wallMs: pair.kw.wallMs,
      runs: pair.kw.runs.map((r) => r.wallMs),
      mbPerSec: mbps(nm.bytes, pair.kw.wallMs),
      ...kwScore,
    },
    ripgrep: pair.peer
      ? {
          wallMs: pair.peer.wallMs,
          runs: pair.peer.runs.map((r) => r.wallMs),
          mbPerSec: mbps(nm.bytes, pair.peer.wallMs),
          ...rgScore,
        }
      : { skipped: "ripgrep (rg) is not installed" },
    ratioVsRipgrep: pair.peer ? round(pair.peer.wallMs / pair.kw.wallMs, 3) : 0,
    loadAverage: pair.loadAverage,
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
    targets: Record<string, boolean | null>;
    ratios: Record<string, number | null>;
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
    `  ratios (peer wall / keywarden wall): ${Object.entries(x.ratios)
      .map(([k, v]) => `${k} ${v === null ? "skipped" : v}`)
      .join("; ")}`,
    `  targets: ${Object.entries(x.targets)
      .map(([k, v]) => `${k} ${v === null ? "skipped" : v ? "met" : "NOT met"}`)
      .join("; ")}`,
  ].join("\n");
}
