// One scan from start to report: list, detect, suppress, join owners, finalize.
import { stat } from "node:fs/promises";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { UsageError } from "../domain/errors.js";
import { DEFAULT_ARCHIVE_DEPTH } from "./archive.js";
import { finalize, fingerprintOf } from "./finalize.js";
import { git, historyRoot, repoRoot } from "./git.js";
import { scanHistory } from "./history.js";
import { joinOwners, UNKNOWN, type JoinPorts } from "./join.js";
import { scanPaths } from "./pool.js";
import { scanStaged } from "./staged.js";
import { IGNORE_FILE, loadSuppressions, suppressedBy } from "./suppress.js";
import { listTree } from "./tree.js";
import type { Located, ScanReport, ScanStats, SuppressedFinding } from "./types.js";

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
  /** Archives inside archives are opened down to this level; 0 leaves archives unread (default 3). */
  archiveDepth?: number;
  /** Also list the suppressed findings (report.suppressed), with what suppressed each. */
  showSuppressed?: boolean;
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
  warnings: string[];
  /** Where .keywardenignore is read from: a folder, or the text of HEAD's (bare repositories). */
  ignore: string | { text: string } | null;
}

async function collectTree(opts: ScanOptions, archiveDepth: number): Promise<Collected> {
  const stats = {
    files: 0,
    bytes: 0,
    blobs: 0,
    skipped: { binary: 0, large: 0, symlinks: 0 },
    archives: 0,
  };
  const located: Located[] = [];
  const warnings: string[] = [];
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
      archiveDepth,
      threads: opts.threads,
      onProgress: (files, bytes) =>
        opts.onProgress?.(`Scanned ${files} files, ${(bytes / 1e6).toFixed(0)} MB`),
    });
    stats.files += r.files;
    stats.bytes += r.bytes;
    stats.skipped.binary += r.skipped.binary;
    stats.skipped.large += r.skipped.large;
    stats.skipped.symlinks += r.skipped.symlinks;
    stats.archives += r.archives;
    warnings.push(...r.warnings);
    // One root: paths relative to it. Several: relative to the current folder, so they stay apart.
    for (const f of r.findings) {
      const path = roots.length === 1 ? f.path : relative(opts.cwd, join(dir, f.path)).split(sep).join("/");
      located.push({ ...f, path });
    }
  }
  return { located, stats, warnings, ignore: join(base, IGNORE_FILE) };
}

function notARepo(dir: string, mode: ScanMode): UsageError {
  return new UsageError(
    `${dir} is not inside a git repository, so --${mode} has nothing to read`,
    "Run it inside a repository, or drop the flag to scan the folder's files.",
  );
}

async function collectHistory(opts: ScanOptions, archiveDepth: number): Promise<Collected> {
  const dir = resolve(opts.cwd, opts.paths[0] ?? ".");
  // A bare or --mirror clone has no work tree: history is all it has, and all this reads.
  const repo = await historyRoot(dir);
  if (repo === null) throw notARepo(dir, "history");
  opts.onProgress?.("Reading every blob of every commit");
  const r = await scanHistory(repo.root, {
    maxBytes: opts.maxBytes,
    archiveDepth,
    onProgress: (blobs, bytes) => opts.onProgress?.(`Scanned ${blobs} blobs, ${(bytes / 1e6).toFixed(0)} MB`),
  });
  let ignore: Collected["ignore"] = join(repo.root, IGNORE_FILE);
  if (repo.bare) {
    // No checkout to read .keywardenignore from: HEAD's copy is the one the team committed.
    const shown = await git(repo.root, ["show", `HEAD:${IGNORE_FILE}`]);
    ignore = shown.code === 0 ? { text: shown.stdout.toString("utf8") } : null;
  }
  return {
    located: r.findings,
    stats: { files: 0, bytes: r.bytes, blobs: r.blobs, skipped: r.skipped, archives: r.archives },
    warnings: r.warnings,
    ignore,
  };
}

async function collectStaged(opts: ScanOptions, archiveDepth: number): Promise<Collected> {
  const dir = resolve(opts.cwd, opts.paths[0] ?? ".");
  const repo = await repoRoot(dir);
  if (repo === null) throw notARepo(dir, "staged");
  const r = await scanStaged(repo, { maxBytes: opts.maxBytes, archiveDepth });
  return {
    located: r.findings,
    stats: { files: r.files, bytes: r.bytes, blobs: 0, skipped: r.skipped, archives: r.archives },
    warnings: r.warnings,
    ignore: join(repo, IGNORE_FILE),
  };
}

export async function runScan(opts: ScanOptions): Promise<ScanReport> {
  const started = opts.clock();
  const depth = opts.archiveDepth ?? DEFAULT_ARCHIVE_DEPTH;
  const collected =
    opts.mode === "tree"
      ? await collectTree(opts, depth)
      : opts.mode === "history"
        ? await collectHistory(opts, depth)
        : await collectStaged(opts, depth);

  const sup = await loadSuppressions(
    opts.useIgnoreFile === false ? null : collected.ignore,
    opts.baseline === null ? null : resolve(opts.cwd, opts.baseline),
  );
  const kept: Located[] = [];
  const accepted: { l: Located; by: string }[] = [];
  for (const l of collected.located) {
    const by = suppressedBy(sup, l.path, fingerprintOf(l.kind, l.value), l.allowedBy);
    if (by === null) kept.push(l);
    else accepted.push({ l, by });
  }

  let lookup = (_: string) => UNKNOWN;
  let joinNote: string | null = null;
  if (opts.join !== null) {
    const shown = opts.showSuppressed ? [...kept, ...accepted.map((a) => a.l)] : kept;
    const ids = shown.map((l) => l.keyId).filter((k): k is string => k !== null);
    if (ids.length > 0) {
      opts.onProgress?.("Looking up the owners of the keys found");
      const j = await joinOwners(ids, opts.join);
      lookup = j.lookup;
      joinNote = j.note;
    }
  }
  const findings = kept.map((l) => finalize(l, lookup, opts.mode));
  const suppressed: SuppressedFinding[] | null = opts.showSuppressed
    ? accepted.map(({ l, by }) => ({ ...finalize(l, lookup, opts.mode), suppressedBy: by }))
    : null;
  return {
    schemaVersion: 1,
    mode: opts.mode,
    findings,
    stats: {
      ...collected.stats,
      durationMs: Math.round(opts.clock() - started),
      suppressed: accepted.length,
    },
    ...(joinNote ? { joinNote } : {}),
    ...(collected.warnings.length > 0 ? { warnings: collected.warnings } : {}),
    ...(suppressed ? { suppressed } : {}),
  };
}
