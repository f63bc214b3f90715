import {
  AccessDeniedError,
  AwsFailureError,
  CredentialsError,
  ExitCode,
  KeywardenError,
} from "../domain/errors.js";

// The one place that turns SDK and network errors into typed keywarden errors with a fix.
// Messages never include request bodies or credentials: only codes and AWS's own error text.

export interface CallSite {
  /** e.g. "ListAccessKeys" */
  operation: string;
  /** e.g. "iam:ListAccessKeys" */
  permission: string;
  /** Where the call went, for the "unreachable" message. */
  endpoint?: string | null;
  profile?: string | null;
}

const ACCESS_DENIED = new Set([
  "AccessDenied",
  "AccessDeniedException",
  "UnauthorizedOperation",
  "UnauthorizedAccess",
]);
const THROTTLED = new Set([
  "Throttling",
  "ThrottlingException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "SlowDown",
]);
const EXPIRED = new Set(["ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"]);
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "ECONNRESET",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
]);

interface ErrorLike {
  name?: string;
  code?: string;
  message?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
  cause?: unknown;
}

function networkCode(e: ErrorLike): string | null {
  for (let cur: unknown = e, depth = 0; cur && depth < 5; depth++) {
    const c = (cur as ErrorLike).code;
    if (c && NETWORK_CODES.has(c)) return c;
    if ((cur as ErrorLike).name === "TimeoutError") return "ETIMEDOUT";
    cur = (cur as ErrorLike).cause;
  }
  return null;
}

function profileHint(site: CallSite): string {
  return site.profile ? ` --profile ${site.profile}` : "";
}

export function mapAwsError(err: unknown, site: CallSite): KeywardenError {
  if (err instanceof KeywardenError) return err;
  const e = (err ?? {}) as ErrorLike;
  const name = e.name ?? e.Code ?? "Error";
  const text = (e.message ?? String(err)).split("\n")[0] ?? "";
  const what = `${site.operation} failed`;

  if (ACCESS_DENIED.has(name)) {
    return new AccessDeniedError(
      site.operation,
      site.permission,
      `${what}: access denied; the caller lacks ${site.permission}`,
      { cause: err },
    );
  }
  if (THROTTLED.has(name) || /rate exceeded/i.test(text)) {
    return new AwsFailureError(
      "THROTTLED",
      `${what}: AWS kept throttling the request after every retry (${name})`,
      "Run again later, or lower the request rate (--max-attempts raises the retry budget).",
      { cause: err, retryable: true },
    );
  }
  if (name === "InvalidClientTokenId" || name === "UnrecognizedClientException") {
    return new CredentialsError(
      "KEY_NOT_VALID",
      `${what}: AWS does not accept the access key id in use (deleted, inactive, or from another partition)`,
      `Run \`keywarden doctor${profileHint(site)}\` to see which key is in use and why it fails.`,
      { cause: err },
    );
  }
  // Query APIs (STS, IAM) report a skewed clock as SignatureDoesNotMatch "Signature expired: ...
  // is now earlier than ..." (or "Signature not yet current"): that is the clock, not the secret.
  if (name === "RequestTimeTooSkewed" || /^Signature (expired|not yet current)/i.test(text)) {
    return new CredentialsError(
      "CLOCK_SKEW",
      `${what}: this machine's clock differs too much from AWS's`,
      "Sync the clock (e.g. `sudo chronyc makestep` or `sudo timedatectl set-ntp true`), then retry.",
      { cause: err },
    );
  }
  if (name === "SignatureDoesNotMatch" || name === "IncompleteSignature") {
    return new CredentialsError(
      "SIGNATURE_MISMATCH",
      `${what}: the secret access key does not match the access key id`,
      `Fix the secret for this key in your credentials file (\`keywarden doctor${profileHint(site)}\` shows which file).`,
      { cause: err },
    );
  }
  if (EXPIRED.has(name) || /token.*expired|session.*expired|sso.*expired/i.test(text)) {
    return new CredentialsError(
      "SESSION_EXPIRED",
      `${what}: the session credentials have expired`,
      site.profile
        ? `Refresh them: \`aws sso login --profile ${site.profile}\` for SSO, or \`keywarden mfa --profile ${site.profile}\` for an MFA session.`
        : "Refresh them: `aws sso login` for SSO, or get a new session with `keywarden mfa`.",
      { cause: err },
    );
  }
  if (name === "CredentialsProviderError" || /could not load credentials/i.test(text)) {
    return new CredentialsError(
      "NO_CREDENTIALS",
      `${what}: no AWS credentials found (${text})`,
      "Configure credentials: `aws configure`, `--profile NAME`, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.",
      { cause: err },
    );
  }
  const net = networkCode(e);
  if (net) {
    const where = site.endpoint ? ` at ${site.endpoint}` : "";
    return new AwsFailureError(
      "ENDPOINT_UNREACHABLE",
      `${what}: could not reach AWS${where} (${net})`,
      "Check the network, --region and --endpoint-url / AWS_ENDPOINT_URL.",
      { cause: err, retryable: true },
    );
  }
  return new AwsFailureError(
    "AWS_ERROR",
    `${what}: ${name}${text && text !== name ? `: ${text}` : ""}`,
    "Run again with --debug for details; if it persists, check the AWS Health Dashboard.",
    { cause: err, retryable: (e.$metadata?.httpStatusCode ?? 0) >= 500 },
  );
}

