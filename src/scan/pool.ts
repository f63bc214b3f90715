// Scanning many files on every core: worker threads pull batches of paths. Small scans (a hook on
// a few staged files) run in-process; a worker costs tens of milliseconds to start.
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { emptyBatch, scanFiles, type FileBatchResult } from "./file-scan.js";

const BATCH = 64;
const IN_PROCESS_BELOW = 200;

/** A worker for the built package, or (from sources: tsx, tests) one that registers tsx first. */
function startWorker(): (() => Worker) | null {
  const self = import.meta.url;
  if (self.endsWith(".js")) return () => new Worker(new URL("./worker.js", self));
  try {
    const pkg = createRequire(self).resolve("tsx/package.json");
    const api = pathToFileURL(join(dirname(pkg), "dist", "esm", "api", "index.mjs")).href;
    const worker = new URL("./worker.ts", self).href;
    const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(worker)}); });`;
    return () => new Worker(boot, { eval: true });
  } catch {
    return null;
  }
}

function merge(into: FileBatchResult, r: FileBatchResult): void {
  into.findings.push(...r.findings);
  into.files += r.files;
  into.bytes += r.bytes;
  into.skipped.binary += r.skipped.binary;
  into.skipped.large += r.skipped.large;
  into.skipped.symlinks += r.skipped.symlinks;
  into.archives += r.archives;
  into.warnings.push(...r.warnings);
}

export async function scanPaths(
  root: string,
  paths: string[],
  opts: {
    maxBytes: number;
    archiveDepth: number;
    threads?: number;
    onProgress?: (files: number, bytes: number) => void;
  },
): Promise<FileBatchResult> {
  const total = emptyBatch();
  const spawn = startWorker();
  const threads = opts.threads ?? availableParallelism();
  if (spawn === null || threads <= 0 || paths.length < IN_PROCESS_BELOW) {
    merge(total, scanFiles(root, paths, opts.maxBytes, opts.archiveDepth));
    return total;
  }
  let next = 0;
  const workers = Array.from({ length: Math.min(threads, Math.ceil(paths.length / BATCH)) }, spawn);
  try {
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            let pending = 0;
            const feed = () => {
              if (next >= paths.length) {
                if (pending === 0) resolve();
                return;
              }
              pending++;
              const batch = paths.slice(next, next + BATCH);
              next += batch.length;
              w.postMessage({ root, paths: batch, maxBytes: opts.maxBytes, archiveDepth: opts.archiveDepth });
            };
            w.on("message", (r: FileBatchResult) => {
              pending--;
              merge(total, r);
              opts.onProgress?.(total.files, total.bytes);
              feed();
            });
            w.on("error", reject);
            // Two batches in flight: the worker starts the next while its answer crosses over.
            feed();
            feed();
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return total;
}
