import { describe, expect, it } from "vitest";
import { rootAccessKey as rule } from "./root-access-key.js";
import { aContext, anAccount, anInventory, daysAgo, single } from "./test-builders.js";

const judge = (account: ReturnType<typeof anAccount>) =>
  single(rule.evaluate(anInventory({ accounts: [account] }), aContext()));

describe("root-access-key", () => {
  it("passes an account whose root user has no keys, at account level", () => {
    expect(judge(anAccount({ rootAccessKeysPresent: false }))).toMatchObject({
      result: "PASS",
      severity: "critical",
      accountId: "111122223333",
      userName: null,
      accessKeyId: null,
    });
  });

  it("fails when root has keys, describing each slot with its last use", () => {
    const f = judge(
      anAccount({
        rootAccessKeysPresent: true,
        rootKeys: [
          { slot: 2, active: false, lastRotatedAt: daysAgo(900), lastUsedAt: null },
          { slot: 1, active: true, lastRotatedAt: daysAgo(400), lastUsedAt: daysAgo(3) },
        ],
      }),
    );
    expect(f.result).toBe("FAIL");
    expect(f.message).toBe(
      "The root user of account 111122223333 has access keys: key 1 active, created 2024-05-11, last used 2025-06-12; " +
        "key 2 inactive, created 2022-12-28, never used.",
    );
    expect(f.remediation).toContain("aws iam delete-access-key --access-key-id <root-access-key-id>");
    expect(f.remediation).toContain("keywarden respond <root-access-key-id>");
  });

  it("fails without slot details when only the account summary is known", () => {
    const f = judge(anAccount({ rootAccessKeysPresent: true, rootKeys: [] }));
    expect(f.result).toBe("FAIL");
    expect(f.message).toBe("The root user of account 111122223333 has access keys.");
  });

  it("is an ERROR naming iam:GetAccountSummary when unknown", () => {
    const f = judge(anAccount({ rootAccessKeysPresent: null }));
    expect(f.result).toBe("ERROR");
    expect(f.severity).toBe("critical");
    expect(f.message).toContain("iam:GetAccountSummary");
    expect(f.remediation).toContain("Grant iam:GetAccountSummary");
    expect(f.remediation).toContain("keywarden permissions");
  });

  it("judges every account", () => {
    const inv = anInventory({
      accounts: [anAccount(), anAccount({ accountId: "444455556666", rootAccessKeysPresent: true })],
    });
    expect(rule.evaluate(inv, aContext()).map((f) => [f.accountId, f.result])).toEqual([
      ["111122223333", "PASS"],
      ["444455556666", "FAIL"],
    ]);
  });
});
