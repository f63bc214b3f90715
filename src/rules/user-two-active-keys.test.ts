import { describe, expect, it } from "vitest";
import { maskKeyId } from "../domain/key-id.js";
import { userTwoActiveKeys as rule } from "./user-two-active-keys.js";
import { aCollectionError, aContext, aKey, anInventory, aUser, daysAgo, single } from "./test-builders.js";

describe("user-two-active-keys", () => {
  it("passes a user with one active key and one inactive key, at user level", () => {
    const inv = anInventory({ keys: [aKey(), aKey({ status: "Inactive" })] });
    const f = single(rule.evaluate(inv, aContext()));
    expect(f).toMatchObject({ result: "PASS", userName: "alice", accessKeyId: null, severity: "medium" });
    expect(f.message).toBe("User alice has 1 active access key.");
  });

  it("passes users without keys", () => {
    const inv = anInventory({ users: [aUser({ userName: "erin" })], keys: [] });
    expect(single(rule.evaluate(inv, aContext()))).toMatchObject({
      result: "PASS",
      userName: "erin",
      message: "User erin has no active access keys.",
    });
  });

  it("fails two active keys past the grace period and names the least recently used", () => {
    const used = aKey({ createdAt: daysAgo(200), lastUsedAt: daysAgo(1) });
    const stale = aKey({ createdAt: daysAgo(30), lastUsedAt: daysAgo(20) });
    const f = single(rule.evaluate(anInventory({ keys: [used, stale] }), aContext()));
    expect(f).toMatchObject({ result: "FAIL", userName: "alice", accessKeyId: null });
    expect(f.message).toContain(maskKeyId(used.accessKeyId));
    expect(f.message).toContain(maskKeyId(stale.accessKeyId));
    expect(f.message).toContain(`least recently used is ${maskKeyId(stale.accessKeyId)}`);
    expect(f.message).not.toContain(used.accessKeyId);
    expect(f.remediation).toContain(
      `aws iam update-access-key --user-name alice --access-key-id ${stale.accessKeyId} --status Inactive`,
    );
    expect(f.remediation).toContain("keywarden keys");
  });

  it("prefers a never-used key as the one to retire", () => {
    const used = aKey({ createdAt: daysAgo(30), lastUsedAt: daysAgo(1) });
    const never = aKey({ createdAt: daysAgo(200), lastUsedAt: null });
    const f = single(rule.evaluate(anInventory({ keys: [used, never] }), aContext()));
    expect(f.remediation).toContain(`--access-key-id ${never.accessKeyId} --status Inactive`);
  });

  it("warns instead of failing while the newer key is within the grace period (rotation in progress)", () => {
    const old = aKey({ createdAt: daysAgo(95), lastUsedAt: daysAgo(0) });
    const fresh = aKey({ createdAt: daysAgo(6), lastUsedAt: null });
    const f = single(rule.evaluate(anInventory({ keys: [fresh, old] }), aContext()));
    expect(f.result).toBe("WARN");
    expect(f.severity).toBe("medium");
    expect(f.message).toContain("6 days old, within the 7-day grace period");
    expect(f.message).toContain("rotation in progress");
    expect(f.message).toContain(`retiring ${maskKeyId(old.accessKeyId)}`);
    expect(f.remediation).toContain(
      `aws iam update-access-key --user-name alice --access-key-id ${old.accessKeyId} --status Inactive`,
    );
  });

  it("fails once the newer key reaches the grace period", () => {
    const keys = [aKey({ createdAt: daysAgo(95) }), aKey({ createdAt: daysAgo(7) })];
    expect(single(rule.evaluate(anInventory({ keys }), aContext())).result).toBe("FAIL");
  });

  it("judges each user and each account separately", () => {
    const keys = [
      aKey({ userName: "alice", createdAt: daysAgo(100) }),
      aKey({ userName: "bob", createdAt: daysAgo(100) }),
      aKey({ userName: "alice", accountId: "444455556666", createdAt: daysAgo(100) }),
    ];
    const findings = rule.evaluate(anInventory({ keys }), aContext());
    expect(findings.map((f) => [f.accountId, f.userName, f.result])).toEqual([
      ["111122223333", "alice", "PASS"],
      ["111122223333", "bob", "PASS"],
      ["444455556666", "alice", "PASS"],
    ]);
  });

  it("is an ERROR for a user whose keys could not be listed", () => {
    const inv = anInventory({
      users: [aUser({ userName: "frank" }), aUser({ userName: "gina" })],
      keys: [],
      errors: [aCollectionError({ userName: "frank" })],
    });
    const findings = rule.evaluate(inv, aContext());
    expect(findings.map((f) => [f.userName, f.result])).toEqual([
      ["frank", "ERROR"],
      ["gina", "PASS"],
    ]);
    expect(findings[0]?.message).toBe(
      "Cannot tell how many active access keys user frank has: ListAccessKeys (iam:ListAccessKeys) failed with AccessDenied, so this is unknown, not clean.",
    );
    expect(findings[0]?.remediation).toContain("Grant iam:ListAccessKeys");
  });
});
