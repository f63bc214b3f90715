// Versioned schema migrations for the PostgreSQL store. Append new ones; never edit an applied one.
// They run at open, all pending ones in one transaction under an advisory lock, so several workers
// opening the same new database migrate it once, and a failing migration leaves the schema as it
// was (PostgreSQL's DDL is transactional).
//
// The tables mirror the SQLite ones (migrations.ts). Times are timestamptz, read back as
// `Date#toISOString` text; JSON is `json`, not `jsonb`: `json` returns the text exactly as written
// (key order included) and accepts every string JSON.stringify produces, so a job reads back from
// PostgreSQL exactly as it does from SQLite, where jsonb would reorder keys and refuse "\u0000".
import type { PoolClient } from "pg";
import { SchemaTooNewError } from "./migrations.js";

export interface PgMigration {
  /** 1, 2, 3...: strictly increasing, no gaps. */
  version: number;
  name: string;
  /** One or more statements, run in the migration transaction. */
  sql: string;
}

export const PG_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    name: "rotation jobs and events",
    sql: `
      CREATE TABLE rotation_jobs (
        id                text PRIMARY KEY,
        account_id        text NOT NULL,
        user_name         text NOT NULL,
        old_access_key_id text NOT NULL,
        new_access_key_id text,
        step              text NOT NULL,
        state             text NOT NULL
                          CHECK (state IN ('running', 'waiting', 'done', 'failed', 'rolled-back')),
        next_at           timestamptz,
        targets           json NOT NULL DEFAULT '[]',
        options           json NOT NULL DEFAULT '{}',
        data              json NOT NULL DEFAULT '{}',
        created_at        timestamptz NOT NULL,
        updated_at        timestamptz NOT NULL,
        version           integer NOT NULL DEFAULT 1,
        lease_owner       text,
        lease_until       timestamptz,
        -- Insertion order, SQLite's rowid: the tie-break when two jobs share a timestamp.
        seq               bigint GENERATED ALWAYS AS IDENTITY UNIQUE
      );

      -- One rotation per IAM user: the lock two racing workers cannot both take.
      CREATE UNIQUE INDEX rotation_jobs_one_per_user
        ON rotation_jobs (account_id, user_name)
        WHERE state IN ('running', 'waiting', 'failed');

      CREATE INDEX rotation_jobs_due ON rotation_jobs (state, next_at);
      CREATE INDEX rotation_jobs_created ON rotation_jobs (created_at);

      CREATE TABLE job_events (
        id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        job_id  text NOT NULL REFERENCES rotation_jobs (id) ON DELETE CASCADE,
        at      timestamptz NOT NULL,
        step    text NOT NULL,
        action  text NOT NULL,
        actor   text NOT NULL,
        detail  json NOT NULL DEFAULT '{}'
      );

      CREATE INDEX job_events_job ON job_events (job_id, id);
    `,
  },
  {
    version: 2,
    name: "records, settings and named locks",
    sql: `
      CREATE TABLE records (
        kind       text NOT NULL,
        id         text NOT NULL,
        subject    text,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        data       json NOT NULL DEFAULT '{}',
        PRIMARY KEY (kind, id)
      );
      CREATE INDEX records_newest ON records (kind, created_at, id);
      CREATE INDEX records_subject ON records (kind, subject, created_at);

      CREATE TABLE settings (
        name       text PRIMARY KEY,
        value      text NOT NULL,
        updated_at timestamptz NOT NULL
      );

      CREATE TABLE locks (
        name        text PRIMARY KEY,
        owner       text NOT NULL,
        lease_until timestamptz NOT NULL
      );
    `,
  },
];

/** The schema version this build of keywarden knows. */
export function latestPgVersion(migrations: readonly PgMigration[] = PG_MIGRATIONS): number {
  return migrations.at(-1)?.version ?? 0;
}

/** Throws unless versions are 1, 2, 3... in order, each with a name. */
export function validatePgMigrations(migrations: readonly PgMigration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new Error(
        `migration #${i + 1} ("${m.name}") has version ${m.version}; versions must be 1, 2, 3...`,
      );
    }
    if (m.name.trim() === "") throw new Error(`migration ${m.version} has no name`);
  });
}

/** pg_advisory_lock key for migrations: "keywar" in ASCII, so it is recognizable in pg_locks. */
export const MIGRATION_LOCK_KEY = "118083573735794";

export interface PgMigrationResult {
  from: number;
  to: number;
  applied: number[];
}

async function currentVersion(client: PoolClient): Promise<number | null> {
  const exists = await client.query<{ t: string | null }>("SELECT to_regclass('schema_migrations') AS t");
  if (exists.rows[0]?.t == null) return null;
  const row = await client.query<{ v: number | null }>("SELECT MAX(version) AS v FROM schema_migrations");
  return row.rows[0]?.v ?? 0;
}

/**
 * Applies pending migrations. Idempotent. An up-to-date database is only read (no lock, no DDL),
 * so a role without CREATE rights can use a schema someone else migrated.
 * Throws SchemaTooNewError if the database was migrated by a newer keywarden.
 */
export async function applyPgMigrations(
  client: PoolClient,
  migrations: readonly PgMigration[] = PG_MIGRATIONS,
  now: () => Date = () => new Date(),
): Promise<PgMigrationResult> {
  validatePgMigrations(migrations);
  const known = latestPgVersion(migrations);

  const seen = await currentVersion(client);
  if (seen !== null && seen > known) throw new SchemaTooNewError(seen, known);
  if (seen !== null && seen === known) return { from: seen, to: seen, applied: [] };

  // The lock is taken before the transaction begins, not inside it: a transaction that started
  // before another opener committed the schema can keep a stale view of the catalog (PostgreSQL
  // processes catalog invalidations at transaction start, not when an advisory lock is granted),
  // and would try to create schema_migrations again. The lock ends with the session if we die.
  await client.query(`SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY})`);
  try {
    await client.query("BEGIN");
    // Another opener may have migrated while we waited for the lock: read again under it.
    let from = await currentVersion(client);
    if (from === null) {
      await client.query(`
        CREATE TABLE schema_migrations (
          version    integer PRIMARY KEY,
          name       text NOT NULL,
          applied_at timestamptz NOT NULL
        )
      `);
      from = 0;
    }
    if (from > known) throw new SchemaTooNewError(from, known);
    const applied: number[] = [];
    for (const m of migrations) {
      if (m.version <= from) continue;
      await client.query(m.sql);
      await client.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", [
        m.version,
        m.name,
        now().toISOString(),
      ]);
      applied.push(m.version);
    }
    await client.query("COMMIT");
    return { from, to: Math.max(from, known), applied };
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    await client.query(`SELECT pg_advisory_unlock(${MIGRATION_LOCK_KEY})`).catch(() => undefined);
  }
}
