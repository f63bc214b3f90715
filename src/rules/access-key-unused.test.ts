import { describe, expect, it } from "vitest";
import { maskKeyId } from "../domain/key-id.js";
import { accessKeyUnused as rule } from "./access-key-unused.js";
import { aCollectionError, aContext, aKey, anInventory, daysAgo, single } from "./test-builders.js";

const judge = (key: ReturnType<typeof aKey>, ctx = aContext()) =>
  single(rule.evaluate(anInventory({ keys: [key] }), ctx));

describe("access-key-unused", () => {
  it("passes a key used 44 days ago", () => {
    const f = judge(aKey({ createdAt: daysAgo(300), lastUsedAt: daysAgo(44) }));
    expect(f.result).toBe("PASS");
    expect(f.message).toContain("used 44 days ago");
  });

  it("fails a key unused for exactly 45 days (CIS: 45 days or greater)", () => {
    const key = aKey({ userName: "carol", createdAt: daysAgo(300), lastUsedAt: daysAgo(45) });
    const f = judge(key);
    expect(f).toMatchObject({
      result: "FAIL",
      severity: "medium",
      userName: "carol",
      accessKeyId: key.accessKeyId,
    });
    expect(f.message).toContain(maskKeyId(key.accessKeyId));
    expect(f.message).toContain("has not been used for 45 days (last used 2025-05-01 with s3 in us-east-1)");
    expect(f.message).not.toContain("IAM.8");
    expect(f.remediation).toContain(
      `aws iam update-access-key --user-name carol --access-key-id ${key.accessKeyId} --status Inactive`,
    );
    expect(f.remediation).toContain(
      `aws iam delete-access-key --user-name carol --access-key-id ${key.accessKeyId}`,
    );
    expect(f.remediation).toContain(`keywarden rotate --user carol --key ${key.accessKeyId} --to <target>`);
  });

  it("counts a never-used key from its creation, so it cannot slip through", () => {
    const f = judge(aKey({ createdAt: daysAgo(200), lastUsedAt: null, lastUsedService: null }));
    expect(f.result).toBe("FAIL");
    expect(f.message).toContain("has never been used since it was created 200 days ago (2024-11-27)");
    expect(f.message).toContain("IAM.8");
  });

  it("passes a never-used key younger than the unused threshold", () => {
    const f = judge(aKey({ createdAt: daysAgo(44), lastUsedAt: null }));
    expect(f.result).toBe("PASS");
    expect(f.message).toContain("never been used");
  });

  it("mentions Security Hub IAM.8 from 90 days unused", () => {
    expect(judge(aKey({ createdAt: daysAgo(300), lastUsedAt: daysAgo(89) })).message).not.toContain("IAM.8");
    expect(judge(aKey({ createdAt: daysAgo(300), lastUsedAt: daysAgo(90) })).message).toContain("IAM.8");
  });

  it("passes a key in its grace period, saying so", () => {
    const f = judge(aKey({ createdAt: daysAgo(3), lastUsedAt: null }), aContext({ unusedDays: 2 }));
    expect(f.result).toBe("PASS");
    expect(f.message).toContain("grace period");
  });

  it("judges a key once the grace period is over", () => {
    const f = judge(aKey({ createdAt: daysAgo(7), lastUsedAt: null }), aContext({ unusedDays: 2 }));
    expect(f.result).toBe("FAIL");
  });

  it("ignores inactive keys", () => {
    const inv = anInventory({
      keys: [aKey({ status: "Inactive", createdAt: daysAgo(300), lastUsedAt: null })],
    });
    expect(rule.evaluate(inv, aContext())).toEqual([]);
  });

  it("is an ERROR, not a FAIL, when the key's last use could not be collected", () => {
    const key = aKey({ createdAt: daysAgo(300), lastUsedAt: null });
    const error = aCollectionError({
      userName: key.userName,
      accessKeyId: key.accessKeyId,
      operation: "GetAccessKeyLastUsed",
      permission: "iam:GetAccessKeyLastUsed",
    });
    const f = single(rule.evaluate(anInventory({ keys: [key], errors: [error] }), aContext()));
    expect(f.result).toBe("ERROR");
    expect(f.message).toContain("GetAccessKeyLastUsed");
    expect(f.remediation).toContain("Grant iam:GetAccessKeyLastUsed");
    expect(f.remediation).toContain("keywarden permissions");
  });

  it("is an ERROR when 'never used' rests on a credential report that could not be fetched", () => {
    const key = aKey({ createdAt: daysAgo(300), lastUsedAt: null, lastUsedSource: "credential-report" });
    const error = aCollectionError({
      operation: "GetCredentialReport",
      permission: "iam:GetCredentialReport",
      code: "AccessDenied",
    });
    const f = single(rule.evaluate(anInventory({ keys: [key], errors: [error] }), aContext()));
    expect(f.result).toBe("ERROR");
    expect(f.remediation).toContain("Grant iam:GetCredentialReport");
  });

  it("trusts 'never used' from GetAccessKeyLastUsed even if the report failed", () => {
    const key = aKey({ createdAt: daysAgo(300), lastUsedAt: null, lastUsedSource: "GetAccessKeyLastUsed" });
    const error = aCollectionError({
      operation: "GetCredentialReport",
      permission: "iam:GetCredentialReport",
    });
    expect(single(rule.evaluate(anInventory({ keys: [key], errors: [error] }), aContext())).result).toBe(
      "FAIL",
    );
  });

  it("ignores a last-use error about another key", () => {
    const key = aKey({ createdAt: daysAgo(300), lastUsedAt: null });
    const error = aCollectionError({
      accessKeyId: "AKIAOTHEROTHEROTHER2",
      operation: "GetAccessKeyLastUsed",
      permission: "iam:GetAccessKeyLastUsed",
    });
    expect(single(rule.evaluate(anInventory({ keys: [key], errors: [error] }), aContext())).result).toBe(
      "FAIL",
    );
  });
});
