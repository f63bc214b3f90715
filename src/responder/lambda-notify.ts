import type { AwsSession } from "../aws/session.js";
import { sdk } from "../aws/sdk.js";
import type { Channel } from "../notify/channel.js";
import { buildChannels } from "../notify/config.js";
import { DEFAULT_OWNER_TAGS } from "../policy/model.js";
import { parsePolicy } from "../policy/load.js";
import type { PolicyDoc } from "../policy/schema.js";

// What the Lambda needs only after containment: the policy (KEYWARDEN_CONFIG_JSON), the channels it
// names plus the team's topic (KEYWARDEN_SNS_TOPIC_ARN), and the key owner's address. A channel
// that cannot be built (its secret's variable unset) is skipped with a warning, never fatal: the
// key is already contained and the other channels still go.

export function policyOf(env: NodeJS.ProcessEnv): PolicyDoc | null {
  const text = env.KEYWARDEN_CONFIG_JSON;
  if (!text || text.trim() === "") return null;
  // JSON is YAML, so the policy file's own reader (and its errors) apply.
  return parsePolicy(text, "KEYWARDEN_CONFIG_JSON");
}

export async function lambdaChannels(
  env: NodeJS.ProcessEnv,
  session: AwsSession,
  log: (line: string) => void,
): Promise<Channel[]> {
  let doc: PolicyDoc | null = null;
  try {
    doc = policyOf(env);
  } catch (e) {
    log(`warning: KEYWARDEN_CONFIG_JSON: ${(e as Error).message}; only the team topic is notified`);
  }
  const configs = [...(doc?.notifications?.channels ?? [])];
  const team = env.KEYWARDEN_SNS_TOPIC_ARN;
  if (team && !configs.some((c) => c.type === "sns" && c.topicArn === team)) {
    configs.push({ type: "sns", name: "team-sns", topicArn: team });
  }
  const { snsPublisher } = await import("../aws/sns.js");
  const channels: Channel[] = [];
  for (const c of configs) {
    try {
      channels.push(
        ...buildChannels([c], {
          env,
          sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
          snsPublisher: () => snsPublisher(session),
        }),
      );
    } catch (e) {
      log(`warning: channel ${c.name ?? c.type} skipped: ${(e as Error).message}`);
    }
  }
  return channels;
}

/** The owner as `enforce` finds one: the user's owner tags, else the policy's default owner. */
export async function ownerOfUser(
  env: NodeJS.ProcessEnv,
  session: AwsSession,
  userName: string,
): Promise<string | null> {
  let doc: PolicyDoc | null;
  try {
    doc = policyOf(env);
  } catch {
    doc = null; // said once already, by lambdaChannels
  }
  const { ListUserTagsCommand } = sdk.iam();
  // Denied or failed: the default owner still hears (iam:ListUserTags is in the responder's policy).
  const r = await session
    .iam()
    .send(new ListUserTagsCommand({ UserName: userName }))
    .catch(() => ({ Tags: [] }));
  const tags = new Map((r.Tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""]));
  for (const tag of doc?.owners?.tags ?? DEFAULT_OWNER_TAGS) {
    const v = tags.get(tag);
    if (v) return v;
  }
  return doc?.owners?.default ?? null;
}
