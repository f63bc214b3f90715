import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { isSeverity } from "../domain/severity.js";
import type { Inventory } from "../domain/types.js";
import { ALL_RULES, getRule } from "./registry.js";
import { DEFAULT_THRESHOLDS, type Rule } from "./rule.js";
import { aCollectionError, aContext, aKey, anAccount, anInventory, aUser, daysAgo } from "./test-builders.js";

const DIR = fileURLToPath(new URL(".", import.meta.url));

/** Files of src/rules/ that are not rules. A new helper must be listed here on purpose. */
const SUPPORT_FILES = new Set([
  "rule.ts",
  "registry.ts",
  "evaluate.ts",
  "support.ts",
  "thresholds.ts",
  "test-builders.ts",
]);

/**
 * CIS AWS Foundations Benchmark and Security Hub references: v3/v5 and Security Hub from
 * ../shared/landscape.md; v7 from Prowler's prowler/compliance/aws/cis_7.0_aws.json (CIS v7.0.0:
 * IAM is section 2; no "initial setup" or "one active key" recommendation there).
 */
const EXPECTED_REFS: Record<
  string,
  { v3: string | null; v5: string | null; v7: string | null; securityHub: string[] }
> = {
  "root-access-key": { v3: "1.4", v5: "1.3", v7: "2.4", securityHub: ["IAM.4"] },
  "root-mfa": { v3: "1.5", v5: "1.4", v7: "2.5", securityHub: ["IAM.9", "IAM.6"] },
  "console-user-mfa": { v3: "1.10", v5: "1.9", v7: "2.10", securityHub: ["IAM.5"] },
  "access-key-unused-at-setup": { v3: "1.11", v5: "1.10", v7: null, securityHub: [] },
  "access-key-unused": { v3: "1.12", v5: "1.11", v7: "2.11", securityHub: ["IAM.22", "IAM.8"] },
  "user-two-active-keys": { v3: "1.13", v5: "1.12", v7: null, securityHub: [] },
  "access-key-rotation": { v3: "1.14", v5: "1.13", v7: "2.12", securityHub: ["IAM.3"] },
  "access-key-expiring": { v3: "1.14", v5: "1.13", v7: "2.12", securityHub: ["IAM.3"] },
  "long-term-key-alternative": { v3: "1.18", v5: null, v7: "2.16", securityHub: [] },
  "access-key-inactive-lingering": { v3: null, v5: null, v7: null, securityHub: [] },
};

function isRule(x: unknown): x is Rule {
  return (
    typeof x === "object" &&
    x !== null &&
    "meta" in x &&
    "evaluate" in x &&
    typeof (x as { evaluate: unknown }).evaluate === "function"
  );
}

/** Every non-test module of the folder, with the Rule objects it exports. */
async function rulesByFile(): Promise<Map<string, Rule[]>> {
  const files = readdirSync(DIR).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"));
  const out = new Map<string, Rule[]>();
  for (const file of files) {
    const mod = (await import(new URL(file, import.meta.url).href)) as Record<string, unknown>;
    out.set(file, Object.values(mod).filter(isRule));
  }
  return out;
}

