/* eslint-disable no-console */
// bench/store: rotation jobs advanced per second by the store, the part of `keywarden rotations
// advance` that does not wait on AWS.
//
//   setup:   J due jobs (distinct users, step "create", state running, nextAt null) in a fresh
//            database: a new PostgreSQL database per run on a throwaway PostgreSQL cluster
//            (test/store/pg-cluster.ts), a new SQLite file per run.
//   workers: separate processes (bench/store-worker.ts), started and connected first, then told
//            "go" together. Each loops: claim one due job (PostgreSQL: claimDueJobs(owner, 60 s,
//            now, 1); SQLite: dueJobs(now), then claimJob on each), advance it with three
//            updateJob calls and their events (create -> verify -> observe -> done), releaseJob,
//            until nothing is due.
//   measure: jobs / (last worker's end - first worker's start), per configuration: PostgreSQL with
//            1 and 4 workers, SQLite with 1.
//
// Verification after every run: each job is done, at version 4, with exactly 4 events (job-created
// and one step-done per step, in order, all three by the same worker), and the workers together
// advanced each job exactly once. Any difference throws.

import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { openPostgresStore } from "../src/store/postgres.js";
import { openSqliteStore } from "../src/store/sqlite.js";
import type { Store } from "../src/store/types.js";
import { startPgCluster } from "../test/store/pg-cluster.js";
import { median, round } from "./audit.js";

const WORKER = fileURLToPath(new URL("./store-worker.ts", import.meta.url));
const STEPS = ["create", "verify", "observe", "done"];

export interface StoreBenchOptions {
  jobs: number;
  repeats: number;
}

export const STORE_FULL: StoreBenchOptions = { jobs: 2000, repeats: 3 };
export const STORE_QUICK: StoreBenchOptions = { jobs: 100, repeats: 1 };

interface WorkerResult {
  ok: boolean;
  owner: string;
  advanced: string[];
  stale: number;
  claims: number;
  startedAt: number;
  endedAt: number;
  message?: string;
}

type Backend = "postgres" | "sqlite";

async function createJobs(store: Store, n: number): Promise<string[]> {
  const width = String(n).length;
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const job = await store.createJob(
      {
        accountId: "123456789012",
        userName: `bench-user-${String(i).padStart(width, "0")}`,
        oldAccessKeyId: `AKIABENCH${String(i).padStart(11, "0")}`,
        newAccessKeyId: null,
        step: "create",
        state: "running",
        nextAt: null,
        targets: [{ kind: "profile", ref: "default" }],
        options: { observeMs: 0, soakMs: 0, self: false },
        data: {},
      },
      "bench",
    );
    ids.push(job.id);
  }
  return ids;
}

/** Starts the workers, waits until all are connected, says "go", collects their results. */
async function runWorkers(backend: Backend, location: string, count: number): Promise<WorkerResult[]> {
  const children = Array.from({ length: count }, (_, i) =>
    spawn(process.execPath, ["--import", "tsx", WORKER, backend, location, `worker-${i + 1}`], {
      stdio: ["pipe", "pipe", "pipe"],
    }),
  );
  const outputs = children.map(
    (child) =>
      new Promise<{ lines: string[]; stderr: string; code: number | null }>((resolve) => {
        let out = "";
        let err = "";
        child.stdout.on("data", (c: Buffer) => (out += c.toString()));
        child.stderr.on("data", (c: Buffer) => (err += c.toString()));
        child.on("close", (code) => {
          resolve({ lines: out.split("\n").filter((l) => l !== ""), stderr: err, code });
        });
      }),
  );
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve, reject) => {
          let buf = "";
          const onData = (c: Buffer) => {
            buf += c.toString();
            if (buf.includes("ready")) {
              child.stdout.off("data", onData);
              resolve();
            }
          };
          child.stdout.on("data", onData);
          child.once("close", () => {
            reject(new Error(`a ${backend} worker exited before it was ready: ${buf}`));
          });
        }),
    ),
  );
  for (const child of children) child.stdin.end("go\n");
  const done = await Promise.all(outputs);
  return done.map(({ lines, stderr, code }) => {
    const last = lines[lines.length - 1] ?? "";
    let r: WorkerResult;
    try {
      r = JSON.parse(last) as WorkerResult;
    } catch {
      throw new Error(`a ${backend} worker printed no result (exit ${String(code)}): ${last}\n${stderr}`);
    }
    if (!r.ok) throw new Error(`a ${backend} worker failed: ${r.message ?? ""}`);
    return r;
  });
}

/** Throws unless every job was advanced exactly once, through every step, by one worker. */
async function verify(store: Store, ids: string[], results: WorkerResult[]): Promise<number> {
  const byWorker = new Map<string, string>();
  for (const r of results) {
    for (const id of r.advanced) {
      const other = byWorker.get(id);
      if (other !== undefined) throw new Error(`job ${id} was advanced by both ${other} and ${r.owner}`);
      byWorker.set(id, r.owner);
    }
  }
  if (byWorker.size !== ids.length) {
    throw new Error(`the workers advanced ${byWorker.size} jobs, ${ids.length} were due`);
  }
  let events = 0;
  for (const id of ids) {
    const job = await store.getJob(id);
    if (job?.state !== "done" || job.step !== "done" || job.version !== STEPS.length) {
      throw new Error(
        `job ${id} ended ${job?.state}/${job?.step} at version ${job?.version}, expected done/done/4`,
      );
    }
    const evs = await store.events(id);
    events += evs.length;
    const advancedBy = byWorker.get(id);
    const shape = evs.map((e) => `${e.action}:${e.action === "job-created" ? "" : `${e.step}:${e.actor}`}`);
    const expected = [
      "job-created:",
      ...STEPS.slice(0, -1).map((s) => `step-done:${s}:${String(advancedBy)}`),
    ];
    if (JSON.stringify(shape) !== JSON.stringify(expected)) {
      throw new Error(`job ${id} has events ${JSON.stringify(shape)}, expected ${JSON.stringify(expected)}`);
    }
  }
  return events;
}

