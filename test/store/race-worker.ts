// A separate process for the multi-process store tests (run with `node --import tsx`).
// It prepares, prints "ready", waits for "go" on stdin so all workers act at the same moment,
// does one thing and prints one JSON line with the outcome.
//
//   race-worker.ts <db> open
//   race-worker.ts <db> create <userName>
//   race-worker.ts <db> claim <jobId> <owner> <nowMs> <leaseMs>
import { KeywardenError } from "../../src/domain/errors.js";
import { openSqliteStore, type SqliteStore } from "../../src/store/sqlite.js";
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

async function act(db: string, mode: string, args: string[]): Promise<Outcome> {
  let store: SqliteStore | null = null;
  if (mode !== "open") store = await openSqliteStore(db);
  process.stdout.write("ready\n");
  await waitForGo();
  try {
    switch (mode) {
      case "open": {
        store = await openSqliteStore(db);
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
      default:
        return { ok: false, code: "BAD_MODE", message: mode };
    }
  } catch (err) {
    return failure(err);
  } finally {
    await store?.close();
  }
}

const [db = "", mode = "", ...rest] = process.argv.slice(2);
act(db, mode, rest)
  .catch(failure)
  .then((outcome) => {
    process.stdout.write(`${JSON.stringify(outcome)}\n`);
  })
  .catch(() => {
    process.exitCode = 1;
  });
