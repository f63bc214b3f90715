import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import type { Context, MiddlewareHandler } from "hono";

// Compression for what `keywarden serve` sends. The dashboard's script is ~45 KB raw and ~15 KB
// gzipped, and /keys of a large account is hundreds of KB of JSON: sent as is, the bytes cost more
// than the work. Bodies that never change between requests (static files, views derived from
// stored records) are compressed once per encoding and kept (CompressedBody); other JSON answers are
// compressed per request by the middleware, with settings cheap enough to do so.

export type Encoding = "br" | "gzip" | "identity";

/** Below this, compression saves less than its headers and CPU cost: sent as is. */
export const MIN_COMPRESS_BYTES = 1024;

/** Our preference when the client weighs several encodings equally. */
const PREFERENCE: Encoding[] = ["br", "gzip", "identity"];

/**
 * The encoding to answer with, from an Accept-Encoding header (RFC 9110 12.5.3): the highest q
 * wins, ties go to br, then gzip; q=0 refuses a coding; `*` stands for codings not named; identity
 * is acceptable unless refused by name or by `*;q=0`. When everything is refused we still send
 * identity: a 406 for a dashboard helps nobody.
 */
export function negotiate(header: string | null | undefined): Encoding {
  if (!header) return "identity";
  const q = new Map<string, number>();
  for (const part of header.split(",")) {
    const [rawName, ...params] = part.trim().split(";");
    const name = (rawName ?? "").trim().toLowerCase();
    if (name === "") continue;
    let weight = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(p);
      if (m) weight = Number(m[1]);
    }
    if (Number.isFinite(weight)) q.set(name, Math.max(0, Math.min(1, weight)));
  }
  const star = q.get("*");
  const weightOf = (e: Encoding): number => {
    const named = q.get(e) ?? (e === "gzip" ? q.get("x-gzip") : undefined);
    if (named !== undefined) return named;
    if (star !== undefined) return star;
    return e === "identity" ? 0.001 : 0;
  };
  let best: Encoding = "identity";
  let bestWeight = 0;
  for (const e of PREFERENCE) {
    const w = weightOf(e);
    if (w > bestWeight) {
      best = e;
      bestWeight = w;
    }
  }
  return best;
}

export type Effort = "static" | "dynamic";

/** Static files are compressed once for the life of the process: the best ratio is worth it. */
export function encode(body: Uint8Array, encoding: Encoding, effort: Effort): Uint8Array {
  if (encoding === "gzip") return gzipSync(body, { level: effort === "static" ? 9 : 6 });
  if (encoding === "br") {
    return brotliCompressSync(body, {
      params: {
        // Quality 11 takes ~0.1 s per 100 KB: fine once per file, not per request.
        [constants.BROTLI_PARAM_QUALITY]: effort === "static" ? 11 : 5,
        [constants.BROTLI_PARAM_SIZE_HINT]: body.byteLength,
      },
    });
  }
  return body;
}

/** A body sent many times: each encoding is computed on first use and kept. */
export class CompressedBody {
  private readonly variants = new Map<Encoding, Uint8Array>();

  constructor(
    readonly raw: Uint8Array,
    readonly type: string,
    private readonly effort: Effort,
  ) {
    this.variants.set("identity", raw);
  }

  static json(value: unknown): CompressedBody {
    return new CompressedBody(Buffer.from(JSON.stringify(value)), "application/json", "dynamic");
  }

  variant(encoding: Encoding): { encoding: Encoding; bytes: Uint8Array } {
    if (this.raw.byteLength < MIN_COMPRESS_BYTES) return { encoding: "identity", bytes: this.raw };
    let bytes = this.variants.get(encoding);
    if (!bytes) {
      bytes = encode(this.raw, encoding, this.effort);
      this.variants.set(encoding, bytes);
    }
    return { encoding, bytes };
  }
}

function headersFor(type: string, encoding: Encoding, length: number): Record<string, string> {
  const h: Record<string, string> = {
    "Content-Type": type,
    "Content-Length": String(length),
    // Caches must key on the request's Accept-Encoding even when the answer was not compressed.
    Vary: "Accept-Encoding",
  };
  if (encoding !== "identity") h["Content-Encoding"] = encoding;
  return h;
}

/** Sends a kept body in the encoding the request accepts (HEAD: Hono drops the body, keeps the length). */
export function sendCompressed(
  c: Context,
  body: CompressedBody,
  status: 200 | 201 = 200,
  extra: Record<string, string> = {},
): Response {
  const { encoding, bytes } = body.variant(negotiate(c.req.header("Accept-Encoding")));
  return c.body(bytes as Uint8Array<ArrayBuffer>, status, {
    ...extra,
    ...headersFor(body.type, encoding, bytes.byteLength),
  });
}

const COMPRESSIBLE = /^(application\/json|text\/|application\/javascript|image\/svg\+xml)/i;

/**
 * Compresses any other answer worth it (JSON errors, rotations, incidents...) per request. Answers
 * that already carry a Content-Encoding (sendCompressed) pass untouched.
 */
export const compressResponses: MiddlewareHandler = async (c, next) => {
  await next();
  const res = c.res;
  if (!res.body || res.headers.has("Content-Encoding")) return;
  const type = res.headers.get("Content-Type") ?? "";
  if (!COMPRESSIBLE.test(type)) return;
  const wanted = negotiate(c.req.header("Accept-Encoding"));
  const raw = new Uint8Array(await res.arrayBuffer());
  const encoding = raw.byteLength < MIN_COMPRESS_BYTES ? "identity" : wanted;
  const bytes = encode(raw, encoding, "dynamic");
  const headers = new Headers(res.headers);
  for (const [k, v] of Object.entries(headersFor(type, encoding, bytes.byteLength))) headers.set(k, v);
  // Hono's setter would copy the old answer's headers over these; clear it first.
  c.res = undefined;
  c.res = new Response(bytes as Uint8Array<ArrayBuffer>, { status: res.status, headers });
};
