// Running each tool the way its users do, timing it, and turning its output into reported lines.
import { spawn } from "node:child_process";

export interface Timed {
  wallMs: number;
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export function timed(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      // The whole process group: git-secrets runs git grep below a shell.
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    }, opts.timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({
        wallMs: Math.round(performance.now() - started),
        code,
        stdout: Buffer.concat(out).toString("latin1"),
        stderr: Buffer.concat(err).toString("latin1"),
        timedOut,
      });
    });
  });
}

/** "path:line:content" lines (ripgrep -n, git grep -n, git-secrets) into path, line, content. */
export function grepLines(text: string, root: string): { path: string; line: number; content: string }[] {
  const out: { path: string; line: number; content: string }[] = [];
  const prefix = root.endsWith("/") ? root : `${root}/`;
  for (const raw of text.split("\n")) {
    const m = /^(.+?):(\d+):(.*)$/.exec(raw);
    if (!m) continue;
    let path = m[1] ?? "";
    if (path.startsWith(prefix)) path = path.slice(prefix.length);
    out.push({ path, line: Number(m[2]), content: m[3] ?? "" });
  }
  return out;
}

/** git-secrets --scan-history prints "commit:path:line:content". */
export function historyLines(text: string): { path: string; line: number; content: string }[] {
  const out: { path: string; line: number; content: string }[] = [];
  for (const raw of text.split("\n")) {
    const m = /^[0-9a-f]{40}:(.+?):(\d+):(.*)$/.exec(raw);
    if (m) out.push({ path: m[1] ?? "", line: Number(m[2]), content: m[3] ?? "" });
  }
  return out;
}

/** secretlint --format json: [{ filePath, messages: [{ range, loc: { start: { line } } }] }]. */
export function secretlintLines(text: string, root: string): { path: string; line: number }[] {
  const out: { path: string; line: number }[] = [];
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return out;
  }
  const prefix = root.endsWith("/") ? root : `${root}/`;
  if (!Array.isArray(doc)) return out;
  for (const file of doc as { filePath: string; messages: { loc?: { start?: { line?: number } } }[] }[]) {
    const path = file.filePath.startsWith(prefix) ? file.filePath.slice(prefix.length) : file.filePath;
    for (const m of file.messages) out.push({ path, line: m.loc?.start?.line ?? 0 });
  }
  return out;
}

export interface Score {
  /** Planted credentials whose line the tool reported (a tool gets credit for every item on a line it reports). */
  found: number;
  planted: number;
  recall: number;
  /** Reported lines with no planted credential on them. */
  falsePositives: number;
  /** Of those, lines of the lookalike corpus (documentation examples, hashes, placeholders...). */
  lookalikeHits: number;
  precision: number;
}

export function scoreLines(
  reported: { path: string; line: number }[],
  planted: { path: string; line: number }[],
  lookalikes: { path: string; line: number }[],
): Score {
  const key = (x: { path: string; line: number }) => `${x.path}:${x.line}`;
  const rep = new Set(reported.map(key));
  const plantedLines = new Set(planted.map(key));
  const fakeLines = new Set(lookalikes.map(key));
  const found = planted.filter((p) => rep.has(key(p))).length;
  const fp = [...rep].filter((r) => !plantedLines.has(r));
  const truePositives = [...rep].length - fp.length;
  return {
    found,
    planted: planted.length,
    recall: round(found / Math.max(1, planted.length)),
    falsePositives: fp.length,
    lookalikeHits: fp.filter((r) => fakeLines.has(r)).length,
    precision: round(truePositives / Math.max(1, rep.size)),
  };
}

/** History: a planted value counts as found when a reported line's text contains it. */
export function scoreValues(
  reported: { content: string; path: string }[],
  planted: { value: string }[],
): Omit<Score, "lookalikeHits"> {
  const found = planted.filter((p) => reported.some((r) => r.content.includes(p.value))).length;
  const distinct = new Map(reported.map((r) => [`${r.path}\0${r.content}`, r]));
  const fp = [...distinct.values()].filter((r) => !planted.some((p) => r.content.includes(p.value))).length;
  return {
    found,
    planted: planted.length,
    recall: round(found / Math.max(1, planted.length)),
    falsePositives: fp,
    precision: round((distinct.size - fp) / Math.max(1, distinct.size)),
  };
}

export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] ?? 0;
}
