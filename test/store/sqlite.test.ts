// The SQLite store on real temp files: the shared store contract, then what only SQLite has:
// migrations, file modes, the data folder, damaged files, and several processes on one file.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, statSync, writeFileSync, chmodSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ExitCode } from "../../src/domain/errors.js";
import { CONFLICT_EXIT_CODE, StoreBusyError, StoreOpenError } from "../../src/store/errors.js";
import { MIGRATIONS, type Migration } from "../../src/store/migrations.js";
import { openSqliteStore, type SqliteStore } from "../../src/store/sqlite.js";
import { storeContract } from "./contract.js";
import { jobInput, T0 } from "./fixtures.js";

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "keywarden-store-"));
  dirs.push(dir);
  return dir;
}
async function removeTempDirs(): Promise<void> {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

storeContract("sqlite", {
  open: async (clock) => openSqliteStore(join(await tempDir(), "keywarden.db"), { clock }),
  cleanup: removeTempDirs,
});

const mode = (path: string) => statSync(path).mode & 0o777;

function raw(path: string): Database.Database {
  return new Database(path);
}

describe("SQLite store", () => {
  let dir: string;
  let dbPath: string;
  const open: SqliteStore[] = [];
  const openStore = async (
    path: string | undefined = dbPath,
    options?: Parameters<typeof openSqliteStore>[1],
  ) => {
    const s = await openSqliteStore(path, options);
    return track(s);
  };
  const track = (s: SqliteStore) => {
    open.push(s);
    return s;
  };

  beforeEach(async () => {
    dir = await tempDir();
    dbPath = join(dir, "keywarden.db");
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
    await removeTempDirs();
  });

  describe("migrations", () => {
    it("applies each migration once and is idempotent on reopen", async () => {
      const first = await openStore();
      await first.createJob(jobInput(), "t");
      await first.close();
      const db = raw(dbPath);
      const before = db
        .prepare("SELECT version, name, applied_at FROM schema_migrations ORDER BY version")
        .all();
      db.close();
      expect(before).toHaveLength(MIGRATIONS.length);
      expect(before.map((r) => (r as { version: number }).version)).toEqual(MIGRATIONS.map((m) => m.version));

      const second = await openStore();
      expect(await second.listJobs()).toHaveLength(1);
      await second.close();
      const db2 = raw(dbPath);
      expect(
        db2.prepare("SELECT version, name, applied_at FROM schema_migrations ORDER BY version").all(),
      ).toEqual(before);
      db2.close();
    });

    it("runs in WAL mode with the lock index in place", async () => {
      await (await openStore()).close();
      const db = raw(dbPath);
      expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
      const index = db
        .prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'rotation_jobs_one_per_user'")
        .get() as { sql: string } | undefined;
      db.close();
      expect(index?.sql).toMatch(/UNIQUE INDEX[\s\S]*WHERE state IN \('running', 'waiting', 'failed'\)/);
    });

    it("applies only the new migrations when the code gains one", async () => {
      await (await openStore()).close();
      const v2: Migration = {
        version: MIGRATIONS.length + 1,
        name: "findings",
        up: (sql) => {
          sql("CREATE TABLE findings (id INTEGER PRIMARY KEY)");
        },
      };
      await (await openStore(dbPath, { migrations: [...MIGRATIONS, v2] })).close();
      const db = raw(dbPath);
      const versions = db.prepare("SELECT version FROM schema_migrations ORDER BY version").pluck().all();
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
      db.close();
      expect(versions).toEqual([...MIGRATIONS.map((m) => m.version), v2.version]);
      expect(tables).toContain("findings");
    });

    it("rolls a failing migration back whole", async () => {
      await (await openStore()).close();
      const broken: Migration = {
        version: MIGRATIONS.length + 1,
        name: "half done",
        up: (sql) => {
          sql("CREATE TABLE half (id INTEGER)");
          sql("THIS IS NOT SQL");
        },
      };
      await expect(openSqliteStore(dbPath, { migrations: [...MIGRATIONS, broken] })).rejects.toThrow(
        /syntax error/,
      );
      const db = raw(dbPath);
      const versions = db.prepare("SELECT version FROM schema_migrations").pluck().all();
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
      db.close();
      expect(versions).toHaveLength(MIGRATIONS.length);
      expect(tables).not.toContain("half");
    });

    it("refuses a database from a newer keywarden with a clear error (exit 6)", async () => {
      await (await openStore()).close();
      const db = raw(dbPath);
      db.prepare(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', '2030-01-01')",
      ).run();
      db.close();
      const attempt = openSqliteStore(dbPath);
      await expect(attempt).rejects.toBeInstanceOf(StoreOpenError);
      await expect(attempt).rejects.toMatchObject({ code: "STORE_TOO_NEW", exitCode: ExitCode.ENVIRONMENT });
      await expect(attempt).rejects.toThrow(/schema version 999, newer than this keywarden knows \(2\)/);
      const err = (await attempt.catch((e: unknown) => e)) as StoreOpenError;
      expect(err.fix).toMatch(/^Upgrade keywarden/);
    });
  });

  describe("files", () => {
    it("creates the database 0600 (its WAL too) and a missing folder 0700", async () => {
      const nested = join(dir, "a", "b", "store.db");
      const store = await openStore(nested);
      await store.createJob(jobInput(), "t");
      expect(mode(nested)).toBe(0o600);
      expect(existsSync(`${nested}-wal`)).toBe(true);
      expect(mode(`${nested}-wal`)).toBe(0o600);
      expect(mode(join(dir, "a", "b"))).toBe(0o700);
      expect(mode(join(dir, "a"))).toBe(0o700);
    });

    it("tightens an existing database file to 0600", async () => {
      await (await openStore()).close();
      chmodSync(dbPath, 0o644);
      await openStore();
      expect(mode(dbPath)).toBe(0o600);
    });

    it("leaves an existing folder of an explicit path alone", async () => {
      chmodSync(dir, 0o755);
      await openStore();
      expect(mode(dir)).toBe(0o755);
    });

    describe("default location", () => {
      const saved = { ...process.env };
      afterEach(() => {
        for (const k of ["KEYWARDEN_HOME", "XDG_DATA_HOME"]) {
          if (saved[k] === undefined) Reflect.deleteProperty(process.env, k);
          else process.env[k] = saved[k];
        }
      });

      it("is keywarden.db in KEYWARDEN_HOME, created 0700", async () => {
        const home = join(dir, "kw-home");
        process.env.KEYWARDEN_HOME = home;
        const store = track(await openSqliteStore());
        expect(store.path).toBe(join(home, "keywarden.db"));
        expect(mode(home)).toBe(0o700);
        expect(mode(join(home, "keywarden.db"))).toBe(0o600);
      });

      it("is keywarden/keywarden.db in XDG_DATA_HOME, and a loose existing data folder is tightened", async () => {
        Reflect.deleteProperty(process.env, "KEYWARDEN_HOME");
        process.env.XDG_DATA_HOME = dir;
        mkdirSync(join(dir, "keywarden"), { mode: 0o755 });
        chmodSync(join(dir, "keywarden"), 0o755);
        const store = track(await openSqliteStore());
        expect(store.path).toBe(join(dir, "keywarden", "keywarden.db"));
        expect(mode(join(dir, "keywarden"))).toBe(0o700);
      });
    });

    it("reports a file that is not a database as damaged (exit 6)", async () => {
      writeFileSync(dbPath, "this is not a sqlite database, just some text that is long enough ".repeat(20));
      const attempt = openSqliteStore(dbPath);
      await expect(attempt).rejects.toMatchObject({ code: "STORE_CORRUPT", exitCode: ExitCode.ENVIRONMENT });
      await expect(attempt).rejects.toThrow(`${dbPath} is not a keywarden database or is damaged`);
    });

    it("reports a path it cannot create as unopenable (exit 6)", async () => {
      writeFileSync(join(dir, "plain-file"), "x");
      const attempt = openSqliteStore(join(dir, "plain-file", "keywarden.db"));
      await expect(attempt).rejects.toBeInstanceOf(StoreOpenError);
      await expect(attempt).rejects.toMatchObject({
        code: "STORE_UNOPENABLE",
        exitCode: ExitCode.ENVIRONMENT,
      });
    });
  });

  it("gives up on a database another process keeps locked with StoreBusyError (exit 7, retryable)", async () => {
    const store = await openStore(dbPath, { busyTimeoutMs: 200 });
    const other = raw(dbPath);
    other.exec("BEGIN IMMEDIATE");
    try {
      const started = Date.now();
      const attempt = store.createJob(jobInput(), "t");
      await expect(attempt).rejects.toBeInstanceOf(StoreBusyError);
      await expect(attempt).rejects.toMatchObject({
        code: "STORE_BUSY",
        exitCode: CONFLICT_EXIT_CODE,
        retryable: true,
      });
      expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    } finally {
      other.exec("ROLLBACK");
      other.close();
    }
    // Readers are not blocked by a writer in WAL mode, and the store works once the lock is gone.
    expect(await store.listJobs()).toEqual([]);
    await expect(store.createJob(jobInput(), "t")).resolves.toMatchObject({ version: 1 });
  });

  describe("several processes on one file", () => {
    const worker = fileURLToPath(new URL("./race-worker.ts", import.meta.url));

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
      const results = await race([0, 1, 2, 3].map(() => [dbPath, "open"]));
      expect(results).toEqual([0, 1, 2, 3].map(() => ({ ok: true })));
      const db = raw(dbPath);
      expect(db.prepare("SELECT COUNT(*) FROM schema_migrations").pluck().get()).toBe(MIGRATIONS.length);
      db.close();
    });

    it("four processes starting a rotation for one user at once: exactly one wins", async () => {
      await (await openStore()).close();
      const results = await race([0, 1, 2, 3].map(() => [dbPath, "create", "alice"]));
      const winners = results.filter((r) => r.ok === true);
      const losers = results.filter((r) => r.ok !== true);
      expect(winners).toHaveLength(1);
      const winnerId = String(winners[0]?.id);
      expect(losers).toHaveLength(3);
      for (const l of losers) {
        expect(l.code).toBe("JOB_LOCKED");
        expect(l.message).toContain(`already has rotation ${winnerId}`);
      }
      const store = await openStore();
      const jobs = await store.listJobs({ userName: "alice" });
      expect(jobs.map((j) => j.id)).toEqual([winnerId]);
      expect(await store.events(winnerId)).toHaveLength(1);
    });

    it("four processes claiming one job at once: exactly one gets the lease", async () => {
      const store = await openStore();
      const job = await store.createJob(jobInput(), "t");
      const now = String(T0.getTime());
      const results = await race([0, 1, 2, 3].map((i) => [dbPath, "claim", job.id, `w${i}`, now, "60000"]));
      expect(results.every((r) => r.ok === true)).toBe(true);
      expect(results.filter((r) => r.claimed === true)).toHaveLength(1);
    });

    it("a lease taken in one process holds in another until released or expired", async () => {
      const store = await openStore();
      const job = await store.createJob(jobInput(), "t");
      const at = (ms: number) => String(T0.getTime() + ms);
      expect(await store.claimJob(job.id, "parent", 60_000, T0)).toBe(true);
      const [refused] = await race([[dbPath, "claim", job.id, "child", at(1000), "60000"]]);
      expect(refused).toEqual({ ok: true, claimed: false });
      const [afterExpiry] = await race([[dbPath, "claim", job.id, "child", at(60_000), "60000"]]);
      expect(afterExpiry).toEqual({ ok: true, claimed: true });
      // Now the child holds it until T0+120s: the parent is refused, until the child's lease is released.
      expect(await store.claimJob(job.id, "parent", 60_000, new Date(T0.getTime() + 61_000))).toBe(false);
      await store.releaseJob(job.id, "child");
      expect(await store.claimJob(job.id, "parent", 60_000, new Date(T0.getTime() + 61_000))).toBe(true);
    });
  });
});