/** The SDK serviceId of an IAM action prefix (the services keywarden calls). */
const SERVICE_IDS: Record<string, string> = {
  iam: "IAM",
  sts: "STS",
  secretsmanager: "Secrets Manager",
  ssm: "SSM",
  sns: "SNS",
  organizations: "Organizations",
  cloudtrail: "CloudTrail",
  ec2: "EC2",
  athena: "Athena",
  s3: "S3",
  cloudformation: "CloudFormation",
};

/**
 * Where a session's call goes, for error messages: `callSite(session, "ListAccessKeys")`. The
 * endpoint is that service's own (each service may have its own, see endpoints.ts).
 */
export function callSite(
  session: {
    endpointUrl: string | null;
    profile: string | null;
    endpointFor?: (serviceId: string) => { url: string } | null;
  },
  operation: string,
  service = "iam",
): CallSite {
  const serviceId = SERVICE_IDS[service];
  let endpoint = session.endpointUrl;
  if (serviceId !== undefined && session.endpointFor) {
    try {
      endpoint = session.endpointFor(serviceId)?.url ?? null;
    } catch {
      // A bad endpoint setting surfaces as its own error when the client is made.
    }
  }
  return { operation, permission: `${service}:${operation}`, endpoint, profile: session.profile };
}

/** Runs one SDK call and maps any failure. */
export async function call<T>(site: CallSite, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw mapAwsError(err, site);
  }
}

/** AWS's words for a denial by a Deny statement ("... with an explicit deny in an identity-based policy"), not a missing Allow. */
export function isExplicitDeny(err: unknown): boolean {
  const cause = err instanceof KeywardenError ? err.cause : err;
  const text = (cause as ErrorLike | undefined)?.message ?? "";
  return /with an explicit deny/i.test(text);
}

/** An AccessDenied explained by a policy that requires MFA: exit 4 like any denial, with the MFA fix. */
export class MfaRequiredError extends KeywardenError {
  readonly exitCode = ExitCode.ACCESS_DENIED;
  readonly code = "MFA_REQUIRED";
}

/**
 * The rotation's explanation of `err` when a policy that requires MFA is the likely cause: certain
 * when AWS says the deny is explicit, said with an "if" when the caller merely has an MFA device.
 * Only `rotate` uses it (it can act on the advice); other verbs keep the general message.
 */
export function mfaDenialError(
  err: AccessDeniedError,
  facts: { explicit: boolean; serial?: string | undefined; profile?: string | null; configPath?: string },
): MfaRequiredError {
  const where =
    facts.profile === null || facts.profile === undefined
      ? "in the profile"
      : `in [${facts.profile === "default" ? "default" : `profile ${facts.profile}`}] of ${facts.configPath ?? "~/.aws/config"}`;
  const flags = `--mfa-serial ${facts.serial ?? "ARN"} --token-code CODE (or set mfa_serial ${where})`;
  const what = `${err.operation} failed`;
  return facts.explicit
    ? new MfaRequiredError(
        `${what}: access denied with an explicit deny (${err.permission}); a policy denies this without MFA`,
        `Pass ${flags}.`,
        { cause: err.cause },
      )
    : new MfaRequiredError(
        `${what}: access denied (${err.permission}); the caller has an MFA device, and a policy that requires MFA denies calls made without it`,
        `If so, pass ${flags}; otherwise grant ${err.permission} (see \`keywarden permissions rotate\`).`,
        { cause: err.cause },
      );
}
