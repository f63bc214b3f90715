import { maskKeyId } from "../domain/key-id.js";
import { withBackoff, type Channel, type Sleep } from "./channel.js";
import { postJson } from "./http.js";
import { headline, type OutgoingMessage } from "./message.js";

// Slack incoming webhook: a Block Kit payload (header, one section per key, fix in a code span)
// plus `text` as the notification fallback Slack requires.

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** Slack limits: header text 150 chars, section text 3000, 50 blocks a message. */
export function slackPayload(m: OutgoingMessage): Record<string, unknown> {
  const blocks: Record<string, unknown>[] = [
    {
      type: "header",
      text: { type: "plain_text", text: m.subject.slice(0, 150), emoji: false },
    },
  ];
  for (const n of m.items.slice(0, 45)) {
    blocks.push({
      type: "section",
      text: {
        type: "mrkdwn",
        text: [
          `*${esc(headline(n))}*`,
          `*User:* ${esc(n.userName)} (account ${n.accountId})   *Key:* \`${maskKeyId(n.accessKeyId)}\``,
          `*Deadline:* ${n.deadline}   *Reason:* ${esc(n.reason)}`,
          `*Fix:* \`${esc(n.fix)}\``,
        ]
          .join("\n")
          .slice(0, 3000),
      },
    });
  }
  blocks.push({
    type: "context",
    elements: [{ type: "mrkdwn", text: `keywarden enforce${m.owner ? ` - owner: ${esc(m.owner)}` : ""}` }],
  });
  return { text: m.subject, blocks };
}

export function slackChannel(name: string, webhookUrl: string, sleep: Sleep, retries = 3): Channel {
  return {
    name,
    type: "slack",
    send: (m) =>
      withBackoff(retries + 1, 500, sleep, () =>
        postJson(webhookUrl, JSON.stringify(slackPayload(m)), {}, 10_000),
      ),
  };
}
