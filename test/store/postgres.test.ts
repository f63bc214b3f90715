// The PostgreSQL store on a real cluster this file starts (initdb + pg_ctl on a free loopback port):
// the shared store contract, then what only PostgreSQL has: migrations under concurrent openers,
// session settings, connection failures, the store factory, and several worker processes sharing
// one database, where each due job must be advanced by exactly one of them.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { inspect } from "node:util";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ExitCode } from "../../src/domain/errors.js";
import { JobLockedError, StoreOpenError } from "../../src/store/errors.js";
import { chooseStore, openStore } from "../../src/store/open.js";
import { PG_MIGRATIONS, type PgMigration } from "../../src/store/postgres-migrations.js";
import { openPostgresStore, type PostgresStore } from "../../src/store/postgres.js";
import { openSqliteStore } from "../../src/store/sqlite.js";
import type { Store } from "../../src/store/types.js";
import { runCli } from "../helpers/cli.js";
import { storeContract } from "./contract.js";
import { jobInput, T0 } from "./fixtures.js";
import { freePort, startPgCluster, type PgCluster } from "./pg-cluster.js";

let cluster: PgCluster | undefined;
let admin: pg.Pool | undefined;
let contractUrl = "";

function pgCluster(): PgCluster {
  if (!cluster) throw new Error("the PostgreSQL cluster did not start (see beforeAll)");
  return cluster;
}

beforeAll(async () => {
  cluster = await startPgCluster();
  contractUrl = await cluster.createDatabase("contract");
  admin = new pg.Pool({ connectionString: contractUrl, max: 1 });
}, 120_000);

afterAll(async () => {
  await admin?.end();
  await cluster?.stop();
});

let dbCounter = 0;
/** A new empty database on the cluster, for tests of migrations and opening. */
const freshDatabase = () => pgCluster().createDatabase(`t${++dbCounter}`);

/** Runs SQL against a database directly, outside the store. */
async function sql<R extends pg.QueryResultRow>(
  url: string,
  text: string,
  params: unknown[] = [],
): Promise<R[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<R>(text, params)).rows;
  } finally {
    await c.end();
  }
}

// The contract: one database, migrated once, emptied before each test (fast: no DDL per test).
storeContract("postgres", {
  open: async (clock) => {
    const store = await openPostgresStore(contractUrl, { clock });
    await admin?.query("TRUNCATE rotation_jobs, job_events, records, settings, locks RESTART IDENTITY");
    return store;
  },
});

