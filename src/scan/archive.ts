// Archives as the scan sees them: zip (and the formats that are zips: jar, war, whl...), tar,
// gzip (.gz, .tgz, .tar.gz) and brotli, nested up to a depth, each member scanned like a file and
// reported as `outer.zip!dir/file` (`a.tgz!b.zip!c.env` when nested).
//
// Every expansion is bounded before it happens: a member never inflates past --max-file-mb, an
// archive (with all it holds) never past `totalBytes`, a member declaring a ratio no real file
// has is not opened, and member counts are capped. What a limit stops is a warning in the
// report; the scan goes on. Synchronous, so worker threads and the history reader call it as
// they call scanBuffer.
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { hasBinaryExtension, isBinary, scanBuffer } from "./content.js";
import type { RawFinding } from "./detect.js";
import { looksLikeTar, tarMembers } from "./tar.js";
import { ArchiveError, zipEntries, zipRead } from "./zip.js";

export type ArchiveKind = "zip" | "tar" | "gzip" | "brotli";

const ZIP_EXT = /\.(?:zip|jar|war|ear|aar|whl|nupkg|vsix)$/i;

export function archiveKind(path: string): ArchiveKind | null {
  if (ZIP_EXT.test(path)) return "zip";
  if (/\.tar$/i.test(path)) return "tar";
  if (/\.(?:gz|tgz)$/i.test(path)) return "gzip";
  if (/\.br$/i.test(path)) return "brotli";
  return null;
}

export interface ArchiveLimits {
  /** Archives inside archives opened down to this level (1: the archive itself only). */
  depth: number;
  /** No member is read past this many bytes (--max-file-mb). */
  entryBytes: number;
  /** An archive with everything nested in it expands to at most this many bytes. */
  totalBytes: number;
  /** A member over 1 MB that claims to expand more than this many times is a bomb, not a file. */
  ratio: number;
  /** Members per archive. */
  entries: number;
}

export const DEFAULT_ARCHIVE_DEPTH = 3;

export function archiveLimits(maxBytes: number, depth = DEFAULT_ARCHIVE_DEPTH): ArchiveLimits {
  // Deflate tops out near 1,030:1 on runs of one byte; source, configs and logs stay far below 250.
  return { depth, entryBytes: maxBytes, totalBytes: 16 * maxBytes, ratio: 250, entries: 50_000 };
}

const BOMB_FLOOR = 1024 * 1024;
const MAX_WARNINGS = 20;

export interface ArchiveResult {
  /** Findings with `path` set to the member's `archive!member` path. */
  findings: (RawFinding & { path: string })[];
  files: number;
  bytes: number;
  archives: number;
  skipped: { binary: number; large: number };
  warnings: string[];
}

interface Walk {
  limits: ArchiveLimits;
  left: number;
  res: ArchiveResult;
}

function warn(w: Walk, text: string): void {
  if (w.res.warnings.length < MAX_WARNINGS) w.res.warnings.push(text);
  else if (w.res.warnings.length === MAX_WARNINGS) w.res.warnings.push("(more archive warnings not shown)");
}

/** The name of a compressed file's content: `a.json.gz` -> `a.json`, `a.tgz` -> `a.tar`. */
function innerName(path: string): string {
  const base =
    path
      .slice(path.lastIndexOf("!") + 1)
      .split("/")
      .pop() ?? "";
  if (/\.tgz$/i.test(base)) return base.slice(0, -4) + ".tar";
  return base.replace(/\.(?:gz|br)$/i, "");
}

function member(w: Walk, path: string, data: Buffer, depth: number): void {
  const kind = archiveKind(path);
  if (kind !== null) {
    if (depth >= w.limits.depth) {
      warn(w, `${path}: an archive nested deeper than ${w.limits.depth} levels, not opened`);
      return;
    }
    open(w, path, data, kind, depth + 1);
    return;
  }
  if (hasBinaryExtension(path)) {
    w.res.skipped.binary++;
    return;
  }
  if (data.length > w.limits.entryBytes) {
    w.res.skipped.large++;
    return;
  }
  if (isBinary(data.subarray(0, 8192))) {
    w.res.skipped.binary++;
    return;
  }
  w.res.files++;
  w.res.bytes += data.length;
  for (const f of scanBuffer(data)) w.res.findings.push({ ...f, path });
}

