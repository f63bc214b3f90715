import { UsageError } from "../domain/errors.js";
import type { ChannelConfig } from "../policy/schema.js";
import type { Channel, Sleep } from "./channel.js";
import { emailChannel } from "./email.js";
import { slackChannel } from "./slack.js";
import { snsChannel } from "./sns.js";
import { webhookChannel } from "./webhook.js";

// Channels from the policy's `notifications.channels`. Secrets come from the environment variables
// the file names; a variable that is not set stops the run before anything changes.

export interface ChannelDeps {
  env: NodeJS.ProcessEnv;
  sleep: Sleep;
  /** Only built when a channel of type sns exists (it needs an AWS session). */
  snsPublisher?: () => { publish(topicArn: string, subject: string, message: string): Promise<string> };
}

function secret(env: NodeJS.ProcessEnv, name: string, channel: string, field: string): string {
  const v = env[name];
  if (!v)
    throw new UsageError(
      `notification channel ${channel}: environment variable ${name} (${field}) is not set`,
      `Export ${name} before running keywarden enforce, or remove the channel from the policy file.`,
    );
  return v;
}

export function buildChannels(configs: ChannelConfig[], deps: ChannelDeps): Channel[] {
  return configs.map((c) => {
    const name = c.name ?? c.type;
    switch (c.type) {
      case "slack":
        return slackChannel(name, secret(deps.env, c.webhookUrlEnv, name, "webhookUrlEnv"), deps.sleep);
      case "webhook":
        return webhookChannel({
          name,
          url: c.url,
          secret: secret(deps.env, c.secretEnv, name, "secretEnv"),
          retries: c.retries,
          timeoutMs: c.timeoutMs,
          sleep: deps.sleep,
        });
      case "email":
        return emailChannel({
          name,
          host: c.host,
          port: c.port,
          secure: c.secure,
          requireTLS: c.requireTLS,
          rejectUnauthorized: c.rejectUnauthorized,
          user: c.userEnv ? secret(deps.env, c.userEnv, name, "userEnv") : undefined,
          password: c.passwordEnv ? secret(deps.env, c.passwordEnv, name, "passwordEnv") : undefined,
          from: c.from,
          fallbackTo: c.fallbackTo,
        });
      case "sns": {
        if (!deps.snsPublisher)
          throw new UsageError(`channel ${name}: SNS needs AWS`, "Run with AWS credentials.");
        return snsChannel(name, c.topicArn, deps.snsPublisher());
      }
    }
  });
}
