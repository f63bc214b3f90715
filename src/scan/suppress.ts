// Accepted findings: paths and fingerprints in .keywardenignore, and a baseline file (an earlier
// `keywarden scan --format json` report) whose findings are not reported again.
import { readFile } from "node:fs/promises";
import { UsageError } from "../domain/errors.js";
import { isIgnored, parseIgnore, type IgnoreRule } from "./glob.js";

export const IGNORE_FILE = ".keywardenignore";
const FINGERPRINT = /^[0-9a-f]{32}$/;

export interface Suppressions {
  paths: IgnoreRule[];
  /** Fingerprint lines of .keywardenignore. */
  fingerprints: Set<string>;
  /** Fingerprints of the --baseline report's findings. */
  baseline: Set<string>;
}

/** Lines of .keywardenignore: a 32-hex fingerprint, or a gitignore-style path pattern. */
export function parseIgnoreFile(text: string): Omit<Suppressions, "baseline"> {
  const fingerprints = new Set<string>();
  const patterns: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/\s+#.*$/, "").trim();
    if (FINGERPRINT.test(line)) fingerprints.add(line);
    else patterns.push(line);
  }
  return { paths: parseIgnore(patterns.join("\n")), fingerprints };
}

/**
 * `ignore`: the .keywardenignore path, or its text when it comes from elsewhere (a bare
 * repository's HEAD), or null to read none.
 */
export async function loadSuppressions(
  ignore: string | { text: string } | null,
  baseline: string | null,
): Promise<Suppressions> {
  const s: Suppressions = { paths: [], fingerprints: new Set(), baseline: new Set() };
  if (ignore !== null) {
    try {
      const parsed = parseIgnoreFile(
        typeof ignore === "string" ? await readFile(ignore, "utf8") : ignore.text,
      );
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
      if (typeof fp === "string") s.baseline.add(fp);
    }
  }
  return s;
}

/** A path, or the archive a member path (`a.zip!dir/file`) sits in, matched by .keywardenignore. */
export function pathSuppressed(s: Suppressions, path: string): boolean {
  if (s.paths.length === 0) return false;
  if (isIgnored(s.paths, path, false)) return true;
  for (let i = path.indexOf("!"); i > 0; i = path.indexOf("!", i + 1)) {
    if (isIgnored(s.paths, path.slice(0, i), false)) return true;
  }
  return false;
}

/** What accepts a finding, if anything: its allow marker, .keywardenignore, or the baseline. */
export function suppressedBy(
  s: Suppressions,
  path: string,
  fingerprint: string,
  marker?: string,
): string | null {
  if (marker !== undefined) return marker;
  if (pathSuppressed(s, path) || s.fingerprints.has(fingerprint)) return IGNORE_FILE;
  return s.baseline.has(fingerprint) ? "baseline" : null;
}
