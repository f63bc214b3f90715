// A tar reader over a buffer (already inflated, so already bounded): ustar and GNU headers, GNU
// long names ('L') and pax path records ('x'), regular files only. Tar stores members as they
// are, so reading one is a bounds-checked slice.
import { ArchiveError } from "./zip.js";

export interface TarMember {
  name: string;
  data: Buffer;
}

const BLOCK = 512;

function field(buf: Buffer, at: number, len: number): string {
  const end = buf.indexOf(0, at);
  return buf.toString("utf8", at, end < 0 || end > at + len ? at + len : end);
}

/** Octal, or GNU base-256 (high bit of the first byte set) for sizes of 8 GiB and more. */
function size(buf: Buffer, at: number): number {
  if ((buf[at] ?? 0) & 0x80) {
    let n = 0;
    for (let i = at + 1; i < at + 12; i++) n = n * 256 + (buf[i] ?? 0);
    return n;
  }
  const n = parseInt(field(buf, at, 12).trim() || "0", 8);
  if (!Number.isFinite(n) || n < 0) throw new ArchiveError("corrupt tar header (size)");
  return n;
}

/** The header checksum: the sum of its bytes with the checksum field read as spaces. */
function checksumOk(buf: Buffer, at: number): boolean {
  const want = parseInt(field(buf, at + 148, 8).trim(), 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : (buf[at + i] ?? 0);
  return sum === want;
}

/** Does the buffer start with a valid tar header? */
export function looksLikeTar(buf: Buffer): boolean {
  return buf.length >= BLOCK && checksumOk(buf, 0);
}

/** pax extended header records: "<len> key=value\n". Only `path` matters here. */
function paxPath(data: Buffer): string | null {
  let p = 0;
  let path: string | null = null;
  while (p < data.length) {
    const sp = data.indexOf(32, p);
    if (sp < 0) break;
    const len = Number(data.toString("latin1", p, sp));
    if (!Number.isInteger(len) || len <= 0 || p + len > data.length) break;
    const rec = data.toString("utf8", sp + 1, p + len - 1);
    if (rec.startsWith("path=")) path = rec.slice(5);
    p += len;
  }
  return path;
}

/** Calls `onMember` for each regular file, in order; at most `maxEntries` of them. */
export function tarMembers(buf: Buffer, maxEntries: number, onMember: (m: TarMember) => void): void {
  let h = 0;
  let longName: string | null = null;
  let count = 0;
  while (h + BLOCK <= buf.length) {
    // Two zero blocks end the archive; one is enough to stop.
    if (buf[h] === 0 && buf.subarray(h, h + BLOCK).every((b) => b === 0)) return;
    if (!checksumOk(buf, h)) throw new ArchiveError("corrupt tar header (checksum)");
    const n = size(buf, h + 124);
    const type = String.fromCharCode(buf[h + 156] ?? 0);
    const dataStart = h + BLOCK;
    if (dataStart + n > buf.length) throw new ArchiveError("truncated tar member");
    const data = buf.subarray(dataStart, dataStart + n);
    const header = h;
    h = dataStart + Math.ceil(n / BLOCK) * BLOCK;
    if (type === "L") {
      longName = data.toString("utf8").replace(/\0+$/, "");
      continue;
    }
    if (type === "x") {
      longName = paxPath(data) ?? longName;
      continue;
    }
    if (type === "g") continue;
    let name = longName;
    longName = null;
    if (name === null) {
      name = field(buf, header, 100);
      // ustar splits long paths into a prefix (155 bytes) and the name.
      const prefix =
        buf.toString("latin1", header + 257, header + 262) === "ustar" ? field(buf, header + 345, 155) : "";
      if (prefix !== "") name = `${prefix}/${name}`;
    }
    if (type !== "0" && type !== "\0" && type !== "7") continue; // links, directories, devices
    if (++count > maxEntries) throw new ArchiveError(`more than ${maxEntries} members`);
    onMember({ name: name.replace(/^\.\//, ""), data });
  }
}
