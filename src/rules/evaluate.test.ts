import { describe, expect, it } from "vitest";
import { maskKeyId } from "../domain/key-id.js";
import type { Finding } from "../domain/types.js";
import { accessKeyRotation } from "./access-key-rotation.js";
import { collectionFinding, compareFindings, evaluateRules } from "./evaluate.js";
import { ALL_RULES } from "./registry.js";
import { aCollectionError, aContext, aKey, anAccount, anInventory, daysAgo } from "./test-builders.js";

function aFinding(overrides: Partial<Finding>): Finding {
  return {
    ruleId: "r",
    result: "PASS",
    severity: "low",
    accountId: "111122223333",
    userName: "alice",
    accessKeyId: null,
    message: "m",
    remediation: "",
    ...overrides,
  };
}

describe("evaluateRules", () => {
  it("runs every rule by default", () => {
    const inv = anInventory({ keys: [aKey({ createdAt: daysAgo(50), lastUsedService: "ec2" })] });
    const ruleIds = new Set(evaluateRules(inv, aContext()).map((f) => f.ruleId));
    // Every rule has something to say about an active, used key of a password-less user,
    // except console-user-mfa (no console user) and access-key-inactive-lingering (no inactive key).
    expect([...ruleIds].sort()).toEqual(
      ALL_RULES.map((r) => r.meta.id)
        .filter((id) => id !== "console-user-mfa" && id !== "access-key-inactive-lingering")
        .sort(),
    );
  });

  it("runs only the rules it is given", () => {
    const inv = anInventory({ keys: [aKey({ createdAt: daysAgo(100) })] });
    const findings = evaluateRules(inv, aContext(), [accessKeyRotation]);
    expect(findings.map((f) => [f.ruleId, f.result])).toEqual([["access-key-rotation", "FAIL"]]);
  });

  it("turns each collection error into a high ERROR finding of rule 'collection'", () => {
    const error = aCollectionError({
      userName: "bob",
      operation: "ListAccessKeys",
      permission: "iam:ListAccessKeys",
      code: "AccessDenied",
    });
    const findings = evaluateRules(anInventory({ keys: [], users: [], errors: [error] }), aContext(), []);
    expect(findings).toHaveLength(1);
    const f = findings[0];
    expect(f).toMatchObject({
      ruleId: "collection",
      result: "ERROR",
      severity: "high",
      accountId: "111122223333",
      userName: "bob",
      accessKeyId: null,
    });
    expect(f?.message).toContain("ListAccessKeys");
    expect(f?.message).toContain("account 111122223333, user bob");
    expect(f?.message).toContain("AccessDenied");
    expect(f?.remediation).toContain("Grant iam:ListAccessKeys");
    expect(f?.remediation).toContain("keywarden permissions");
  });

  it("masks the key id of a key-level collection error in the message, keeps it in the field", () => {
    const key = aKey();
    const f = collectionFinding(
      aCollectionError({
        userName: key.userName,
        accessKeyId: key.accessKeyId,
        operation: "GetAccessKeyLastUsed",
        permission: "iam:GetAccessKeyLastUsed",
        message: "",
      }),
    );
    expect(f.accessKeyId).toBe(key.accessKeyId);
    expect(f.message).toContain(maskKeyId(key.accessKeyId));
    expect(f.message).not.toContain(key.accessKeyId);
    expect(f.message).toContain("AWS returned AccessDenied.");
  });

  it("does not tell a throttled collection to grant a permission", () => {
    const f = collectionFinding(aCollectionError({ code: "Throttling", message: "Rate exceeded" }));
    expect(f.remediation).not.toContain("Grant");
    expect(f.remediation).toContain("keywarden audit");
    expect(f.remediation).toContain("keywarden permissions");
  });

  it("still points at the permission for other errors", () => {
    const f = collectionFinding(aCollectionError({ code: "ServiceFailure" }));
    expect(f.remediation).toContain("iam:ListAccessKeys");
    expect(f.remediation).toContain("keywarden doctor");
  });

  it("sorts by result, severity, account, user, key, rule", () => {
    const inv = anInventory({
      keys: [
        aKey({ userName: "zed", createdAt: daysAgo(100) }),
        aKey({ userName: "amy", createdAt: daysAgo(100) }),
        aKey({ userName: "amy", createdAt: daysAgo(5) }),
      ],
      accounts: [
        anAccount({ rootMfaEnabled: null }),
        anAccount({ accountId: "000011112222", rootAccessKeysPresent: true }),
      ],
      errors: [aCollectionError({ userName: "bob" })],
    });
    const findings = evaluateRules(inv, aContext());
    const head = findings.slice(0, 4).map((f) => [f.result, f.severity, f.accountId, f.userName, f.ruleId]);
    expect(head).toEqual([
      ["FAIL", "critical", "000011112222", null, "root-access-key"],
      ["FAIL", "medium", "111122223333", "amy", "access-key-rotation"],
      ["FAIL", "medium", "111122223333", "zed", "access-key-rotation"],
      ["ERROR", "critical", "111122223333", null, "root-mfa"],
    ]);
    for (let i = 1; i < findings.length; i++) {
      const [a, b] = [findings[i - 1], findings[i]];
      if (a && b) expect(compareFindings(a, b)).toBeLessThanOrEqual(0);
    }
    expect(findings.at(-1)?.result).toBe("PASS");
  });

  it("puts account- and user-level findings before key-level ones of the same rank", () => {
    const sorted = [
      aFinding({ accessKeyId: "AKIAB" }),
      aFinding({ userName: null }),
      aFinding({ accessKeyId: null }),
      aFinding({ accessKeyId: "AKIAA" }),
    ].sort(compareFindings);
    expect(sorted.map((f) => [f.userName, f.accessKeyId])).toEqual([
      [null, null],
      ["alice", null],
      ["alice", "AKIAA"],
      ["alice", "AKIAB"],
    ]);
  });

  it("is deterministic whatever the input order", () => {
    const keys = [
      aKey({ userName: "a", createdAt: daysAgo(100) }),
      aKey({ userName: "b", createdAt: daysAgo(80) }),
      aKey({ userName: "c", createdAt: daysAgo(10), lastUsedAt: null }),
    ];
    const one = evaluateRules(anInventory({ keys }), aContext());
    const two = evaluateRules(anInventory({ keys: [...keys].reverse() }), aContext());
    expect(two).toEqual(one);
  });
});
