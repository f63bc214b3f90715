// The store behind the rotation job: jobs, their steps and an audit trail of events. No secrets
// ever live here (see guard.ts). Every method is async so a PostgreSQL implementation can satisfy
// the same interface; the SQLite one (sqlite.ts) is the embedded default.

/**
 * `running` and `waiting` jobs are advanced by `dueJobs`; `failed` jobs wait for a person to
 * resume or roll back. Those three hold the per-user lock; `done` and `rolled-back` release it.
 */
export type JobState = "running" | "waiting" | "done" | "failed" | "rolled-back";

export const JOB_STATES: readonly JobState[] = ["running", "waiting", "done", "failed", "rolled-back"];

/** States that hold the one-rotation-per-user lock. */
export const LOCKING_STATES: readonly JobState[] = ["running", "waiting", "failed"];

/** States that `dueJobs` returns (when their `nextAt` has come). */
export const ACTIVE_STATES: readonly JobState[] = ["running", "waiting"];

export function isFinished(state: JobState): boolean {
  return state === "done" || state === "rolled-back";
}

export type TargetKind = "profile" | "secretsmanager" | "ssm" | "dotenv" | "stdout";

/** Where a new secret is delivered. `ref` is a profile name, secret id, parameter name or file. */
export interface TargetSpec {
  kind: TargetKind;
  ref: string;
  /** A credentials or dotenv file, when it is not the default one. */
  file?: string;
}

export interface RotationJob {
  /** e.g. "rot-m1x2y3z4-k7q2p": short and typeable. */
  id: string;
  accountId: string;
  userName: string;
  oldAccessKeyId: string;
  newAccessKeyId: string | null;
  /** The next step to run: "create", "verify", "observe", "deactivate", "soak", "delete", "done"... */
  step: string;
  state: JobState;
  /** ISO time (normalized to `Date#toISOString`) the next step is due; null means now. */
  nextAt: string | null;
  targets: TargetSpec[];
  /** Observe/soak durations, self or admin, replaceInactive, deleteNow, region/profile used... */
  options: Record<string, unknown>;
  /** Step outputs that are NOT secret: old key's last use at start, backup paths, version ids... */
  data: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
  /** Optimistic concurrency: starts at 1; every update must name it and increments it. */
  version: number;
}

export interface JobEvent {
  id: number;
  jobId: string;
  at: string;
  step: string;
  action: string;
  actor: string;
  detail: Record<string, unknown>;
}

export interface JobEventInput {
  step: string;
  action: string;
  actor: string;
  detail?: Record<string, unknown>;
}

export type CreateJobInput = Omit<RotationJob, "id" | "createdAt" | "updatedAt" | "version"> & {
  id?: string;
};

export type JobPatch = Partial<
  Pick<RotationJob, "newAccessKeyId" | "step" | "state" | "nextAt" | "data" | "targets">
>;

export interface JobFilter {
  state?: JobState[];
  userName?: string;
  accountId?: string;
}

/**
 * A document another capability keeps: an incident, a notification that was sent, an enforcement
 * run, a scan result. `kind` names the collection ("incident", "notification"...), `id` is unique
 * within it, `subject` is what it is about (a user, a key id) for filtering. No secrets, ever:
 * `data` goes through the same guard as job data.
 */
export interface StoredRecord {
  kind: string;
  id: string;
  subject: string | null;
  createdAt: string;
  updatedAt: string;
  data: Record<string, unknown>;
}

export interface RecordInput {
  /** Lower-case letters, digits and dashes, starting with a letter; at most 40 characters. */
  kind: string;
  /** Any non-empty text up to 300 characters: a generated id, or a deduplication key. */
  id: string;
  subject?: string | null;
  data: Record<string, unknown>;
}

/**
 * What identifies one version of a record without its payload: enough to tell whether a copy
 * derived from it (the dashboard's views) is still current. `stamp` is opaque; it changes when the
 * record is replaced (SQLite: its update time and the payload's byte length; PostgreSQL: its update
 * time and the row version).
 */
