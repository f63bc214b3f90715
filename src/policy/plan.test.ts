// The planner's decisions, one at a time, on built inventories (pure: no store, no AWS, no clock).
import { describe, expect, it } from "vitest";
import { aKey, anInventory, daysAgo, NOW } from "../rules/test-builders.js";
import type { AccessKeyRecord } from "../domain/types.js";
import { parsePolicy } from "./load.js";
import { planEnforcement, type OpenJob, type Plan } from "./plan.js";

const ROTATE = `version: 1
rules:
  access-key-rotation:
    timeline:
      warn: 76
      rotate: 90
      rotateTo: ["secretsmanager:iam/{account}/{user}", "ssm:/keys/{user}"]
      observe: 2d
      soak: 0
      deactivate: 100
      delete: 110
`;

function plan(
  yaml: string,
  keys: AccessKeyRecord[],
  over: { jobs?: OpenJob[]; sent?: string[]; maxChanges?: number } = {},
): Plan {
  return planEnforcement({
    policy: { file: "k.yaml", doc: parsePolicy(yaml, "k.yaml"), ownerMap: { bob: "bob@example.com" } },
    inventory: anInventory({ keys }),
    findings: [],
    now: NOW,
    sent: new Set(over.sent ?? []),
    jobs: over.jobs ?? [],
    ...(over.maxChanges === undefined ? {} : { maxChanges: over.maxChanges }),
  });
}

const old = (days: number, over: Partial<AccessKeyRecord> = {}) =>
  aKey({ createdAt: daysAgo(days), lastUsedAt: daysAgo(3), ...over });

