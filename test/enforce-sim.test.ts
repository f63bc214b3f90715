// Weeks of simulated time: the planner and the enforcement run over a model of one account's keys,
// a real SQLite store on the same simulated clock, and a real node:http webhook receiver that
// checks every HMAC signature. One run a day; the assertions are the exact days and messages.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ConflictError } from "../src/domain/errors.js";
import { parsePolicy } from "../src/policy/load.js";
import { LOCK_NAME, PAUSE_SETTING, runEnforcement, type EnforceResult } from "../src/policy/enforce.js";
import type { LoadedPolicy } from "../src/policy/load.js";
import { webhookChannel } from "../src/notify/webhook.js";
import type { Channel } from "../src/notify/channel.js";
import type { SqliteStore } from "../src/store/sqlite.js";
import { KeyModel, keyId, Receiver, SimClock, tempStore, type ModelKey } from "./fixtures/policy/harness.js";

const SECRET = "test-hmac-key-for-the-receiver";
const POLICY = (extra = "") => `version: 1
rules:
  access-key-rotation:
    timeline: { warn: 76, rotate: 90, deactivate: 100, delete: 110 }
enforcement:
  maxChanges: 10
notifications:
  notifyBefore: [14, 7, 1]
${extra}`;

function policy(text = POLICY()): LoadedPolicy {
  return { file: "keywarden.yaml", doc: parsePolicy(text, "keywarden.yaml"), ownerMap: {} };
}

let receiver: Receiver;
let clock: SimClock;
let store: SqliteStore;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  receiver = new Receiver(SECRET);
  await receiver.start();
});
afterAll(async () => {
  await receiver.stop();
});
beforeEach(async () => {
  receiver.received = [];
  receiver.failWith = null;
  clock = new SimClock();
  ({ store, cleanup } = await tempStore(clock));
});
afterEach(async () => {
  await cleanup();
});

function channels(): Channel[] {
  return [
    webhookChannel({
      name: "hook",
      url: receiver.url,
      secret: SECRET,
      retries: 2,
      sleep: () => Promise.resolve(),
    }),
  ];
}

async function runDay(
  model: KeyModel,
  p: LoadedPolicy,
  day: number,
  over: { maxChanges?: number; owner?: string } = {},
): Promise<EnforceResult> {
  clock.day(day);
  return runEnforcement({
    store,
    policy: p,
    ports: model.ports(),
    channels: channels(),
    now: clock.now,
    apply: true,
    maxChanges: over.maxChanges,
    owner: over.owner ?? "test:1",
  });
}

const key = (userName: string, over: Partial<ModelKey> = {}): ModelKey => ({
  userName,
  accessKeyId: keyId(),
  status: "Active",
  createdDay: 0,
  lastUsedDay: 1,
  ...over,
});

