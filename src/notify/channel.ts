import type { OutgoingMessage } from "./message.js";

/** One place a message goes. `send` throws on failure; the dispatcher records and retries it. */
export interface Channel {
  name: string;
  type: "slack" | "webhook" | "email" | "sns";
  send(message: OutgoingMessage): Promise<void>;
}

export type Sleep = (ms: number) => Promise<void>;

/** A channel failed in a way that another attempt will not fix (a 4xx, a missing address). */
export class PermanentChannelError extends Error {}

/**
 * Calls `fn` up to `attempts` times, waiting base, 2*base, 4*base... between tries; a permanent
 * error stops at once.
 */
export async function withBackoff<T>(
  attempts: number,
  baseMs: number,
  sleep: Sleep,
  fn: () => Promise<T>,
): Promise<T> {
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      return await fn();
    } catch (e) {
      last = e;
      if (e instanceof PermanentChannelError || i === attempts - 1) break;
      await sleep(baseMs * 2 ** i);
    }
  }
  throw last;
}

/** Error text safe to store: no URLs (a Slack webhook URL is a credential), one line, short. */
export function safeError(e: unknown): string {
  return (e instanceof Error ? e.message : String(e))
    .replace(/https?:\/\/\S+/g, "<url>")
    .replace(/\s+/g, " ")
    .slice(0, 300);
}
