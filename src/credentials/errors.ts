// Typed errors for the local AWS credentials/config files. Exit 6 (a local file problem).
// Messages name the file and the line; they never contain a line's text or a value, because a
// line of a credentials file may hold a secret.
import { ExitCode, KeywardenError } from "../domain/errors.js";

export type CredentialsFileErrorCode =
  /** The file does not parse: the message names the line and what was expected there. */
  | "CREDENTIALS_FILE_INVALID"
  /** The file could not be read (permissions, a directory in its place, not UTF-8). */
  | "CREDENTIALS_FILE_UNREADABLE"
  /** The atomic write failed; the original file is unchanged and no temp file is left behind. */
  | "CREDENTIALS_FILE_WRITE_FAILED"
  /** The file changed on disk between keywarden reading it and replacing it. */
  | "CREDENTIALS_FILE_CHANGED"
  /** The file (or the backup to restore) does not exist. */
  | "CREDENTIALS_FILE_MISSING"
  /** No profile (or not the named profile) holds the access key id to replace. */
  | "CREDENTIALS_KEY_NOT_FOUND"
  /** An edit keywarden refuses to make (a nested block, a value the AWS tools would read differently). */
  | "CREDENTIALS_EDIT_UNSUPPORTED";

export class CredentialsFileError extends KeywardenError {
  readonly exitCode = ExitCode.ENVIRONMENT;

  constructor(
    readonly code: CredentialsFileErrorCode,
    message: string,
    fix: string,
    readonly details: { path?: string | undefined; line?: number | undefined } = {},
    options?: { cause?: unknown },
  ) {
    super(message, fix, options);
  }

  /** The file the error is about, when known. */
  get path(): string | undefined {
    return this.details.path;
  }

  /** The 1-based line number the error is about, when there is one. */
  get line(): number | undefined {
    return this.details.line;
  }
}
