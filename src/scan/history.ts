// Every blob of every commit, once: `git log --all --reverse --raw` (oldest first) names each
// distinct blob with the first commit that added it and its path there; each new name goes
// straight into `git cat-file --batch`, which streams the contents back while the log goes on,
// and the detector reads each blob once. `git ls-tree -r HEAD` says whether HEAD still has them.
// (An earlier version listed blobs with `git rev-list --objects` first and ran the log beside
// it: two walks of history, and no blob read before the whole list was in.)
import { archiveKind, archiveLimits, scanArchive } from "./archive.js";
import { hasBinaryExtension, isBinary, scanBuffer } from "./content.js";
import type { RawFinding } from "./detect.js";
import { availableParallelism } from "node:os";
import { catFilePool, git, gitLines } from "./git.js";
import type { Located } from "./types.js";

export interface HistoryResult {
  findings: Located[];
  blobs: number;
  bytes: number;
  skipped: { binary: number; large: number; symlinks: number };
  archives: number;
  warnings: string[];
}

/** What decides a history scan's speed, for tests: blobs read out of git (each once). */
export const counters = { blobsRead: 0 };

interface BlobHit extends RawFinding {
  blob: string;
  path: string;
  /** Inside an archive blob: "!member/path", appended to the blob's path. */
  member: string;
}

/**
 * `repo` is a work tree's top folder or a git directory (a bare or --mirror clone): every command
 * here reads objects and refs only, which both have.
 */
export async function scanHistory(
  repo: string,
  opts: { maxBytes: number; archiveDepth: number; onProgress?: (blobs: number, bytes: number) => void },
): Promise<HistoryResult> {
  const skipped = { binary: 0, large: 0, symlinks: 0 };
  const head = headBlobs(repo);
  head.catch(() => undefined);
  const hits: BlobHit[] = [];
  let blobs = 0;
  let bytes = 0;
  let archives = 0;
  const warnings: string[] = [];
  const limits = archiveLimits(opts.maxBytes, opts.archiveDepth);
  const firstAdded = new Map<string, Introduced>();
  counters.blobsRead = 0;
  // One pass over history: `git log --raw` names each blob the first time a commit adds it, and
  // that name goes straight to `git cat-file --batch`, which reads it once while the log goes on.
  // Two readers where there are two cores; `seq` puts their blobs' findings back in log order.
  const seq = new Map<string, number>();
  const readers = Math.min(2, availableParallelism());
  const reader = catFilePool(repo, opts.maxBytes, readers, ({ sha, data }) => {
    counters.blobsRead++;
    blobs++;
    bytes += data.length;
    if (blobs % 2000 === 0) opts.onProgress?.(blobs, bytes);
    const path = firstAdded.get(sha)?.path ?? "";
    const archive = opts.archiveDepth > 0 ? archiveKind(path) : null;
    if (archive !== null) {
      // Members are named after this path; the first commit's path replaces it below.
      const r = scanArchive(path, data, archive, limits);
      archives += r.archives;
      skipped.binary += r.skipped.binary;
      skipped.large += r.skipped.large;
      warnings.push(...r.warnings.map((w) => `${w} (blob ${sha.slice(0, 10)})`));
      for (const f of r.findings) hits.push({ ...f, blob: sha, path, member: f.path.slice(path.length) });
      return;
    }
    if (isBinary(data.subarray(0, 8192))) {
      skipped.binary++;
      return;
    }
    for (const f of scanBuffer(data)) hits.push({ ...f, blob: sha, path, member: "" });
  });
  try {
    await firstCommits(repo, firstAdded, (sha, path) => {
      if (hasBinaryExtension(path) && (opts.archiveDepth === 0 || archiveKind(path) === null))
        skipped.binary++;
      else {
        seq.set(sha, seq.size);
        reader.add(sha);
      }
    });
  } finally {
    await reader.end();
  }
  if (hits.length === 0) return { findings: [], blobs, bytes, skipped, archives, warnings };
  // Stable: a blob's own findings keep their order.
  hits.sort((a, b) => (seq.get(a.blob) ?? 0) - (seq.get(b.blob) ?? 0));

  const inHead = await head;
  // One finding per secret: the earliest commit among the blobs that contain it.
  const bySecret = new Map<string, { hit: BlobHit; order: number }[]>();
  for (const h of hits) {
    const k = `${h.kind}\0${h.value}`;
    const order = firstAdded.get(h.blob)?.order ?? Number.MAX_SAFE_INTEGER;
    const list = bySecret.get(k);
    if (list) list.push({ hit: h, order });
    else bySecret.set(k, [{ hit: h, order }]);
  }
  const findings: Located[] = [];
  for (const all of bySecret.values()) {
    all.sort((a, b) => a.order - b.order);
    // An allow marker accepts a secret only where every blob that holds it carries the marker.
    const open = all.filter((x) => x.hit.allowedBy === undefined);
    const list = open.length > 0 ? open : all;
    const first = list[0];
    if (!first) continue;
    const c = firstAdded.get(first.hit.blob);
    const h = first.hit;
    // The key id found with its secret in any version is a leaked pair.
    const paired = list.find((x) => x.hit.pairedLine !== undefined)?.hit.pairedLine;
    findings.push({
      kind: h.kind,
      value: h.value,
      keyId: h.keyId,
      path: (c?.path ?? h.path) + h.member,
      line: h.line,
      column: h.column,
      ...(h.pairing !== undefined ? { pairing: h.pairing } : {}),
      ...(h.near ? { near: h.near } : {}),
      ...(paired !== undefined ? { pairedLine: paired } : {}),
      ...(open.length === 0 && h.allowedBy ? { allowedBy: h.allowedBy } : {}),
      commit: c?.commit ?? null,
      author: c?.author ?? null,
      date: c?.date ? new Date(c.date).toISOString() : null,
      inHead: list.some((x) => inHead.has(x.hit.blob)),
    });
  }
  return { findings, blobs, bytes, skipped, archives, warnings };
}

