import { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { EC2Client } from "@aws-sdk/client-ec2";
import { instrumentClient } from "./call-counter.js";
import type { AwsSession } from "./session.js";

// Regional clients for the response capability (CloudTrail and EC2 are regional; the session's
// own clients are IAM/STS). Same credentials, retry and call counting as the session; the endpoint
// is the one given with --endpoint-url, else what the SDK resolves (AWS_ENDPOINT_URL[_SERVICE]).

export interface RegionalOptions {
  endpointUrl?: string | undefined;
  maxAttempts?: number | undefined;
  /** Called with every client made here: tests inject AWS errors or watch calls at the SDK layer. */
  configureClient?: ((client: CloudTrailClient | EC2Client) => void) | undefined;
}

export function regionalClients(session: AwsSession, opts: RegionalOptions = {}) {
  const trails = new Map<string, CloudTrailClient>();
  const ec2s = new Map<string, EC2Client>();
  const common = (region: string) => ({
    region,
    credentials: session.credentials,
    maxAttempts: opts.maxAttempts ?? 5,
    retryMode: "adaptive" as const,
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
    ...(opts.endpointUrl ? { endpoint: opts.endpointUrl } : {}),
  });
  const made = <C extends CloudTrailClient | EC2Client>(c: C): C => {
    instrumentClient(c, session.counter);
    opts.configureClient?.(c);
    return c;
  };
  return {
    cloudtrail(region: string): CloudTrailClient {
      let c = trails.get(region);
      if (!c) trails.set(region, (c = made(new CloudTrailClient(common(region)))));
      return c;
    },
    ec2(region: string = session.region): EC2Client {
      let c = ec2s.get(region);
      if (!c) ec2s.set(region, (c = made(new EC2Client(common(region)))));
      return c;
    },
    destroy(): void {
      for (const c of [...trails.values(), ...ec2s.values()]) c.destroy();
    },
  };
}

export type RegionalClients = ReturnType<typeof regionalClients>;
