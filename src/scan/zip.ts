// A small, synchronous zip reader over a buffer: the central directory (zip64 too), stored and
// deflated members, nothing else. Inflating goes through node's zlib with maxOutputLength, so a
// member never expands past the limit it is given, whatever its headers claim (a zip bomb ends as
// a RangeError the caller turns into a warning). Offsets are checked against the buffer before
// every read; a malformed archive throws ArchiveError.
import { inflateRawSync } from "node:zlib";

export class ArchiveError extends Error {}

export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflated; anything else is reported and skipped. */
  method: number;
  encrypted: boolean;
  compressedSize: number;
  /** As the central directory declares it (the reader does not trust it beyond the limit). */
  size: number;
  localOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX32 = 0xffffffff;

function need(buf: Buffer, at: number, len: number): void {
  if (at < 0 || at + len > buf.length) throw new ArchiveError("truncated or corrupt zip");
}

function u64(buf: Buffer, at: number): number {
  need(buf, at, 8);
  const v = buf.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ArchiveError("zip64 size out of range");
  return Number(v);
}

/** Does the buffer start like a zip (a local header, or an empty archive's end record)? */
export function looksLikeZip(buf: Buffer): boolean {
  return buf.length >= 22 && (buf.readUInt32LE(0) === LOCAL || buf.readUInt32LE(0) === EOCD);
}

/** The members the central directory lists, at most `maxEntries` (more throws). */
export function zipEntries(buf: Buffer, maxEntries: number): ZipEntry[] {
  // The end record is in the last 22 + 65,535 (comment) bytes.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ArchiveError("no zip end record (not a zip, or truncated)");
  let count = buf.readUInt16LE(eocd + 10);
  let cdSize = buf.readUInt32LE(eocd + 12);
  let cdOffset = buf.readUInt32LE(eocd + 16);
  if (eocd >= 20 && buf.readUInt32LE(eocd - 20) === ZIP64_LOCATOR) {
    const at = u64(buf, eocd - 20 + 8);
    need(buf, at, 56);
    if (buf.readUInt32LE(at) !== ZIP64_EOCD) throw new ArchiveError("corrupt zip64 end record");
    count = u64(buf, at + 32);
    cdSize = u64(buf, at + 40);
    cdOffset = u64(buf, at + 48);
  }
  if (count > maxEntries) throw new ArchiveError(`more than ${maxEntries} members`);
  need(buf, cdOffset, cdSize);
  const out: ZipEntry[] = [];
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    need(buf, p, 46);
    if (buf.readUInt32LE(p) !== CENTRAL) throw new ArchiveError("corrupt zip central directory");
    const flags = buf.readUInt16LE(p + 8);
    const method = buf.readUInt16LE(p + 10);
    let compressedSize = buf.readUInt32LE(p + 20);
    let size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    let localOffset = buf.readUInt32LE(p + 42);
    need(buf, p + 46, nameLen + extraLen);
    // Bit 11: the name is UTF-8; otherwise code page 437, read as latin1 (same for ASCII).
    const name = buf.toString(flags & 0x800 ? "utf8" : "latin1", p + 46, p + 46 + nameLen);
    // zip64 extra field: the 64-bit values, in this order, of those set to 0xFFFFFFFF above.
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = buf.readUInt16LE(e);
      const len = buf.readUInt16LE(e + 2);
      if (id === 0x0001) {
        let q = e + 4;
        if (size === MAX32) {
          size = u64(buf, q);
          q += 8;
        }
        if (compressedSize === MAX32) {
          compressedSize = u64(buf, q);
          q += 8;
        }
        if (localOffset === MAX32) localOffset = u64(buf, q);
      }
      e += 4 + len;
    }
    out.push({ name, method, encrypted: (flags & 1) === 1, compressedSize, size, localOffset });
    p = extraEnd + commentLen;
  }
  return out;
}

/** A member's bytes, never more than `limit` (a RangeError when it would expand further). */
export function zipRead(buf: Buffer, e: ZipEntry, limit: number): Buffer {
  need(buf, e.localOffset, 30);
  if (buf.readUInt32LE(e.localOffset) !== LOCAL) throw new ArchiveError(`corrupt local header of ${e.name}`);
  const start =
    e.localOffset + 30 + buf.readUInt16LE(e.localOffset + 26) + buf.readUInt16LE(e.localOffset + 28);
  need(buf, start, e.compressedSize);
  const raw = buf.subarray(start, start + e.compressedSize);
  if (e.method === 0) {
    if (raw.length > limit) throw new RangeError(`stored member larger than ${limit} bytes`);
    return raw;
  }
  if (e.method !== 8) throw new ArchiveError(`compression method ${e.method} is not supported`);
  return inflateRawSync(raw, { maxOutputLength: Math.max(1, limit) });
}
