import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { service } from "./clients.js";
import { call } from "./errors.js";
import type { AwsSession } from "./session.js";

export const SNS = service(SNSClient, "SNS");

/** Publishes to one SNS topic with the session's credentials; what the SNS notification channel needs. */
export interface SnsPublisher {
  publish(topicArn: string, subject: string, message: string): Promise<string>;
}

/**
 * `region` defaults to the topic ARN's region. The endpoint is the session's for SNS (--endpoint-url,
 * AWS_ENDPOINT_URL_SNS, AWS_ENDPOINT_URL, the profile's services section or endpoint_url);
 * `endpoint` overrides it like --endpoint-url.
 */
export function snsPublisher(
  session: AwsSession,
  opts: { region?: string; endpoint?: string } = {},
): SnsPublisher {
  const clients = new Map<string, SNSClient>();
  const clientFor = (region: string) => {
    let c = clients.get(region);
    if (!c) {
      c = session.client(SNS, {
        region,
        maxAttempts: 3,
        requestTimeoutMs: 30_000,
        endpointUrl: opts.endpoint,
      });
      clients.set(region, c);
    }
    return c;
  };
  return {
    async publish(topicArn, subject, message) {
      const region = opts.region ?? topicArn.split(":")[3] ?? session.region;
      const site = {
        operation: "Publish",
        permission: "sns:Publish",
        endpoint: opts.endpoint ?? session.endpointFor("SNS")?.url ?? null,
        profile: session.profile,
      };
      const r = await call(site, () =>
        clientFor(region).send(
          // SNS subjects: at most 100 printable ASCII characters, no line breaks.
          new PublishCommand({
            TopicArn: topicArn,
            Subject: subject.replace(/[^\x20-\x7e]/g, "?").slice(0, 100),
            Message: message,
          }),
        ),
      );
      return r.MessageId ?? "";
    },
  };
}
