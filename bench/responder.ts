// bench/responder: the responder's Lambda bundle, as `npm run build:responder` makes it: its size
// (zipped, as uploaded; unzipped, as loaded) and its cold start: a fresh `node` that imports the
// bundle and calls the handler with an event it ignores, from spawn to the answer on stdout. The
// peer, in the same run and alternated with it, is a bare `node` start printing one line: what is
// left is the bundle's own cost. Lambda's own start (the runtime, the zip's download and unpacking)
// is not in it. See bench/README.md.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { buildResponderBundle } from "../src/deploy/bundle.js";
import { withLoad, type LoadedCase } from "./load.js";

export const RESPONDER_FULL = { runs: 9 };
export const RESPONDER_QUICK = { runs: 3 };

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const HANDLER = join(ROOT, "src", "responder", "lambda.ts");
// The tests' stand-in is measured only where the real handler is missing.
const STAND_IN = join(ROOT, "test", "fixtures", "responder", "stand-in-handler.ts");
/** An event no rule sends: the handler answers without AWS. */
const IGNORED_EVENT = { version: "0", source: "keywarden.bench", "detail-type": "Ignored", detail: {} };

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? NaN) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};
const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;

/** Spawn to the first stdout line and exit code 0; the line is returned for the check. */
function timeNode(script: string): Promise<{ ms: number; line: string }> {
  return new Promise((done, fail) => {
    const start = performance.now();
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      stdio: ["ignore", "pipe", "pipe"],
      // No AWS settings from the bench's own environment reach the handler.
      env: { PATH: process.env.PATH ?? "", AWS_REGION: "us-east-1", AWS_EC2_METADATA_DISABLED: "true" },
    });
    let out = "";
    let err = "";
    let ms = 0;
    child.stdout.setEncoding("utf8").on("data", (s: string) => {
      out += s;
      if (ms === 0 && out.includes("\n")) ms = performance.now() - start;
    });
    child.stderr.setEncoding("utf8").on("data", (s: string) => (err += s));
    child.on("error", fail);
    child.on("close", (code) => {
      if (code !== 0 || ms === 0) fail(new Error(`node -e exited ${String(code)}: ${err.slice(0, 500)}`));
      else done({ ms, line: out.split("\n")[0] ?? "" });
    });
  });
}

export interface ResponderBenchResult {
  entry: string;
  standIn: boolean;
  bundle: { zipBytes: number; unzippedBytes: number };
  runs: number;
  coldStart: LoadedCase<{
    handlerMs: { median: number; runs: number[] };
    bareNodeMs: { median: number; runs: number[] };
    handlerMinusBareMs: number;
    answer: string;
  }>;
}

export async function benchResponder(opts: { runs: number }): Promise<ResponderBenchResult> {
  const standIn = !existsSync(HANDLER);
  const entry = standIn ? STAND_IN : HANDLER;
  const dir = await mkdtemp(join(tmpdir(), "kw-bench-responder-"));
  try {
    const built = await buildResponderBundle(entry, dir);
    const url = pathToFileURL(built.js).href;
    const handlerScript = `const m = await import(${JSON.stringify(url)}); const r = await m.handler(${JSON.stringify(IGNORED_EVENT)}, {}); process.stdout.write(JSON.stringify(r ?? null) + "\\n");`;
    const bareScript = `process.stdout.write("null\\n");`;
    const coldStart = await withLoad("responder cold start", async () => {
      const handler: number[] = [];
      const bare: number[] = [];
      let answer = "";
      // Alternated, so a change in the machine's load falls on both.
      for (let i = 0; i < opts.runs; i++) {
        const h = await timeNode(handlerScript);
        answer = h.line;
        handler.push(round(h.ms));
        bare.push(round((await timeNode(bareScript)).ms));
      }
      return {
        handlerMs: { median: median(handler), runs: handler },
        bareNodeMs: { median: median(bare), runs: bare },
        handlerMinusBareMs: round(median(handler) - median(bare)),
        answer,
      };
    });
    return {
      entry: entry.slice(ROOT.length),
      standIn,
      bundle: { zipBytes: built.zipBytes, unzippedBytes: built.bytes },
      runs: opts.runs,
      coldStart,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function summarizeResponder(r: ResponderBenchResult): string {
  const c = r.coldStart.result;
  return [
    `responder: ${r.entry}${r.standIn ? " (stand-in: src/responder/lambda.ts is not here; rerun when it is)" : ""}`,
    `  bundle       ${(r.bundle.zipBytes / 1024).toFixed(0)} KiB zipped, ${(r.bundle.unzippedBytes / 1024).toFixed(0)} KiB unzipped`,
    `  cold start   ${c.handlerMs.median} ms to the handler's answer; bare node ${c.bareNodeMs.median} ms; the bundle's own ${c.handlerMinusBareMs} ms (medians of ${r.runs})`,
    `  load         ${r.coldStart.load.before.join(" ")} -> ${r.coldStart.load.after.join(" ")} on ${r.coldStart.load.cores} cores`,
  ].join("\n");
}
