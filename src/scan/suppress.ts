// Accepted findings: paths and fingerprints in .keywardenignore, and a baseline file (an earlier
// `keywarden scan --format json` report) whose findings are not reported again.
import { readFile } from "node:fs/promises";
import { UsageError } from "../domain/errors.js";
import { isIgnored, parseIgnore, type IgnoreRule } from "./glob.js";

export const IGNORE_FILE = ".keywardenignore";
const FINGERPRINT = /^[0-9a-f]{32}$/;

export interface Suppressions {
  paths: IgnoreRule[];
  fingerprints: Set<string>;
}

/** Lines of .keywardenignore: a 32-hex fingerprint, or a gitignore-style path pattern. */
export function parseIgnoreFile(text: string): Suppressions {
  const fingerprints = new Set<string>();
  const patterns: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/\s+#.*$/, "").trim();
    if (FINGERPRINT.test(line)) fingerprints.add(line);
    else patterns.push(line);
  }
  return { paths: parseIgnore(patterns.join("\n")), fingerprints };
}

export async function loadSuppressions(
  ignoreFile: string | null,
  baseline: string | null,
): Promise<Suppressions> {
  const s: Suppressions = { paths: [], fingerprints: new Set() };
  if (ignoreFile !== null) {
    try {
      const parsed = parseIgnoreFile(await readFile(ignoreFile, "utf8"));
      s.paths = parsed.paths;
      s.fingerprints = parsed.fingerprints;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
  }
  if (baseline !== null) {
    let doc: unknown;
    try {
      doc = JSON.parse(await readFile(baseline, "utf8"));
    } catch (e) {
      throw new UsageError(
        `--baseline ${baseline} is not a readable JSON scan report (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
        "Create one with `keywarden scan --format json -o .keywarden-baseline.json`.",
      );
    }
    const findings = (doc as { findings?: unknown }).findings;
    if (!Array.isArray(findings)) {
      throw new UsageError(
        `--baseline ${baseline} has no "findings" array`,
        "Create one with `keywarden scan --format json -o .keywarden-baseline.json`.",
      );
    }
    for (const f of findings) {
      const fp = (f as { fingerprint?: unknown }).fingerprint;
      if (typeof fp === "string") s.fingerprints.add(fp);
    }
  }
  return s;
}

export function pathSuppressed(s: Suppressions, path: string): boolean {
  return s.paths.length > 0 && isIgnored(s.paths, path, false);
}
