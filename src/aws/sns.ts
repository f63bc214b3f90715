import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { instrumentClient } from "./call-counter.js";
import { call } from "./errors.js";
import type { AwsSession } from "./session.js";

/** Publishes to one SNS topic with the session's credentials; what the SNS notification channel needs. */
export interface SnsPublisher {
  publish(topicArn: string, subject: string, message: string): Promise<string>;
}

/**
 * `region` defaults to the topic ARN's region. `endpoint` is the --endpoint-url flag, if any; the SDK
 * itself honours AWS_ENDPOINT_URL_SNS / AWS_ENDPOINT_URL.
 */
export function snsPublisher(
  session: AwsSession,
  opts: { region?: string; endpoint?: string } = {},
): SnsPublisher {
  const clients = new Map<string, SNSClient>();
  const clientFor = (region: string) => {
    let c = clients.get(region);
    if (!c) {
      c = new SNSClient({
        region,
        credentials: session.credentials,
        maxAttempts: 3,
        retryMode: "adaptive",
        requestHandler: { connectionTimeout: 5_000, requestTimeout: 30_000 },
        ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
      });
      instrumentClient(c, session.counter);
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
        endpoint: opts.endpoint ?? null,
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
