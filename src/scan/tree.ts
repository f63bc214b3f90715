// The files of a working tree: what git would track (tracked plus untracked, minus ignored) when
// the folder is in a repository; otherwise a walk that honours every .gitignore on the way.
import { opendir, readFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { gitOk, nulList, repoRoot } from "./git.js";
import { isIgnored, parseIgnore, type IgnoreRule } from "./glob.js";

export async function listTree(root: string): Promise<string[]> {
  if ((await repoRoot(root)) !== null) {
    // Paths come back relative to `root`; deleted-but-tracked files are dropped when read.
    const out = await gitOk(root, ["ls-files", "-z", "--cached", "--others", "--exclude-standard"]);
    return [...new Set(nulList(out))];
  }
  const files: string[] = [];
  await walk(root, root, [], files);
  return files;
}

interface Scope {
  dir: string;
  rules: IgnoreRule[];
}

async function walk(root: string, dir: string, scopes: Scope[], out: string[]): Promise<void> {
  let here = scopes;
  try {
    const text = await readFile(join(dir, ".gitignore"), "utf8");
    here = [...scopes, { dir, rules: parseIgnore(text) }];
  } catch {
    // no .gitignore here
  }
  const d = await opendir(dir);
  for await (const e of d) {
    if (e.name === ".git") continue;
    const abs = join(dir, e.name);
    const isDir = e.isDirectory();
    if (here.some((s) => isIgnored(s.rules, relative(s.dir, abs).split(sep).join("/"), isDir))) continue;
    // Symlinks are listed (and counted as skipped by the scanner), never followed.
    if (isDir) await walk(root, abs, here, out);
    else out.push(relative(root, abs).split(sep).join("/"));
  }
}
