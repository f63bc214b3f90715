// Typed errors. The CLI maps them to exit codes in one place (src/cli/main.ts).
// Messages say what was being attempted and what to do next; they never contain a secret.

export const ExitCode = {
  OK: 0,
  FINDINGS: 1,
  USAGE: 2,
  CREDENTIALS: 3,
  ACCESS_DENIED: 4,
  AWS_FAILURE: 5,
  ENVIRONMENT: 6,
  CONFLICT: 7,
  INTERNAL: 70,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export abstract class KeywardenError extends Error {
  abstract readonly exitCode: ExitCodeValue;
  /** Stable machine-readable code, e.g. "UNKNOWN_PROFILE". */
  abstract readonly code: string;
  readonly retryable: boolean = false;
  /** What the user should do next: one sentence, ideally a command. */
  readonly fix: string;

  constructor(message: string, fix: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.fix = fix;
  }
}

/** Bad flags or arguments: exit 2. */
export class UsageError extends KeywardenError {
  readonly exitCode = ExitCode.USAGE;
  readonly code = "USAGE";
}

/** No credentials, unknown profile, expired session, invalid key: exit 3. */
export class CredentialsError extends KeywardenError {
  readonly exitCode = ExitCode.CREDENTIALS;
  constructor(
    readonly code: string,
    message: string,
    fix: string,
    options?: { cause?: unknown },
  ) {
    super(message, fix, options);
  }
}

/** The caller lacks an IAM permission: exit 4. */
export class AccessDeniedError extends KeywardenError {
  readonly exitCode = ExitCode.ACCESS_DENIED;
  readonly code = "ACCESS_DENIED";
  constructor(
    readonly operation: string,
    readonly permission: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(
      message,
      `Grant ${permission} to the identity you run keywarden as (see \`keywarden permissions\`).`,
      options,
    );
  }
}

/** AWS or the network failed: unreachable endpoint, throttled past retries, bad region: exit 5. */
export class AwsFailureError extends KeywardenError {
  readonly exitCode = ExitCode.AWS_FAILURE;
  override readonly retryable: boolean;
  constructor(
    readonly code: string,
    message: string,
    fix: string,
    options?: { cause?: unknown; retryable?: boolean },
  ) {
    super(message, fix, options);
    this.retryable = options?.retryable ?? false;
  }
}

/** Refused because of the state of something else (another job, the two-key limit): exit 7. */
export class ConflictError extends KeywardenError {
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

/** Something missing on this machine (python3, moto), or a local file problem: exit 6. */
export class EnvironmentError extends KeywardenError {
  readonly exitCode = ExitCode.ENVIRONMENT;
  constructor(
    readonly code: string,
    message: string,
    fix: string,
    options?: { cause?: unknown },
  ) {
    super(message, fix, options);
  }
}
