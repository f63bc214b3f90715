// The shared store: PostgreSQL, for a team or a fleet of workers sharing rotation jobs.
// Same interface and the same behaviour as the SQLite store (sqlite.ts), checked by one test suite.
// - The per-user lock is the same partial UNIQUE index; its violation (23505) becomes JobLockedError.
// - Updates are optimistic (`version`); the update and its event commit in one transaction.
// - Leases are taken by a single conditional UPDATE, so two workers never both get one; workers
//   can take a batch of due jobs with `claimDueJobs` (FOR UPDATE SKIP LOCKED): each gets distinct jobs.
// - Times are timestamptz, returned as `Date#toISOString` text whatever the session's TimeZone or
//   DateStyle; JSON is stored as written (see postgres-migrations.ts).
// Connection and server failures become StoreOpenError (exit 6) naming host:port, never the password.
import pg from "pg";
import type { PoolClient, QueryResultRow } from "pg";
import { KeywardenError, UsageError } from "../domain/errors.js";
import {
  JobExistsError,
  JobLockedError,
  JobNotFoundError,
  SecretShapedValueError,
  StaleJobError,
  StoreBusyError,
  StoreOpenError,
} from "./errors.js";
import { assertNoSecrets } from "./guard.js";
import { SchemaTooNewError } from "./migrations.js";
import { applyPgMigrations, PG_MIGRATIONS, type PgMigration } from "./postgres-migrations.js";
import {
  ACTIVE_STATES,
  LOCKING_STATES,
  type CreateJobInput,
  type JobEvent,
  type JobEventInput,
  type JobFilter,
  type JobPatch,
  type JobState,
  type RecordFilter,
  type RecordInput,
  type RecordStamp,
  type RotationJob,
  type StoredRecord,
  type Store,
  type TargetSpec,
} from "./types.js";
import {
  newJobId,
  normalizeTime,
  requireRecord,
  requireText,
  validDate,
  validateEvent,
  validateJobInput,
  validateKind,
  validateLease,
  validateLimit,
  validateRecordInput,
  validateState,
  validateTargets,
} from "./checks.js";

export interface PostgresStore extends Store {
  /** The database as `postgres://user@host:port/database`: for messages; never holds the password. */
  readonly url: string;
  /**
   * For workers: takes up to `limit` jobs that are due at `now` and whose lease is free, expired
   * or already `owner`'s, leases them to `owner` for `leaseMs`, and returns them longest-due first.
   * Rows another worker is claiming at the same moment are skipped (FOR UPDATE SKIP LOCKED), so
   * workers calling this concurrently each get different jobs. Release each with `releaseJob`.
   */
  claimDueJobs(owner: string, leaseMs: number, now: Date, limit?: number): Promise<RotationJob[]>;
}

export interface PostgresStoreOptions {
  /** The time written to createdAt, updatedAt and event `at`. Defaults to the system clock. */
  clock?: () => Date;
  /** Connections in the pool. Default 4: keywarden's calls are short and mostly sequential. */
  maxConnections?: number;
  /** How long to wait for a connection before giving up. Default 10000. */
  connectTimeoutMs?: number;
  /** For tests of the migration machinery only. */
  migrations?: readonly PgMigration[];
}

export const DEFAULT_POOL_SIZE = 4;
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** How many jobs `claimDueJobs` takes when no limit is given. */
export const DEFAULT_CLAIM_LIMIT = 10;

/** Where a postgres:// URL points, for messages. Nothing here is secret. */
export interface PostgresTarget {
  /** `postgres://user@host:port/database`, with no password and no query parameters. */
  location: string;
  /** `host:port` (`[::1]:5432` for IPv6, `/run/postgresql:5432` for a socket folder). */
  hostPort: string;
  host: string;
  port: string;
  database: string;
  user: string;
}

const URL_FORM = "postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE";

/** True for the URLs this store accepts: `postgres://` and `postgresql://`. */
export function isPostgresUrl(value: string): boolean {
  return /^postgres(ql)?:\/\//i.test(value);
}

/**
 * Reads host, port, database and user from a postgres:// URL the way pg does (query parameters
 * win over the URL's parts; PG* environment variables fill the gaps). Throws UsageError, without
 * echoing the URL (it may hold a password), if it is not a postgres:// URL.
 */
