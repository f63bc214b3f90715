// One scan from start to report: list, detect, suppress, join owners, finalize.
import { stat } from "node:fs/promises";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { UsageError } from "../domain/errors.js";
import { finalize } from "./finalize.js";
import { repoRoot } from "./git.js";
import { scanHistory } from "./history.js";
import { joinOwners, UNKNOWN, type JoinPorts } from "./join.js";
import { scanPaths } from "./pool.js";
import { scanStaged } from "./staged.js";
import { IGNORE_FILE, loadSuppressions, pathSuppressed } from "./suppress.js";
import { listTree } from "./tree.js";
import type { Located, ScanReport, ScanStats } from "./types.js";

export type ScanMode = "tree" | "history" | "staged";

export interface ScanOptions {
  /** Folders or files to scan (tree), or a folder inside the repository (history, staged). */
  paths: string[];
  cwd: string;
  mode: ScanMode;
  /** Files (and blobs) larger than this are skipped. */
  maxBytes: number;
  /** Worker threads for the tree scan; default one per core. */
  threads?: number;
  baseline: string | null;
  /** Read .keywardenignore at the scan root (default true). */
  useIgnoreFile?: boolean;
  /** null: no owner join (offline, or the pre-commit hook). */
  join: JoinPorts | null;
  /** Milliseconds from a monotonic clock, for stats.durationMs. */
  clock: () => number;
  onProgress?: (text: string) => void;
}

export const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;

interface Collected {
  located: Located[];
  stats: Omit<ScanStats, "durationMs" | "suppressed">;
  /** Where .keywardenignore is read from. */
  base: string;
}

async function collectTree(opts: ScanOptions): Promise<Collected> {
  const stats = { files: 0, bytes: 0, blobs: 0, skipped: { binary: 0, large: 0, symlinks: 0 } };
  const located: Located[] = [];
  const roots = opts.paths.length > 0 ? opts.paths : ["."];
  let base = resolve(opts.cwd, roots[0] ?? ".");
  for (const given of roots) {
    const abs = resolve(opts.cwd, given);
    let isDir: boolean;
    try {
      isDir = (await stat(abs)).isDirectory();
    } catch {
      throw new UsageError(`${given}: no such file or folder`, "Pass folders or files that exist.");
    }
    const dir = isDir ? abs : dirname(abs);
    if (roots.length === 1 && !isDir) base = dir;
    const paths = isDir ? await listTree(abs) : [basename(abs)];
    opts.onProgress?.(`Scanning ${paths.length} files`);
    const r = await scanPaths(dir, paths, {
      maxBytes: opts.maxBytes,
      threads: opts.threads,
      onProgress: (files, bytes) =>
        opts.onProgress?.(`Scanned ${files} files, ${(bytes / 1e6).toFixed(0)} MB`),
    });
    stats.files += r.files;
    stats.bytes += r.bytes;
    stats.skipped.binary += r.skipped.binary;
    stats.skipped.large += r.skipped.large;
    stats.skipped.symlinks += r.skipped.symlinks;
    // One root: paths relative to it. Several: relative to the current folder, so they stay apart.
    for (const f of r.findings) {
      const path = roots.length === 1 ? f.path : relative(opts.cwd, join(dir, f.path)).split(sep).join("/");
      located.push({ ...f, path });
    }
  }
  return { located, stats, base };
}

async function repoOf(opts: ScanOptions): Promise<string> {
  const dir = resolve(opts.cwd, opts.paths[0] ?? ".");
  const root = await repoRoot(dir);
  if (root === null) {
    throw new UsageError(
      `${dir} is not inside a git repository, so --${opts.mode} has nothing to read`,
      "Run it inside a repository, or drop the flag to scan the folder's files.",
    );
  }
  return root;
}

export async function runScan(opts: ScanOptions): Promise<ScanReport> {
  const started = opts.clock();
  let collected: Collected;
  if (opts.mode === "tree") {
    collected = await collectTree(opts);
  } else if (opts.mode === "history") {
    const repo = await repoOf(opts);
    opts.onProgress?.("Reading every blob of every commit");
    const r = await scanHistory(repo, {
      maxBytes: opts.maxBytes,
      onProgress: (blobs, bytes) =>
        opts.onProgress?.(`Scanned ${blobs} blobs, ${(bytes / 1e6).toFixed(0)} MB`),
    });
    collected = {
      located: r.findings,
      stats: { files: 0, bytes: r.bytes, blobs: r.blobs, skipped: r.skipped },
      base: repo,
    };
  } else {
    const repo = await repoOf(opts);
    const r = await scanStaged(repo, { maxBytes: opts.maxBytes });
    collected = {
      located: r.findings,
      stats: { files: r.files, bytes: r.bytes, blobs: 0, skipped: r.skipped },
      base: repo,
    };
  }

  const sup = await loadSuppressions(
    opts.useIgnoreFile === false ? null : join(collected.base, IGNORE_FILE),
    opts.baseline === null ? null : resolve(opts.cwd, opts.baseline),
  );
  const kept: Located[] = [];
  let suppressed = 0;
  for (const l of collected.located) {
    const fp = finalize(l, () => UNKNOWN, opts.mode).fingerprint;
    if (pathSuppressed(sup, l.path) || sup.fingerprints.has(fp)) suppressed++;
    else kept.push(l);
  }

  let lookup = (_: string) => UNKNOWN;
  let joinNote: string | null = null;
  if (opts.join !== null) {
    const ids = kept.map((l) => l.keyId).filter((k): k is string => k !== null);
    if (ids.length > 0) {
      opts.onProgress?.("Looking up the owners of the keys found");
      const j = await joinOwners(ids, opts.join);
      lookup = j.lookup;
      joinNote = j.note;
    }
  }
  const findings = kept.map((l) => finalize(l, lookup, opts.mode));
  return {
    schemaVersion: 1,
    mode: opts.mode,
    findings,
    stats: { ...collected.stats, durationMs: Math.round(opts.clock() - started), suppressed },
    ...(joinNote ? { joinNote } : {}),
  };
}
