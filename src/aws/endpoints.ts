import { CredentialsError, UsageError } from "../domain/errors.js";

// Which URL a service's calls go to, decided the way the AWS CLI decides it (botocore
// configprovider.ConfiguredEndpointProvider, and the AWS SDKs and Tools reference guide,
// "Service-specific endpoints"), highest first:
//
//   1. --endpoint-url (explicit; AWS_IGNORE_CONFIGURED_ENDPOINT_URLS does not touch it)
//   2. AWS_ENDPOINT_URL_<SERVICE>          e.g. AWS_ENDPOINT_URL_SECRETS_MANAGER
//   3. AWS_ENDPOINT_URL
//   4. the profile's `services = NAME` -> `[services NAME]` -> `<service> =` / `  endpoint_url = URL`
//   5. the profile's own `endpoint_url`
//
// 2-5 are "configured" endpoints: AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true (else the profile's
// ignore_configured_endpoint_urls = true) turns all four off. <SERVICE> and the services-section
// key come from the SDK's serviceId ("Secrets Manager" -> SECRETS_MANAGER / secrets_manager).
//
// Why keywarden does this itself instead of leaving it to the SDK: the JS SDK reads configured
// endpoints only from the AWS_PROFILE/default profile, never from the profile a client was given,
// so `--profile lab` with `endpoint_url` in [profile lab] sent CloudTrail and EC2 calls to AWS.
// Every client is therefore built with the endpoint resolved here and with the SDK's own lookup
// turned off (ignoreConfiguredEndpointUrls), so both can never disagree.

export type EndpointSourceKind =
  "--endpoint-url" | "AWS_ENDPOINT_URL_<SERVICE>" | "AWS_ENDPOINT_URL" | "services" | "endpoint_url";

export interface ResolvedEndpoint {
  readonly url: string;
  readonly kind: EndpointSourceKind;
  /** Where it came from, for messages: `AWS_ENDPOINT_URL_IAM`, `endpoint_url of profile "lab"`... */
  readonly from: string;
}

/** What the resolution reads. Settings are the profile's keys (config file, credentials file winning, as botocore merges them). */
export interface EndpointConfig {
  /** --endpoint-url, if given. */
  readonly flag?: string | undefined;
  readonly env: NodeJS.ProcessEnv;
  /** The profile whose settings apply (--profile, else AWS_PROFILE, else default). */
  readonly profileName: string;
  readonly profile: Readonly<Record<string, string | undefined>>;
  /** A `[services NAME]` section of the config file, flat as the SDK reads it (`iam.endpoint_url`), or undefined if absent. */
  readonly servicesSection: (name: string) => Readonly<Record<string, string | undefined>> | undefined;
  /** The config file, for messages. */
  readonly configPath?: string | undefined;
}

/** "Secrets Manager" -> "SECRETS_MANAGER" (the AWS_ENDPOINT_URL_<SERVICE> suffix). */
export function envSuffix(serviceId: string): string {
  return serviceId.trim().split(/\s+/).join("_").toUpperCase();
}

/** "Secrets Manager" -> "secrets_manager" (the key inside a `[services NAME]` section). */
export function servicesKey(serviceId: string): string {
  return serviceId.trim().split(/\s+/).join("_").toLowerCase();
}

const nonEmpty = (s: string | undefined): s is string => s !== undefined && s.trim() !== "";

/** botocore's ensure_boolean: only the text "true" (any case) is true. */
function isTrue(s: string | undefined): boolean {
  return (s ?? "").trim().toLowerCase() === "true";
}

/** Whether configured endpoints (everything but --endpoint-url) are switched off. */
export function ignoresConfiguredEndpoints(cfg: Pick<EndpointConfig, "env" | "profile">): boolean {
  const fromEnv = cfg.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS;
  // Set in the environment, it decides (even "false"); otherwise the profile's setting does.
  if (fromEnv !== undefined && fromEnv !== "") return isTrue(fromEnv);
  return isTrue(cfg.profile.ignore_configured_endpoint_urls);
}

function checked(url: string, kind: EndpointSourceKind, from: string): ResolvedEndpoint {
  const trimmed = url.trim();
  let ok: boolean;
  try {
    const u = new URL(trimmed);
    ok = (u.protocol === "http:" || u.protocol === "https:") && u.hostname !== "";
  } catch {
    ok = false;
  }
  if (!ok) {
    throw new UsageError(
      `"${trimmed}" from ${from} is not a valid endpoint URL`,
      kind === "--endpoint-url"
        ? "Pass a full URL such as http://127.0.0.1:5000 to --endpoint-url."
        : `Set a full URL such as http://127.0.0.1:5000 in ${from}, or remove it to use AWS's endpoints.`,
    );
  }
  return { url: trimmed, kind, from };
}

/**
 * The profile's services section for one service's lookup. A `services` setting naming a section the
 * config file lacks is an error, as in the AWS CLI (botocore InvalidConfigError) and the JS SDK.
 */
function servicesEndpoint(cfg: EndpointConfig, serviceId: string): ResolvedEndpoint | null {
  const name = cfg.profile.services?.trim();
  if (!nonEmpty(name)) return null;
  const section = cfg.servicesSection(name);
  if (section === undefined) {
    const file = cfg.configPath ?? "the AWS config file";
    throw new CredentialsError(
      "SERVICES_SECTION_MISSING",
      `profile "${cfg.profileName}" sets services = ${name}, but ${file} has no [services ${name}] section`,
      `Add [services ${name}] to ${file}, or remove the services line from the profile.`,
    );
  }
  const key = servicesKey(serviceId);
  const url = section[`${key}.endpoint_url`];
  if (!nonEmpty(url)) return null;
  return checked(url, "services", `[services ${name}] ${key} endpoint_url (profile "${cfg.profileName}")`);
}

/** The endpoint for one service, or null for AWS's own endpoint (the SDK's region rules). */
export function resolveEndpoint(serviceId: string, cfg: EndpointConfig): ResolvedEndpoint | null {
  if (nonEmpty(cfg.flag)) return checked(cfg.flag, "--endpoint-url", "--endpoint-url");
  if (ignoresConfiguredEndpoints(cfg)) return null;
  const envName = `AWS_ENDPOINT_URL_${envSuffix(serviceId)}`;
  const specific = cfg.env[envName];
  if (nonEmpty(specific)) return checked(specific, "AWS_ENDPOINT_URL_<SERVICE>", envName);
  const global = cfg.env.AWS_ENDPOINT_URL;
  if (nonEmpty(global)) return checked(global, "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL");
  const fromServices = servicesEndpoint(cfg, serviceId);
  if (fromServices !== null) return fromServices;
  const own = cfg.profile.endpoint_url;
  if (nonEmpty(own)) return checked(own, "endpoint_url", `endpoint_url of profile "${cfg.profileName}"`);
  return null;
}
