import { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { EC2Client } from "@aws-sdk/client-ec2";
import { service } from "./clients.js";
import type { AwsSession } from "./session.js";

// Regional clients for the response capability (CloudTrail and EC2 are regional; the session's
// own clients are IAM/STS). They come from the session's factory: same credentials, retry, call
// counting and endpoint resolution (--endpoint-url, AWS_ENDPOINT_URL_CLOUDTRAIL / _EC2,
// AWS_ENDPOINT_URL, the profile's services section, the profile's endpoint_url).

export const CLOUDTRAIL = service(CloudTrailClient, "CloudTrail");
export const EC2 = service(EC2Client, "EC2");

export interface RegionalOptions {
  /** An explicit endpoint, ranked like --endpoint-url (the session already applies the flag). */
  endpointUrl?: string | undefined;
  maxAttempts?: number | undefined;
  /** Called with every client made here: tests inject AWS errors or watch calls at the SDK layer. */
  configureClient?: ((client: CloudTrailClient | EC2Client) => void) | undefined;
}

export function regionalClients(session: AwsSession, opts: RegionalOptions = {}) {
  const trails = new Map<string, CloudTrailClient>();
  const ec2s = new Map<string, EC2Client>();
  const options = (region: string) => ({
    region,
    maxAttempts: opts.maxAttempts,
    endpointUrl: opts.endpointUrl,
  });
  const made = <C extends CloudTrailClient | EC2Client>(c: C): C => {
    opts.configureClient?.(c);
    return c;
  };
  return {
    cloudtrail(region: string): CloudTrailClient {
      let c = trails.get(region);
      if (!c) trails.set(region, (c = made(session.client(CLOUDTRAIL, options(region)))));
      return c;
    },
    ec2(region: string = session.region): EC2Client {
      let c = ec2s.get(region);
      if (!c) ec2s.set(region, (c = made(session.client(EC2, options(region)))));
      return c;
    },
    destroy(): void {
      for (const c of [...trails.values(), ...ec2s.values()]) c.destroy();
    },
  };
}

export type RegionalClients = ReturnType<typeof regionalClients>;
