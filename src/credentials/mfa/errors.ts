// The failures of `keywarden mfa` as one line of advice each, with the exit code that says what
// kind of problem it is. Pure: the AWS adapter (src/aws/mfa-session.ts) hands in the error's name
// and message; anything not recognised here falls back to the general mapping (src/aws/errors.ts).
// Messages name profiles, masked key ids, device and role ARNs: never a secret, token or code.
import { ExitCode, KeywardenError, UsageError, type ExitCodeValue } from "../../domain/errors.js";
import { maskKeyId } from "../../domain/key-id.js";

/** A refusal or failure of `keywarden mfa` with its own exit code (3 credentials, 4 denied, 7 conflict). */
export class MfaError extends KeywardenError {
  constructor(
    readonly exitCode: ExitCodeValue,
    readonly code: string,
    message: string,
    fix: string,
    options?: { cause?: unknown },
  ) {
    super(message, fix, options);
  }
}

export type MfaOperation = "GetCallerIdentity" | "ListMFADevices" | "GetSessionToken" | "AssumeRole";

/** What was being done when AWS answered with an error. */
export interface MfaCallContext {
  readonly operation: MfaOperation;
  /** The session profile (e.g. "dev"). */
  readonly profile: string;
  /** Where the long-term keys came from (e.g. "dev-long-term", or "dev" on a first run). */
  readonly keySource: string;
  readonly accessKeyId: string;
  readonly serial?: string | undefined;
  readonly roleArn?: string | undefined;
  readonly userName?: string | undefined;
  /** The credentials file, for advice that says where to edit. */
  readonly credentialsPath?: string | undefined;
  /** The config file, for advice about mfa_serial. */
  readonly configPath?: string | undefined;
}

/** The parts of an SDK error this needs (its name is AWS's error code). */
export interface AwsErrorLike {
  readonly name?: string | undefined;
  readonly message?: string | undefined;
}

const ACCESS_DENIED = new Set(["AccessDenied", "AccessDeniedException"]);
const KEY_NOT_VALID = new Set(["InvalidClientTokenId", "UnrecognizedClientException"]);
const EXPIRED = new Set(["ExpiredToken", "ExpiredTokenException"]);

/**
 * The one-line advice for an error of an MFA call, or undefined when the general mapping says it
 * as well (throttling, network, unknown errors).
 */
export function classifyMfaError(err: AwsErrorLike, ctx: MfaCallContext): KeywardenError | undefined {
  const name = err.name ?? "";
  const text = (err.message ?? "").split("\n")[0] ?? "";
  const op = `${ctx.operation} failed`;
  const key = `${maskKeyId(ctx.accessKeyId)} from [${ctx.keySource}]`;
  const options = { cause: err };
  const device = ctx.serial === undefined ? "the MFA device" : ctx.serial;

  if (ACCESS_DENIED.has(name) && /MultiFactorAuthentication failed/i.test(text)) {
    const unknownDevice = /unable to validate|verify your MFA serial/i.test(text);
    return new MfaError(
      ExitCode.CREDENTIALS,
      "MFA_CODE_REJECTED",
      unknownDevice
        ? `${op}: AWS could not validate the MFA code with ${device} (the device is not assigned to ${ctx.userName ?? "this user"}, or the code is wrong)`
        : `${op}: AWS rejected the MFA code for ${device} (a wrong or expired code, or one already used)`,
      unknownDevice
        ? "Check the device with `aws iam list-mfa-devices` and pass its ARN with --serial, then run again with the current code."
        : "Wait for the next code on the device and run the command again with it (each code works once).",
      options,
    );
  }
  if (ACCESS_DENIED.has(name) && /with session credentials/i.test(text)) {
    return new MfaError(
      ExitCode.CREDENTIALS,
      "LONG_TERM_KEY_IS_SESSION",
      `${op}: the key ${key} is a session key, and sessions can only be made from long-term keys`,
      `Put a long-term access key (AKIA...) without aws_session_token in [${ctx.keySource}].`,
      options,
    );
  }
  if (ACCESS_DENIED.has(name)) {
    const who = ctx.userName === undefined ? "the long-term key's identity" : `user ${ctx.userName}`;
    switch (ctx.operation) {
      case "ListMFADevices":
        return new MfaError(
          ExitCode.ACCESS_DENIED,
          "ACCESS_DENIED",
          `${op}: ${who} may not list its MFA devices (iam:ListMFADevices; a policy that requires MFA often denies it to a key without MFA)`,
          `Name the device instead: pass --serial ARN, or set mfa_serial = ARN in [profile ${ctx.profile}] of ${ctx.configPath ?? "~/.aws/config"}.`,
          options,
        );
      case "GetSessionToken":
        return new MfaError(
          ExitCode.ACCESS_DENIED,
          "ACCESS_DENIED",
          `${op}: ${who} may not call sts:GetSessionToken (a policy denies it)`,
          "Ask an administrator to allow sts:GetSessionToken for your user (no MFA condition on that action).",
          options,
        );
      case "AssumeRole":
        return new MfaError(
          ExitCode.ACCESS_DENIED,
          "ACCESS_DENIED",
          `${op}: ${who} may not assume ${ctx.roleArn ?? "the role"} (sts:AssumeRole is not granted, or the role's trust policy does not trust it)`,
          "Check that the role's trust policy names your user or account and that your policies allow sts:AssumeRole on the role.",
          options,
        );
      default:
        return undefined;
    }
  }
  if (KEY_NOT_VALID.has(name)) {
    return new MfaError(
      ExitCode.CREDENTIALS,
      "LONG_TERM_KEY_NOT_VALID",
      `${op}: AWS does not accept the long-term key ${key} (deleted, inactive, mistyped, or from another partition)`,
      `Put a working access key in [${ctx.keySource}] of ${ctx.credentialsPath ?? "the credentials file"} (\`aws iam list-access-keys\` shows your keys), then run again.`,
      options,
    );
  }
  if (name === "SignatureDoesNotMatch" || name === "IncompleteSignature") {
    return new MfaError(
      ExitCode.CREDENTIALS,
      "SIGNATURE_MISMATCH",
      `${op}: the secret access key in [${ctx.keySource}] does not belong to the key ${maskKeyId(ctx.accessKeyId)}`,
      `Fix aws_secret_access_key in [${ctx.keySource}] of ${ctx.credentialsPath ?? "the credentials file"}, then run again.`,
      options,
    );
  }
  if (EXPIRED.has(name)) {
    return new MfaError(
      ExitCode.CREDENTIALS,
      "TOKEN_EXPIRED",
      `${op}: AWS says the token has expired (the MFA code's time window passed, or the key ${key} carries an expired session)`,
      `Run again with the current code; keep only long-term keys (no aws_session_token) in [${ctx.keySource}].`,
      options,
    );
  }
  if (ctx.operation === "AssumeRole" && name === "ValidationError" && /DurationSeconds/i.test(text)) {
    return new UsageError(
      `${op}: ${ctx.roleArn ?? "the role"} does not allow sessions as long as --duration asks (its MaxSessionDuration is shorter)`,
      "Pass a shorter --duration, e.g. --duration 1h (the role's default maximum).",
      options,
    );
  }
  return undefined;
}