describe("PostgreSQL store", () => {
  const open: Store[] = [];
  const track = <S extends Store>(s: S): S => {
    open.push(s);
    return s;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  describe("migrations", () => {
    it("applies each migration once, is idempotent on reopen, and creates the per-user lock index", async () => {
      const url = await freshDatabase();
      const first = await openPostgresStore(url);
      await first.createJob(jobInput(), "t");
      await first.close();
      const q = "SELECT version, name, applied_at::text FROM schema_migrations ORDER BY version";
      const before = await sql<{ version: number }>(url, q);
      expect(before.map((r) => r.version)).toEqual(PG_MIGRATIONS.map((m) => m.version));

      const second = track(await openPostgresStore(url));
      expect(await second.listJobs()).toHaveLength(1);
      expect(await sql(url, q)).toEqual(before);

      const [index] = await sql<{ indexdef: string }>(
        url,
        "SELECT indexdef FROM pg_indexes WHERE indexname = 'rotation_jobs_one_per_user'",
      );
      expect(index?.indexdef).toMatch(
        /UNIQUE INDEX[\s\S]*\(account_id, user_name\) WHERE[\s\S]*'running'[\s\S]*'waiting'[\s\S]*'failed'/,
      );
    });

    it("applies only the new migrations when the code gains one", async () => {
      const url = await freshDatabase();
      await (await openPostgresStore(url)).close();
      const v2: PgMigration = {
        version: PG_MIGRATIONS.length + 1,
        name: "findings",
        sql: "CREATE TABLE findings (id bigint PRIMARY KEY)",
      };
      await (await openPostgresStore(url, { migrations: [...PG_MIGRATIONS, v2] })).close();
      const versions = await sql<{ version: number }>(
        url,
        "SELECT version FROM schema_migrations ORDER BY 1",
      );
      expect(versions.map((r) => r.version)).toEqual([...PG_MIGRATIONS.map((m) => m.version), v2.version]);
      expect(await sql(url, "SELECT to_regclass('findings')::text AS t")).toEqual([{ t: "findings" }]);
    });

    it("rolls a failing migration back whole", async () => {
      const url = await freshDatabase();
      await (await openPostgresStore(url)).close();
      const broken: PgMigration = {
        version: PG_MIGRATIONS.length + 1,
        name: "half done",
        sql: "CREATE TABLE half (id integer); THIS IS NOT SQL",
      };
      await expect(openPostgresStore(url, { migrations: [...PG_MIGRATIONS, broken] })).rejects.toThrow(
        /syntax error/,
      );
      expect(await sql(url, "SELECT COUNT(*)::int AS n FROM schema_migrations")).toEqual([
        { n: PG_MIGRATIONS.length },
      ]);
      expect(await sql(url, "SELECT to_regclass('half') AS t")).toEqual([{ t: null }]);
    });

    it("refuses a database from a newer keywarden with a clear error (exit 6)", async () => {
      const url = await freshDatabase();
      await (await openPostgresStore(url)).close();
      await sql(url, "INSERT INTO schema_migrations VALUES (999, 'future', now())");
      const attempt = openPostgresStore(url);
      await expect(attempt).rejects.toBeInstanceOf(StoreOpenError);
      await expect(attempt).rejects.toMatchObject({ code: "STORE_TOO_NEW", exitCode: ExitCode.ENVIRONMENT });
      await expect(attempt).rejects.toThrow(
        `the keywarden database ${url} has schema version 999, newer than this keywarden knows (${PG_MIGRATIONS.length})`,
      );
      const err = (await attempt.catch((e: unknown) => e)) as StoreOpenError;
      expect(err.fix).toMatch(/^Upgrade keywarden/);
    });
  });

  describe("values", () => {
    it("returns exactly what the SQLite store returns: ISO times, JSON with its key order, every string", async () => {
      const data = {
        zeta: 1,
        alpha: { z: [3, 2, 1], a: null, "": "empty key" },
        nul: "a\u0000b",
        unicode: "ключ 🔑",
        big: 12345678901234,
        float: 0.1,
        bool: false,
      };
      const script = async (store: Store) => {
        const job = await store.createJob(
          jobInput({
            id: "rot-same-1",
            data,
            options: { soakMs: 1, observeMs: 2, aws: { region: "eu-west-1" } },
          }),
          "t",
        );
        const updated = await store.updateJob(
          job.id,
          1,
          { state: "waiting", nextAt: "2025-03-08T10:00:00.123+05:30", data: { ...data, step: 2 } },
          { step: "observe", action: "wait", actor: "t", detail: { y: 1, x: { b: 2, a: 1 } } },
        );
        return { job, updated, events: await store.events(job.id), due: await store.dueJobs(T0) };
      };
      const dir = await mkdtemp(join(tmpdir(), "keywarden-pg-vs-sqlite-"));
      try {
        const lite = await openSqliteStore(join(dir, "k.db"), { clock: () => T0 });
        const fromSqlite = await script(lite);
        await lite.close();
        const store = track(await openPostgresStore(await freshDatabase(), { clock: () => T0 }));
        const fromPg = await script(store);
        expect(JSON.stringify(fromPg)).toBe(JSON.stringify(fromSqlite));
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it("reads times as UTC ISO whatever the session's TimeZone and DateStyle", async () => {
      const url = await freshDatabase();
      const odd = `${url}?options=${encodeURIComponent("-c TimeZone=Asia/Kathmandu -c DateStyle=SQL,DMY")}`;
      const store = track(await openPostgresStore(odd, { clock: () => T0 }));
      const [tz] = await sql<{ tz: string }>(odd, "SELECT current_setting('TimeZone') AS tz");
      expect(tz?.tz).toBe("Asia/Kathmandu");
      const job = await store.createJob(
        jobInput({ state: "waiting", nextAt: "2025-03-01T09:59:59.999Z" }),
        "t",
      );
      expect(job).toMatchObject({ createdAt: T0.toISOString(), nextAt: "2025-03-01T09:59:59.999Z" });
      expect((await store.dueJobs(new Date("2025-03-01T09:59:59.999Z"))).map((j) => j.id)).toEqual([job.id]);
      expect(await store.dueJobs(new Date("2025-03-01T09:59:59.998Z"))).toEqual([]);
      expect((await store.events(job.id))[0]?.at).toBe(T0.toISOString());
    });
  });

  describe("claimDueJobs", () => {
    it("leases due, unleased jobs longest-due first, up to the limit, without changing them", async () => {
      const store = track(await openPostgresStore(await freshDatabase(), { clock: () => T0 }));
      const past = await store.createJob(
        jobInput({ userName: "past", state: "waiting", nextAt: "2025-03-01T09:00:00Z" }),
        "t",
      );
      const nowJob = await store.createJob(jobInput({ userName: "now" }), "t");
      await store.createJob(
        jobInput({ userName: "later", state: "waiting", nextAt: "2025-03-08T10:00:00Z" }),
        "t",
      );
      const failed = await store.createJob(jobInput({ userName: "failed" }), "t");
      await store.updateJob(failed.id, 1, { state: "failed" }, { step: "x", action: "y", actor: "t" });
      const held = await store.createJob(jobInput({ userName: "held" }), "t");
      expect(await store.claimJob(held.id, "other", 60_000, T0)).toBe(true);

      const first = await store.claimDueJobs("w1", 60_000, T0, 1);
      expect(first).toEqual([past]);
      expect(await store.leaseOwner(past.id, T0)).toBe("w1");
      // The rest that is due and free; w1's own lease is renewed, "other"'s is left alone.
      expect((await store.claimDueJobs("w1", 60_000, T0, 10)).map((j) => j.id)).toEqual([past.id, nowJob.id]);
      expect(await store.claimDueJobs("w2", 60_000, T0, 10)).toEqual([]);
      // After the leases expire, w2 takes all three, including "other"'s.
      const later = new Date(T0.getTime() + 60_000);
      expect((await store.claimDueJobs("w2", 60_000, later, 10)).map((j) => j.id)).toEqual([
        past.id,
        nowJob.id,
        held.id,
      ]);
      expect(await store.leaseOwner(held.id, later)).toBe("w2");
      expect((await store.getJob(past.id))?.version).toBe(1);

      await expect(store.claimDueJobs("w3", 0, T0)).rejects.toThrow(/leaseMs/);
      await expect(store.claimDueJobs("w3", 1000, T0, 0)).rejects.toThrow(/limit/);
      await expect(store.claimDueJobs("", 1000, T0)).rejects.toThrow(/owner/);
    });
    it("passes over a job another worker is claiming at this moment instead of waiting for it", async () => {
      const url = await freshDatabase();
      const store = track(await openPostgresStore(url, { clock: () => T0 }));
      const a = await store.createJob(jobInput({ userName: "a" }), "t");
      const b = await store.createJob(jobInput({ userName: "b" }), "t");
      const other = new pg.Client({ connectionString: url });
      await other.connect();
      try {
        // Another worker is half-way through claiming `a`: its row is locked, the lease not committed.
        await other.query("BEGIN");
        await other.query("UPDATE rotation_jobs SET lease_owner = 'other', lease_until = $2 WHERE id = $1", [
          a.id,
          new Date(T0.getTime() + 60_000).toISOString(),
        ]);
        const got = await Promise.race([
          store.claimDueJobs("w1", 60_000, T0),
          new Promise<"blocked">((r) => {
            setTimeout(() => {
              r("blocked");
            }, 3000);
          }),
        ]);
        expect(got === "blocked" ? got : got.map((j) => j.id)).toEqual([b.id]);
        await other.query("COMMIT");
      } finally {
        await other.end();
      }
      // Once committed, the other worker's lease holds: nobody else gets `a` (or w1's `b`).
      expect(await store.claimDueJobs("w2", 60_000, T0)).toEqual([]);
      expect(await store.leaseOwner(a.id, T0)).toBe("other");
      expect(await store.leaseOwner(b.id, T0)).toBe("w1");
    });
  });

  describe("connection failures", () => {
    const password = "Sup3r-s3cret-pa55";

    it("a closed port: StoreOpenError (exit 6) naming host:port and a fix, never the password", async () => {
      const port = await freePort();
      const attempt = openPostgresStore(`postgres://keywarden:${password}@127.0.0.1:${port}/keywarden`);
      await expect(attempt).rejects.toBeInstanceOf(StoreOpenError);
      const err = (await attempt.catch((e: unknown) => e)) as StoreOpenError;
      expect(err).toMatchObject({ code: "STORE_UNOPENABLE", exitCode: ExitCode.ENVIRONMENT });
      expect(err.message).toBe(
        `could not open the keywarden database: cannot connect to PostgreSQL at 127.0.0.1:${port} (connection refused)`,
      );
      expect(err.fix).toContain(`listening on 127.0.0.1:${port}`);
      expect(err.location).toBe(`postgres://keywarden@127.0.0.1:${port}/keywarden`);
      expect(inspect(err, { depth: 10 })).not.toContain(password);
      expect(JSON.stringify(err)).not.toContain(password);
    });

    it("a database that does not exist: exit 6 with the createdb command", async () => {
      const url = `postgres://keywarden:${password}@127.0.0.1:${pgCluster().port}/nope`;
      const err = (await openPostgresStore(url).catch((e: unknown) => e)) as StoreOpenError;
      expect(err).toBeInstanceOf(StoreOpenError);
      expect(err.exitCode).toBe(ExitCode.ENVIRONMENT);
      expect(err.message).toContain(
        `there is no database nope on PostgreSQL at 127.0.0.1:${pgCluster().port}`,
      );
      expect(err.fix).toContain(`createdb -h 127.0.0.1 -p ${pgCluster().port} -U keywarden nope`);
      expect(`${err.message} ${err.fix}`).not.toContain(password);
    });

    it("a malformed URL: a usage error (exit 2) that does not repeat the URL", async () => {
      const attempt = openPostgresStore(`postgres://keywarden:${password}@[bad/keywarden`);
      await expect(attempt).rejects.toMatchObject({ exitCode: ExitCode.USAGE });
      await expect(attempt).rejects.toThrow(/not a valid postgres:\/\/ URL/);
      const err = (await attempt.catch((e: unknown) => e)) as Error;
      expect(inspect(err)).not.toContain(password);
    });
  });

  describe("choosing the store (--store / KEYWARDEN_STORE)", () => {
    it("opens PostgreSQL for postgres:// and postgresql:// URLs, the flag beating the environment", async () => {
      const url = await freshDatabase();
      const fromEnv = track(await openStore({ env: { KEYWARDEN_STORE: url } }));
      expect((fromEnv as PostgresStore).url).toBe(url);
      const alt = url.replace(/^postgres:/, "postgresql:");
      const fromFlag = track(await openStore({ url: alt, env: { KEYWARDEN_STORE: "/nonexistent/x.db" } }));
      expect((fromFlag as PostgresStore).url).toBe(url);
    });

    it("opens SQLite for a path, and the default file without either", async () => {
      const dir = await mkdtemp(join(tmpdir(), "keywarden-open-"));
      try {
        const explicit = track(await openStore({ env: { KEYWARDEN_STORE: join(dir, "x.db") } }));
        expect((explicit as unknown as { path: string }).path).toBe(join(dir, "x.db"));
        const byDefault = track(await openStore({ env: { KEYWARDEN_HOME: join(dir, "home") } }));
        expect((byDefault as unknown as { path: string }).path).toBe(join(dir, "home", "keywarden.db"));
        expect(chooseStore({ url: "~/kw/k.db", env: { HOME: "/home/alice" } })).toEqual({
          kind: "sqlite",
          path: "/home/alice/kw/k.db",
        });
        expect(chooseStore({ url: "", env: { KEYWARDEN_STORE: " ", KEYWARDEN_HOME: "/kw" } })).toEqual({
          kind: "sqlite",
          path: "/kw/keywarden.db",
        });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it("refuses any other URL with a usage error naming the accepted forms, not the URL", async () => {
      const attempt = openStore({ env: { KEYWARDEN_STORE: "mysql://root:hunter22@db/kw" } });
      await expect(attempt).rejects.toMatchObject({ exitCode: ExitCode.USAGE, code: "USAGE" });
      const err = (await attempt.catch((e: unknown) => e)) as Error;
      expect(err.message).toContain('the store "mysql:..." is not supported');
      expect(err.message).toContain("a postgres:// or postgresql:// URL");
      expect(err.message).toContain("the path of a SQLite file");
      expect(err.message).not.toContain("hunter22");
    });

    it("the CLI uses KEYWARDEN_STORE: `keywarden rotations list` reads jobs from PostgreSQL", async () => {
      const url = await freshDatabase();
      const store = track(await openPostgresStore(url));
      const job = await store.createJob(jobInput({ userName: "from-pg" }), "t");
      const r = await runCli(["rotations", "list", "--format", "json"], { env: { KEYWARDEN_STORE: url } });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(
        (JSON.parse(r.stdout) as { id: string; userName: string }[]).map((j) => [j.id, j.userName]),
      ).toEqual([[job.id, "from-pg"]]);
      const port = await freePort();
      const down = await runCli(["rotations", "list"], {
        env: { KEYWARDEN_STORE: `postgres://keywarden:hunter22@127.0.0.1:${port}/keywarden` },
      });
      expect(down.code).toBe(ExitCode.ENVIRONMENT);
      expect(down.stderr).toContain(`cannot connect to PostgreSQL at 127.0.0.1:${port}`);
      expect(down.stderr).not.toContain("hunter22");
    });
  });

  describe("several worker processes on one database", () => {
    const worker = fileURLToPath(new URL("./pg-worker.ts", import.meta.url));

    /** Starts every worker, waits until all are ready, then tells them all to go at once. */
    async function race(argsList: string[][]): Promise<Record<string, unknown>[]> {
      const children = argsList.map((args) =>
        spawn(process.execPath, ["--import", "tsx", worker, ...args], { stdio: ["pipe", "pipe", "pipe"] }),
      );
      const stderr = children.map(() => [] as string[]);
      children.forEach((c, i) => {
        c.stderr.on("data", (d: Buffer) => {
          stderr[i]?.push(d.toString());
        });
      });
      const lines = children.map((c) => createInterface({ input: c.stdout })[Symbol.asyncIterator]());
      const next = async (i: number): Promise<string> => {
        const r = await lines[i]?.next();
        if (!r || r.done === true) throw new Error(`worker ${i} ended early: ${stderr[i]?.join("") ?? ""}`);
        return r.value;
      };
      const ready = await Promise.all(children.map((_, i) => next(i)));
      expect(ready).toEqual(children.map(() => "ready"));
      for (const c of children) c.stdin.end("go\n");
      const results = await Promise.all(
        children.map(async (_, i) => JSON.parse(await next(i)) as Record<string, unknown>),
      );
      await Promise.all(
        children.map((c) =>
          c.exitCode !== null ? Promise.resolve() : new Promise((r) => c.once("exit", r)),
        ),
      );
      return results;
    }

    it("four processes opening a new database at once all succeed and migrate it once", async () => {
      const url = await freshDatabase();
      const results = await race([0, 1, 2, 3].map(() => [url, "open"]));
      expect(results).toEqual([0, 1, 2, 3].map(() => ({ ok: true })));
      expect(await sql(url, "SELECT COUNT(*)::int AS n FROM schema_migrations")).toEqual([
        { n: PG_MIGRATIONS.length },
      ]);
    });

    it("four processes starting a rotation for one user at once: exactly one wins", async () => {
      const url = await freshDatabase();
      await (await openPostgresStore(url)).close();
      const results = await race([0, 1, 2, 3].map(() => [url, "create", "alice"]));
      const winners = results.filter((r) => r.ok === true);
      const losers = results.filter((r) => r.ok !== true);
      expect(winners).toHaveLength(1);
      const winnerId = String(winners[0]?.id);
      expect(losers).toHaveLength(3);
      for (const l of losers) {
        expect(l.code).toBe("JOB_LOCKED");
        expect(l.message).toContain(`already has rotation ${winnerId}`);
      }
      const store = track(await openPostgresStore(url));
      expect((await store.listJobs({ userName: "alice" })).map((j) => j.id)).toEqual([winnerId]);
      expect(await store.events(winnerId)).toHaveLength(1);
      await expect(store.createJob(jobInput(), "t")).rejects.toBeInstanceOf(JobLockedError);
    });

    it("four processes claiming one job at once: exactly one gets the lease", async () => {
      const url = await freshDatabase();
      const store = track(await openPostgresStore(url));
      const job = await store.createJob(jobInput(), "t");
      const now = String(T0.getTime());
      const results = await race([0, 1, 2, 3].map((i) => [url, "claim", job.id, `w${i}`, now, "60000"]));
      expect(results.every((r) => r.ok === true)).toBe(true);
      expect(results.filter((r) => r.claimed === true)).toHaveLength(1);
    });

    it("four workers draining 80 due jobs at once: each job is advanced by exactly one worker", async () => {
      const url = await freshDatabase();
      const store = track(await openPostgresStore(url));
      const JOBS = 80;
      const ids: string[] = [];
      for (let i = 0; i < JOBS; i++) {
        const nextAt = i % 2 === 0 ? null : new Date(Date.now() - (JOBS - i) * 1000).toISOString();
        const job = await store.createJob(
          jobInput({ userName: `user-${i}`, state: nextAt === null ? "running" : "waiting", nextAt }),
          "t",
        );
        ids.push(job.id);
      }
      // A job that is not due must be left alone by every worker.
      const notDue = await store.createJob(
        jobInput({ userName: "later", state: "waiting", nextAt: "2999-01-01T00:00:00Z" }),
        "t",
      );

      // One job per claim and no pause between jobs: the claims of the four workers collide as
      // often as they can (a claim without row locks fails this test with duplicates).
      const owners = ["w1", "w2", "w3", "w4"];
      const started = Date.now();
      const results = (await race(owners.map((w) => [url, "drain", w, "1", "0"]))) as {
        ok: boolean;
        owner: string;
        claimed: string[];
        advanced: string[];
        stale: number;
        firstAt: number | null;
        lastAt: number;
        message?: string;
      }[];
      const elapsed = Date.now() - started;
      for (const r of results) expect(r, r.message).toMatchObject({ ok: true, stale: 0 });

      const claimed = results.flatMap((r) => r.claimed);
      const advanced = results.flatMap((r) => r.advanced);
      // Distinct claims (no job handed to two workers), none missing, none extra.
      expect(new Set(claimed).size).toBe(claimed.length);
      expect([...claimed].sort()).toEqual([...ids].sort());
      expect([...advanced].sort()).toEqual([...ids].sort());
      // Every worker took part, and they ran at the same time: each started before any finished.
      for (const r of results) expect(r.advanced.length, `${r.owner} advanced nothing`).toBeGreaterThan(0);
      const firsts = results.map((r) => r.firstAt ?? Infinity);
      const lasts = results.map((r) => r.lastAt);
      expect(Math.max(...firsts)).toBeLessThan(Math.min(...lasts));

      // The database agrees: one "advanced" event per job, by the worker that reported it.
      const byOwner = new Map(results.flatMap((r) => r.advanced.map((id) => [id, r.owner] as const)));
      for (const id of ids) {
        const advancedEvents = (await store.events(id)).filter((e) => e.action === "advanced");
        expect(advancedEvents.map((e) => e.actor)).toEqual([byOwner.get(id)]);
        expect(await store.getJob(id)).toMatchObject({ state: "done", version: 2 });
        expect(await store.leaseOwner(id, new Date())).toBeNull();
      }
      expect(await store.getJob(notDue.id)).toMatchObject({ state: "waiting", version: 1 });
      expect(await store.dueJobs(new Date())).toEqual([]);
      // For the report: how the work was shared.
      process.stderr.write(
        `pg drain: ${JOBS} jobs, 4 workers, ${elapsed} ms, per worker ${results
          .map((r) => `${r.owner}=${r.advanced.length}`)
          .join(" ")}\n`,
      );
    });
  });
});
