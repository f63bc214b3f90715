import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, MiddlewareStack } from "@smithy/types";
import { type CallCounter, instrumentClient } from "./call-counter.js";
import { resolveEndpoint, type EndpointConfig, type ResolvedEndpoint } from "./endpoints.js";

// The one place that constructs AWS SDK clients. Every adapter in src/aws gets its clients from a
// session (session.iam(), session.client(CLOUDTRAIL, { region })...), so every client has the same
// region and retry policy, is counted, can be instrumented by tests, and sends its calls to the
// endpoint resolved the AWS CLI's way (endpoints.ts) with the SDK's own endpoint lookup turned off.

/** What keywarden needs of any SDK v3 client. */
export interface SdkClient {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each client's stack has its own input/output types
  readonly middlewareStack: MiddlewareStack<any, any>;
  destroy(): void;
}

/** An SDK client class with its serviceId (the SDK's `config.serviceId`, e.g. "Secrets Manager"). */
export interface ServiceSpec<C extends SdkClient> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- SDK constructors take a rest tuple of their own config type
  readonly client: new (...args: any[]) => C;
  readonly serviceId: string;
}

/**
 * Declares a service for the factory. The serviceId is checked against the client's own when the
 * first client is made, so a wrong one (and with it a wrong AWS_ENDPOINT_URL_<SERVICE>) cannot pass.
 */
export function service<C extends SdkClient>(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see ServiceSpec
  client: new (...args: any[]) => C,
  serviceId: string,
): ServiceSpec<C> {
  return { client, serviceId };
}

/**
 * A service whose SDK package is read only when its first client is made. The SDK's packages are
 * CommonJS: `load` is a synchronous require, so `session.iam()` stays synchronous, and a verb pays
 * for the clients it uses, not for every client the session could make (EC2's alone takes ~1 s).
 */
export function lazyService<C extends SdkClient>(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see ServiceSpec
  load: () => new (...args: any[]) => C,
  serviceId: string,
): ServiceSpec<C> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see ServiceSpec
  let ctor: (new (...args: any[]) => C) | undefined;
  return {
    serviceId,
    get client() {
      return (ctor ??= load());
    },
  };
}

export type Credentials =
  | { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
  | AwsCredentialIdentity
  | AwsCredentialIdentityProvider;

export interface ClientOptions {
  /** Default: the session's region. */
  region?: string | undefined;
  /** Default: the session's credentials. */
  credentials?: Credentials | undefined;
  /** Default: the session's retry budget. */
  maxAttempts?: number | undefined;
  /** Per-request timeout; default 60 s. */
  requestTimeoutMs?: number | undefined;
  /** An explicit endpoint for this client, ranked like --endpoint-url (above every configured one). */
  endpointUrl?: string | undefined;
  /**
   * S3 only: address buckets in the path (`endpoint/bucket/key`) when an endpoint is configured. An
   * emulator or a private endpoint on an IP address has no `bucket.host` names to resolve.
   */
  pathStyleWithEndpoint?: boolean | undefined;
}

export interface ClientFactoryInput {
  region: string;
  credentials: AwsCredentialIdentityProvider;
  maxAttempts: number;
  endpoints: EndpointConfig;
  counter: CallCounter;
  configureClient?: ((client: SdkClient) => void) | undefined;
  /** Sockets per host each client keeps (default 16: audit's default concurrency of 8, twice). */
  maxSockets?: number | undefined;
  /** Passed to every client (the SDK reads a few settings, e.g. retry_mode, from it). */
  profile?: string | undefined;
}

export interface ClientFactory {
  make<C extends SdkClient>(spec: ServiceSpec<C>, opts?: ClientOptions): C;
  /** Where the service's calls go: null means AWS's own endpoint for the region. */
  endpointFor(serviceId: string): ResolvedEndpoint | null;
}

interface CommonConfig {
  region: string;
  credentials: Credentials;
  maxAttempts: number;
  retryMode: "adaptive";
  requestHandler: {
    connectionTimeout: number;
    requestTimeout: number;
    httpAgent: { keepAlive: true; maxSockets: number };
    httpsAgent: { keepAlive: true; maxSockets: number };
  };
  ignoreConfiguredEndpointUrls: true;
  endpoint?: string;
  profile?: string;
  forcePathStyle?: boolean;
}

const DEFAULT_MAX_SOCKETS = 16;

export function clientFactory(input: ClientFactoryInput): ClientFactory {
  const resolved = new Map<string, ResolvedEndpoint | null>();
  const endpointFor = (serviceId: string): ResolvedEndpoint | null => {
    if (!resolved.has(serviceId)) resolved.set(serviceId, resolveEndpoint(serviceId, input.endpoints));
    return resolved.get(serviceId) ?? null;
  };
  const verified = new Set<string>();
  return {
    endpointFor,
    make<C extends SdkClient>(spec: ServiceSpec<C>, opts: ClientOptions = {}): C {
      const endpoint = opts.endpointUrl
        ? resolveEndpoint(spec.serviceId, { ...input.endpoints, flag: opts.endpointUrl })
        : endpointFor(spec.serviceId);
      const config: CommonConfig = {
        region: opts.region ?? input.region,
        credentials: opts.credentials ?? input.credentials,
        maxAttempts: opts.maxAttempts ?? input.maxAttempts,
        retryMode: "adaptive",
        // Fail fast on a dead endpoint instead of hanging on the OS connect timeout. Connections are
        // kept alive and reused (a TLS handshake costs more client CPU than the call it carries),
        // with as many sockets per host as keywarden has calls in flight (audit --concurrency).
        requestHandler: {
          connectionTimeout: 5_000,
          requestTimeout: opts.requestTimeoutMs ?? 60_000,
          httpAgent: { keepAlive: true, maxSockets: input.maxSockets ?? DEFAULT_MAX_SOCKETS },
          httpsAgent: { keepAlive: true, maxSockets: input.maxSockets ?? DEFAULT_MAX_SOCKETS },
        },
        // keywarden resolved the endpoint above; the SDK must not look again (it would read the
        // AWS_PROFILE/default profile, not this one).
        ignoreConfiguredEndpointUrls: true,
        ...(endpoint ? { endpoint: endpoint.url } : {}),
        ...(input.profile ? { profile: input.profile } : {}),
        ...(endpoint && opts.pathStyleWithEndpoint ? { forcePathStyle: true } : {}),
      };
      const client = new spec.client(config);
      if (!verified.has(spec.serviceId)) {
        const actual = (client as unknown as { config: { serviceId?: string } }).config.serviceId;
        if (actual !== spec.serviceId) {
          client.destroy();
          throw new Error(`service spec says "${spec.serviceId}" but the SDK client is "${actual ?? "?"}"`);
        }
        verified.add(spec.serviceId);
      }
      instrumentClient(client, input.counter);
      input.configureClient?.(client);
      return client;
    },
  };
}
