// What a file's bytes are: a real binary (skipped), text (scanned), UTF-16 (squeezed to ASCII and
// scanned). Shared by the tree, history, staged and archive readers. Pure.
import { detect } from "./detect.js";
import { mayHoldCredential } from "./prefilter.js";

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

/**
 * What decides a scan's speed, counted per thread for tests: buffers looked at, and buffers the
 * prefilter passed on to be decoded and run through detect()'s regexes.
 */
export const scanCounters = { buffers: 0, decoded: 0 };

export function scanBuffer(buf: Buffer): ReturnType<typeof detect> {
  scanCounters.buffers++;
  // Most files hold no credential: the byte-level prefilter rules them out without decoding.
  if (!mayHoldCredential(buf)) return [];
  scanCounters.decoded++;
  const text = squeezeUtf16(buf).toString("latin1");
  return detect(text);
}
