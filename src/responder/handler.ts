import { maskKeyId } from "../domain/key-id.js";
import type { Channel } from "../notify/channel.js";
import type { NotificationItem } from "../notify/message.js";
import { respond, type RespondDeps } from "../response/respond.js";
import type { IncidentReport } from "../response/types.js";
import type { Store } from "../store/types.js";
import { parseEvent, type ResponderEvent } from "./events.js";
import { claim, finish, newerContainment, release, supersede } from "./state.js";

// The event-driven responder: one EventBridge event in, each key it names contained once. The path
// is `respond`'s own (the same engine, so the same AWS calls in the same order), behind a claim in
// the store so a redelivered event changes nothing. Both the Lambda entry (lambda.ts) and
// `keywarden respond --event FILE` call handleEvent; only how they build sessions differs.

export type KeyStatus = "contained" | "duplicate" | "in-progress" | "superseded" | "dry-run" | "failed";

export interface KeyOutcome {
  /** Masked: the handler's result goes to logs. */
  key: string;
  status: KeyStatus;
  incidentId: string | null;
  detail: string;
  /** The finished report, when this run wrote one (contained or dry run). */
  report?: IncidentReport;
  /** Why containment failed, as thrown (the CLI exits with its code); never logged by the Lambda. */
  error?: unknown;
}

export interface HandlerResult {
  eventId: string | null;
  kind: ResponderEvent["kind"] | null;
  /** Why the event was not acted on (no long-term key in it, an unknown source); no AWS call was made. */
  ignored: string | null;
  keys: KeyOutcome[];
}

export interface HandlerDeps {
  /** Claims and incidents; opened before containment, since the claim comes first. */
  store: () => Promise<Store>;
  /**
   * respond's adapters in the account the key is in. `save` is the handler's (it adds the event).
   * Called once per key; everything containment does not need should be loaded lazily inside.
   */
  respondDeps: (e: ResponderEvent, save: RespondDeps["save"]) => Promise<RespondDeps>;
  /** The owner and team channels, built after containment (a bad channel never delays it). */
  channels?: () => Promise<Channel[]>;
  /** The key owner's address (tags, the owners map, the default); read after containment. */
  ownerOf?: (e: ResponderEvent, report: IncidentReport) => Promise<string | null>;
  /** Identifies this worker in claims (host:pid, or the Lambda request id). */
  worker: string;
  now: () => Date;
  log: (line: string) => void;
  regions?: string[] | undefined;
  since?: Date | null | undefined;
  /** Nothing changed, nothing stored, nothing sent: respond --dry-run for each key. */
  dryRun?: boolean | undefined;
}

export async function handleEvent(raw: unknown, deps: HandlerDeps): Promise<HandlerResult> {
  const parsed = parseEvent(raw);
  if (!parsed.ok) {
    deps.log(`ignored the event: ${parsed.reason}`);
    const e = raw as { id?: unknown } | null;
    return { eventId: typeof e?.id === "string" ? e.id : null, kind: null, ignored: parsed.reason, keys: [] };
  }
  const event = parsed.event;
  deps.log(`event ${event.eventId}: ${event.summary}`);
  const keys: KeyOutcome[] = [];
  // One key after another: an event names one key (AWS Health may name a few), and containing them
  // in turn keeps each key's calls in respond's order.
  for (const key of event.accessKeyIds) keys.push(await handleKey(event, key, deps));
  return { eventId: event.eventId, kind: event.kind, ignored: null, keys };
}

