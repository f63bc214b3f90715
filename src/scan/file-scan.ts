// Scanning one file of the working tree: the part worker threads run. Symlinks are never followed
// (a link pointing out of the tree cannot leak a scan outside it), files over the size limit and
// real binaries are skipped; archives are opened (archive.ts) unless archiveDepth is 0.
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { join } from "node:path";
import { archiveKind, archiveLimits, scanArchive } from "./archive.js";
import { hasBinaryExtension, isBinary, scanBuffer } from "./content.js";
import type { Located } from "./types.js";

export { hasBinaryExtension, isBinary, scanBuffer } from "./content.js";

export interface FileBatchResult {
  findings: Located[];
  files: number;
  bytes: number;
  skipped: { binary: number; large: number; symlinks: number };
  archives: number;
  warnings: string[];
}

export function emptyBatch(): FileBatchResult {
  return {
    findings: [],
    files: 0,
    bytes: 0,
    skipped: { binary: 0, large: 0, symlinks: 0 },
    archives: 0,
    warnings: [],
  };
}

/** An archive's members into a batch: findings, counts, warnings. */
export function addArchive(
  res: FileBatchResult,
  r: ReturnType<typeof scanArchive>,
  extra: Partial<Located> = {},
): void {
  for (const f of r.findings) res.findings.push({ ...f, ...extra });
  res.files += r.files;
  res.bytes += r.bytes;
  res.archives += r.archives;
  res.skipped.binary += r.skipped.binary;
  res.skipped.large += r.skipped.large;
  res.warnings.push(...r.warnings);
}

let scratch = Buffer.allocUnsafe(1 << 20);

export function scanFiles(
  root: string,
  paths: string[],
  maxBytes: number,
  archiveDepth: number,
): FileBatchResult {
  const res = emptyBatch();
  const limits = archiveLimits(maxBytes, archiveDepth);
  for (const rel of paths) {
    const archive = archiveDepth > 0 ? archiveKind(rel) : null;
    if (archive === null && hasBinaryExtension(rel)) {
      res.skipped.binary++;
      continue;
    }
    const abs = join(root, rel);
    let buf: Buffer;
    let fd: number;
    try {
      // O_NOFOLLOW: a symlink fails to open (ELOOP) instead of being followed, in one syscall;
      // O_NONBLOCK: a FIFO in the tree does not hang the scan (it is then skipped as not a file).
      fd = openSync(abs, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ELOOP") res.skipped.symlinks++;
      continue; // vanished or unreadable since it was listed
    }
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) continue;
      if (st.size > maxBytes) {
        res.skipped.large++;
        continue;
      }
      // One buffer per thread, grown as needed: the text is copied out of it, so it can be reused.
      if (scratch.length < st.size) scratch = Buffer.allocUnsafe(Math.max(st.size, scratch.length * 2));
      let off = 0;
      while (off < st.size) {
        const n = readSync(fd, scratch, off, st.size - off, off);
        if (n === 0) break;
        off += n;
      }
      buf = scratch.subarray(0, off);
    } catch {
      continue;
    } finally {
      closeSync(fd);
    }
    if (archive !== null) {
      addArchive(res, scanArchive(rel, buf, archive, limits));
      continue;
    }
    if (isBinary(buf.subarray(0, 8192))) {
      res.skipped.binary++;
      continue;
    }
    res.files++;
    res.bytes += buf.length;
    for (const f of scanBuffer(buf)) res.findings.push({ ...f, path: rel });
  }
  return res;
}
