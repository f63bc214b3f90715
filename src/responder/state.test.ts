import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqliteStore } from "../store/sqlite.js";
import type { Store } from "../store/types.js";
import type { ResponderEvent } from "./events.js";
import { CLAIM_KIND, CLAIM_LEASE_MS, claim, finish, newerContainment, release, supersede } from "./state.js";

// The claim rules on a real SQLite store (the same Store interface PostgreSQL implements).
const KEY = "AKIAIOSFODNN7EXAMPLE";
const event = (eventId: string, time: string): ResponderEvent => ({
  kind: "guardduty",
  eventId,
  accessKeyIds: [KEY],
  account: "123456789012",
  time,
  summary: "test",
  userName: null,
});
const T0 = new Date("2026-11-20T08:00:00.000Z");
const later = (ms: number) => new Date(T0.getTime() + ms);

let store: Store;
beforeEach(async () => {
  store = await openSqliteStore(join(await mkdtemp(join(tmpdir(), "kw-state-")), "kw.db"));
});
afterEach(async () => {
  await store.close();
});

describe("claim", () => {
  it("one worker gets it; the next finds it in progress, then done with the incident", async () => {
    const e = event("ev-1", "2026-11-20T07:00:00.000Z");
    expect(await claim(store, e, KEY, "w1", T0)).toEqual({ status: "claimed", takenOver: false });
    expect(await claim(store, e, KEY, "w2", T0)).toEqual({ status: "in-progress", worker: "w1" });
    await finish(store, e, KEY, "w1", T0, "inc-1");
    expect(await claim(store, e, KEY, "w2", later(CLAIM_LEASE_MS * 2))).toEqual({
      status: "duplicate",
      state: "done",
      incidentId: "inc-1",
    });
  });

  it("a released claim (failed containment) can be claimed again", async () => {
    const e = event("ev-2", "2026-11-20T07:00:00.000Z");
    await claim(store, e, KEY, "w1", T0);
    await release(store, e, KEY);
    expect(await store.listRecords(CLAIM_KIND)).toEqual([]);
    expect((await claim(store, e, KEY, "w2", T0)).status).toBe("claimed");
  });

  it("a dead worker's claim is taken over after the lease, by one worker only", async () => {
    const e = event("ev-3", "2026-11-20T07:00:00.000Z");
    await claim(store, e, KEY, "dead", T0);
    expect((await claim(store, e, KEY, "w2", later(CLAIM_LEASE_MS - 1))).status).toBe("in-progress");
    const at = later(CLAIM_LEASE_MS);
    expect(await claim(store, e, KEY, "w2", at)).toEqual({ status: "claimed", takenOver: true });
    expect(await claim(store, e, KEY, "w3", at)).toEqual({ status: "in-progress", worker: "w2" });
  });
});

describe("order", () => {
  it("an older event after a newer containment is superseded; a newer one is not", async () => {
    const newer = event("ev-new", "2026-11-20T07:02:11.000Z");
    const older = event("ev-old", "2026-11-20T06:27:57.000Z");
    const newest = event("ev-newest", "2026-11-21T00:00:00.000Z");
    await claim(store, newer, KEY, "w1", T0);
    await finish(store, newer, KEY, "w1", T0, "inc-new");
    const by = await newerContainment(store, older, KEY);
    expect(by?.data).toMatchObject({ eventId: "ev-new", incidentId: "inc-new" });
    await claim(store, older, KEY, "w1", T0);
    if (by) await supersede(store, older, KEY, by, T0);
    expect(await claim(store, older, KEY, "w2", T0)).toMatchObject({
      status: "duplicate",
      state: "superseded",
    });
    expect(await newerContainment(store, newest, KEY)).toBeNull();
    // An older event finishing late never moves the key's marker back.
    await finish(store, older, KEY, "w1", T0, "inc-old");
    expect((await store.getRecord("responder-key", KEY))?.data.eventId).toBe("ev-new");
  });
});
