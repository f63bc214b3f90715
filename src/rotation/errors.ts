import { ExitCode, KeywardenError } from "../domain/errors.js";

/** A rotation refused or stopped for a reason the user can act on: exit 7 (conflict). */
export class RotationError extends KeywardenError {
  readonly exitCode = ExitCode.CONFLICT;
  constructor(
    readonly code: string,
    message: string,
    fix: string,
    options?: { cause?: unknown },
  ) {
    super(message, fix, options);
  }
}
