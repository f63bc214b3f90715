import type { IAMClient } from "@aws-sdk/client-iam";
import type { OrganizationsClient } from "@aws-sdk/client-organizations";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { SSMClient } from "@aws-sdk/client-ssm";
import type { STSClient } from "@aws-sdk/client-sts";
import { loadSharedConfigFiles } from "@smithy/shared-ini-file-loader";
import type { AwsCredentialIdentityProvider } from "@smithy/types";
import { CredentialsError, UsageError } from "../domain/errors.js";
import { CallCounter } from "./call-counter.js";
import { sdk } from "./sdk.js";
import {
  clientFactory,
  lazyService,
  type ClientOptions,
  type SdkClient,
  type ServiceSpec,
} from "./clients.js";
import type { EndpointConfig, ResolvedEndpoint } from "./endpoints.js";

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
  configureClient?: ((client: SdkClient) => void) | undefined;
  /**
   * Explicit credentials win over the chain (used by the demo, which owns its emulator). A provider
   * function is called again near the credentials' expiration (assumed-role sessions of an org audit).
   */
  credentials?:
    | { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
    | AwsCredentialIdentityProvider
    | undefined;
}

export const IAM = lazyService(() => sdk.iam().IAMClient, "IAM");
export const STS = lazyService(() => sdk.sts().STSClient, "STS");
export const SECRETS_MANAGER = lazyService(
  () => sdk.secretsManager().SecretsManagerClient,
  "Secrets Manager",
);
export const SSM = lazyService(() => sdk.ssm().SSMClient, "SSM");
export const ORGANIZATIONS = lazyService(() => sdk.organizations().OrganizationsClient, "Organizations");

export interface AwsSession {
  /** The profile whose settings apply, or null when environment credentials or defaults are used. */
  profile: string | null;
  region: string;
  /** IAM's endpoint override (flag, AWS_ENDPOINT_URL_*, services section or profile), for messages only. */
  readonly endpointUrl: string | null;
  counter: CallCounter;
  /** The credentials in force (for self-rotation: the key to rotate). */
  credentials: AwsCredentialIdentityProvider;
  iam(): IAMClient;
  sts(): STSClient;
  secretsManager(): SecretsManagerClient;
  ssm(): SSMClient;
  organizations(): OrganizationsClient;
  /**
   * A new client of any service (CloudTrail, EC2, SNS...), built like the ones above: the caller
   * keeps it (e.g. one per region) and destroys it.
   */
  client<C extends SdkClient>(spec: ServiceSpec<C>, opts?: ClientOptions): C;
  /** Where a service's calls go (by SDK serviceId, e.g. "CloudTrail"); null: AWS's own endpoint. */
  endpointFor(serviceId: string): ResolvedEndpoint | null;
  /**
   * The same endpoints and region signed with other credentials (a new key being verified, or the
   * new key of a self-rotation once the old one is being retired). Counted like the others.
   */
  withCredentials(
    credentials: { accessKeyId: string; secretAccessKey: string },
    maxAttempts?: number,
  ): { iam(): IAMClient; sts(): STSClient };
}

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

type Settings = Record<string, string | undefined>;
type SharedFiles = Awaited<ReturnType<typeof loadSharedConfigFiles>>;

/** Both files as the SDK reads them (the files the given environment names). Doctor's tests compare it with the AWS CLI's reading. */
export function loadFiles(env: NodeJS.ProcessEnv): Promise<SharedFiles> {
  return loadSharedConfigFiles({
    ignoreCache: true,
    ...(env.AWS_SHARED_CREDENTIALS_FILE ? { filepath: env.AWS_SHARED_CREDENTIALS_FILE } : {}),
    ...(env.AWS_CONFIG_FILE ? { configFilepath: env.AWS_CONFIG_FILE } : {}),
  });
}

/** A profile's settings: the config file's, with the credentials file's winning (as botocore merges them). */
function settingsOf(files: SharedFiles, profile: string): Settings {
  return { ...files.configFile[profile], ...files.credentialsFile[profile] };
}

function assertProfileExists(files: SharedFiles, profile: string): void {
  const known = new Set([...Object.keys(files.configFile), ...Object.keys(files.credentialsFile)]);
  if (!known.has(profile)) {
    const list =
      [...known]
        .filter((k) => !/^(sso-session|services)\./.test(k))
        .sort()
        .join(", ") || "none";
    throw new CredentialsError(
      "UNKNOWN_PROFILE",
      `profile "${profile}" is not in the AWS credentials or config file (profiles found: ${list})`,
      `Create it with \`aws configure --profile ${profile}\`, or pass one of the profiles found.`,
    );
  }
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
  // The profile whose settings (endpoints) apply even when environment keys sign: the AWS CLI's.
  const configProfile = profile ?? target.profile ?? env.AWS_PROFILE ?? "default";
  const files = await loadFiles(env);
  if (profile) assertProfileExists(files, profile);
  const settings = profile ? settingsOf(files, profile) : {};
  const region = resolveRegion(target, env, settings.region);
  const maxAttempts = target.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;

  let credentials: AwsCredentialIdentityProvider;
  if (target.credentials) {
    const c = target.credentials;
    credentials = typeof c === "function" ? c : () => Promise.resolve(c);
  } else if (profile) {
    credentials = sdk.credentialProviders().fromNodeProviderChain({ profile, logger: PROFILE_CHAIN_LOGGER });
  } else if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    credentials = sdk.credentialProviders().fromEnv();
  } else {
    credentials = sdk.credentialProviders().fromNodeProviderChain({});
  }

  const endpoints: EndpointConfig = {
    flag: target.endpointUrl,
    env,
    profileName: configProfile,
    profile: settingsOf(files, configProfile),
    servicesSection: (name) => files.configFile[`services.${name}`],
    configPath: env.AWS_CONFIG_FILE ?? "~/.aws/config",
  };
  const counter = new CallCounter();
  const factory = clientFactory({
    region,
    credentials,
    maxAttempts,
    endpoints,
    counter,
    configureClient: target.configureClient,
    profile: profile ?? undefined,
  });
  // A bad --endpoint-url is a usage error before anything else happens.
  if (target.endpointUrl !== undefined) factory.endpointFor("IAM");

  let iam: IAMClient | undefined;
  let sts: STSClient | undefined;
  let secrets: SecretsManagerClient | undefined;
  let ssm: SSMClient | undefined;
  let organizations: OrganizationsClient | undefined;
  return {
    profile,
    region,
    get endpointUrl(): string | null {
      try {
        return factory.endpointFor("IAM")?.url ?? null;
      } catch {
        return null; // the error itself surfaces when the client is made
      }
    },
    counter,
    credentials,
    iam: () => (iam ??= factory.make(IAM)),
    sts: () => (sts ??= factory.make(STS)),
    secretsManager: () => (secrets ??= factory.make(SECRETS_MANAGER)),
    ssm: () => (ssm ??= factory.make(SSM)),
    organizations: () => (organizations ??= factory.make(ORGANIZATIONS)),
    client: (spec, opts) => factory.make(spec, opts),
    endpointFor: (serviceId) => factory.endpointFor(serviceId),
    withCredentials(other, attempts = maxAttempts) {
      const opts = { credentials: other, maxAttempts: attempts };
      let otherIam: IAMClient | undefined;
      let otherSts: STSClient | undefined;
      return {
        iam: () => (otherIam ??= factory.make(IAM, opts)),
        sts: () => (otherSts ??= factory.make(STS, opts)),
      };
    },
  };
}
