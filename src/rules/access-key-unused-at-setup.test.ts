import { describe, expect, it } from "vitest";
import { maskKeyId } from "../domain/key-id.js";
import { accessKeyUnusedAtSetup as rule } from "./access-key-unused-at-setup.js";
import { aCollectionError, aContext, aKey, anInventory, daysAgo, single } from "./test-builders.js";

const judge = (key: ReturnType<typeof aKey>, ctx = aContext()) =>
  single(rule.evaluate(anInventory({ keys: [key] }), ctx));

describe("access-key-unused-at-setup", () => {
  it("fails a key created with its user and never used", () => {
    const key = aKey({
      userName: "dave",
      userCreatedAt: daysAgo(30),
      createdAt: daysAgo(30),
      lastUsedAt: null,
    });
    const f = judge(key);
    expect(f).toMatchObject({
      result: "FAIL",
      severity: "low",
      userName: "dave",
      accessKeyId: key.accessKeyId,
    });
    expect(f.message).toContain(maskKeyId(key.accessKeyId));
    expect(f.message).toContain("user 2025-05-16, key 2025-05-16");
    expect(f.message).toContain("never been used in 30 days");
    expect(f.remediation).toContain(
      `aws iam update-access-key --user-name dave --access-key-id ${key.accessKeyId} --status Inactive`,
    );
    expect(f.remediation).toContain(
      `aws iam delete-access-key --user-name dave --access-key-id ${key.accessKeyId}`,
    );
  });

  it("counts a key created later the same UTC day", () => {
    const key = aKey({
      userCreatedAt: new Date("2025-04-01T00:05:00Z"),
      createdAt: new Date("2025-04-01T23:55:00Z"),
      lastUsedAt: null,
    });
    expect(judge(key).result).toBe("FAIL");
  });

  it("counts a key created within 24 hours, across midnight", () => {
    const key = aKey({
      userCreatedAt: new Date("2025-04-01T23:00:00Z"),
      createdAt: new Date("2025-04-02T22:59:00Z"),
      lastUsedAt: null,
    });
    expect(judge(key).result).toBe("FAIL");
  });

  it("passes a key created the next UTC day more than 24 hours after the user", () => {
    const key = aKey({
      userCreatedAt: new Date("2025-04-01T10:00:00Z"),
      createdAt: new Date("2025-04-02T10:01:00Z"),
      lastUsedAt: null,
    });
    const f = judge(key);
    expect(f.result).toBe("PASS");
    expect(f.message).toContain("after the user's setup on 2025-04-01");
  });

  it("passes a key created at setup that has been used", () => {
    const f = judge(aKey({ userCreatedAt: daysAgo(30), createdAt: daysAgo(30), lastUsedAt: daysAgo(2) }));
    expect(f.result).toBe("PASS");
    expect(f.message).toContain("has been used");
  });

  it("passes a new key in its grace period, saying so", () => {
    const f = judge(aKey({ userCreatedAt: daysAgo(6), createdAt: daysAgo(6), lastUsedAt: null }));
    expect(f.result).toBe("PASS");
    expect(f.message).toContain("7-day grace period");
    expect(judge(aKey({ userCreatedAt: daysAgo(7), createdAt: daysAgo(7), lastUsedAt: null })).result).toBe(
      "FAIL",
    );
  });

  it("judges active keys only", () => {
    const key = aKey({
      status: "Inactive",
      userCreatedAt: daysAgo(30),
      createdAt: daysAgo(30),
      lastUsedAt: null,
    });
    expect(rule.evaluate(anInventory({ keys: [key] }), aContext())).toEqual([]);
  });

  it("is an ERROR when the key's last use could not be collected", () => {
    const key = aKey({ userCreatedAt: daysAgo(30), createdAt: daysAgo(30), lastUsedAt: null });
    const errors = [
      aCollectionError({
        userName: key.userName,
        accessKeyId: key.accessKeyId,
        operation: "GetAccessKeyLastUsed",
        permission: "iam:GetAccessKeyLastUsed",
      }),
    ];
    const f = single(rule.evaluate(anInventory({ keys: [key], errors }), aContext()));
    expect(f.result).toBe("ERROR");
    expect(f.remediation).toContain("Grant iam:GetAccessKeyLastUsed");
  });
});
