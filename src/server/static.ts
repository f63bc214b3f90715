import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { CompressedBody } from "./compress.js";

// The built dashboard (Vite's output), served from disk by the app itself: no CDN, no other origin.

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
};

/** dist/dashboard beside the compiled code, whether running from src/ (tsx) or dist/. */
export function defaultDashboardDir(): string {
  return fileURLToPath(new URL("../../dist/dashboard", import.meta.url));
}

/** The file on disk for a URL path, or null when it cannot be one of the dashboard's files. */
function resolveFile(
  dir: string,
  urlPath: string,
): { full: string; type: string; immutable: boolean } | null {
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (rel === "/" || rel === "") rel = "/index.html";
  const full = normalize(join(dir, rel));
  if (!full.startsWith(normalize(dir) + sep)) return null;
  const type = TYPES[extname(full)];
  if (!type) return null;
  // Vite names built assets by content hash, so they can be cached for good.
  return { full, type, immutable: rel.startsWith("/assets/") };
}

/**
 * The dashboard's files kept in memory with their compressed forms, each made once: a file is read
 * again only when its size or modification time changed (a rebuild while serving), which costs one
 * stat per request instead of a read and a compression.
 */
export class DashboardFiles {
  private readonly kept = new Map<string, { mtimeMs: number; size: number; body: CompressedBody }>();

  constructor(readonly dir: string) {}

  async get(urlPath: string): Promise<{ body: CompressedBody; immutable: boolean } | null> {
    const file = resolveFile(this.dir, urlPath);
    if (!file) return null;
    try {
      const st = await stat(file.full);
      if (!st.isFile()) return null;
      const hit = this.kept.get(file.full);
      if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) {
        return { body: hit.body, immutable: file.immutable };
      }
      const body = new CompressedBody(await readFile(file.full), file.type, "static");
      this.kept.set(file.full, { mtimeMs: st.mtimeMs, size: st.size, body });
      return { body, immutable: file.immutable };
    } catch {
      return null;
    }
  }
}
