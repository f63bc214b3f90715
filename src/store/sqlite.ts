// The embedded store: one SQLite file (better-sqlite3, WAL) in the user's data folder.
// Every write runs in an IMMEDIATE transaction, so a read-check-write sequence holds the write
// lock from its first read; other processes wait up to the busy timeout, then get StoreBusyError.
// The per-user lock is a partial UNIQUE index, so it holds across processes without any read.
import { chmodSync, closeSync, mkdirSync, openSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import Database from "better-sqlite3";
import { KeywardenError } from "../domain/errors.js";
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
import { applyMigrations, MIGRATIONS, SchemaTooNewError, type Migration } from "./migrations.js";
import { defaultDatabasePath, ensureDataDir } from "./paths.js";
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

export interface SqliteStore extends Store {
  /** The database file, for messages and `keywarden doctor`. */
  readonly path: string;
}

export interface SqliteStoreOptions {
  /** The time written to createdAt, updatedAt and event `at`. Defaults to the system clock. */
  clock?: () => Date;
  /** How long to wait for another process's write lock before StoreBusyError. Default 5000. */
  busyTimeoutMs?: number;
  /** For tests of the migration machinery only. */
  migrations?: readonly Migration[];
}

export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/**
 * Opens (creating and migrating if needed) the SQLite store at `path`, by default
 * `<data dir>/keywarden.db` (see paths.ts). The default folder is created or tightened to 0700;
 * a folder an explicit path needs is created 0700 but an existing one is left alone. The file is
 * 0600. Throws StoreOpenError (exit 6) if the file cannot be opened, is damaged or is too new.
 */
export function openSqliteStore(path?: string, options: SqliteStoreOptions = {}): Promise<SqliteStore> {
  const file = path === undefined ? defaultDatabasePath() : resolve(path);
  try {
    return Promise.resolve(open(file, path === undefined, options));
  } catch (err) {
    return Promise.reject(mapError(err, file, "open the keywarden database"));
  }
}

function open(file: string, isDefault: boolean, options: SqliteStoreOptions): SqliteStore {
  if (isDefault) ensureDataDir();
  else mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  closeSync(openSync(file, "a", 0o600));
  if ((statSync(file).mode & 0o777) !== 0o600) chmodSync(file, 0o600);

  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  const db = new Database(file, { timeout: busyTimeoutMs });
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
    // WAL: readers never block the writer. Falls back silently where WAL is impossible
    // (some network file systems); every write is still an IMMEDIATE transaction.
    // Switching a new file to WAL needs its lock for a moment, and SQLite answers BUSY at once
    // (without the busy handler) to a process racing another for it: retry within the timeout.
    retryBusy(() => db.pragma("journal_mode = WAL"), busyTimeoutMs);
    // A lost commit could forget that a key was created; pay the fsync.
    db.pragma("synchronous = FULL");
    db.pragma("foreign_keys = ON");
    const clock = options.clock ?? (() => new Date());
    applyMigrations(db, options.migrations ?? MIGRATIONS, clock);
    return new SqliteStoreImpl(db, file, clock);
  } catch (err) {
    db.close();
    throw err;
  }
}

function retryBusy(run: () => unknown, timeoutMs: number): void {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      run();
      return;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (typeof code !== "string" || !code.startsWith("SQLITE_BUSY") || Date.now() >= until) throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 25);
    }
  }
}

interface JobRow {
  id: string;
  account_id: string;
  user_name: string;
  old_access_key_id: string;
  new_access_key_id: string | null;
  step: string;
  state: JobState;
  next_at: string | null;
  targets: string;
  options: string;
  data: string;
  created_at: string;
  updated_at: string;
  version: number;
}

interface RecordRow {
  kind: string;
  id: string;
  subject: string | null;
  created_at: string;
  updated_at: string;
  data: string;
}

interface EventRow {
  id: number;
  job_id: string;
  at: string;
  step: string;
  action: string;
  actor: string;
  detail: string;
}

const JOB_COLUMNS =
  "id, account_id, user_name, old_access_key_id, new_access_key_id, step, state, next_at, targets, options, data, created_at, updated_at, version";

const sqlList = (states: readonly JobState[]) => states.map((s) => `'${s}'`).join(", ");