describe("fifty days of daily enforcement runs", () => {
  it("sends the right messages on the right days, never twice, and stages actions in order", async () => {
    const alice = key("alice");
    const [bob1, bob2] = [key("bob"), key("bob")].sort((a, b) => a.accessKeyId.localeCompare(b.accessKeyId));
    const carol = key("carol", { lastUsedDay: "always" });
    const dave = key("dave");
    const p = policy(
      POLICY(
        `exemptions:\n  - user: dave\n    reason: vendor appliance, replacement ordered\n    expires: 2026-04-06\n`,
      ),
    );
    const model = new KeyModel([alice, bob1 as ModelKey, bob2 as ModelKey, carol, dave], clock);
    const byDay = new Map<number, string[]>();
    const results: EnforceResult[] = [];
    for (let day = 70; day <= 120; day++) {
      const before = receiver.received.length;
      results.push(await runDay(model, p, day));
      for (const r of receiver.received.slice(before)) {
        for (const n of r.json.notifications as { dedupeKey: string }[]) {
          byDay.set(day, [...(byDay.get(day) ?? []), n.dedupeKey]);
        }
      }
    }
    // Every request carried a valid signature, and no dedupe key arrived twice.
    expect(receiver.received.length).toBeGreaterThan(40);
    expect(receiver.received.every((r) => r.signatureOk)).toBe(true);
    const all = receiver.items().map((n) => n.dedupeKey as string);
    expect(new Set(all).size).toBe(all.length);
    // 51 daily runs, 5 keys of 4 users: 55 messages (one request each: no digest) and 8 key changes.
    expect(all).toHaveLength(55);
    expect(receiver.received).toHaveLength(55);
    expect(model.events).toHaveLength(8);

    // alice: countdowns 14/7/1 before each stage, the overdue rotation (no rotateTo), each action.
    const a = `111122223333:${alice.accessKeyId}`;
    const aliceDays = [...byDay.entries()].flatMap(([d, keys]) =>
      keys.filter((k) => k.includes(alice.accessKeyId)).map((k) => `${d} ${k.replace(`${a}:`, "")}`),
    );
    // 12 messages over 35 days for one key: 3 before each of the 3 stages, 1 overdue, 2 actions.
    expect(aliceDays).toEqual([
      "76 countdown:access-key-rotation:rotate:14",
      "83 countdown:access-key-rotation:rotate:7",
      "89 countdown:access-key-rotation:rotate:1",
      "90 overdue:access-key-rotation:rotate",
      "90 countdown:access-key-rotation:deactivate:14",
      "93 countdown:access-key-rotation:deactivate:7",
      "99 countdown:access-key-rotation:deactivate:1",
      "100 action:deactivate",
      "100 countdown:access-key-rotation:delete:14",
      "103 countdown:access-key-rotation:delete:7",
      "109 countdown:access-key-rotation:delete:1",
      "110 action:delete",
    ]);

    // Staged actions, in order: deactivate on day 100, delete on day 110; never the reverse.
    const events = (u: string) =>
      model.events.filter((e) => e.userName === u).map((e) => `${e.day} ${e.kind} ${e.accessKeyId}`);
    expect(events("alice")).toEqual([
      `100 deactivate ${alice.accessKeyId}`,
      `110 delete ${alice.accessKeyId}`,
    ]);

    // bob: both keys are due the same day, but only one of a user's keys changes per run.
    expect(events("bob")).toEqual([
      `100 deactivate ${bob1?.accessKeyId}`,
      `101 deactivate ${bob2?.accessKeyId}`,
      `110 delete ${bob1?.accessKeyId}`,
      `111 delete ${bob2?.accessKeyId}`,
    ]);
    const day100 = results[30];
    expect(day100?.plan.actions.find((x) => x.accessKeyId === bob2?.accessKeyId)?.skipReason).toBe(
      "another key of this user changes in this run",
    );

    // carol uses her key every hour: never deactivated, told once that it was left active.
    expect(events("carol")).toEqual([]);
    const carolOverdue = all.filter(
      (k) => k.includes(carol.accessKeyId) && k.startsWith("overdue:") && k.endsWith(":deactivate"),
    );
    expect(carolOverdue).toHaveLength(1);

    // dave is exempt through 2026-04-06 (day 95): silent until then, then the 7-day message
    // (the 14-day threshold was crossed while exempt: only the tightest one is sent).
    const daveDays = [...byDay.entries()]
      .filter(([, keys]) => keys.some((k) => k.includes(dave.accessKeyId)))
      .map(([d]) => d);
    expect(daveDays[0]).toBe(96);
    expect(all.filter((k) => k.includes(dave.accessKeyId) && k.includes(":deactivate:"))).toEqual([
      `countdown:111122223333:${dave.accessKeyId}:access-key-rotation:deactivate:7`,
      `countdown:111122223333:${dave.accessKeyId}:access-key-rotation:deactivate:1`,
    ]);
    expect(results[25]?.plan.findings.some((f) => f.ruleId === "policy-exemption-expired")).toBe(false);
    expect(results[26]?.plan.findings.some((f) => f.ruleId === "policy-exemption-expired")).toBe(true);

    // Every run and every action is recorded in the store.
    expect(await store.listRecords("enforcement-run", { limit: 1000 })).toHaveLength(51);
    const actions = await store.listRecords("enforcement-action", { limit: 1000 });
    expect(actions.filter((r) => r.data.status === "done")).toHaveLength(model.events.length);
    const sent = await store.listRecords("notification", { limit: 1000 });
    expect(sent.every((r) => r.data.status === "sent")).toBe(true);
    expect(sent).toHaveLength(all.length);
  });

  it("messages name the masked key, the user, the deadline, the reason and the exact fix", async () => {
    const k = key("erin");
    const model = new KeyModel([k], clock);
    await runDay(model, policy(), 83);
    const [item] = receiver.items();
    expect(item).toMatchObject({ userName: "erin", deadline: "2026-04-01", daysLeft: 7, stage: "rotate" });
    expect(item?.fix).toBe(`keywarden rotate --user erin --key ${k.accessKeyId} --to <target>`);
    const text = receiver.received[0]?.json.text as string;
    expect(text).toContain(`${k.accessKeyId.slice(0, 4)}************${k.accessKeyId.slice(-4)}`);
    expect(text).toContain("Deadline: 2026-04-01");
    expect(text).toContain("is 83 days old");
    expect(text).not.toMatch(new RegExp(`Key: ${k.accessKeyId}`));
  });
});

