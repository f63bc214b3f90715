// What a commit would add: the staged version of each added or changed file, read from the
// index, with findings kept only on the lines the commit adds (a key already accepted in the
// file does not block every later commit to it).
import { catFileBatch, gitOk, nulList } from "./git.js";
import { hasBinaryExtension, isBinary, scanBuffer } from "./file-scan.js";
import type { Located } from "./types.js";

export interface StagedResult {
  findings: Located[];
  files: number;
  bytes: number;
  skipped: { binary: number; large: number; symlinks: number };
}

/** Added line numbers per path, from `git diff --cached -U0`. */
export function addedLines(diff: string): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  let current: Set<number> | null = null;
  for (const line of diff.split("\n")) {
    if (line.startsWith("+++ ")) {
      const p = line.slice(4);
      current = new Set();
      out.set(p.startsWith("b/") ? p.slice(2) : p, current);
    } else if (line.startsWith("@@") && current) {
      const m = /\+(\d+)(?:,(\d+))?/.exec(line);
      if (!m) continue;
      const from = Number(m[1]);
      const count = m[2] === undefined ? 1 : Number(m[2]);
      for (let i = 0; i < count; i++) current.add(from + i);
    }
  }
  return out;
}

export async function scanStaged(repo: string, opts: { maxBytes: number }): Promise<StagedResult> {
  const paths = nulList(
    await gitOk(repo, ["diff", "--cached", "--name-only", "-z", "--diff-filter=ACMR", "--no-renames"]),
  );
  const res: StagedResult = {
    findings: [],
    files: 0,
    bytes: 0,
    skipped: { binary: 0, large: 0, symlinks: 0 },
  };
  if (paths.length === 0) return res;
  const diff = await gitOk(repo, [
    "-c",
    "core.quotePath=false",
    "diff",
    "--cached",
    "-U0",
    "--no-color",
    "--no-ext-diff",
    "--no-renames",
    "--src-prefix=a/",
    "--dst-prefix=b/",
    "--diff-filter=ACMR",
  ]);
  const added = addedLines(diff.toString("utf8"));
  const wanted = paths.filter((p) => !hasBinaryExtension(p));
  res.skipped.binary += paths.length - wanted.length;
  await catFileBatch(
    repo,
    wanted.map((p) => `:${p}`),
    ({ data }, i) => {
      const path = wanted[i] ?? "";
      if (data.length > opts.maxBytes) {
        res.skipped.large++;
        return;
      }
      if (isBinary(data.subarray(0, 8192))) {
        res.skipped.binary++;
        return;
      }
      res.files++;
      res.bytes += data.length;
      const lines = added.get(path);
      for (const f of scanBuffer(data)) {
        // Binary diffs have no hunks: everything in a newly staged binary-looking file counts.
        if (lines && lines.size > 0 && !lines.has(f.line)) continue;
        res.findings.push({ ...f, path, commit: null, inHead: false });
      }
    },
  );
  return res;
}