describe("planEnforcement", () => {
  it("starts a rotation to the expanded targets when the rotate day comes", () => {
    const k = old(91, { userName: "bob" });
    const p = plan(ROTATE, [k]);
    expect(p.actions).toHaveLength(1);
    expect(p.actions[0]).toMatchObject({
      kind: "rotate",
      status: "planned",
      targets: ["secretsmanager:iam/111122223333/bob", "ssm:/keys/bob"],
      observe: "2d",
      soak: "0",
      owner: "bob@example.com",
      fix: `keywarden rotate --user bob --key ${k.accessKeyId} --to secretsmanager:iam/111122223333/bob --to ssm:/keys/bob`,
    });
    // The rotation takes the later stages over: no countdown to deactivation.
    expect(p.notifications.map((n) => n.kind)).toEqual(["action"]);
  });

  it("rotates rather than deactivates a key that was never rotated, even past the deactivate day", () => {
    expect(plan(ROTATE, [old(105)]).actions.map((a) => a.kind)).toEqual(["rotate"]);
  });

  it("deactivates once a rotation was rolled back, and leaves a key with an open job alone", () => {
    const k = old(105);
    const job = (state: string): OpenJob => ({
      id: "rot-1",
      accountId: k.accountId,
      userName: k.userName,
      oldAccessKeyId: k.accessKeyId,
      state,
    });
    expect(plan(ROTATE, [k], { jobs: [job("rolled-back")] }).actions.map((a) => a.kind)).toEqual([
      "deactivate",
    ]);
    const open = plan(ROTATE, [k], { jobs: [job("waiting")] });
    expect(open.actions).toEqual([]);
    expect(open.notifications).toEqual([]);
  });

  it("tells the owner once when a rotation of their key failed, and still leaves the key to the job", () => {
    const k = old(105, { userName: "bob" });
    const failed: OpenJob = {
      id: "rot-9",
      accountId: k.accountId,
      userName: k.userName,
      oldAccessKeyId: k.accessKeyId,
      state: "failed",
    };
    const p = plan(ROTATE, [k], { jobs: [failed] });
    expect(p.actions).toEqual([]);
    expect(p.notifications).toHaveLength(1);
    expect(p.notifications[0]).toMatchObject({
      kind: "stalled",
      dedupeKey: "stalled:rot-9",
      owner: "bob@example.com",
      fix: "keywarden rotations show rot-9, then keywarden rotate --resume rot-9 (or --rollback rot-9)",
    });
    expect(plan(ROTATE, [k], { jobs: [failed], sent: ["stalled:rot-9"] }).notifications).toEqual([]);
  });

  it("does not start a second rotation for a user with an open one", () => {
    const k = old(91);
    const other: OpenJob = {
      id: "rot-2",
      accountId: k.accountId,
      userName: k.userName,
      oldAccessKeyId: "AKIAOTHERKEY23456789",
      state: "failed",
    };
    expect(plan(ROTATE, [k], { jobs: [other] }).actions[0]?.skipReason).toBe(
      "another rotation of this user is open",
    );
  });

  it("never deletes an active key: it deactivates it first", () => {
    const yaml = "version: 1\nrules:\n  access-key-unused:\n    timeline: { deactivate: 60, delete: 90 }\n";
    const k = aKey({ createdAt: daysAgo(200), lastUsedAt: daysAgo(120) });
    expect(plan(yaml, [k]).actions.map((a) => a.kind)).toEqual(["deactivate"]);
    expect(plan(yaml, [{ ...k, status: "Inactive" }]).actions.map((a) => a.kind)).toEqual(["delete"]);
  });

  it("deletes lingering inactive keys and ignores active ones under that rule", () => {
    const yaml = "version: 1\nrules:\n  access-key-inactive-lingering:\n    timeline: { delete: 60 }\n";
    const inactive = aKey({ status: "Inactive", createdAt: daysAgo(61), lastUsedAt: null });
    const active = aKey({ createdAt: daysAgo(400), lastUsedAt: daysAgo(10) });
    expect(plan(yaml, [inactive, active]).actions.map((a) => [a.kind, a.accessKeyId])).toEqual([
      ["delete", inactive.accessKeyId],
    ]);
  });

  it("a key used in the last 24 hours is left alone unless the rule allows it", () => {
    const yaml = (touch: boolean) =>
      `version: 1\nrules:\n  access-key-rotation:\n    timeline: { deactivate: 100, touchRecentlyUsed: ${touch} }\n`;
    const k = old(120, { lastUsedAt: new Date(NOW.getTime() - 3_600_000) });
    const held = plan(yaml(false), [k]);
    expect(held.actions[0]).toMatchObject({ status: "skipped", skipReason: "used in the last 24 hours" });
    expect(held.notifications.map((n) => n.kind)).toEqual(["overdue"]);
    expect(plan(yaml(true), [k]).actions[0]).toMatchObject({ status: "planned", allowRecentlyUsed: true });
  });

  it("scope: accounts, user paths, tags and excluded users", () => {
    const yaml = `version: 1
scope:
  accounts: ["111122223333"]
  userPaths: ["/apps/"]
  tags: { team: "*" }
  excludeUsers: [break-glass]
rules:
  access-key-rotation:
    timeline: { deactivate: 100 }
`;
    const keys = [
      old(120, { userName: "in", userPath: "/apps/x/", userTags: { team: "a" } }),
      old(120, { userName: "wrong-path", userPath: "/", userTags: { team: "a" } }),
      old(120, { userName: "no-tag", userPath: "/apps/" }),
      old(120, { userName: "break-glass", userPath: "/apps/", userTags: { team: "a" } }),
      old(120, {
        userName: "other-account",
        accountId: "999988887777",
        userPath: "/apps/",
        userTags: { team: "a" },
      }),
    ];
    const p = plan(yaml, keys);
    expect(p.keysInScope).toBe(1);
    expect(p.actions.map((a) => a.userName)).toEqual(["in"]);
  });

  it("an exemption by key hides that key only, until it expires; then it is a finding", () => {
    const [a, b] = [old(120, { userName: "x" }), old(120, { userName: "y" })];
    const yaml = (expires: string) => `version: 1
exemptions:
  - key: ${a.accessKeyId}
    reason: hardware appliance
    expires: ${expires}
rules:
  access-key-rotation:
    timeline: { deactivate: 100 }
`;
    const live = plan(yaml("2025-07-01"), [a, b]);
    expect(live.keysExempt).toBe(1);
    expect(live.actions.map((x) => x.userName)).toEqual(["y"]);
    const expired = plan(yaml("2025-06-14"), [a, b]);
    expect(expired.actions.map((x) => x.userName)).toEqual(["x", "y"]);
    expect(expired.findings).toEqual([
      expect.objectContaining({
        ruleId: "policy-exemption-expired",
        result: "FAIL",
        accessKeyId: a.accessKeyId,
        userName: "x",
      }),
    ]);
  });

  it("sends only the tightest threshold crossed, and nothing already sent", () => {
    const k = old(85);
    const first = plan(ROTATE, [k]);
    expect(first.notifications.map((n) => n.dedupeKey)).toEqual([
      `countdown:111122223333:${k.accessKeyId}:access-key-rotation:rotate:7`,
    ]);
    expect(first.notifications[0]).toMatchObject({ daysLeft: 5, deadline: "2025-06-20" });
    expect(plan(ROTATE, [k], { sent: [first.notifications[0]?.dedupeKey ?? ""] }).notifications).toEqual([]);
  });

  it("nothing before the warn day", () => {
    expect(plan(ROTATE, [old(75)]).notifications).toEqual([]);
  });

  it("max-changes 0 plans nothing but still notifies", () => {
    const p = plan(ROTATE.replace(/ *rotateTo: .*\n/, ""), [old(101)], { maxChanges: 0 });
    expect(p.actions[0]).toMatchObject({
      kind: "deactivate",
      status: "skipped",
      skipReason: "--max-changes 0 reached",
    });
    expect(p.notifications.length).toBeGreaterThan(0);
  });

  it("a disabled rule's timeline does nothing", () => {
    const yaml =
      "version: 1\nrules:\n  access-key-rotation:\n    enabled: false\n    timeline: { deactivate: 100 }\n";
    expect(plan(yaml, [old(120)]).actions).toEqual([]);
  });
});

describe("several rules on one key", () => {
  it("once one rule plans a change, the others add no overdue or countdown messages", () => {
    const yaml = `version: 1
rules:
  access-key-rotation:
    timeline: { rotate: 90, deactivate: 100, delete: 110 }
  access-key-unused:
    timeline: { warn: 45, deactivate: 60, delete: 90 }
`;
    const k = aKey({ createdAt: daysAgo(130), lastUsedAt: daysAgo(70) });
    const p = plan(yaml, [k]);
    expect(p.actions.map((a) => [a.kind, a.ruleId])).toEqual([["deactivate", "access-key-rotation"]]);
    expect(p.notifications.map((n) => n.kind)).toEqual(["action"]);
  });
});
