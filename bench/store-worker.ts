// A worker process of bench/store (run with `node --import tsx`): opens the store, prints "ready",
// waits for "go" on stdin so all workers start together, then advances due rotation jobs until none
// is due, and prints one JSON line.
//
//   store-worker.ts postgres <url> <owner>    claimDueJobs(owner, lease, now, 1), one job at a time
//   store-worker.ts sqlite <file> <owner>     dueJobs(now), then claimJob on each
//
// Advancing a job is what a rotation advance writes: three updateJob calls, each with its event
// (create -> verify -> observe -> done), then releaseJob.
import { StaleJobError } from "../src/store/errors.js";
import { openPostgresStore } from "../src/store/postgres.js";
import { openSqliteStore } from "../src/store/sqlite.js";
import type { RotationJob, Store } from "../src/store/types.js";

const LEASE_MS = 60_000;
export const STEPS = ["create", "verify", "observe", "done"] as const;

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

const nowMs = () => performance.timeOrigin + performance.now();

async function advance(store: Store, job: RotationJob, owner: string): Promise<void> {
  let j = job;
  for (let i = 0; i + 1 < STEPS.length; i++) {
    const from = STEPS[i] as string;
    const to = STEPS[i + 1] as string;
    j = await store.updateJob(
      j.id,
      j.version,
      {
        step: to,
        state: to === "done" ? "done" : "running",
        data: { ...j.data, [from]: { at: new Date().toISOString(), by: owner } },
      },
      { step: from, action: "step-done", actor: owner, detail: { next: to } },
    );
  }
}

async function main(): Promise<void> {
  const [backend = "", location = "", owner = `pid-${process.pid}`] = process.argv.slice(2);
  const store =
    backend === "postgres"
      ? await openPostgresStore(location)
      : backend === "sqlite"
        ? await openSqliteStore(location)
        : null;
  if (!store) throw new Error(`unknown backend ${backend}`);
  process.stdout.write("ready\n");
  await waitForGo();
  const startedAt = nowMs();
  const advanced: string[] = [];
  let stale = 0;
  let claims = 0;
  try {
    if (backend === "postgres" && "claimDueJobs" in store) {
      for (;;) {
        claims++;
        const jobs = await store.claimDueJobs(owner, LEASE_MS, new Date(), 1);
        if (jobs.length === 0) break;
        for (const job of jobs) {
          try {
            await advance(store, job, owner);
            advanced.push(job.id);
          } catch (err) {
            if (err instanceof StaleJobError) stale++;
            else throw err;
          } finally {
            await store.releaseJob(job.id, owner);
          }
        }
      }
    } else {
      for (;;) {
        const due = await store.dueJobs(new Date());
        if (due.length === 0) break;
        let progressed = false;
        for (const job of due) {
          claims++;
          if (!(await store.claimJob(job.id, owner, LEASE_MS, new Date()))) continue;
          try {
            await advance(store, job, owner);
            advanced.push(job.id);
            progressed = true;
          } catch (err) {
            if (err instanceof StaleJobError) stale++;
            else throw err;
          } finally {
            await store.releaseJob(job.id, owner);
          }
        }
        // Every due job is leased by another worker: give them a moment.
        if (!progressed) await new Promise((r) => setTimeout(r, 5));
      }
    }
  } finally {
    await store.close();
  }
  const endedAt = nowMs();
  process.stdout.write(
    `${JSON.stringify({ ok: true, owner, advanced, stale, claims, startedAt, endedAt })}\n`,
  );
}

main().catch((err: unknown) => {
  process.stdout.write(
    `${JSON.stringify({ ok: false, message: err instanceof Error ? (err.stack ?? err.message) : String(err) })}\n`,
  );
  process.exitCode = 1;
});
