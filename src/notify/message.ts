import { maskKeyId } from "../domain/key-id.js";

// What an owner reads: the key (masked), the user, the deadline, the reason and the exact command
// that fixes it. One notification, or a digest of several for the same owner. Pure text building.

export interface NotificationItem {
  dedupeKey: string;
  /** incident: the responder contained a key (deadline: when; reason: the event; fix: the incident). */
  kind: "countdown" | "overdue" | "action" | "warn" | "stalled" | "incident";
  owner: string | null;
  accountId: string;
  userName: string;
  accessKeyId: string;
  ruleId: string;
  stage: string;
  deadline: string;
  daysLeft: number;
  reason: string;
  fix: string;
  /** action messages: what happened ("deactivated", "rotation rot-... started"). */
  outcome?: string | undefined;
}

export interface OutgoingMessage {
  owner: string | null;
  subject: string;
  /** Plain text, one paragraph per item. */
  text: string;
  items: NotificationItem[];
}

const STAGE_WORD: Record<string, string> = {
  rotate: "rotation",
  deactivate: "deactivation",
  delete: "deletion",
  warn: "warning",
};

export function headline(n: NotificationItem): string {
  const key = maskKeyId(n.accessKeyId);
  const stage = STAGE_WORD[n.stage] ?? n.stage;
  switch (n.kind) {
    case "countdown":
      return `${key} of ${n.userName}: ${stage} due ${n.deadline} (in ${n.daysLeft} day${n.daysLeft === 1 ? "" : "s"})`;
    case "overdue":
      return `${key} of ${n.userName}: ${stage} was due ${n.deadline} and has not happened`;
    case "action":
      return `${key} of ${n.userName}: ${n.outcome ?? `${n.stage} done`}`;
    case "stalled":
      return `${key} of ${n.userName}: its rotation failed and needs you`;
    case "incident":
      return `${key} of ${n.userName}: ${n.outcome ?? "contained"}`;
    default:
      return `${key} of ${n.userName}: needs attention`;
  }
}

export function paragraph(n: NotificationItem): string {
  if (n.kind === "incident") {
    return [
      headline(n),
      `  User: ${n.userName} (account ${n.accountId})`,
      `  Key: ${maskKeyId(n.accessKeyId)}`,
      `  Contained: ${n.deadline}`,
      `  Why: ${n.reason}`,
      `  Next: ${n.fix}`,
    ].join("\n");
  }
  return [
    headline(n),
    `  User: ${n.userName} (account ${n.accountId})`,
    `  Key: ${maskKeyId(n.accessKeyId)}`,
    `  Deadline: ${n.deadline}`,
    `  Reason: ${n.reason}`,
    `  Fix: ${n.fix}`,
  ].join("\n");
}

export function composeMessage(owner: string | null, items: NotificationItem[]): OutgoingMessage {
  const first = items[0];
  const subject =
    items.length === 1 && first
      ? `[keywarden] ${headline(first)}`
      : `[keywarden] ${items.length} access key notices${owner ? ` for ${owner}` : ""}`;
  const text = [
    owner ? `Hello ${owner},` : "Hello,",
    "",
    ...items.map(paragraph).flatMap((p) => [p, ""]),
    items.every((i) => i.kind === "incident")
      ? "Sent by keywarden's responder. The key stays inactive until someone rotates it; the incident lists what it did."
      : "Sent by keywarden enforce. An exemption needs a reason and an expiry date in the policy file.",
  ].join("\n");
  return { owner, subject, text, items };
}
