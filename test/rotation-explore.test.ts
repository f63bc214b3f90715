import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPostgresStore } from "../src/store/postgres.js";
import { openSqliteStore } from "../src/store/sqlite.js";
import type { Store } from "../src/store/types.js";
import { useEmulator, type CreatedKey } from "./emulator/harness.js";
import { explore, OUTSIDE, type Outcome, type Schedule, type World } from "./helpers/explore.js";
import { startPgCluster, type PgCluster } from "./store/pg-cluster.js";

// The rotation's invariants (I1-I6, src/rotation/engine.ts), proven by exploring schedules rather
// than by one test per bug: the real engine, SDK adapters and store against the emulator with
// signature checks on, and at every write boundary (an IAM call, a target write, a store write):
//  - a crash (the process dies there), then recovery as the README says: `rotations advance`
//    with the list it took before the crash (a stale copy), or `rotate --rollback`;
//  - a crash inside that rollback, then `rotate --resume`;
//  - a second worker that tries to advance the same job;
//  - an outside actor: a person creates a key, deletes or deactivates the old one, edits or
//    removes a target, or another store (a second laptop, the team's PostgreSQL) rotates the user.
// `npm test` runs a deterministic sample on SQLite and PostgreSQL; KEYWARDEN_EXPLORE=full runs
// every schedule (`npm run explore`; the count and time are in the README's rotation section).

const FULL = process.env.KEYWARDEN_EXPLORE === "full";
// KEYWARDEN_EXPLORE='{"kind":"crash","at":"after:iam.createAccessKey#1","then":"resume"}' replays one.
const ONE = process.env.KEYWARDEN_EXPLORE?.startsWith("{")
  ? (JSON.parse(process.env.KEYWARDEN_EXPLORE) as Schedule)
  : null;
const emu = useEmulator();
let admin: CreatedKey;

beforeAll(async () => {
  await emu.client.reset();
  admin = await emu.createAdmin();
  await emu.client.setAuth(true);
});

function schedulesFrom(record: Outcome, rollbackNames: string[], sample: number): Schedule[] {
  const after = record.boundaries.filter((b) => b.startsWith("after:"));
  const before = record.boundaries.filter((b) => b.startsWith("before:"));
  const pick = <T>(xs: T[], every: number, offset = 0) => xs.filter((_, i) => (i + offset) % every === 0);
  const out: Schedule[] = [];
  for (const at of after) out.push({ kind: "crash", at, then: "resume" });
  for (const at of pick(after, sample)) out.push({ kind: "crash", at, then: "rollback" });
  for (const at of pick(rollbackNames, sample))
    out.push({ kind: "crash-in-rollback", firstAt: VERIFIED, at });
  OUTSIDE.forEach((action, i) => {
    for (const at of pick(before, sample * 2, i)) out.push({ kind: "outside", at, action });
  });
  for (const at of pick(before, sample * 2, 1)) out.push({ kind: "second-worker", at });
  return out;
}

/** The first run stops after the "verified" save, so a rollback has a key and targets to undo. */
const VERIFIED = "after:store.updateJob#4";

function run(kind: "sqlite" | "postgres", sample: number): void {
  describe(`rotation schedules on ${kind}`, () => {
    let cluster: PgCluster | undefined;
    let n = 0;
    const dir = mkdtemp(join(tmpdir(), "kw-explore-store-"));
    const sqlite = async (): Promise<Store> => openSqliteStore(join(await dir, `s${++n}.db`));
    const world = (): World => ({
      emu,
      admin,
      openStore: async () =>
        kind === "sqlite"
          ? sqlite()
          : openPostgresStore(await (cluster as PgCluster).createDatabase(`x${++n}`)),
      // Two stores: two laptops (SQLite and SQLite), or the team's PostgreSQL and a laptop.
      openOtherStore: sqlite,
    });
    beforeAll(async () => {
      if (kind === "postgres") cluster = await startPgCluster();
    }, 120_000);
    afterAll(async () => {
      await cluster?.stop();
    });

    it(`holds I1-I6 at every boundary sampled (1 in ${sample}; every one with KEYWARDEN_EXPLORE=full)`, async () => {
      const started = Date.now();
      const record = await explore(world(), { kind: "record" });
      expect(record.violations).toEqual([]);
      expect(record.finalState).toBe("done@done");
      // The boundaries the engine exposes: every IAM write, target write and store write.
      for (const b of [
        "after:iam.tagUser#1",
        "after:iam.createAccessKey#1",
        "after:target.deliver#3",
        "after:iam.updateAccessKey#1",
        "after:iam.deleteAccessKey#1",
        "after:target.discard#1",
        "after:iam.untagUser#1",
      ])
        expect(record.boundaries).toContain(b);
      const rb = await explore(world(), { kind: "crash-in-rollback", firstAt: VERIFIED, at: "(record)" });
      expect(rb.violations).toEqual([]);
      expect(rb.finalState).toBe("rolled-back@done");
      const rollbackNames = rb.boundaries
        .filter((b) => b.startsWith("rollback:after:"))
        .map((b) => b.slice("rollback:".length));

      const schedules = ONE ? [ONE] : schedulesFrom(record, rollbackNames, sample);
      const failures: string[] = [];
      const states = new Map<string, number>();
      const left: string[] = []; // jobs left for a person to decide, with why, for the log
      for (const schedule of schedules) {
        const o = await explore(world(), schedule);
        if (ONE) process.stdout.write(`${JSON.stringify(o, null, 2)}\n`);
        states.set(o.finalState, (states.get(o.finalState) ?? 0) + 1);
        if (!/^(done|rolled-back)@/.test(o.finalState))
          left.push(`${JSON.stringify(schedule)} -> ${o.finalState}`);
        for (const v of o.violations) failures.push(`${JSON.stringify(schedule)}: ${v}`);
      }
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      process.stdout.write(
        `rotation schedules on ${kind}: ${schedules.length + 2} explored (${record.boundaries.length} boundaries in a rotation, ${rollbackNames.length} in a rollback) in ${seconds} s; outcomes ${JSON.stringify(Object.fromEntries(states))}`,
      );
      if (left.length > 0) process.stdout.write(`left for a person:\n  ${left.join("\n  ")}\n`);
      expect(failures).toEqual([]);
      if (!ONE) expect(schedules.length).toBeGreaterThan(FULL ? 100 : 20);
    }, 1_800_000);
  });
}

run("sqlite", FULL ? 1 : 3);
run("postgres", FULL ? 1 : 5);
