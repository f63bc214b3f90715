import type { Store, StoredRecord } from "../store/types.js";
import type { ResponderEvent } from "./events.js";

// The responder's memory, in keywarden's store (SQLite for one machine, the shared PostgreSQL
// store for the Lambda and for several workers). EventBridge delivers at least once, and a Lambda
// may run the same event twice at the same time, so before anything is changed in AWS the
// (event id, key id) pair is claimed with the store's insert-once `addRecord`: exactly one worker
// gets the claim; every other delivery finds it and stops, with no AWS call.
//
//   responder-claim  id "EVENT_ID/KEY_ID": claimed -> done (incident id) | superseded; deleted
//                    when containment fails, so the next delivery (Lambda's retry) tries again
//   responder-key    id KEY_ID: the newest event whose containment finished, so an older event
//                    delivered late (EventBridge does not keep order) does not contain again

export const CLAIM_KIND = "responder-claim";
export const KEY_KIND = "responder-key";
/** A claim older than this whose worker never finished (a crash, a timeout) may be taken over: Lambda's longest run. */
export const CLAIM_LEASE_MS = 15 * 60_000;

export type ClaimState = "claimed" | "done" | "superseded";

export interface ClaimData extends Record<string, unknown> {
  state: ClaimState;
  eventId: string;
  eventKind: string;
  eventTime: string;
  worker: string;
  claimedAt: string;
  incidentId?: string | null;
}

export type ClaimResult =
  | { status: "claimed"; takenOver: boolean }
  /** This event was handled already (or set aside as older): nothing to do. */
  | { status: "duplicate"; state: ClaimState; incidentId: string | null }
  /** Another worker holds a live claim: it is containing the key now. */
  | { status: "in-progress"; worker: string };

const timeOf = (r: StoredRecord): string => (typeof r.data.eventTime === "string" ? r.data.eventTime : "");

export const claimId = (e: ResponderEvent, key: string): string => `${e.eventId}/${key}`;

export async function claim(
  store: Store,
  e: ResponderEvent,
  key: string,
  worker: string,
  now: Date,
): Promise<ClaimResult> {
  const id = claimId(e, key);
  const data: ClaimData = {
    state: "claimed",
    eventId: e.eventId,
    eventKind: e.kind,
    eventTime: e.time,
    worker,
    claimedAt: now.toISOString(),
  };
  if (await store.addRecord({ kind: CLAIM_KIND, id, subject: key, data })) {
    return { status: "claimed", takenOver: false };
  }
  const held = await store.getRecord(CLAIM_KIND, id);
  if (!held) {
    // Released (a failed containment) between our insert and our read: one more try, no loop.
    return (await store.addRecord({ kind: CLAIM_KIND, id, subject: key, data }))
      ? { status: "claimed", takenOver: false }
      : { status: "in-progress", worker: "another worker" };
  }
  const h = held.data as ClaimData;
  if (h.state !== "claimed") return { status: "duplicate", state: h.state, incidentId: h.incidentId ?? null };
  const stale = now.getTime() - Date.parse(h.claimedAt) >= CLAIM_LEASE_MS;
  // A dead worker's claim: the store's lease lets exactly one of the late deliveries take it over.
  if (stale && (await store.acquireLock(`responder:${id}`, worker, CLAIM_LEASE_MS, now))) {
    await store.putRecord({ kind: CLAIM_KIND, id, subject: key, data });
    return { status: "claimed", takenOver: true };
  }
  return { status: "in-progress", worker: h.worker };
}

/** The newer (or same-time) event that already contained the key, if one did: an older event stops here. */
export async function newerContainment(
  store: Store,
  e: ResponderEvent,
  key: string,
): Promise<StoredRecord | null> {
  const k = await store.getRecord(KEY_KIND, key);
  if (!k) return null;
  const t = timeOf(k);
  return t >= e.time && k.data.eventId !== e.eventId ? k : null;
}

/** Containment and the incident are done: later deliveries of this event stop at the claim. */
export async function finish(
  store: Store,
  e: ResponderEvent,
  key: string,
  worker: string,
  now: Date,
  incidentId: string,
): Promise<void> {
  await settleClaim(store, e, key, { state: "done", worker, incidentId, doneAt: now.toISOString() });
  const k = await store.getRecord(KEY_KIND, key);
  // Only a newer event moves the key's marker forward.
  if (!k || timeOf(k) <= e.time) {
    await store.putRecord({
      kind: KEY_KIND,
      id: key,
      subject: key,
      data: {
        eventId: e.eventId,
        eventKind: e.kind,
        eventTime: e.time,
        incidentId,
        containedAt: now.toISOString(),
      },
    });
  }
}

/** An older event, after a newer one contained the key: recorded, not acted on. */
export async function supersede(
  store: Store,
  e: ResponderEvent,
  key: string,
  by: StoredRecord,
  now: Date,
): Promise<void> {
  await settleClaim(store, e, key, {
    state: "superseded",
    incidentId: typeof by.data.incidentId === "string" ? by.data.incidentId : null,
    supersededBy: by.data.eventId ?? null,
    doneAt: now.toISOString(),
  });
}

/** The claim's final state, over what the claim already held. */
async function settleClaim(
  store: Store,
  e: ResponderEvent,
  key: string,
  data: Record<string, unknown>,
): Promise<void> {
  const held = await store.getRecord(CLAIM_KIND, claimId(e, key));
  await store.putRecord({
    kind: CLAIM_KIND,
    id: claimId(e, key),
    subject: key,
    data: { ...(held?.data ?? {}), ...data },
  });
}

/** Containment failed: the claim goes, so a redelivery (Lambda's retry) can contain. */
export async function release(store: Store, e: ResponderEvent, key: string): Promise<void> {
  await store.deleteRecord(CLAIM_KIND, claimId(e, key));
}
