import type { Store, StoredRecord } from "../store/types.js";
import { PermanentChannelError, safeError, type Channel } from "./channel.js";
import { composeMessage, type NotificationItem } from "./message.js";

// Sends notifications exactly once. The record (kind "notification", id = dedupe key) is added
// BEFORE anything is sent, atomically, so two runs never both send it; each channel's outcome is
// then written into it. Failed channels are retried on later runs, up to MAX_ATTEMPTS; a channel
// that fails never stops the others, nor the enforcement run.

export const NOTIFICATION_KIND = "notification";
export const MAX_ATTEMPTS = 5;

export type ChannelStatus = "sent" | "failed" | "pending";

export interface NotificationData extends Record<string, unknown> {
  item: NotificationItem;
  status: "pending" | "sent" | "failed";
  /** `permanent`: another attempt cannot succeed (a 4xx, no address), so it is not retried. */
  channels: Record<string, { status: ChannelStatus; error?: string; at?: string; permanent?: boolean }>;
  attempts: number;
  runId: string | null;
  firstAt: string;
  lastAt: string;
}

export interface DispatchResult {
  sent: number;
  failed: number;
  retried: number;
  /** Notifications another run had already recorded. */
  duplicates: number;
  errors: { channel: string; error: string }[];
}

export interface DispatchOptions {
  store: Store;
  channels: Channel[];
  now: () => Date;
  /** One message per owner per run, instead of one per notification. */
  digest: boolean;
  runId: string | null;
}

function group(items: { record: StoredRecord; item: NotificationItem }[], digest: boolean) {
  if (!digest) return items.map((i) => [i]);
  const byOwner = new Map<string, typeof items>();
  for (const i of items) {
    const k = i.item.owner ?? "";
    byOwner.set(k, [...(byOwner.get(k) ?? []), i]);
  }
  return [...byOwner.values()];
}

async function deliver(
  opts: DispatchOptions,
  batch: { record: StoredRecord; item: NotificationItem }[],
  result: DispatchResult,
): Promise<void> {
  const first = batch[0];
  if (!first) return;
  const message = composeMessage(
    first.item.owner,
    batch.map((b) => b.item),
  );
  const outcome = new Map<
    string,
    { status: ChannelStatus; error?: string; at: string; permanent?: boolean }
  >();
  for (const ch of opts.channels) {
    // A channel already done (or failed for good) for every item of the batch is not sent again.
    const need = batch.some((b) => {
      const c = (b.record.data as NotificationData).channels[ch.name];
      return c?.status !== "sent" && c?.permanent !== true;
    });
    if (!need) continue;
    try {
      await ch.send(message);
      outcome.set(ch.name, { status: "sent", at: opts.now().toISOString() });
    } catch (e) {
      const error = safeError(e);
      const permanent = e instanceof PermanentChannelError;
      outcome.set(ch.name, {
        status: "failed",
        error,
        at: opts.now().toISOString(),
        ...(permanent ? { permanent } : {}),
      });
      result.errors.push({ channel: ch.name, error });
    }
  }
  for (const b of batch) {
    const data = b.record.data as NotificationData;
    const channels = { ...data.channels };
    for (const [name, o] of outcome) if (channels[name]?.status !== "sent") channels[name] = o;
    const failed = Object.values(channels).some((c) => c.status !== "sent");
    const next: NotificationData = {
      ...data,
      channels,
      status: failed ? "failed" : "sent",
      attempts: data.attempts + 1,
      lastAt: opts.now().toISOString(),
    };
    await opts.store.putRecord({
      kind: NOTIFICATION_KIND,
      id: b.record.id,
      subject: b.record.subject,
      data: next,
    });
    if (failed) result.failed++;
    else result.sent++;
  }
}

/** Records and sends new notifications; returns what happened. */
export async function dispatch(opts: DispatchOptions, items: NotificationItem[]): Promise<DispatchResult> {
  const result: DispatchResult = { sent: 0, failed: 0, retried: 0, duplicates: 0, errors: [] };
  const fresh: { record: StoredRecord; item: NotificationItem }[] = [];
  for (const item of items) {
    const at = opts.now().toISOString();
    const data: NotificationData = {
      item,
      status: "pending",
      channels: Object.fromEntries(opts.channels.map((c) => [c.name, { status: "pending" as const }])),
      attempts: 0,
      runId: opts.runId,
      firstAt: at,
      lastAt: at,
    };
    const record = await opts.store.addRecord({
      kind: NOTIFICATION_KIND,
      id: item.dedupeKey,
      subject: item.accessKeyId,
      data,
    });
    if (record) fresh.push({ record, item });
    else result.duplicates++;
  }
  for (const batch of group(fresh, opts.digest)) await deliver(opts, batch, result);
  return result;
}

/** Sends again every recorded notification whose channels failed (or never ran: a crash mid-send). */
export async function retryFailed(opts: DispatchOptions): Promise<DispatchResult> {
  const result: DispatchResult = { sent: 0, failed: 0, retried: 0, duplicates: 0, errors: [] };
  const records = await opts.store.listRecords(NOTIFICATION_KIND, { limit: 5000 });
  const due = records
    .filter((r) => {
      const d = r.data as NotificationData;
      const retryable = Object.values(d.channels).some((c) => c.status !== "sent" && c.permanent !== true);
      return (
        (d.status === "failed" || d.status === "pending") &&
        retryable &&
        d.attempts < MAX_ATTEMPTS &&
        d.runId !== opts.runId
      );
    })
    .map((record) => ({ record, item: (record.data as NotificationData).item }));
  result.retried = due.length;
  for (const batch of group(due, opts.digest)) await deliver(opts, batch, result);
  return result;
}