export function describePostgresUrl(url: string, env: NodeJS.ProcessEnv = process.env): PostgresTarget {
  let parsed: URL | null = null;
  if (isPostgresUrl(url)) {
    try {
      parsed = new URL(url);
    } catch {
      parsed = null;
    }
  }
  if (parsed === null) {
    throw new UsageError(
      "the PostgreSQL store URL is not a valid postgres:// URL",
      `Write it as ${URL_FORM} (percent-encode special characters in the password).`,
    );
  }
  const q = parsed.searchParams;
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  const host =
    nonEmpty(q.get("host")) ??
    nonEmpty(decode(parsed.hostname).replace(/^\[(.+)\]$/, "$1")) ??
    nonEmpty(env.PGHOST) ??
    "localhost";
  const port = nonEmpty(q.get("port")) ?? nonEmpty(parsed.port) ?? nonEmpty(env.PGPORT) ?? "5432";
  const user =
    nonEmpty(q.get("user")) ?? nonEmpty(decode(parsed.username)) ?? nonEmpty(env.PGUSER) ?? env.USER ?? "";
  const database =
    nonEmpty(decode(parsed.pathname.slice(1))) ?? nonEmpty(q.get("db")) ?? nonEmpty(env.PGDATABASE) ?? user;
  const hostForUrl = host.includes(":") ? `[${host}]` : host;
  const hostPort = `${hostForUrl}:${port}`;
  return {
    location: `postgres://${user === "" ? "" : `${encodeURIComponent(user)}@`}${
      host.startsWith("/") ? encodeURIComponent(host) : hostForUrl
    }:${port}/${encodeURIComponent(database)}`,
    hostPort,
    host,
    port,
    database,
    user,
  };
}

function nonEmpty(value: string | null | undefined): string | undefined {
  return value === null || value === undefined || value === "" ? undefined : value;
}

/** The password a URL carries (in its user-info or `?password=`), to keep it out of messages. */
function passwordOf(url: string): string | null {
  try {
    const u = new URL(url);
    return nonEmpty(u.searchParams.get("password")) ?? nonEmpty(decodeURIComponent(u.password)) ?? null;
  } catch {
    return null;
  }
}

/**
 * Opens the PostgreSQL store at `url` (postgres:// or postgresql://), applying pending migrations.
 * Throws UsageError for a malformed URL, StoreOpenError (exit 6) if the server cannot be reached,
 * refuses the login, lacks the database, or was migrated by a newer keywarden.
 */
export async function openPostgresStore(
  url: string,
  options: PostgresStoreOptions = {},
): Promise<PostgresStore> {
  const target = { ...describePostgresUrl(url), password: passwordOf(url) };
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? DEFAULT_POOL_SIZE,
    connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: 30_000,
    // A CLI run that forgets close() must still exit.
    allowExitOnIdle: true,
    application_name: "keywarden",
  });
  // An idle connection the server drops (restart, idle timeout) must not crash the process; the
  // next query gets a new connection or a typed error.
  pool.on("error", () => undefined);
  const clock = options.clock ?? (() => new Date());
  try {
    const client = await pool.connect();
    let broken = false;
    try {
      await applyPgMigrations(client, options.migrations ?? PG_MIGRATIONS, clock);
    } catch (err) {
      broken = true;
      throw err;
    } finally {
      client.release(broken);
    }
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw mapError(err, target, "open the keywarden database");
  }
  return new PostgresStoreImpl(pool, target, clock);
}

interface JobRow extends QueryResultRow {
  id: string;
  account_id: string;
  user_name: string;
  old_access_key_id: string;
  new_access_key_id: string | null;
  step: string;
  state: JobState;
  next_at: string | null;
  targets: TargetSpec[];
  options: Record<string, unknown>;
  data: Record<string, unknown>;
  created_at: string;
  updated_at: string;
  version: number;
}

interface EventRow extends QueryResultRow {
  id: string;
  job_id: string;
  at: string;
  step: string;
  action: string;
  actor: string;
  detail: Record<string, unknown>;
}

/** A timestamptz as `Date#toISOString` text, whatever the session's TimeZone and DateStyle. */
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const jobColumns = (t = "") =>
  `${t}id, ${t}account_id, ${t}user_name, ${t}old_access_key_id, ${t}new_access_key_id, ${t}step, ${t}state,
   ${iso(`${t}next_at`)} AS next_at, ${t}targets, ${t}options, ${t}data,
   ${iso(`${t}created_at`)} AS created_at, ${iso(`${t}updated_at`)} AS updated_at, ${t}version`;
