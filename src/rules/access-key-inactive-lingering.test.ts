import { describe, expect, it } from "vitest";
import { maskKeyId } from "../domain/key-id.js";
import { accessKeyInactiveLingering as rule } from "./access-key-inactive-lingering.js";
import { aCollectionError, aContext, aKey, anInventory, daysAgo, single } from "./test-builders.js";

const judge = (key: ReturnType<typeof aKey>) =>
  single(rule.evaluate(anInventory({ keys: [key] }), aContext()));

describe("access-key-inactive-lingering", () => {
  it("fails an inactive key idle for 31 days and says to delete it", () => {
    const key = aKey({
      userName: "hank",
      status: "Inactive",
      createdAt: daysAgo(400),
      lastUsedAt: daysAgo(31),
    });
    const f = judge(key);
    expect(f).toMatchObject({ result: "FAIL", severity: "low", accessKeyId: key.accessKeyId });
    expect(f.message).toContain(maskKeyId(key.accessKeyId));
    expect(f.message).toContain("idle for 31 days");
    expect(f.message).toContain("two key slots");
    expect(f.remediation).toContain(
      `aws iam delete-access-key --user-name hank --access-key-id ${key.accessKeyId}`,
    );
    expect(f.remediation).toContain("keywarden ");
  });

  it("passes an inactive key idle for exactly 30 days (still soaking)", () => {
    const f = judge(aKey({ status: "Inactive", createdAt: daysAgo(400), lastUsedAt: daysAgo(30) }));
    expect(f.result).toBe("PASS");
    expect(f.message).toContain("idle for 30 days");
  });

  it("counts a never-used inactive key from its creation", () => {
    expect(judge(aKey({ status: "Inactive", createdAt: daysAgo(31), lastUsedAt: null })).result).toBe("FAIL");
    expect(judge(aKey({ status: "Inactive", createdAt: daysAgo(30), lastUsedAt: null })).result).toBe("PASS");
  });

  it("is an ERROR when the key's last use is unknown because the credential report failed", () => {
    const key = aKey({
      status: "Inactive",
      createdAt: daysAgo(300),
      lastUsedAt: null,
      lastUsedSource: "credential-report",
    });
    const errors = [
      aCollectionError({ operation: "GetCredentialReport", permission: "iam:GetCredentialReport" }),
    ];
    const f = single(rule.evaluate(anInventory({ keys: [key], errors }), aContext()));
    expect(f.result).toBe("ERROR");
    expect(f.message).toContain("GetCredentialReport");
  });

  it("ignores active keys", () => {
    expect(rule.evaluate(anInventory({ keys: [aKey({ createdAt: daysAgo(400) })] }), aContext())).toEqual([]);
  });
});
