import { IAMClient } from "@aws-sdk/client-iam";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SSMClient } from "@aws-sdk/client-ssm";
import { STSClient } from "@aws-sdk/client-sts";
import { fromEnv, fromNodeProviderChain } from "@aws-sdk/credential-providers";
import { loadSharedConfigFiles } from "@smithy/shared-ini-file-loader";
import type { AwsCredentialIdentityProvider } from "@smithy/types";
import { CredentialsError, UsageError } from "../domain/errors.js";
import { CallCounter, instrumentClient } from "./call-counter.js";

/** Where to point AWS calls. Unset fields resolve the way the AWS CLI resolves them. */
export interface AwsTarget {
  profile?: string | undefined;
  region?: string | undefined;
  endpointUrl?: string | undefined;
  /** Retry budget per call (adaptive retry mode). */
  maxAttempts?: number | undefined;
  /**
   * Called with every client this session creates. Tests use it to inject AWS errors the emulator
   * cannot produce (throttling, clock skew, expired tokens) at the SDK layer, as middleware.
   */
  configureClient?: ((client: AnyClient) => void) | undefined;
  /**
   * Explicit credentials win over the chain (used by the demo, which owns its emulator). A provider
   * function is called again near the credentials' expiration (assumed-role sessions of an org audit).
   */
  credentials?:
    | { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
    | AwsCredentialIdentityProvider
    | undefined;
}

type AnyClient = IAMClient | STSClient | SecretsManagerClient | SSMClient | OrganizationsClient;

export interface AwsSession {
  /** The profile whose settings apply, or null when environment credentials or defaults are used. */
  profile: string | null;
  region: string;
  /** The endpoint override in force (flag, AWS_ENDPOINT_URL_*, or profile), for messages only. */
  endpointUrl: string | null;
  counter: CallCounter;
  /** The credentials in force (for self-rotation: the key to rotate). */
  credentials: AwsCredentialIdentityProvider;
  iam(): IAMClient;
  sts(): STSClient;
  secretsManager(): SecretsManagerClient;
  ssm(): SSMClient;
  organizations(): OrganizationsClient;
  /**
   * The same endpoints and region signed with other credentials (a new key being verified, or the
   * new key of a self-rotation once the old one is being retired). Counted like the others.
   */
  withCredentials(
    credentials: { accessKeyId: string; secretAccessKey: string },
    maxAttempts?: number,
  ): { iam(): IAMClient; sts(): STSClient };
}

/** The service part of AWS_ENDPOINT_URL_<SERVICE>. */
type ServiceId = "IAM" | "STS" | "SECRETS_MANAGER" | "SSM" | "ORGANIZATIONS";

const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const DEFAULT_MAX_ATTEMPTS = 5;

/**
 * The CLI's order: `--profile` beats environment keys; environment keys beat AWS_PROFILE;
 * then AWS_PROFILE, then `default`.
 */
function chooseProfile(target: AwsTarget, env: NodeJS.ProcessEnv): string | null {
  if (target.profile) return target.profile;
  if (target.credentials) return null;
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) return null;
  return env.AWS_PROFILE ?? null;
}

async function assertProfileExists(profile: string): Promise<Record<string, string | undefined>> {
  const files = await loadSharedConfigFiles({ ignoreCache: true });
  const settings = { ...files.configFile[profile], ...files.credentialsFile[profile] };
  const known = new Set([...Object.keys(files.configFile), ...Object.keys(files.credentialsFile)]);
  if (!known.has(profile)) {
    const list = [...known].sort().join(", ") || "none";
    throw new CredentialsError(
      "UNKNOWN_PROFILE",
      `profile "${profile}" is not in the AWS credentials or config file (profiles found: ${list})`,
      `Create it with \`aws configure --profile ${profile}\`, or pass one of the profiles found.`,
    );
  }
  return settings;
}

function resolveRegion(target: AwsTarget, env: NodeJS.ProcessEnv, profileRegion?: string): string {
  // IAM is global; a region is still needed to sign and to reach STS, so default like the console does.
  const region = target.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? profileRegion ?? "us-east-1";
  if (!REGION.test(region)) {
    throw new UsageError(
      `"${region}" is not an AWS region name`,
      "Pass a region such as us-east-1 or eu-west-1 with --region (or set AWS_REGION).",
    );
  }
  return region;
}

function validateEndpoint(url: string): string {
  try {
    const u = new URL(url);
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error("scheme");
    return url;
  } catch {
    throw new UsageError(
      `"${url}" is not a valid endpoint URL`,
      "Pass a full URL such as http://127.0.0.1:5000 to --endpoint-url.",
    );
  }
}

