// Typed store errors. Conflicts (another job holds the user, the job changed under us, the
// database stayed locked) exit 7; a database that cannot be opened or is damaged exits 6.
import { EnvironmentError, ExitCode, KeywardenError, type ExitCodeValue } from "../domain/errors.js";

/** Exit code for conflicts with another rotation or process. */
export const CONFLICT_EXIT_CODE: ExitCodeValue = ExitCode.CONFLICT;

/** Another job, process or worker got there first: exit 7. */
export abstract class StoreConflictError extends KeywardenError {
  readonly exitCode = CONFLICT_EXIT_CODE;
}

/** A running, waiting or failed rotation already holds this IAM user. */
export class JobLockedError extends StoreConflictError {
  readonly code = "JOB_LOCKED";
  constructor(
    readonly accountId: string,
    readonly userName: string,
    /** The job holding the user; null when it finished between the refusal and the look-up. */
    readonly existing: { id: string; step: string; state: string } | null,
    options?: { cause?: unknown },
  ) {
    super(
      existing
        ? `user ${userName} (account ${accountId}) already has rotation ${existing.id} in step ${existing.step} (${existing.state}); only one rotation per user runs at a time`
        : `another rotation for user ${userName} (account ${accountId}) was started at the same moment; only one rotation per user runs at a time`,
      existing
        ? `Run \`keywarden rotate --resume ${existing.id}\` or \`keywarden rotate --rollback ${existing.id}\`.`
        : "Run `keywarden rotations` to see it.",
      options,
    );
  }
}

/** The job changed (another process advanced it) since it was read. */
export class StaleJobError extends StoreConflictError {
  readonly code = "STALE_JOB";
  constructor(
    readonly jobId: string,
    readonly expectedVersion: number,
    readonly actualVersion: number,
    readonly actualStep: string,
  ) {
    super(
      `rotation ${jobId} changed while this process was advancing it (expected version ${expectedVersion}, found ${actualVersion} at step ${actualStep}); another keywarden process is working on it`,
      `Let the other process finish, then run \`keywarden rotate --resume ${jobId}\` if it is not done.`,
    );
  }
}

/** A job with this id already exists (only when the caller chose the id). */
export class JobExistsError extends StoreConflictError {
  readonly code = "JOB_EXISTS";
  constructor(readonly jobId: string) {
    super(
      `a rotation with id ${jobId} already exists`,
      "Choose another id, or leave it out and keywarden picks one.",
    );
  }
}

/** The database stayed locked by another process for longer than the busy timeout. */
export class StoreBusyError extends StoreConflictError {
  readonly code = "STORE_BUSY";
  override readonly retryable = true;
  constructor(
    readonly location: string,
    attempting: string,
    options?: { cause?: unknown },
  ) {
    super(
      `could not ${attempting}: the keywarden database at ${location} stayed locked by another process`,
      "Wait for the other keywarden process to finish, then run the command again.",
      options,
    );
  }
}

/** No job with this id: exit 2 (the id usually comes from the command line). */
export class JobNotFoundError extends KeywardenError {
  readonly exitCode = ExitCode.USAGE;
  readonly code = "JOB_NOT_FOUND";
  constructor(
    readonly jobId: string,
    location: string,
  ) {
    super(`there is no rotation ${jobId} in ${location}`, "Run `keywarden rotations` to list rotations.");
  }
}

export type StoreOpenErrorCode =
  /** The file or its folder cannot be created, opened or written. */
  | "STORE_UNOPENABLE"
  /** The file is not a SQLite database, or is damaged. */
  | "STORE_CORRUPT"
  /** The database was migrated by a newer keywarden. */
  | "STORE_TOO_NEW"
  /** A disk or I/O failure while using the database. */
  | "STORE_IO";

/** The database cannot be opened or used on this machine: exit 6. */
export class StoreOpenError extends EnvironmentError {
  declare readonly code: StoreOpenErrorCode;
  constructor(
    code: StoreOpenErrorCode,
    readonly location: string,
    message: string,
    fix: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, fix, options);
  }
}

/**
 * Thrown when a value about to be stored looks like a secret access key. It is a bug in the
 * caller (secrets never reach the store), so it is deliberately not a KeywardenError: the CLI
 * reports it as an internal error. The message names where the value was, never the value.
 */
export class SecretShapedValueError extends Error {
  constructor(readonly where: string) {
    super(`refusing to store something shaped like a secret access key (in ${where})`);
    this.name = "SecretShapedValueError";
  }
}