describe("safety", () => {
  it("stops at --max-changes and does the rest on later runs", async () => {
    const keys = ["u1", "u2", "u3", "u4", "u5"].map((u) => key(u));
    const model = new KeyModel(keys, clock);
    const r1 = await runDay(model, policy(), 100, { maxChanges: 2 });
    expect(r1.outcomes.filter((o) => o.status === "done")).toHaveLength(2);
    expect(r1.outcomes.filter((o) => o.status === "skipped").map((o) => o.error)).toEqual([
      "--max-changes 2 reached",
      "--max-changes 2 reached",
      "--max-changes 2 reached",
    ]);
    await runDay(model, policy(), 101, { maxChanges: 2 });
    await runDay(model, policy(), 102, { maxChanges: 2 });
    expect(model.events.map((e) => `${e.day} ${e.userName}`)).toEqual([
      "100 u1",
      "100 u2",
      "101 u3",
      "101 u4",
      "102 u5",
    ]);
  });

  it("a key the policy names may change in the same run as its user's other key", async () => {
    const [k1, k2] = [key("frank"), key("frank")];
    const model = new KeyModel([k1, k2], clock);
    const p = policy(
      POLICY(`  `).replace(
        "maxChanges: 10",
        `maxChanges: 10\n  namedKeys: ["${k1.accessKeyId}", "${k2.accessKeyId}"]`,
      ),
    );
    await runDay(model, p, 100);
    expect(model.events.map((e) => e.kind)).toEqual(["deactivate", "deactivate"]);
  });

  it("pause stops every change and every message until resume", async () => {
    const model = new KeyModel([key("gina")], clock);
    await store.setSetting(PAUSE_SETTING, JSON.stringify({ reason: "incident" }));
    const paused = await runDay(model, policy(), 100);
    expect(paused.paused).toBe(true);
    expect(model.events).toEqual([]);
    expect(receiver.received).toEqual([]);
    expect(await store.listRecords("notification")).toEqual([]);
    await store.setSetting(PAUSE_SETTING, null);
    await runDay(model, policy(), 100);
    expect(model.events.map((e) => e.kind)).toEqual(["deactivate"]);
  });

  it("pausing mid-run stops the changes not yet made", async () => {
    const model = new KeyModel([key("h1"), key("h2"), key("h3")], clock);
    const ports = model.ports();
    const deactivate = ports.deactivate.bind(ports);
    ports.deactivate = async (a) => {
      await deactivate(a);
      await store.setSetting(PAUSE_SETTING, "true");
    };
    clock.day(100);
    const r = await runEnforcement({
      store,
      policy: policy(),
      ports,
      channels: channels(),
      now: clock.now,
      apply: true,
      owner: "t:1",
    });
    expect(r.outcomes.map((o) => o.status)).toEqual(["done", "not-run", "not-run"]);
  });

  it("refuses a run while another holds the lock, and two runs at once do not both act", async () => {
    const model = new KeyModel([key("ivan")], clock);
    clock.day(100);
    expect(await store.acquireLock(LOCK_NAME, "other-host:99", 60_000, clock.now())).toBe(true);
    await expect(runDay(model, policy(), 100)).rejects.toBeInstanceOf(ConflictError);
    expect(model.events).toEqual([]);
    await store.releaseLock(LOCK_NAME, "other-host:99");

    const both = await Promise.allSettled([
      runDay(model, policy(), 100, { owner: "a:1" }),
      runDay(model, policy(), 100, { owner: "b:2" }),
    ]);
    const refused = both.filter((r) => r.status === "rejected");
    expect(refused).toHaveLength(1);
    expect(model.events.filter((e) => e.kind === "deactivate")).toHaveLength(1);
    expect(receiver.items().filter((n) => n.kind === "action")).toHaveLength(1);
  });

  it("a failing channel does not stop enforcement; the message is retried next run and sent once", async () => {
    const model = new KeyModel([key("judy")], clock);
    receiver.failWith = 500;
    const r1 = await runDay(model, policy(), 100);
    expect(model.events.map((e) => e.kind)).toEqual(["deactivate"]);
    expect(r1.notifications?.failed).toBe(2);
    expect(r1.notifications?.errors[0]).toEqual({ channel: "hook", error: "HTTP 500" });
    const failed = await store.listRecords("notification");
    expect(failed.map((f) => f.data.status)).toEqual(["failed", "failed"]);
    receiver.failWith = null;
    const r2 = await runDay(model, policy(), 101);
    expect(r2.retries?.sent).toBe(2);
    await runDay(model, policy(), 102);
    const keys = receiver.items().map((n) => n.dedupeKey);
    expect(keys.filter((k) => String(k).startsWith("action:"))).toHaveLength(1);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("a failed key change is recorded and does not stop the others", async () => {
    const [k1, k2] = [key("kim"), key("lee")];
    const model = new KeyModel([k1, k2], clock);
    model.failNext.add(k1.accessKeyId);
    const r = await runDay(model, policy(), 100);
    expect(r.outcomes.map((o) => o.status)).toEqual(["failed", "done"]);
    const recs = await store.listRecords("enforcement-action");
    expect(recs.map((x) => x.data.status).sort()).toEqual(["done", "failed"]);
    // No "deactivated" message for the key that was not deactivated.
    expect(
      receiver
        .items()
        .filter((n) => n.kind === "action")
        .map((n) => n.userName),
    ).toEqual(["lee"]);
  });
});

describe("rotation stage", () => {
  it("starts one rotation job on the rotate day, leaves the key to it while open, deactivates after a rollback", async () => {
    const k = key("rita");
    const model = new KeyModel([k], clock);
    const p = policy(
      POLICY().replace(
        "timeline: { warn: 76, rotate: 90, deactivate: 100, delete: 110 }",
        'timeline: { warn: 76, rotate: 90, rotateTo: ["ssm:/keys/{user}"], deactivate: 100, delete: 110 }',
      ),
    );
    const ports = model.ports(store);
    const run = (day: number) => {
      clock.day(day);
      return runEnforcement({
        store,
        policy: p,
        ports,
        channels: channels(),
        now: clock.now,
        apply: true,
        owner: "t:1",
      });
    };
    for (let day = 88; day <= 105; day++) await run(day);
    expect(model.events.map((e) => `${e.day} ${e.kind}`)).toEqual(["90 rotate"]);
    const [job] = await store.listJobs({ userName: "rita" });
    expect(job).toMatchObject({ oldAccessKeyId: k.accessKeyId, state: "waiting" });
    const sent = receiver
      .items()
      .filter((n) => n.accessKeyId === k.accessKeyId)
      .map((n) => `${String(n.kind)} ${String(n.stage)}`);
    // While the job holds the key, the planner sends nothing more about it.
    expect(sent).toEqual(["countdown rotate", "countdown rotate", "action rotate"]);
    // Someone rolls the rotation back: the key is the policy's again, and it is past day 100.
    await store.updateJob(
      job?.id ?? "",
      job?.version ?? 0,
      { state: "rolled-back", step: "done" },
      { step: "observe", action: "rolled-back", actor: "test" },
    );
    await run(106);
    expect(model.events.map((e) => `${e.day} ${e.kind}`)).toEqual(["90 rotate", "106 deactivate"]);
  });
});
