import { createHmac, timingSafeEqual } from "node:crypto";
import { withBackoff, type Channel, type Sleep } from "./channel.js";
import { postJson } from "./http.js";
import type { OutgoingMessage } from "./message.js";

// Generic webhook: a JSON body signed with HMAC-SHA256 over the exact bytes sent, in
// `X-Keywarden-Signature: sha256=<hex>`, so the receiver can check it came from keywarden.

export const SIGNATURE_HEADER = "x-keywarden-signature";

export function sign(body: string, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** For receivers (and tests): constant-time check of a signature header. */
export function verifySignature(body: string, header: string | undefined, secret: string): boolean {
  if (!header) return false;
  const want = Buffer.from(sign(body, secret));
  const got = Buffer.from(header);
  return want.length === got.length && timingSafeEqual(want, got);
}

export function webhookBody(m: OutgoingMessage): string {
  return JSON.stringify({
    schemaVersion: 1,
    source: "keywarden",
    owner: m.owner,
    subject: m.subject,
    text: m.text,
    notifications: m.items.map((n) => ({
      dedupeKey: n.dedupeKey,
      kind: n.kind,
      accountId: n.accountId,
      userName: n.userName,
      accessKeyId: n.accessKeyId,
      ruleId: n.ruleId,
      stage: n.stage,
      deadline: n.deadline,
      daysLeft: n.daysLeft,
      reason: n.reason,
      fix: n.fix,
    })),
  });
}

export interface WebhookOptions {
  name: string;
  url: string;
  secret: string;
  retries?: number | undefined;
  timeoutMs?: number | undefined;
  baseDelayMs?: number;
  sleep: Sleep;
}

export function webhookChannel(o: WebhookOptions): Channel {
  return {
    name: o.name,
    type: "webhook",
    send: (m) => {
      const body = webhookBody(m);
      const headers = { "X-Keywarden-Signature": sign(body, o.secret) };
      return withBackoff((o.retries ?? 3) + 1, o.baseDelayMs ?? 500, o.sleep, () =>
        postJson(o.url, body, headers, o.timeoutMs ?? 10_000),
      );
    },
  };
}
