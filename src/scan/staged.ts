// What a commit would add: the staged version of each added or changed file, read from the
// index, with findings kept only on the lines the commit adds (a key already accepted in the
// file does not block every later commit to it).
import { archiveKind, archiveLimits, scanArchive } from "./archive.js";
import { hasBinaryExtension, isBinary, scanBuffer } from "./content.js";
import { addArchive, emptyBatch, type FileBatchResult } from "./file-scan.js";
import { catFileBatch, gitOk, nulList } from "./git.js";

export type StagedResult = FileBatchResult;

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

export async function scanStaged(
  repo: string,
  opts: { maxBytes: number; archiveDepth: number },
): Promise<StagedResult> {
  const paths = nulList(
    await gitOk(repo, ["diff", "--cached", "--name-only", "-z", "--diff-filter=ACMR", "--no-renames"]),
  );
  const res = emptyBatch();
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
  const opens = (p: string) => opts.archiveDepth > 0 && archiveKind(p) !== null;
  const wanted = paths.filter((p) => opens(p) || !hasBinaryExtension(p));
  const limits = archiveLimits(opts.maxBytes, opts.archiveDepth);
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
      const archive = opts.archiveDepth > 0 ? archiveKind(path) : null;
      if (archive !== null) {
        // An archive has no lines to diff: everything in a staged archive counts.
        addArchive(res, scanArchive(path, data, archive, limits), { commit: null, inHead: false });
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