interface ConfigRun {
  jobsPerSecond: number;
  wallMs: number;
  perWorker: { owner: string; jobs: number; claims: number; stale: number }[];
  eventsVerified: number;
}

export async function benchStore(opts: StoreBenchOptions): Promise<object> {
  const cluster = await startPgCluster();
  const tmp = await mkdtemp(join(tmpdir(), "keywarden-bench-store-"));
  try {
    let db = 0;
    const oneRun = async (backend: Backend, workers: number): Promise<ConfigRun> => {
      db++;
      const location =
        backend === "postgres" ? await cluster.createDatabase(`bench_${db}`) : join(tmp, `bench-${db}.db`);
      const open = () => (backend === "postgres" ? openPostgresStore(location) : openSqliteStore(location));
      const setup = await open();
      let ids: string[];
      try {
        ids = await createJobs(setup, opts.jobs);
      } finally {
        await setup.close();
      }
      const results = await runWorkers(backend, location, workers);
      const checker = await open();
      let events: number;
      try {
        events = await verify(checker, ids, results);
      } finally {
        await checker.close();
      }
      const start = Math.min(...results.map((r) => r.startedAt));
      const end = Math.max(...results.map((r) => r.endedAt));
      const wallMs = end - start;
      return {
        jobsPerSecond: round(ids.length / (wallMs / 1000), 1),
        wallMs: round(wallMs, 1),
        perWorker: results.map((r) => ({
          owner: r.owner,
          jobs: r.advanced.length,
          claims: r.claims,
          stale: r.stale,
        })),
        eventsVerified: events,
      };
    };

    const configs: { backend: Backend; workers: number }[] = [
      { backend: "postgres", workers: 1 },
      { backend: "postgres", workers: 4 },
      { backend: "sqlite", workers: 1 },
    ];
    // Warm-up (not recorded): the first worker processes pay tsx's compile cache.
    await oneRun("postgres", 1);
    await oneRun("sqlite", 1);

    const measured = [];
    for (const c of configs) {
      const runs: ConfigRun[] = [];
      for (let r = 0; r < opts.repeats; r++) {
        const run = await oneRun(c.backend, c.workers);
        console.log(
          `  ${c.backend} x${c.workers} run ${r + 1}/${opts.repeats}: ${run.jobsPerSecond} jobs/s ` +
            `(${opts.jobs} jobs in ${Math.round(run.wallMs)} ms)`,
        );
        runs.push(run);
      }
      const med = median(runs.map((r) => r.jobsPerSecond));
      measured.push({
        backend: c.backend,
        workers: c.workers,
        jobsPerSecond: { median: med, runs: runs.map((r) => r.jobsPerSecond) },
        wallMs: runs.map((r) => Math.round(r.wallMs)),
        /** Store writes per job: 3 updateJob transactions (each with its event) + claim + release. */
        writesPerSecond: round(med * 5, 0),
        perWorkerLastRun: runs[runs.length - 1]?.perWorker,
        eventsVerifiedPerRun: runs.map((r) => r.eventsVerified),
      });
    }
    const pg1 = measured[0]?.jobsPerSecond.median ?? NaN;
    const pg4 = measured[1]?.jobsPerSecond.median ?? NaN;
    return {
      config: {
        jobs: opts.jobs,
        repeats: opts.repeats,
        advance:
          "claim (lease 60 s) -> 3 x updateJob with an event (create -> verify -> observe -> done) -> releaseJob",
        claim: {
          postgres: "claimDueJobs(owner, 60000, now, 1): FOR UPDATE SKIP LOCKED, one job per claim",
          sqlite: "dueJobs(now), then claimJob(id, owner, 60000, now) on each due job",
        },
        workers:
          "separate Node processes (node --import tsx bench/store-worker.ts), connected before a common go",
        postgres:
          "throwaway PostgreSQL cluster from test/store/pg-cluster.ts (fsync=off, synchronous_commit=off, " +
          "full_page_writes=off), pool of 4 connections per worker, a new database per run",
        sqlite: "a new file per run in the temp folder, WAL mode as the store opens it",
        warmUp: "one PostgreSQL x1 and one SQLite x1 run before the recorded runs",
      },
      results: measured,
      ratios: { postgres4WorkersVs1: round(pg4 / pg1, 2) },
      verification: {
        note:
          "every run: each job done at version 4 with exactly 4 events (job-created, then step-done for create, " +
          "verify and observe, all by the worker that claimed it), and each job advanced by exactly one worker; " +
          "the bench throws otherwise",
      },
    };
  } finally {
    await rm(tmp, { recursive: true, force: true });
    await cluster.stop();
  }
}