const JOB_COLUMNS = jobColumns();
const RECORD_COLUMNS = `kind, id, subject, ${iso("created_at")} AS created_at, ${iso("updated_at")} AS updated_at, data`;

interface RecordRow extends QueryResultRow {
  kind: string;
  id: string;
  subject: string | null;
  created_at: string;
  updated_at: string;
  data: Record<string, unknown>;
}

const EVENT_COLUMNS = `id, job_id, ${iso("at")} AS at, step, action, actor, detail`;
const DUE_ORDER = "COALESCE(next_at, updated_at), created_at, seq";

const sqlList = (states: readonly JobState[]) => states.map((s) => `'${s}'`).join(", ");

const ONE_PER_USER_INDEX = "rotation_jobs_one_per_user";

type Target = PostgresTarget & { password: string | null };

class PostgresStoreImpl implements PostgresStore {
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly target: Target,
    private readonly clock: () => Date,
  ) {}

  get url(): string {
    return this.target.location;
  }

  createJob(input: CreateJobInput, actor: string): Promise<RotationJob> {
    return this.attempt(`start a rotation for user ${input.userName}`, async () => {
      validateJobInput(input);
      requireText(actor, "actor");
      assertNoSecrets(input.targets, "targets");
      assertNoSecrets(input.options, "options");
      assertNoSecrets(input.data, "data");
      const nextAt = normalizeTime(input.nextAt, "nextAt");
      try {
        return await this.tx(async (c) => {
          const now = this.clock().toISOString();
          for (let tries = 1; ; tries++) {
            const id = input.id ?? newJobId(this.clock());
            const res = await c.query<JobRow>(
              `INSERT INTO rotation_jobs (id, account_id, user_name, old_access_key_id, new_access_key_id,
                 step, state, next_at, targets, options, data, created_at, updated_at, version)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::json, $10::json, $11::json, $12, $12, 1)
               ON CONFLICT (id) DO NOTHING
               RETURNING ${JOB_COLUMNS}`,
              [
                id,
                input.accountId,
                input.userName,
                input.oldAccessKeyId,
                input.newAccessKeyId,
                input.step,
                input.state,
                nextAt,
                JSON.stringify(input.targets),
                JSON.stringify(input.options),
                JSON.stringify(input.data),
                now,
              ],
            );
            const row = res.rows[0];
            if (row === undefined) {
              if (input.id === undefined && tries < 5) continue;
              throw new JobExistsError(id);
            }
            await insertEvent(c, id, now, {
              step: input.step,
              action: "job-created",
              actor,
              detail: { state: input.state },
            });
            return toJob(row);
          }
        });
      } catch (err) {
        if (isUniqueViolation(err, ONE_PER_USER_INDEX)) {
          throw await this.lockedError(input.accountId, input.userName, input.id ?? "", err);
        }
        throw err;
      }
    });
  }

  getJob(id: string): Promise<RotationJob | null> {
    return this.attempt(`read rotation ${id}`, async () => {
      const res = await this.pool.query<JobRow>(`SELECT ${JOB_COLUMNS} FROM rotation_jobs WHERE id = $1`, [
        id,
      ]);
      const row = res.rows[0];
      return row ? toJob(row) : null;
    });
  }

  listJobs(filter: JobFilter = {}): Promise<RotationJob[]> {
    return this.attempt("list rotations", async () => {
      const where: string[] = [];
      const params: unknown[] = [];
      if (filter.state !== undefined) {
        if (filter.state.length === 0) return [];
        for (const s of filter.state) validateState(s);
        params.push(filter.state);
        where.push(`state = ANY($${params.length}::text[])`);
      }
      if (filter.userName !== undefined) {
        params.push(filter.userName);
        where.push(`user_name = $${params.length}`);
      }
      if (filter.accountId !== undefined) {
        params.push(filter.accountId);
        where.push(`account_id = $${params.length}`);
      }
      const res = await this.pool.query<JobRow>(
        `SELECT ${JOB_COLUMNS} FROM rotation_jobs ${
          where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""
        } ORDER BY created_at DESC, seq DESC`,
        params,
      );
      return res.rows.map(toJob);
    });
  }

  updateJob(
    id: string,
    expectedVersion: number,
    patch: JobPatch,
    event: JobEventInput,
  ): Promise<RotationJob> {
    return this.attempt(`save rotation ${id}`, async () => {
      validateEvent(event);
      if (patch.state !== undefined) validateState(patch.state);
      if (patch.step !== undefined) requireText(patch.step, "step");
      if (patch.targets !== undefined) validateTargets(patch.targets);
      if (patch.data !== undefined) requireRecord(patch.data, "data");
      assertNoSecrets(patch.targets, "targets");
      assertNoSecrets(patch.data, "data");
      assertNoSecrets(event.detail, "event detail");
      const nextAt = patch.nextAt === undefined ? undefined : normalizeTime(patch.nextAt, "nextAt");
      try {
        return await this.tx(async (c) => {
          const now = this.clock().toISOString();
          // One statement: a concurrent update of the same version waits for ours, then finds the
          // version moved and changes nothing.
          const res = await c.query<JobRow>(
            `UPDATE rotation_jobs SET
               new_access_key_id = CASE WHEN $3::boolean THEN $4::text ELSE new_access_key_id END,
               step = COALESCE($5::text, step),
               state = COALESCE($6::text, state),
               next_at = CASE WHEN $7::boolean THEN $8::timestamptz ELSE next_at END,
               data = COALESCE($9::json, data),
               targets = COALESCE($10::json, targets),
               updated_at = $11,
               version = version + 1
             WHERE id = $1 AND version = $2
             RETURNING ${JOB_COLUMNS}`,
            [
              id,
              expectedVersion,
              patch.newAccessKeyId !== undefined,
              patch.newAccessKeyId ?? null,
              patch.step ?? null,
              patch.state ?? null,
              nextAt !== undefined,
              nextAt ?? null,
              patch.data === undefined ? null : JSON.stringify(patch.data),
              patch.targets === undefined ? null : JSON.stringify(patch.targets),
              now,
            ],
          );
          const row = res.rows[0];
          if (row === undefined) {
            const cur = await c.query<{ version: number; step: string }>(
              "SELECT version, step FROM rotation_jobs WHERE id = $1",
              [id],
            );
            const found = cur.rows[0];
            if (!found) throw new JobNotFoundError(id, this.url);
            throw new StaleJobError(id, expectedVersion, found.version, found.step);
          }
          await insertEvent(c, id, now, event);
          return toJob(row);
        });
      } catch (err) {
        if (isUniqueViolation(err, ONE_PER_USER_INDEX)) {
          // Re-opening a finished job while another holds the user (the UPDATE itself failed).
          const who = await this.ownerOf(id);
          if (who !== null) throw await this.lockedError(who.accountId, who.userName, id, err);
        }
        throw err;
      }
    });
  }

  appendEvent(jobId: string, event: JobEventInput): Promise<JobEvent> {
    return this.attempt(`record an event for rotation ${jobId}`, async () => {
      validateEvent(event);
      assertNoSecrets(event.detail, "event detail");
      try {
        const c = await this.pool.connect();
        try {
          return toEvent(await insertEvent(c, jobId, this.clock().toISOString(), event));
        } finally {
          c.release();
        }
      } catch (err) {
        // The foreign key to rotation_jobs: no such job.
        if (err instanceof pg.DatabaseError && err.code === "23503")
          throw new JobNotFoundError(jobId, this.url);
        throw err;
      }
    });
  }

  events(jobId: string): Promise<JobEvent[]> {
    return this.attempt(`read the events of rotation ${jobId}`, async () => {
      const res = await this.pool.query<EventRow>(
        `SELECT ${EVENT_COLUMNS} FROM job_events WHERE job_id = $1 ORDER BY id`,
        [jobId],
      );
      return res.rows.map(toEvent);
    });
  }

  dueJobs(now: Date): Promise<RotationJob[]> {
    return this.attempt("find rotations that are due", async () => {
      const res = await this.pool.query<JobRow>(
        `SELECT ${JOB_COLUMNS} FROM rotation_jobs
         WHERE state IN (${sqlList(ACTIVE_STATES)}) AND (next_at IS NULL OR next_at <= $1)
         ORDER BY ${DUE_ORDER}`,
        [validDate(now, "now").toISOString()],
      );
      return res.rows.map(toJob);
    });
  }

  claimDueJobs(
    owner: string,
    leaseMs: number,
    now: Date,
    limit: number = DEFAULT_CLAIM_LIMIT,
  ): Promise<RotationJob[]> {
    return this.attempt("claim rotations that are due", async () => {
      requireText(owner, "owner");
      validateLease(leaseMs);
      if (!Number.isSafeInteger(limit) || limit <= 0)
        throw new RangeError(`limit must be a positive integer, got ${limit}`);
      const at = validDate(now, "now");
      // FOR UPDATE SKIP LOCKED: rows another worker is claiming right now are passed over, and a
      // row whose lease another worker has just committed is re-checked against the WHERE clause
      // (READ COMMITTED) and dropped, so no two workers ever come back with the same job.
      const res = await this.pool.query<JobRow>(
        `WITH picked AS (
           SELECT id FROM rotation_jobs
           WHERE state IN (${sqlList(ACTIVE_STATES)}) AND (next_at IS NULL OR next_at <= $2)
             AND (lease_owner IS NULL OR lease_owner = $1 OR lease_until IS NULL OR lease_until <= $2)
           ORDER BY ${DUE_ORDER}
           LIMIT $4
           FOR UPDATE SKIP LOCKED
         ), claimed AS (
           UPDATE rotation_jobs j SET lease_owner = $1, lease_until = $3
           FROM picked WHERE j.id = picked.id
           RETURNING j.*
         )
         SELECT ${JOB_COLUMNS} FROM claimed ORDER BY ${DUE_ORDER}`,
        [owner, at.toISOString(), new Date(at.getTime() + leaseMs).toISOString(), limit],
      );
      return res.rows.map(toJob);
    });
  }

  claimJob(id: string, owner: string, leaseMs: number, now: Date): Promise<boolean> {
    return this.attempt(`claim rotation ${id}`, async () => {
      requireText(owner, "owner");
      validateLease(leaseMs);
      const at = validDate(now, "now");
      // One conditional UPDATE: of two concurrent claimers, the second waits for the first to
      // commit, re-reads the row and finds the lease taken.
      const res = await this.pool.query(
        `UPDATE rotation_jobs SET lease_owner = $2, lease_until = $4
         WHERE id = $1
           AND (lease_owner IS NULL OR lease_owner = $2 OR lease_until IS NULL OR lease_until <= $3)`,
        [id, owner, at.toISOString(), new Date(at.getTime() + leaseMs).toISOString()],
      );
      if (res.rowCount === 1) return true;
      const exists = await this.pool.query("SELECT 1 FROM rotation_jobs WHERE id = $1", [id]);
      if (exists.rowCount === 0) throw new JobNotFoundError(id, this.url);
      return false;
    });
  }

  leaseOwner(id: string, now: Date): Promise<string | null> {
    return this.attempt(`read the lease of rotation ${id}`, async () => {
      const res = await this.pool.query<{ lease_owner: string | null }>(
        "SELECT CASE WHEN lease_until > $1 THEN lease_owner END AS lease_owner FROM rotation_jobs WHERE id = $2",
        [validDate(now, "now").toISOString(), id],
      );
      return res.rows[0]?.lease_owner ?? null;
    });
  }

  releaseJob(id: string, owner: string): Promise<void> {
    return this.attempt(`release rotation ${id}`, async () => {
      await this.pool.query(
        "UPDATE rotation_jobs SET lease_owner = NULL, lease_until = NULL WHERE id = $1 AND lease_owner = $2",
        [id, owner],
      );
    });
  }

  putRecord(input: RecordInput): Promise<StoredRecord> {
    return this.attempt(`save ${input.kind} ${input.id}`, async () => {
      validateRecordInput(input);
      assertNoSecrets(input.data, `${input.kind} data`);
      const res = await this.pool.query<RecordRow>(
        `INSERT INTO records (kind, id, subject, created_at, updated_at, data)
         VALUES ($1, $2, $3, $4, $4, $5::json)
         ON CONFLICT (kind, id) DO UPDATE
         SET subject = excluded.subject, updated_at = excluded.updated_at, data = excluded.data
         RETURNING ${RECORD_COLUMNS}`,
        this.recordParams(input),
      );
      return toRecord(mustRow(res.rows[0], `${input.kind} ${input.id}`));
    });
  }

  addRecord(input: RecordInput): Promise<StoredRecord | null> {
    return this.attempt(`save ${input.kind} ${input.id}`, async () => {
      validateRecordInput(input);
      assertNoSecrets(input.data, `${input.kind} data`);
      const res = await this.pool.query<RecordRow>(
        `INSERT INTO records (kind, id, subject, created_at, updated_at, data)
         VALUES ($1, $2, $3, $4, $4, $5::json)
         ON CONFLICT (kind, id) DO NOTHING
         RETURNING ${RECORD_COLUMNS}`,
        this.recordParams(input),
      );
      const row = res.rows[0];
      return row ? toRecord(row) : null;
    });
  }

  getRecord(kind: string, id: string): Promise<StoredRecord | null> {
    return this.attempt(`read ${kind} ${id}`, async () => {
      validateKind(kind);
      const res = await this.pool.query<RecordRow>(
        `SELECT ${RECORD_COLUMNS} FROM records WHERE kind = $1 AND id = $2`,
        [kind, id],
      );
      const row = res.rows[0];
      return row ? toRecord(row) : null;
    });
  }

  listRecords(kind: string, filter: RecordFilter = {}): Promise<StoredRecord[]> {
    return this.attempt(`list ${kind} records`, async () => {
      const { sql, params } = recordQuery(RECORD_COLUMNS, kind, filter);
      const res = await this.pool.query<RecordRow>(sql, params);
      return res.rows.map(toRecord);
    });
  }

  listRecordStamps(kind: string, filter: RecordFilter = {}): Promise<RecordStamp[]> {
    return this.attempt(`list ${kind} records`, async () => {
      // xmin is the id of the transaction that wrote this row version: every insert or update
      // changes it, and reading it never detoasts the payload.
      const { sql, params } = recordQuery(
        `id, subject, ${iso("created_at")} AS created_at, ${iso("updated_at")} AS updated_at, xmin::text AS xmin`,
        kind,
        filter,
      );
      const res = await this.pool.query<StampRow>(sql, params);
      return res.rows.map((r) => ({
        id: r.id,
        subject: r.subject,
        createdAt: r.created_at,
        updatedAt: r.updated_at,
        stamp: `${r.updated_at}/${r.xmin}`,
      }));
    });
  }

  deleteRecord(kind: string, id: string): Promise<boolean> {
    return this.attempt(`delete ${kind} ${id}`, async () => {
      validateKind(kind);
      const res = await this.pool.query("DELETE FROM records WHERE kind = $1 AND id = $2", [kind, id]);
      return res.rowCount === 1;
    });
  }

  getSetting(name: string): Promise<string | null> {
    return this.attempt(`read setting ${name}`, async () => {
      requireText(name, "setting name");
      const res = await this.pool.query<{ value: string }>("SELECT value FROM settings WHERE name = $1", [
        name,
      ]);
      return res.rows[0]?.value ?? null;
    });
  }

  setSetting(name: string, value: string | null): Promise<void> {
    return this.attempt(`change setting ${name}`, async () => {
      requireText(name, "setting name");
      if (value === null) {
        await this.pool.query("DELETE FROM settings WHERE name = $1", [name]);
        return;
      }
      assertNoSecrets(value, `setting ${name}`);
      await this.pool.query(
        `INSERT INTO settings (name, value, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
        [name, value, this.clock().toISOString()],
      );
    });
  }

  acquireLock(name: string, owner: string, leaseMs: number, now: Date): Promise<boolean> {
    return this.attempt(`take the ${name} lock`, async () => {
      requireText(name, "lock name");
      requireText(owner, "owner");
      validateLease(leaseMs);
      const at = validDate(now, "now");
      // One statement: of two racing takers, the second waits on the row and re-checks the WHERE.
      const res = await this.pool.query(
        `INSERT INTO locks (name, owner, lease_until) VALUES ($1, $2, $4)
         ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until
         WHERE locks.owner = excluded.owner OR locks.lease_until <= $3`,
        [name, owner, at.toISOString(), new Date(at.getTime() + leaseMs).toISOString()],
      );
      return res.rowCount === 1;
    });
  }

  releaseLock(name: string, owner: string): Promise<void> {
    return this.attempt(`release the ${name} lock`, async () => {
      await this.pool.query("DELETE FROM locks WHERE name = $1 AND owner = $2", [name, owner]);
    });
  }

  private recordParams(input: RecordInput): (string | null)[] {
    return [
      input.kind,
      input.id,
      input.subject ?? null,
      this.clock().toISOString(),
      JSON.stringify(input.data),
    ];
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  /** Runs `fn` in one transaction on one connection; a connection that failed is not reused. */
  private async tx<T>(fn: (c: PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    let broken = false;
    try {
      await c.query("BEGIN");
      const result = await fn(c);
      await c.query("COMMIT");
      return result;
    } catch (err) {
      await c.query("ROLLBACK").catch(() => {
        broken = true;
      });
      throw err;
    } finally {
      c.release(broken);
    }
  }

  private async ownerOf(id: string): Promise<{ accountId: string; userName: string } | null> {
    const res = await this.pool.query<{ account_id: string; user_name: string }>(
      "SELECT account_id, user_name FROM rotation_jobs WHERE id = $1",
      [id],
    );
    const row = res.rows[0];
    return row ? { accountId: row.account_id, userName: row.user_name } : null;
  }

  private async lockedError(
    accountId: string,
    userName: string,
    self: string,
    cause: unknown,
  ): Promise<JobLockedError> {
    const res = await this.pool.query<{ id: string; step: string; state: string }>(
      `SELECT id, step, state FROM rotation_jobs
       WHERE account_id = $1 AND user_name = $2 AND id <> $3 AND state IN (${sqlList(LOCKING_STATES)})
       ORDER BY created_at LIMIT 1`,
      [accountId, userName, self],
    );
    return new JobLockedError(accountId, userName, res.rows[0] ?? null, { cause });
  }

  private async attempt<T>(attempting: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw mapError(err, this.target, attempting);
    }
  }
}

async function insertEvent(
  c: PoolClient,
  jobId: string,
  at: string,
  event: JobEventInput,
): Promise<EventRow> {
  const res = await c.query<EventRow>(
    `INSERT INTO job_events (job_id, at, step, action, actor, detail)
     VALUES ($1, $2, $3, $4, $5, $6::json)
     RETURNING ${EVENT_COLUMNS}`,
    [jobId, at, event.step, event.action, event.actor, JSON.stringify(event.detail ?? {})],
  );
  const row = res.rows[0];
  if (!row) throw new Error(`the event for rotation ${jobId} vanished after insert`);
  return row;
}

function isUniqueViolation(err: unknown, constraint: string): err is pg.DatabaseError {
  return err instanceof pg.DatabaseError && err.code === "23505" && err.constraint === constraint;
}

function toJob(r: JobRow): RotationJob {
  return {
    id: r.id,
    accountId: r.account_id,
    userName: r.user_name,
    oldAccessKeyId: r.old_access_key_id,
    newAccessKeyId: r.new_access_key_id,
    step: r.step,
    state: r.state,
    nextAt: r.next_at,
    targets: r.targets,
    options: r.options,
    data: r.data,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    version: r.version,
  };
}

interface StampRow extends QueryResultRow {
  id: string;
  subject: string | null;
  created_at: string;
  updated_at: string;
  xmin: string;
}

/** listRecords' query, for any column list: one kind, newest first, filtered. */
function recordQuery(
  columns: string,
  kind: string,
  filter: RecordFilter,
): { sql: string; params: (string | number)[] } {
  validateKind(kind);
  validateLimit(filter.limit);
  const params: (string | number)[] = [kind];
  const where = ["kind = $1"];
  if (filter.subject !== undefined) {
    params.push(filter.subject);
    where.push(`subject = $${params.length}`);
  }
  if (filter.since !== undefined) {
    params.push(normalizeTime(filter.since, "since") ?? "");
    where.push(`created_at >= $${params.length}`);
  }
  let limit = "";
  if (filter.limit !== undefined) {
    params.push(filter.limit);
    limit = ` LIMIT $${params.length}`;
  }
  return {
    sql: `SELECT ${columns} FROM records WHERE ${where.join(" AND ")} ORDER BY created_at DESC, id DESC${limit}`,
    params,
  };
}

function toRecord(r: RecordRow): StoredRecord {
  return {
    kind: r.kind,
    id: r.id,
    subject: r.subject,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    data: r.data,
  };
}

function mustRow<T>(row: T | undefined, what: string): T {
  if (row === undefined) throw new Error(`${what} vanished after it was written`);
  return row;
}

function toEvent(r: EventRow): JobEvent {
  return {
    id: Number(r.id),
    jobId: r.job_id,
    at: r.at,
    step: r.step,
    action: r.action,
    actor: r.actor,
    detail: r.detail,
  };
}

// Input checks, as in sqlite.ts: programming errors in the caller (TypeError/RangeError).

// Error mapping.

/** Network failures reaching the server, with a short human reason. */
const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  EPIPE: "connection closed",
  ETIMEDOUT: "timed out",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  EHOSTDOWN: "host is down",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host name lookup failed",
  ENOENT: "no server socket there",
  EACCES: "permission denied",
};

/** pg's own messages for a connection that could not be made or was lost. */
const CONNECTION_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|The server does not support SSL|Client has encountered a connection error|Connection ended unexpectedly)/i;

const BUSY_CODES = new Set(["40001", "40P01", "55P03", "57014"]);
const IO_CODES = new Set(["53100", "53200", "58030"]);

/** Turns pg and network failures into typed errors that say what to do; never names the password. */
function mapError(err: unknown, target: Target, attempting: string): Error {
  if (err instanceof KeywardenError || err instanceof SecretShapedValueError) return err;
  const { location, hostPort, database, user } = target;
  const scrub = (text: string) => (target.password === null ? text : text.split(target.password).join("***"));
  if (err instanceof SchemaTooNewError) {
    return new StoreOpenError(
      "STORE_TOO_NEW",
      location,
      `the keywarden database ${location} has schema version ${err.found}, newer than this keywarden knows (${err.known}); a newer keywarden has used it`,
      "Upgrade keywarden (npm install -g keywarden@latest), or point --store / KEYWARDEN_STORE at another database.",
      { cause: err },
    );
  }
  const reason = scrub(describeReason(err));
  const code = (err as { code?: unknown } | null)?.code;
  const unopenable = (message: string, fix: string) =>
    new StoreOpenError("STORE_UNOPENABLE", location, scrub(message), fix, { cause: err });

  if (err instanceof pg.DatabaseError && typeof code === "string") {
    if (code === "28P01" || code === "28000") {
      return unopenable(
        `could not ${attempting}: PostgreSQL at ${hostPort} refused the login of user ${user} (${reason})`,
        "Check the user and password in the store URL (or PGPASSWORD / ~/.pgpass) and the server's pg_hba.conf.",
      );
    }
    if (code === "3D000") {
      return unopenable(
        `could not ${attempting}: there is no database ${database} on PostgreSQL at ${hostPort}`,
        `Create it (createdb -h ${target.host} -p ${target.port} -U ${user || "postgres"} ${database}), or correct the database in the store URL.`,
      );
    }
    if (code === "42501") {
      return unopenable(
        `could not ${attempting}: user ${user} lacks a privilege in ${location} (${reason})`,
        `Grant ${user} the use of keywarden's tables, or let their owner run keywarden once so the schema is migrated.`,
      );
    }
    if (BUSY_CODES.has(code)) return new StoreBusyError(location, attempting, { cause: err });
    if (IO_CODES.has(code)) {
      return new StoreOpenError(
        "STORE_IO",
        location,
        `could not ${attempting}: PostgreSQL at ${hostPort} reported a resource failure (${reason})`,
        "Ask the database's administrator to check its disk and memory, then run the command again.",
        { cause: err },
      );
    }
    if (code === "XX001" || code === "XX002") {
      return new StoreOpenError(
        "STORE_CORRUPT",
        location,
        `could not ${attempting}: PostgreSQL at ${hostPort} reports damaged data (${reason})`,
        "Ask the database's administrator to restore it from a backup.",
        { cause: err },
      );
    }
    if (code.startsWith("08") || code.startsWith("57P") || code === "53300") {
      return unopenable(
        `could not ${attempting}: lost or refused the connection to PostgreSQL at ${hostPort} (${reason})`,
        "Check that PostgreSQL is running and accepting connections, then run the command again.",
      );
    }
    return err;
  }
  const isNetwork = typeof code === "string" && code in NETWORK_REASONS;
  if (isNetwork || (err instanceof Error && CONNECTION_MESSAGES.test(err.message))) {
    return unopenable(
      `could not ${attempting}: cannot connect to PostgreSQL at ${hostPort} (${reason})`,
      `Check that PostgreSQL is running and listening on ${hostPort}, or correct the host and port in --store / KEYWARDEN_STORE (${URL_FORM}).`,
    );
  }
  return err instanceof Error ? err : new Error(reason);
}

function describeReason(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string" && code in NETWORK_REASONS && !(err instanceof pg.DatabaseError)) {
    return NETWORK_REASONS[code] ?? code;
  }
  if (err instanceof Error && err.message !== "") return err.message;
  return String(err);
}
