import { readFile } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";

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

/** The file for a URL path, or null when it is not a file of the dashboard. */
export async function dashboardFile(
  dir: string,
  urlPath: string,
): Promise<{ body: Buffer; type: string; immutable: boolean } | null> {
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
  try {
    // Vite names built assets by content hash, so they can be cached for good.
    return { body: await readFile(full), type, immutable: rel.startsWith("/assets/") };
  } catch {
    return null;
  }
}
