import type { Channel } from "./channel.js";
import type { OutgoingMessage } from "./message.js";

/** An SNS topic: subscribers (email, SQS, Lambda, chat) get the plain-text message. */
export function snsChannel(
  name: string,
  topicArn: string,
  publisher: { publish(topicArn: string, subject: string, message: string): Promise<string> },
): Channel {
  return {
    name,
    type: "sns",
    async send(m: OutgoingMessage) {
      await publisher.publish(topicArn, m.subject, m.text);
    },
  };
}