/**
 * The profile's `endpoint_url`, for the client of one service. The SDK reads `endpoint_url` only
 * from the AWS_PROFILE/default profile, never from the client's `profile` setting, so a profile
 * chosen with --profile would silently send its calls to AWS: apply it here, below the environment
 * variables as the AWS CLI ranks them, and not when configured endpoints are to be ignored.
 */
function profileEndpoint(
  settings: Record<string, string | undefined>,
  env: NodeJS.ProcessEnv,
  service: ServiceId,
): string | undefined {
  const ignore = env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? settings.ignore_configured_endpoint_urls;
  if (ignore?.trim().toLowerCase() === "true") return undefined;
  if (env[`AWS_ENDPOINT_URL_${service}`] || env.AWS_ENDPOINT_URL) return undefined;
  return settings.endpoint_url || undefined;
}

/**
 * With --profile and AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY both set, the SDK prints a nine-line
 * warning about "AWS_PROFILE" on stderr. keywarden documents that the profile wins (as the AWS CLI
 * does), so that warning is noise that breaks one-line errors and quiet CI output; others pass.
 */
const PROFILE_CHAIN_LOGGER = {
  debug: () => undefined,
  info: () => undefined,
  warn: (...content: unknown[]) => {
    const text = content.map(String).join(" ");
    if (!text.includes("Multiple credential sources detected")) process.stderr.write(`${text}\n`);
  },
  error: (...content: unknown[]) => {
    process.stderr.write(`${content.map(String).join(" ")}\n`);
  },
};

export async function openSession(target: AwsTarget = {}, env = process.env): Promise<AwsSession> {
  const profile = chooseProfile(target, env);
  const settings = profile ? await assertProfileExists(profile) : {};
  const region = resolveRegion(target, env, settings.region);
  const endpointUrl = target.endpointUrl ? validateEndpoint(target.endpointUrl) : null;
  const maxAttempts = target.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;

  let credentials: AwsCredentialIdentityProvider;
  if (target.credentials) {
    const c = target.credentials;
    credentials = typeof c === "function" ? c : () => Promise.resolve(c);
  } else if (profile) {
    credentials = fromNodeProviderChain({ profile, logger: PROFILE_CHAIN_LOGGER });
  } else if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    credentials = fromEnv();
  } else {
    credentials = fromNodeProviderChain({});
  }

  const counter = new CallCounter();
  const common = {
    region,
    credentials,
    maxAttempts,
    retryMode: "adaptive" as const,
    // Fail fast on a dead endpoint instead of hanging on the OS connect timeout.
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
    ...(profile ? { profile } : {}),
  };
  const endpointFor = (service: ServiceId) => {
    const endpoint = endpointUrl ?? profileEndpoint(settings, env, service);
    return endpoint ? { endpoint } : {};
  };
  let iam: IAMClient | undefined;
  let sts: STSClient | undefined;
  let secrets: SecretsManagerClient | undefined;
  let ssm: SSMClient | undefined;
  let organizations: OrganizationsClient | undefined;
  const made = <C extends AnyClient>(client: C): C => {
    instrumentClient(client, counter);
    target.configureClient?.(client);
    return client;
  };
  const shownEndpoint =
    endpointUrl ?? env.AWS_ENDPOINT_URL_IAM ?? env.AWS_ENDPOINT_URL ?? settings.endpoint_url ?? null;
  return {
    profile,
    region,
    endpointUrl: shownEndpoint,
    counter,
    credentials,
    iam: () => (iam ??= made(new IAMClient({ ...common, ...endpointFor("IAM") }))),
    sts: () => (sts ??= made(new STSClient({ ...common, ...endpointFor("STS") }))),
    secretsManager: () =>
      (secrets ??= made(new SecretsManagerClient({ ...common, ...endpointFor("SECRETS_MANAGER") }))),
    ssm: () => (ssm ??= made(new SSMClient({ ...common, ...endpointFor("SSM") }))),
    organizations: () =>
      (organizations ??= made(new OrganizationsClient({ ...common, ...endpointFor("ORGANIZATIONS") }))),
    withCredentials(other, attempts = maxAttempts) {
      const config = { ...common, credentials: other, maxAttempts: attempts };
      let otherIam: IAMClient | undefined;
      let otherSts: STSClient | undefined;
      return {
        iam: () => (otherIam ??= made(new IAMClient({ ...config, ...endpointFor("IAM") }))),
        sts: () => (otherSts ??= made(new STSClient({ ...config, ...endpointFor("STS") }))),
      };
    },
  };
}
