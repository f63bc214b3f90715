// Versioned schema migrations for the SQLite store. Append new ones; never edit an applied one.
// They run at open, all pending ones in one IMMEDIATE transaction, so two processes opening the
// same new database apply them once and a failing migration leaves the schema as it was.
import type Database from "better-sqlite3";

export interface Migration {
  /** 1, 2, 3...: strictly increasing, no gaps. */
  version: number;
  name: string;
  /** Runs the migration through `sql` (which executes one or more statements). */
  up(sql: (statements: string) => void): void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "rotation jobs and events",
    up(sql) {
      sql(`
        CREATE TABLE rotation_jobs (
          id                TEXT PRIMARY KEY,
          account_id        TEXT NOT NULL,
          user_name         TEXT NOT NULL,
          old_access_key_id TEXT NOT NULL,
          new_access_key_id TEXT,
          step              TEXT NOT NULL,
          state             TEXT NOT NULL
                            CHECK (state IN ('running', 'waiting', 'done', 'failed', 'rolled-back')),
          next_at           TEXT,
          targets           TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(targets)),
          options           TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(options)),
          data              TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(data)),
          created_at        TEXT NOT NULL,
          updated_at        TEXT NOT NULL,
          version           INTEGER NOT NULL DEFAULT 1,
          lease_owner       TEXT,
          lease_until       TEXT
        );

        -- One rotation per IAM user: the lock two racing processes cannot both take.
        CREATE UNIQUE INDEX rotation_jobs_one_per_user
          ON rotation_jobs (account_id, user_name)
          WHERE state IN ('running', 'waiting', 'failed');

        CREATE INDEX rotation_jobs_due ON rotation_jobs (state, next_at);
        CREATE INDEX rotation_jobs_created ON rotation_jobs (created_at);

        CREATE TABLE job_events (
          id      INTEGER PRIMARY KEY AUTOINCREMENT,
          job_id  TEXT NOT NULL REFERENCES rotation_jobs (id) ON DELETE CASCADE,
          at      TEXT NOT NULL,
          step    TEXT NOT NULL,
          action  TEXT NOT NULL,
          actor   TEXT NOT NULL,
          detail  TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(detail))
        );

        CREATE INDEX job_events_job ON job_events (job_id, id);
      `);
    },
  },
  {
    version: 2,
    name: "records, settings and named locks",
    up(sql) {
      sql(`
        -- Documents other capabilities keep: incidents, notifications sent, enforcement runs...
        CREATE TABLE records (
          kind       TEXT NOT NULL,
          id         TEXT NOT NULL,
          subject    TEXT,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          data       TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(data)),
          PRIMARY KEY (kind, id)
        );
        CREATE INDEX records_newest ON records (kind, created_at, id);
        CREATE INDEX records_subject ON records (kind, subject, created_at);

        CREATE TABLE settings (
          name       TEXT PRIMARY KEY,
          value      TEXT NOT NULL,
          updated_at TEXT NOT NULL
        );

        CREATE TABLE locks (
          name        TEXT PRIMARY KEY,
          owner       TEXT NOT NULL,
          lease_until TEXT NOT NULL
        );
      `);
    },
  },
];

/** The schema version this build of keywarden knows. */
export function latestVersion(migrations: readonly Migration[] = MIGRATIONS): number {
  return migrations.at(-1)?.version ?? 0;
}

/** Throws unless versions are 1, 2, 3... in order, each with a name. */
export function validateMigrations(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new Error(
        `migration #${i + 1} ("${m.name}") has version ${m.version}; versions must be 1, 2, 3...`,
      );
    }
    if (m.name.trim() === "") throw new Error(`migration ${m.version} has no name`);
  });
}

/** Raised when the database was migrated by a newer keywarden; sqlite.ts turns it into StoreOpenError. */
export class SchemaTooNewError extends Error {
  constructor(
    readonly found: number,
    readonly known: number,
  ) {
    super(`database schema version ${found} is newer than the ${known} this keywarden knows`);
    this.name = "SchemaTooNewError";
  }
}

export interface MigrationResult {
  /** Version before and after. */
  from: number;
  to: number;
  applied: number[];
}

/** Applies pending migrations in one IMMEDIATE transaction. Idempotent. */
export function applyMigrations(
  db: Database.Database,
  migrations: readonly Migration[] = MIGRATIONS,
  now: () => Date = () => new Date(),
): MigrationResult {
  validateMigrations(migrations);
  const known = latestVersion(migrations);
  const run = db.transaction((): MigrationResult => {
    db.exec(`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        version    INTEGER PRIMARY KEY,
        name       TEXT NOT NULL,
        applied_at TEXT NOT NULL
      )
    `);
    const row = db.prepare("SELECT MAX(version) AS v FROM schema_migrations").get() as { v: number | null };
    const from = row.v ?? 0;
    if (from > known) throw new SchemaTooNewError(from, known);
    const record = db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
    const applied: number[] = [];
    for (const m of migrations) {
      if (m.version <= from) continue;
      m.up((statements) => db.exec(statements));
      record.run(m.version, m.name, now().toISOString());
      applied.push(m.version);
    }
    return { from, to: Math.max(from, known), applied };
  });
  return run.immediate();
}