export interface RecordStamp {
  id: string;
  subject: string | null;
  createdAt: string;
  updatedAt: string;
  stamp: string;
}

export interface RecordFilter {
  subject?: string;
  /** Only records created at or after this ISO time. */
  since?: string;
  /** At most this many (newest first). */
  limit?: number;
}

export interface Store {
  /**
   * Records a new job and its "job-created" event, taking the per-user lock atomically.
   * Throws JobLockedError if another job for accountId+userName is running, waiting or failed.
   */
  createJob(input: CreateJobInput, actor: string): Promise<RotationJob>;
  getJob(id: string): Promise<RotationJob | null>;
  /** Newest first. */
  listJobs(filter?: JobFilter): Promise<RotationJob[]>;
  /**
   * One transaction: the update and its event. Throws StaleJobError if the job's version is no
   * longer `expectedVersion`, JobNotFoundError if there is no such job, and JobLockedError if the
   * patch would re-open a finished job while another one holds the user.
   */
  updateJob(id: string, expectedVersion: number, patch: JobPatch, event: JobEventInput): Promise<RotationJob>;
  /** Throws JobNotFoundError if there is no such job. */
  appendEvent(jobId: string, event: JobEventInput): Promise<JobEvent>;
  /** Oldest first; empty for an unknown job. */
  events(jobId: string): Promise<JobEvent[]>;
  /** Jobs running or waiting whose nextAt is null or not after `now`, the longest-due first. */
  dueJobs(now: Date): Promise<RotationJob[]>;
  /**
   * A lease so two processes never advance the same job at once. True if claimed: the job was
   * free, its lease had expired, or `owner` already held it (the lease is then extended).
   * Throws JobNotFoundError if there is no such job.
   */
  claimJob(id: string, owner: string, leaseMs: number, now: Date): Promise<boolean>;
  /** Who holds an unexpired lease on the job; null when nobody does (or there is no such job). */
  leaseOwner(id: string, now: Date): Promise<string | null>;
  /** Gives the lease up if `owner` holds it; otherwise does nothing. */
  releaseJob(id: string, owner: string): Promise<void>;

  /** Inserts or replaces a record; a replaced one keeps its createdAt. */
  putRecord(input: RecordInput): Promise<StoredRecord>;
  /**
   * Inserts the record only if no record of that kind has that id, atomically: the way to send
   * a notification once. Returns the new record, or null when one already existed.
   */
  addRecord(input: RecordInput): Promise<StoredRecord | null>;
  getRecord(kind: string, id: string): Promise<StoredRecord | null>;
  /** Newest first (createdAt, then id, descending). */
  listRecords(kind: string, filter?: RecordFilter): Promise<StoredRecord[]>;
  /**
   * listRecords' order and filter, without reading or parsing any payload: cheap enough to call
   * on every request to see whether something derived from the records is stale.
   */
  listRecordStamps(kind: string, filter?: RecordFilter): Promise<RecordStamp[]>;
  /** True if a record was deleted. */
  deleteRecord(kind: string, id: string): Promise<boolean>;

  /** A named setting (the enforcement kill switch, the dashboard token hash...); null if unset. */
  getSetting(name: string): Promise<string | null>;
  /** Sets a setting, or removes it when `value` is null. */
  setSetting(name: string, value: string | null): Promise<void>;

  /**
   * A named lease that is not a job: one enforcement run at a time, say. True if `owner` now
   * holds it (it was free, expired, or already `owner`'s, whose lease is then extended).
   */
  acquireLock(name: string, owner: string, leaseMs: number, now: Date): Promise<boolean>;
  /** Gives the lock up if `owner` holds it; otherwise does nothing. */
  releaseLock(name: string, owner: string): Promise<void>;

  close(): Promise<void>;
}