interface Introduced {
  commit: string;
  author: string;
  date: string;
  path: string;
  order: number;
}

/**
 * The first commit (oldest first over all refs) whose diff adds each blob, into `found`;
 * `onNew` hears of each blob the first time (gitlinks, which name commits, are left out).
 */
async function firstCommits(
  repo: string,
  found: Map<string, Introduced>,
  onNew: (sha: string, path: string) => void,
): Promise<void> {
  let commit = "";
  let author = "";
  let date = "";
  let order = 0;
  const args = [
    "-c",
    "core.quotePath=false",
    "log",
    "--all",
    "--reverse",
    "--raw",
    "--no-abbrev",
    "--no-renames",
    "--root",
    "-c",
  ];
  await gitLines(repo, [...args, "--format=%x01%H%x00%an <%ae>%x00%aI"], (line) => {
    if (line.startsWith("\x01")) {
      [commit = "", author = "", date = ""] = line.slice(1).split("\0");
      order++;
      return;
    }
    if (!line.startsWith(":")) return;
    // ":100644 100644 <old> <new> M\tpath" (merges, with -c: one more colon, mode and sha per
    // parent). Read by position rather than split: this runs once per changed file of history.
    const tab = line.indexOf("\t");
    const statusAt = line.lastIndexOf(" ", tab) + 1;
    if (line.charCodeAt(statusAt) === 68 /* D */) return;
    const sha = line.slice(line.lastIndexOf(" ", statusAt - 2) + 1, statusAt - 1);
    if (found.has(sha)) return;
    const path = line.slice(tab + 1);
    found.set(sha, { commit, author, date, path, order });
    // The result's mode is the last of the modes (6 digits each): one per parent, then its own.
    let parents = 0;
    while (line.charCodeAt(parents) === 58 /* : */) parents++;
    if (line.slice(parents * 8, parents * 8 + 6) !== "160000") onNew(sha, path);
  });
}

async function headBlobs(repo: string): Promise<Set<string>> {
  const r = await git(repo, ["ls-tree", "-r", "-z", "HEAD"]);
  const set = new Set<string>();
  if (r.code !== 0) return set; // no HEAD yet (empty repository)
  for (const entry of r.stdout.toString("utf8").split("\0")) {
    const parts = entry.split(/\s+/);
    if (parts[1] === "blob" && parts[2]) set.add(parts[2]);
  }
  return set;
}