describe("rule registry", () => {
  it("has one file per rule, named after its id, and nothing else unaccounted for", async () => {
    const byFile = await rulesByFile();
    const ruleFiles: string[] = [];
    for (const [file, rules] of byFile) {
      if (SUPPORT_FILES.has(file)) {
        expect(rules, `${file} is a support file and must not export a rule`).toEqual([]);
        continue;
      }
      expect(rules.length, `${file} must export exactly one rule`).toBe(1);
      expect(rules[0]?.meta.id).toBe(file.replace(/\.ts$/, ""));
      ruleFiles.push(file);
    }
    expect(ruleFiles.sort()).toEqual(ALL_RULES.map((r) => `${r.meta.id}.ts`).sort());
    // The registry holds the very objects the files export.
    for (const rule of ALL_RULES) expect(byFile.get(`${rule.meta.id}.ts`)?.[0]).toBe(rule);
  });

  it("has unique ids, and getRule finds each one", () => {
    const ids = ALL_RULES.map((r) => r.meta.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of ALL_RULES) expect(getRule(rule.meta.id)).toBe(rule);
    expect(getRule("no-such-rule")).toBeUndefined();
  });

  it("covers exactly the rules of the CIS reference table", () => {
    expect(ALL_RULES.map((r) => r.meta.id).sort()).toEqual(Object.keys(EXPECTED_REFS).sort());
  });

  describe.each(ALL_RULES.map((r) => [r.meta.id, r] as const))("%s metadata", (id, rule) => {
    const { meta } = rule;

    it("has a kebab-case id, a title, a valid severity and level", () => {
      expect(id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(meta.title.trim().length).toBeGreaterThan(10);
      expect(isSeverity(meta.severity)).toBe(true);
      expect(["key", "user", "account"]).toContain(meta.level);
    });

    it("explains the risk and gives a remediation with the keywarden and AWS CLI commands", () => {
      expect(meta.risk.trim().length).toBeGreaterThan(20);
      expect(meta.remediation.trim().length).toBeGreaterThan(20);
      expect(meta.remediation).toContain("keywarden ");
      expect(meta.remediation).toContain("aws ");
    });

    it("carries the CIS and Security Hub references of the landscape table", () => {
      expect({ ...meta.cis, securityHub: meta.securityHub }).toEqual(EXPECTED_REFS[id]);
      for (const c of meta.securityHub) expect(c).toMatch(/^IAM\.\d+$/);
    });

    it("declares real thresholds and IAM permissions", () => {
      for (const t of meta.thresholds) expect(Object.keys(DEFAULT_THRESHOLDS)).toContain(t);
      expect(meta.permissions.length).toBeGreaterThan(0);
      for (const p of meta.permissions) expect(p).toMatch(/^iam:[A-Z][A-Za-z]+$/);
    });
  });
});

/** An inventory with a bit of everything, so every rule has something to say. */
function zoo(): Inventory {
  const keys = [
    aKey({ userName: "fresh", createdAt: daysAgo(2), lastUsedAt: null, lastUsedService: null }),
    aKey({ userName: "old", createdAt: daysAgo(200), lastUsedAt: daysAgo(100), lastUsedService: "ec2" }),
    aKey({ userName: "expiring", createdAt: daysAgo(80), lastUsedAt: daysAgo(1) }),
    aKey({ userName: "setup", userCreatedAt: daysAgo(60), createdAt: daysAgo(60), lastUsedAt: null }),
    aKey({ userName: "two", createdAt: daysAgo(300), lastUsedAt: daysAgo(1) }),
    aKey({ userName: "two", createdAt: daysAgo(3), lastUsedAt: null }),
    aKey({ userName: "parked", status: "Inactive", createdAt: daysAgo(300), lastUsedAt: daysAgo(200) }),
    aKey({ userName: "ci-deployer", createdAt: daysAgo(20), lastUsedService: "cloudformation" }),
    aKey({ userName: "person", passwordEnabled: true, mfaActive: false, lastUsedService: "s3" }),
    aKey({ userName: "person", status: "Inactive", createdAt: daysAgo(20), lastUsedAt: daysAgo(5) }),
    aKey({ userName: "denied", createdAt: daysAgo(100), lastUsedAt: null }),
  ];
  const base = anInventory({ keys });
  return {
    ...base,
    users: [...base.users, aUser({ userName: "mfa-user", passwordEnabled: true, mfaActive: true })],
    accounts: [
      anAccount({
        rootAccessKeysPresent: true,
        rootMfaEnabled: true,
        rootHardwareMfa: false,
        rootKeys: [{ slot: 1, active: true, lastRotatedAt: daysAgo(500), lastUsedAt: daysAgo(9) }],
      }),
      anAccount({
        accountId: "444455556666",
        rootAccessKeysPresent: null,
        rootMfaEnabled: null,
        rootHardwareMfa: null,
      }),
    ],
    errors: [
      aCollectionError({
        userName: "denied",
        accessKeyId: keys[10]?.accessKeyId ?? null,
        operation: "GetAccessKeyLastUsed",
        permission: "iam:GetAccessKeyLastUsed",
      }),
    ],
  };
}

describe.each(ALL_RULES.map((r) => [r.meta.id, r] as const))("%s findings", (id, rule) => {
  afterEach(() => {
    vi.useRealTimers();
  });

  const inventory = zoo();
  const findings = rule.evaluate(inventory, aContext());
  const fullKeyIds = inventory.keys.map((k) => k.accessKeyId);

  it("says something about the sample inventory", () => {
    expect(findings.length).toBeGreaterThan(0);
  });

  it("carries the rule's id and severity, at the rule's level", () => {
    for (const f of findings) {
      expect(f.ruleId).toBe(id);
      expect(f.severity).toBe(rule.meta.severity);
      if (rule.meta.level === "account") expect([f.userName, f.accessKeyId]).toEqual([null, null]);
      if (rule.meta.level === "user") {
        expect(f.userName).not.toBeNull();
        expect(f.accessKeyId).toBeNull();
      }
      if (rule.meta.level === "key") {
        expect(f.userName).not.toBeNull();
        expect(fullKeyIds).toContain(f.accessKeyId);
      }
    }
  });

  it("masks key ids in messages and gives exact commands in remediation", () => {
    for (const f of findings) {
      for (const kid of fullKeyIds) expect(f.message).not.toContain(kid);
      expect(f.message).not.toMatch(/undefined|null|NaN|\[object/);
      if (f.result === "PASS") {
        expect(f.remediation).toBe("");
        continue;
      }
      expect(f.remediation).toContain("keywarden ");
      if (f.result === "ERROR") {
        expect(f.remediation).toContain("keywarden permissions");
        continue;
      }
      expect(f.remediation).toContain("aws ");
      if (f.accessKeyId !== null) expect(f.remediation).toContain(f.accessKeyId);
    }
  });

  it("is pure: same output whatever the wall clock, inventory untouched", () => {
    const before = structuredClone(inventory);
    vi.useFakeTimers({ now: new Date("2099-12-31T00:00:00Z") });
    const again = rule.evaluate(inventory, aContext());
    vi.useRealTimers();
    expect(again).toEqual(findings);
    expect(inventory).toEqual(before);
  });
});

describe("the sample inventory", () => {
  it("exercises every kind of result", () => {
    const results = new Set(ALL_RULES.flatMap((r) => r.evaluate(zoo(), aContext()).map((f) => f.result)));
    expect([...results].sort()).toEqual(["ERROR", "FAIL", "PASS", "WARN"]);
  });
});