async function handleKey(event: ResponderEvent, key: string, deps: HandlerDeps): Promise<KeyOutcome> {
  const masked = maskKeyId(key);
  const startedAt = deps.now();
  if (deps.dryRun) {
    const report = await respond(
      { ...respondOptions(deps, key, startedAt), dryRun: true },
      await deps.respondDeps(event, () => Promise.resolve()),
    );
    return { key: masked, status: "dry-run", incidentId: null, detail: "dry run: nothing changed", report };
  }
  const store = await deps.store();
  const c = await claim(store, event, key, deps.worker, startedAt);
  if (c.status === "duplicate") {
    deps.log(`${masked}: event ${event.eventId} was handled already (${c.state}); nothing to do`);
    return { key: masked, status: "duplicate", incidentId: c.incidentId, detail: `already ${c.state}` };
  }
  if (c.status === "in-progress") {
    deps.log(`${masked}: ${c.worker} is handling event ${event.eventId} now; nothing to do`);
    return { key: masked, status: "in-progress", incidentId: null, detail: `claimed by ${c.worker}` };
  }
  const newer = await newerContainment(store, event, key);
  if (newer) {
    await supersede(store, event, key, newer, deps.now());
    const detail = `contained already after a newer event (${String(newer.data.eventId)} at ${String(newer.data.eventTime)})`;
    deps.log(`${masked}: ${detail}; this older event changes nothing`);
    return {
      key: masked,
      status: "superseded",
      incidentId: typeof newer.data.incidentId === "string" ? newer.data.incidentId : null,
      detail,
    };
  }
  const trigger = { eventId: event.eventId, kind: event.kind, time: event.time, summary: event.summary };
  // A worker that died after containing (its incident saved, its claim never finished) left an
  // incident for this event: the takeover contains again (the same calls change nothing) and
  // writes its report into that incident instead of a second one.
  const previous = c.takenOver ? await incidentFor(store, event, key) : null;
  const save: RespondDeps["save"] = async (r) => {
    const id = previous ?? r.incidentId;
    await store.putRecord({
      kind: "incident",
      id,
      subject: r.accessKeyId,
      data: { ...(r as unknown as Record<string, unknown>), incidentId: id, trigger },
    });
  };
  let report: IncidentReport;
  try {
    report = await respond(respondOptions(deps, key, startedAt), await deps.respondDeps(event, save));
    if (previous) report = { ...report, incidentId: previous };
  } catch (err) {
    // Whatever failed, the claim goes: the next delivery (Lambda's retry, a replay) contains.
    await release(store, event, key);
    const detail = err instanceof Error ? err.message : String(err);
    deps.log(`${masked}: not contained: ${detail}`);
    return { key: masked, status: "failed", incidentId: null, detail, error: err };
  }
  await finish(store, event, key, deps.worker, deps.now(), report.incidentId);
  await notifyIncident(store, event, report, deps);
  return { key: masked, status: "contained", incidentId: report.incidentId, detail: "contained", report };
}

/** The incident an earlier worker wrote for this event and key, if one did. */
async function incidentFor(store: Store, event: ResponderEvent, key: string): Promise<string | null> {
  for (const r of await store.listRecords("incident", { subject: key })) {
    const t = r.data.trigger as { eventId?: unknown } | undefined;
    if (t?.eventId === event.eventId) return r.id;
  }
  return null;
}

function respondOptions(deps: HandlerDeps, accessKeyId: string, startedAt: Date) {
  return {
    accessKeyId,
    since: deps.since ?? null,
    logPaths: [],
    dryRun: false,
    // Removing what the key created needs a person's yes: the checklist names it instead.
    remediate: false,
    regions: deps.regions,
    startedAt,
  };
}

/** The owner (email) and the team (Slack, webhook, SNS) hear once per incident; a failed channel is logged, never fatal. */
async function notifyIncident(
  store: Store,
  event: ResponderEvent,
  report: IncidentReport,
  deps: HandlerDeps,
): Promise<void> {
  if (!deps.channels) return;
  try {
    const channels = await deps.channels();
    if (channels.length === 0) return;
    const owner = deps.ownerOf ? await deps.ownerOf(event, report).catch(() => null) : null;
    const c = report.containment;
    const item: NotificationItem = {
      dedupeKey: `incident:${report.incidentId}`,
      kind: "incident",
      owner,
      accountId: report.accountId,
      userName: report.userName,
      accessKeyId: report.accessKeyId,
      ruleId: `responder:${event.kind}`,
      stage: "contain",
      deadline: c.containedAt ?? report.startedAt,
      daysLeft: 0,
      reason: event.summary,
      fix: `keywarden incidents show ${report.incidentId} (${report.suspicious.length} suspicious event(s), ${report.created.length} created resource(s)); rotate the key's users off it`,
      outcome: `contained (key Inactive, ${c.quarantinePolicyArn ?? "quarantine policy"} attached)`,
    };
    const { dispatch } = await import("../notify/dispatch.js");
    const r = await dispatch(
      { store, channels, now: deps.now, digest: false, runId: `responder:${event.eventId}` },
      [item],
    );
    for (const e of r.errors) deps.log(`warning: notification channel ${e.channel} failed: ${e.error}`);
  } catch (err) {
    deps.log(`warning: could not notify: ${err instanceof Error ? err.message : String(err)}`);
  }
}