class SqliteStoreImpl implements SqliteStore {
  private readonly stmt;

  constructor(
    private readonly db: Database.Database,
    readonly path: string,
    private readonly clock: () => Date,
  ) {
    this.stmt = {
      job: db.prepare<[string], JobRow>(`SELECT ${JOB_COLUMNS} FROM rotation_jobs WHERE id = ?`),
      holder: db.prepare<[string, string, string], { id: string; step: string; state: string }>(
        `SELECT id, step, state FROM rotation_jobs
         WHERE account_id = ? AND user_name = ? AND id <> ? AND state IN (${sqlList(LOCKING_STATES)})
         ORDER BY created_at LIMIT 1`,
      ),
      insertJob: db.prepare(
        `INSERT INTO rotation_jobs (${JOB_COLUMNS})
         VALUES (@id, @account_id, @user_name, @old_access_key_id, @new_access_key_id, @step, @state,
                 @next_at, @targets, @options, @data, @created_at, @updated_at, 1)`,
      ),
      updateJob: db.prepare(
        `UPDATE rotation_jobs
         SET new_access_key_id = @new_access_key_id, step = @step, state = @state, next_at = @next_at,
             data = @data, targets = @targets, updated_at = @updated_at, version = version + 1
         WHERE id = @id AND version = @version`,
      ),
      insertEvent: db.prepare<[string, string, string, string, string, string]>(
        "INSERT INTO job_events (job_id, at, step, action, actor, detail) VALUES (?, ?, ?, ?, ?, ?)",
      ),
      event: db.prepare<[number | bigint], EventRow>("SELECT * FROM job_events WHERE id = ?"),
      events: db.prepare<[string], EventRow>("SELECT * FROM job_events WHERE job_id = ? ORDER BY id"),
      due: db.prepare<[string], JobRow>(
        `SELECT ${JOB_COLUMNS} FROM rotation_jobs
         WHERE state IN (${sqlList(ACTIVE_STATES)}) AND (next_at IS NULL OR next_at <= ?)
         ORDER BY COALESCE(next_at, updated_at), created_at, rowid`,
      ),
      claim: db.prepare(
        `UPDATE rotation_jobs SET lease_owner = @owner, lease_until = @until
         WHERE id = @id
           AND (lease_owner IS NULL OR lease_owner = @owner OR lease_until IS NULL OR lease_until <= @now)`,
      ),
      leaseOwner: db.prepare<[string, string], { lease_owner: string | null }>(
        "SELECT CASE WHEN lease_until > ? THEN lease_owner END AS lease_owner FROM rotation_jobs WHERE id = ?",
      ),
      release: db.prepare<[string, string]>(
        "UPDATE rotation_jobs SET lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ?",
      ),
      record: db.prepare<[string, string], RecordRow>("SELECT * FROM records WHERE kind = ? AND id = ?"),
      putRecord: db.prepare(
        `INSERT INTO records (kind, id, subject, created_at, updated_at, data)
         VALUES (@kind, @id, @subject, @now, @now, @data)
         ON CONFLICT (kind, id) DO UPDATE
         SET subject = excluded.subject, updated_at = excluded.updated_at, data = excluded.data`,
      ),
      addRecord: db.prepare(
        `INSERT INTO records (kind, id, subject, created_at, updated_at, data)
         VALUES (@kind, @id, @subject, @now, @now, @data)
         ON CONFLICT (kind, id) DO NOTHING`,
      ),
      deleteRecord: db.prepare<[string, string]>("DELETE FROM records WHERE kind = ? AND id = ?"),
      setting: db.prepare<[string], { value: string }>("SELECT value FROM settings WHERE name = ?"),
      setSetting: db.prepare<[string, string, string]>(
        `INSERT INTO settings (name, value, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      ),
      unsetSetting: db.prepare<[string]>("DELETE FROM settings WHERE name = ?"),
      lock: db.prepare(
        `INSERT INTO locks (name, owner, lease_until) VALUES (@name, @owner, @until)
         ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until
         WHERE locks.owner = excluded.owner OR locks.lease_until <= @now`,
      ),
      unlock: db.prepare<[string, string]>("DELETE FROM locks WHERE name = ? AND owner = ?"),
    };
  }

  createJob(input: CreateJobInput, actor: string): Promise<RotationJob> {
    return this.attempt(`start a rotation for user ${input.userName}`, () => {
      validateJobInput(input);
      requireText(actor, "actor");
      assertNoSecrets(input.targets, "targets");
      assertNoSecrets(input.options, "options");
      assertNoSecrets(input.data, "data");
      const nextAt = normalizeTime(input.nextAt, "nextAt");
      const create = this.db.transaction((): RotationJob => {
        const now = this.clock().toISOString();
        for (let tries = 1; ; tries++) {
          const id = input.id ?? newJobId(this.clock());
          try {
            this.stmt.insertJob.run({
              id,
              account_id: input.accountId,
              user_name: input.userName,
              old_access_key_id: input.oldAccessKeyId,
              new_access_key_id: input.newAccessKeyId,
              step: input.step,
              state: input.state,
              next_at: nextAt,
              targets: JSON.stringify(input.targets),
              options: JSON.stringify(input.options),
              data: JSON.stringify(input.data),
              created_at: now,
              updated_at: now,
            });
          } catch (err) {
            if (sqliteCode(err) === "SQLITE_CONSTRAINT_UNIQUE") {
              throw this.lockedError(input.accountId, input.userName, id, err);
            }
            if (sqliteCode(err) === "SQLITE_CONSTRAINT_PRIMARYKEY") {
              if (input.id === undefined && tries < 5) continue;
              throw new JobExistsError(id);
            }
            throw err;
          }
          this.stmt.insertEvent.run(
            id,
            now,
            input.step,
            "job-created",
            actor,
            JSON.stringify({ state: input.state }),
          );
          return this.mustGet(id);
        }
      });
      return create.immediate();
    });
  }

  getJob(id: string): Promise<RotationJob | null> {
    return this.attempt(`read rotation ${id}`, () => {
      const row = this.stmt.job.get(id);
      return row ? toJob(row) : null;
    });
  }

  listJobs(filter: JobFilter = {}): Promise<RotationJob[]> {
    return this.attempt("list rotations", () => {
      const where: string[] = [];
      const params: string[] = [];
      if (filter.state !== undefined) {
        if (filter.state.length === 0) return [];
        for (const s of filter.state) validateState(s);
        where.push(`state IN (${filter.state.map(() => "?").join(", ")})`);
        params.push(...filter.state);
      }
      if (filter.userName !== undefined) {
        where.push("user_name = ?");
        params.push(filter.userName);
      }
      if (filter.accountId !== undefined) {
        where.push("account_id = ?");
        params.push(filter.accountId);
      }
      const sql = `SELECT ${JOB_COLUMNS} FROM rotation_jobs ${
        where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""
      } ORDER BY created_at DESC, rowid DESC`;
      return this.db
        .prepare<string[], JobRow>(sql)
        .all(...params)
        .map(toJob);
    });
  }

  updateJob(
    id: string,
    expectedVersion: number,
    patch: JobPatch,
    event: JobEventInput,
  ): Promise<RotationJob> {
    return this.attempt(`save rotation ${id}`, () => {
      validateEvent(event);
      if (patch.state !== undefined) validateState(patch.state);
      if (patch.step !== undefined) requireText(patch.step, "step");
      if (patch.targets !== undefined) validateTargets(patch.targets);
      if (patch.data !== undefined) requireRecord(patch.data, "data");
      assertNoSecrets(patch.targets, "targets");
      assertNoSecrets(patch.data, "data");
      assertNoSecrets(event.detail, "event detail");
      const nextAt = patch.nextAt === undefined ? undefined : normalizeTime(patch.nextAt, "nextAt");
      const update = this.db.transaction((): RotationJob => {
        const cur = this.stmt.job.get(id);
        if (!cur) throw new JobNotFoundError(id, this.path);
        if (cur.version !== expectedVersion)
          throw new StaleJobError(id, expectedVersion, cur.version, cur.step);
        const now = this.clock().toISOString();
        try {
          const res = this.stmt.updateJob.run({
            id,
            version: expectedVersion,
            new_access_key_id:
              patch.newAccessKeyId === undefined ? cur.new_access_key_id : patch.newAccessKeyId,
            step: patch.step ?? cur.step,
            state: patch.state ?? cur.state,
            next_at: nextAt === undefined ? cur.next_at : nextAt,
            data: patch.data === undefined ? cur.data : JSON.stringify(patch.data),
            targets: patch.targets === undefined ? cur.targets : JSON.stringify(patch.targets),
            updated_at: now,
          });
          // Cannot happen inside the IMMEDIATE transaction; kept so a bug cannot lose an update silently.
          if (res.changes !== 1) throw new StaleJobError(id, expectedVersion, cur.version, cur.step);
        } catch (err) {
          if (sqliteCode(err) === "SQLITE_CONSTRAINT_UNIQUE") {
            throw this.lockedError(cur.account_id, cur.user_name, id, err);
          }
          throw err;
        }
        this.insertEvent(id, now, event);
        return this.mustGet(id);
      });
      return update.immediate();
    });
  }

  appendEvent(jobId: string, event: JobEventInput): Promise<JobEvent> {
    return this.attempt(`record an event for rotation ${jobId}`, () => {
      validateEvent(event);
      assertNoSecrets(event.detail, "event detail");
      const append = this.db.transaction((): JobEvent => {
        if (!this.stmt.job.get(jobId)) throw new JobNotFoundError(jobId, this.path);
        const eventId = this.insertEvent(jobId, this.clock().toISOString(), event);
        const row = this.stmt.event.get(eventId);
        if (!row) throw new Error(`event ${eventId} vanished after insert`);
        return toEvent(row);
      });
      return append.immediate();
    });
  }

  events(jobId: string): Promise<JobEvent[]> {
    return this.attempt(`read the events of rotation ${jobId}`, () =>
      this.stmt.events.all(jobId).map(toEvent),
    );
  }

  dueJobs(now: Date): Promise<RotationJob[]> {
    return this.attempt("find rotations that are due", () =>
      this.stmt.due.all(validDate(now, "now").toISOString()).map(toJob),
    );
  }

  claimJob(id: string, owner: string, leaseMs: number, now: Date): Promise<boolean> {
    return this.attempt(`claim rotation ${id}`, () => {
      requireText(owner, "owner");
      validateLease(leaseMs);
      const at = validDate(now, "now");
      const res = this.stmt.claim.run({
        id,
        owner,
        now: at.toISOString(),
        until: new Date(at.getTime() + leaseMs).toISOString(),
      });
      if (res.changes === 1) return true;
      if (!this.stmt.job.get(id)) throw new JobNotFoundError(id, this.path);
      return false;
    });
  }

  leaseOwner(id: string, now: Date): Promise<string | null> {
    return this.attempt(`read the lease of rotation ${id}`, () => {
      const row = this.stmt.leaseOwner.get(validDate(now, "now").toISOString(), id);
      return row?.lease_owner ?? null;
    });
  }

  releaseJob(id: string, owner: string): Promise<void> {
    return this.attempt(`release rotation ${id}`, () => {
      this.stmt.release.run(id, owner);
    });
  }

  putRecord(input: RecordInput): Promise<StoredRecord> {
    return this.attempt(`save ${input.kind} ${input.id}`, () => {
      validateRecordInput(input);
      assertNoSecrets(input.data, `${input.kind} data`);
      this.stmt.putRecord.run(this.recordParams(input));
      return this.mustGetRecord(input.kind, input.id);
    });
  }

  addRecord(input: RecordInput): Promise<StoredRecord | null> {
    return this.attempt(`save ${input.kind} ${input.id}`, () => {
      validateRecordInput(input);
      assertNoSecrets(input.data, `${input.kind} data`);
      const res = this.stmt.addRecord.run(this.recordParams(input));
      return res.changes === 1 ? this.mustGetRecord(input.kind, input.id) : null;
    });
  }

  getRecord(kind: string, id: string): Promise<StoredRecord | null> {
    return this.attempt(`read ${kind} ${id}`, () => {
      validateKind(kind);
      const row = this.stmt.record.get(kind, id);
      return row ? toRecord(row) : null;
    });
  }

  listRecords(kind: string, filter: RecordFilter = {}): Promise<StoredRecord[]> {
    return this.attempt(`list ${kind} records`, () => {
      const { sql, params } = recordQuery("*", kind, filter);
      return this.db
        .prepare<(string | number)[], RecordRow>(sql)
        .all(...params)
        .map(toRecord);
    });
  }

  listRecordStamps(kind: string, filter: RecordFilter = {}): Promise<RecordStamp[]> {
    return this.attempt(`list ${kind} records`, () => {
      // octet_length() of a column is answered from the record header: the payload is neither
      // read nor parsed. With updated_at it changes whenever the record is replaced (two
      // replacements within one millisecond with payloads of equal size are the blind spot).
      const { sql, params } = recordQuery(
        "id, subject, created_at, updated_at, octet_length(data) AS bytes",
        kind,
        filter,
      );
      return this.db
        .prepare<(string | number)[], StampRow>(sql)
        .all(...params)
        .map((r) => ({
          id: r.id,
          subject: r.subject,
          createdAt: r.created_at,
          updatedAt: r.updated_at,
          stamp: `${r.updated_at}/${r.bytes}`,
        }));
    });
  }

  deleteRecord(kind: string, id: string): Promise<boolean> {
    return this.attempt(`delete ${kind} ${id}`, () => {
      validateKind(kind);
      return this.stmt.deleteRecord.run(kind, id).changes === 1;
    });
  }

  getSetting(name: string): Promise<string | null> {
    return this.attempt(`read setting ${name}`, () => {
      requireText(name, "setting name");
      return this.stmt.setting.get(name)?.value ?? null;
    });
  }

  setSetting(name: string, value: string | null): Promise<void> {
    return this.attempt(`change setting ${name}`, () => {
      requireText(name, "setting name");
      if (value === null) {
        this.stmt.unsetSetting.run(name);
        return;
      }
      assertNoSecrets(value, `setting ${name}`);
      this.stmt.setSetting.run(name, value, this.clock().toISOString());
    });
  }

  acquireLock(name: string, owner: string, leaseMs: number, now: Date): Promise<boolean> {
    return this.attempt(`take the ${name} lock`, () => {
      requireText(name, "lock name");
      requireText(owner, "owner");
      validateLease(leaseMs);
      const at = validDate(now, "now");
      const res = this.stmt.lock.run({
        name,
        owner,
        now: at.toISOString(),
        until: new Date(at.getTime() + leaseMs).toISOString(),
      });
      return res.changes === 1;
    });
  }

  releaseLock(name: string, owner: string): Promise<void> {
    return this.attempt(`release the ${name} lock`, () => {
      this.stmt.unlock.run(name, owner);
    });
  }

  close(): Promise<void> {
    if (this.db.open) this.db.close();
    return Promise.resolve();
  }

  private insertEvent(jobId: string, at: string, event: JobEventInput): number | bigint {
    return this.stmt.insertEvent.run(
      jobId,
      at,
      event.step,
      event.action,
      event.actor,
      JSON.stringify(event.detail ?? {}),
    ).lastInsertRowid;
  }

  private recordParams(input: RecordInput) {
    return {
      kind: input.kind,
      id: input.id,
      subject: input.subject ?? null,
      now: this.clock().toISOString(),
      data: JSON.stringify(input.data),
    };
  }

  private mustGetRecord(kind: string, id: string): StoredRecord {
    const row = this.stmt.record.get(kind, id);
    if (!row) throw new Error(`${kind} ${id} vanished after it was written`);
    return toRecord(row);
  }

  private mustGet(id: string): RotationJob {
    const row = this.stmt.job.get(id);
    if (!row) throw new Error(`rotation ${id} vanished inside its own transaction`);
    return toJob(row);
  }

  private lockedError(accountId: string, userName: string, self: string, cause: unknown): JobLockedError {
    const holder = this.stmt.holder.get(accountId, userName, self) ?? null;
    return new JobLockedError(accountId, userName, holder, { cause });
  }

  private attempt<T>(attempting: string, fn: () => T): Promise<T> {
    try {
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(mapError(err, this.path, attempting));
    }
  }
}

/** "rot-<ms since epoch, base36>-<5 random base36>", e.g. "rot-m1x2y3z4-k7q2p". */

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
    targets: JSON.parse(r.targets) as TargetSpec[],
    options: JSON.parse(r.options) as Record<string, unknown>,
    data: JSON.parse(r.data) as Record<string, unknown>,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    version: r.version,
  };
}

interface StampRow {
  id: string;
  subject: string | null;
  created_at: string;
  updated_at: string;
  bytes: number;
}

/** listRecords' query, for any column list: one kind, newest first, filtered. */
function recordQuery(
  columns: string,
  kind: string,
  filter: RecordFilter,
): { sql: string; params: (string | number)[] } {
  validateKind(kind);
  validateLimit(filter.limit);
  const where = ["kind = ?"];
  const params: (string | number)[] = [kind];
  if (filter.subject !== undefined) {
    where.push("subject = ?");
    params.push(filter.subject);
  }
  if (filter.since !== undefined) {
    where.push("created_at >= ?");
    params.push(normalizeTime(filter.since, "since") ?? "");
  }
  const limit = filter.limit === undefined ? "" : " LIMIT ?";
  if (filter.limit !== undefined) params.push(filter.limit);
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
    data: JSON.parse(r.data) as Record<string, unknown>,
  };
}

function toEvent(r: EventRow): JobEvent {
  return {
    id: r.id,
    jobId: r.job_id,
    at: r.at,
    step: r.step,
    action: r.action,
    actor: r.actor,
    detail: JSON.parse(r.detail) as Record<string, unknown>,
  };
}

function sqliteCode(err: unknown): string | null {
  return err instanceof Database.SqliteError ? err.code : null;
}

const FS_UNOPENABLE = new Set([
  "EEXIST",
  "EACCES",
  "EPERM",
  "ENOTDIR",
  "EISDIR",
  "EROFS",
  "ENOENT",
  "ELOOP",
  "ENAMETOOLONG",
]);
const FS_IO = new Set(["ENOSPC", "EIO", "EDQUOT"]);

/** Turns SQLite and file-system failures into typed errors that say what to do. */
function mapError(err: unknown, location: string, attempting: string): Error {
  if (err instanceof KeywardenError || err instanceof SecretShapedValueError) return err;
  if (err instanceof SchemaTooNewError) {
    return new StoreOpenError(
      "STORE_TOO_NEW",
      location,
      `the keywarden database at ${location} has schema version ${err.found}, newer than this keywarden knows (${err.known}); a newer keywarden has used it`,
      "Upgrade keywarden (npm install -g keywarden@latest), or set KEYWARDEN_HOME to use another data folder.",
      { cause: err },
    );
  }
  const code = sqliteCode(err) ?? (err as NodeJS.ErrnoException | null)?.code ?? null;
  const reason = err instanceof Error ? err.message : String(err);
  if (code !== null) {
    if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) {
      return new StoreBusyError(location, attempting, { cause: err });
    }
    if (code === "SQLITE_NOTADB" || code.startsWith("SQLITE_CORRUPT")) {
      return new StoreOpenError(
        "STORE_CORRUPT",
        location,
        `could not ${attempting}: ${location} is not a keywarden database or is damaged (${reason})`,
        `Restore it from a backup, or move it aside (mv ${location} ${location}.broken) to start a new one; rotations recorded in it would then need finishing by hand.`,
        { cause: err },
      );
    }
    if (
      code.startsWith("SQLITE_CANTOPEN") ||
      code.startsWith("SQLITE_READONLY") ||
      code === "SQLITE_PERM" ||
      code === "SQLITE_AUTH" ||
      FS_UNOPENABLE.has(code)
    ) {
      return new StoreOpenError(
        "STORE_UNOPENABLE",
        location,
        `could not ${attempting}: cannot open or write ${location} (${reason})`,
        "Make sure its folder exists and you can write to it, or set KEYWARDEN_HOME to a folder you own.",
        { cause: err },
      );
    }
    if (code.startsWith("SQLITE_IOERR") || code === "SQLITE_FULL" || FS_IO.has(code)) {
      return new StoreOpenError(
        "STORE_IO",
        location,
        `could not ${attempting}: a disk error hit ${location} (${reason})`,
        "Check free space and the disk, then run the command again.",
        { cause: err },
      );
    }
  }
  return err instanceof Error ? err : new Error(reason);
}

export { newJobId } from "./checks.js";
