// The files of a working tree: what git would track (tracked plus untracked, minus ignored) when
// the folder is in a repository; otherwise a walk that honours every .gitignore on the way.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gitOk, nulList, repoRoot } from "./git.js";
import { isIgnored, parseIgnore, type IgnoreRule } from "./glob.js";

export async function listTree(root: string): Promise<string[]> {
  if ((await repoRoot(root)) !== null) {
    // Paths come back relative to `root`; deleted-but-tracked files are dropped when read.
    const out = await gitOk(root, ["ls-files", "-z", "--cached", "--others", "--exclude-standard"]);
    return [...new Set(nulList(out))];
  }
  const files: string[] = [];
  walk(root, "", [], files);
  return files;
}

interface Scope {
  /** The folder of the .gitignore, relative to the root, "/"-separated and ending in "/" (or ""). */
  prefix: string;
  rules: IgnoreRule[];
}

/**
 * Synchronous on purpose, and on "/"-joined relative paths rather than path.join/relative per
 * entry: the async opendir walk with path.relative cost a fifth of a tree scan's wall time
 * (bench/README.md); nothing else runs while the tree is listed.
 */
function walk(root: string, prefix: string, scopes: Scope[], out: string[]): void {
  const dir = prefix === "" ? root : join(root, prefix);
  const entries = readdirSync(dir, { withFileTypes: true });
  let here = scopes;
  // Read only where the listing shows one: a failed read per folder cost an exception each.
  if (entries.some((e) => e.name === ".gitignore")) {
    try {
      const text = readFileSync(join(dir, ".gitignore"), "utf8");
      here = [...scopes, { prefix, rules: parseIgnore(text) }];
    } catch {
      // a .gitignore that is a folder or unreadable: no rules from it
    }
  }
  for (const e of entries) {
    if (e.name === ".git") continue;
    const rel = prefix + e.name;
    const isDir = e.isDirectory();
    if (here.some((s) => isIgnored(s.rules, rel.slice(s.prefix.length), isDir))) continue;
    // Symlinks are listed (and counted as skipped by the scanner), never followed.
    if (isDir) walk(root, `${rel}/`, here, out);
    else out.push(rel);
  }
}
