// A separate process for the multi-process PostgreSQL store tests (run with `node --import tsx`).
// It connects, prints "ready", waits for "go" on stdin so all workers act at the same moment,
// does its work and prints one JSON line with the outcome.
//
//   pg-worker.ts <url> open
//   pg-worker.ts <url> create <userName>
//   pg-worker.ts <url> claim <jobId> <owner> <nowMs> <leaseMs>
//   pg-worker.ts <url> drain <owner> <batch> <workMs>
//
// `drain` is what a `keywarden rotations advance` worker does: take a batch of due jobs with
// claimDueJobs, "advance" each (wait workMs, as an AWS call would, then updateJob to done with an
// event whose actor is this worker), release it, and repeat until nothing is due.
import { KeywardenError } from "../../src/domain/errors.js";
import { StaleJobError } from "../../src/store/errors.js";
import { openPostgresStore, type PostgresStore } from "../../src/store/postgres.js";
import { jobInput } from "./fixtures.js";

type Outcome = Record<string, unknown>;

function waitForGo(): Promise<void> {
  return new Promise((resolve) => {
    let buf = "";
    const onData = (chunk: Buffer) => {
      buf += chunk.toString();
      if (buf.includes("go")) {
        process.stdin.off("data", onData);
        process.stdin.destroy();
        resolve();
      }
    };
    process.stdin.on("data", onData);
  });
}

function failure(err: unknown): Outcome {
  if (err instanceof KeywardenError) return { ok: false, code: err.code, message: err.message };
  return {
    ok: false,
    code: "UNEXPECTED",
    message: err instanceof Error ? (err.stack ?? err.message) : String(err),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function drain(store: PostgresStore, owner: string, batch: number, workMs: number): Promise<Outcome> {
  const claimed: string[] = [];
  const advanced: string[] = [];
  let stale = 0;
  let firstAt: number | null = null;
  let lastAt = 0;
  for (;;) {
    const jobs = await store.claimDueJobs(owner, 60_000, new Date(), batch);
    if (jobs.length === 0) break;
    firstAt ??= Date.now();
    for (const job of jobs) {
      claimed.push(job.id);
      try {
        await sleep(workMs);
        await store.updateJob(
          job.id,
          job.version,
          { state: "done", step: "done" },
          { step: job.step, action: "advanced", actor: owner },
        );
        advanced.push(job.id);
      } catch (err) {
        if (err instanceof StaleJobError) stale++;
        else throw err;
      } finally {
        await store.releaseJob(job.id, owner);
      }
      lastAt = Date.now();
    }
  }
  return { ok: true, owner, claimed, advanced, stale, firstAt, lastAt };
}

async function act(url: string, mode: string, args: string[]): Promise<Outcome> {
  let store: PostgresStore | null = null;
  if (mode !== "open") store = await openPostgresStore(url);
  process.stdout.write("ready\n");
  await waitForGo();
  try {
    switch (mode) {
      case "open": {
        store = await openPostgresStore(url);
        return { ok: true };
      }
      case "create": {
        const job = await store?.createJob(jobInput({ userName: args[0] ?? "alice" }), `pid-${process.pid}`);
        return { ok: true, id: job?.id };
      }
      case "claim": {
        const [jobId = "", owner = "", nowMs = "0", leaseMs = "60000"] = args;
        const claimed = await store?.claimJob(jobId, owner, Number(leaseMs), new Date(Number(nowMs)));
        return { ok: true, claimed };
      }
      case "drain": {
        const [owner = `pid-${process.pid}`, batch = "1", workMs = "0"] = args;
        if (!store) throw new Error("no store");
        return await drain(store, owner, Number(batch), Number(workMs));
      }
      default:
        return { ok: false, code: "BAD_MODE", message: mode };
    }
  } catch (err) {
    return failure(err);
  } finally {
    await store?.close();
  }
}

const [url = "", mode = "", ...rest] = process.argv.slice(2);
act(url, mode, rest)
  .catch(failure)
  .then((outcome) => {
    process.stdout.write(`${JSON.stringify(outcome)}\n`);
  })
  .catch(() => {
    process.exitCode = 1;
  });