function bombRatio(w: Walk, size: number, compressed: number): number | null {
  const ratio = size / Math.max(1, compressed);
  return size > BOMB_FLOOR && ratio > w.limits.ratio ? Math.round(ratio) : null;
}

function openZip(w: Walk, path: string, data: Buffer, depth: number): void {
  for (const e of zipEntries(data, w.limits.entries)) {
    if (e.name.endsWith("/")) continue;
    const where = `${path}!${e.name}`;
    if (e.encrypted) {
      warn(w, `${where}: encrypted, not read`);
      continue;
    }
    // The ratio first: a bomb is worth a warning, a merely large member is skipped like a file.
    const ratio = bombRatio(w, e.size, e.compressedSize);
    if (ratio !== null) {
      warn(w, `${where}: claims to expand ${ratio}x (a zip bomb?), not read`);
      continue;
    }
    if (e.size > w.limits.entryBytes) {
      w.res.skipped.large++;
      continue;
    }
    if (w.left <= 0) {
      warn(w, `${path}: expands past ${mb(w.limits.totalBytes)}, the rest was not read`);
      return;
    }
    let bytes: Buffer;
    try {
      bytes = zipRead(data, e, Math.min(w.limits.entryBytes, w.left));
    } catch (err) {
      if (err instanceof RangeError) {
        warn(
          w,
          `${where}: expands past its limit (${mb(Math.min(w.limits.entryBytes, w.left))}; a zip bomb?), not read`,
        );
      } else warn(w, `${where}: not read (${(err as Error).message})`);
      continue;
    }
    w.left -= bytes.length;
    member(w, where, bytes, depth);
  }
}

function openCompressed(w: Walk, path: string, data: Buffer, kind: "gzip" | "brotli", depth: number): void {
  let out: Buffer;
  try {
    const opts = { maxOutputLength: Math.max(1, w.left) };
    out = kind === "gzip" ? gunzipSync(data, opts) : brotliDecompressSync(data, opts);
  } catch (err) {
    if (err instanceof RangeError)
      warn(w, `${path}: expands past ${mb(w.limits.totalBytes)} (a bomb?), not read`);
    else warn(w, `${path}: not read (${(err as Error).message.split("\n")[0] ?? "corrupt"})`);
    return;
  }
  const ratio = bombRatio(w, out.length, data.length);
  if (ratio !== null) {
    warn(w, `${path}: expands ${ratio}x (a bomb?), not read`);
    return;
  }
  w.left -= out.length;
  const inner = innerName(path);
  // A tarball's members are listed right under it: `a.tar.gz!dir/file`.
  if (/\.tar$/i.test(inner) || looksLikeTar(out))
    tarMembers(out, w.limits.entries, (m) => {
      member(w, `${path}!${m.name}`, m.data, depth);
    });
  else member(w, `${path}!${inner}`, out, depth);
}

function open(w: Walk, path: string, data: Buffer, kind: ArchiveKind, depth: number): void {
  w.res.archives++;
  try {
    if (kind === "zip") openZip(w, path, data, depth);
    else if (kind === "tar")
      tarMembers(data, w.limits.entries, (m) => {
        member(w, `${path}!${m.name}`, m.data, depth);
      });
    else openCompressed(w, path, data, kind, depth);
  } catch (err) {
    // Whatever a crafted archive makes a reader throw ends here, as a warning, never as a crash.
    const why = err instanceof ArchiveError ? err.message : `unreadable: ${(err as Error).message}`;
    warn(w, `${path}: not read whole (${why})`);
  }
}

function mb(bytes: number): string {
  return `${Math.round(bytes / (1024 * 1024))} MB`;
}

/** Scans an archive's members (and the archives among them, down to limits.depth). */
export function scanArchive(
  path: string,
  data: Buffer,
  kind: ArchiveKind,
  limits: ArchiveLimits,
): ArchiveResult {
  const res: ArchiveResult = {
    findings: [],
    files: 0,
    bytes: 0,
    archives: 0,
    skipped: { binary: 0, large: 0 },
    warnings: [],
  };
  open({ limits, left: limits.totalBytes, res }, path, data, kind, 1);
  return res;
}
