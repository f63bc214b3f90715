// Scanning one file of the working tree: the part worker threads run. Symlinks are never followed
// (a link pointing out of the tree cannot leak a scan outside it), files over the size limit and
// real binaries are skipped.
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { join } from "node:path";
import { detect } from "./detect.js";
import type { Located } from "./types.js";

export interface FileBatchResult {
  findings: Located[];
  files: number;
  bytes: number;
  skipped: { binary: number; large: number; symlinks: number };
}

/** Extensions whose content is compressed or encoded: nothing readable survives in them. */
const BINARY_EXT =
  /\.(?:png|jpe?g|gif|bmp|ico|webp|tiff?|psd|mp[34]|m4a|mov|avi|mkv|webm|ogg|wav|flac|zip|gz|tgz|bz2|xz|zst|7z|rar|jar|war|ear|class|pyc|so|dylib|dll|exe|o|a|lib|woff2?|ttf|otf|eot|pdf|wasm|sqlite|db|parquet|avro|orc)$/i;

export function hasBinaryExtension(path: string): boolean {
  return BINARY_EXT.test(path);
}

/**
 * Real binaries are skipped; "binary-looking" files (a NUL here and there in mostly text: dumps,
 * logs with control bytes, UTF-16) are scanned, because a key id in them is still a key id.
 */
export function isBinary(head: Buffer): boolean {
  if (head.indexOf(0) < 0) return false;
  let printable = 0;
  for (const b of head) if ((b >= 32 && b < 127) || b === 9 || b === 10 || b === 13) printable++;
  return printable < head.length * 0.3;
}

/** UTF-16 text (a NUL after every ASCII byte) read as ASCII, so its key ids match. */
function squeezeUtf16(buf: Buffer): Buffer {
  let nuls = 0;
  const n = Math.min(buf.length, 4096);
  for (let i = 1; i < n; i += 2) if (buf[i] === 0) nuls++;
  if (nuls < n / 4) return buf;
  const out = Buffer.alloc(Math.ceil(buf.length / 2));
  for (let i = 0, j = 0; i < buf.length; i += 2) out[j++] = buf[i] ?? 0;
  return out;
}

let scratch = Buffer.allocUnsafe(1 << 20);

export function scanFiles(root: string, paths: string[], maxBytes: number): FileBatchResult {
  const res: FileBatchResult = {
    findings: [],
    files: 0,
    bytes: 0,
    skipped: { binary: 0, large: 0, symlinks: 0 },
  };
  for (const rel of paths) {
    if (hasBinaryExtension(rel)) {
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

export function scanBuffer(buf: Buffer): ReturnType<typeof detect> {
  const text = squeezeUtf16(buf).toString("latin1");
  return detect(text);
}
