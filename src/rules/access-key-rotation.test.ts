import { describe, expect, it } from "vitest";
import { maskKeyId } from "../domain/key-id.js";
import { accessKeyRotation as rule } from "./access-key-rotation.js";
import { aContext, aKey, anInventory, daysAgo, single } from "./test-builders.js";

const run = (...keys: ReturnType<typeof aKey>[]) => rule.evaluate(anInventory({ keys }), aContext());

describe("access-key-rotation", () => {
  it("passes an active key of 89 days", () => {
    const f = single(run(aKey({ createdAt: daysAgo(89) })));
    expect(f.result).toBe("PASS");
    expect(f.message).toContain("89 days old");
  });

  it("passes a key exactly 90 days old (rotated every 90 days or less)", () => {
    const f = single(run(aKey({ createdAt: daysAgo(90) })));
    expect(f.result).toBe("PASS");
    expect(f.message).toContain("due 2025-06-15");
  });

  it("fails a key of 91 days with a specific message and exact commands", () => {
    const key = aKey({ userName: "alice", createdAt: daysAgo(91) });
    const f = single(run(key));
    expect(f).toMatchObject({
      ruleId: "access-key-rotation",
      result: "FAIL",
      severity: "medium",
      accountId: key.accountId,
      userName: "alice",
      accessKeyId: key.accessKeyId,
    });
    expect(f.message).toContain(maskKeyId(key.accessKeyId));
    expect(f.message).not.toContain(key.accessKeyId);
    expect(f.message).toContain("91 days old (created 2025-03-16)");
    expect(f.message).toContain("due 2025-06-14, 1 day overdue");
    expect(f.remediation).toContain(`keywarden rotate --user alice --key ${key.accessKeyId} --to <target>`);
    expect(f.remediation).toContain(
      `aws iam update-access-key --user-name alice --access-key-id ${key.accessKeyId} --status Inactive`,
    );
    expect(f.remediation).toContain(
      `aws iam delete-access-key --user-name alice --access-key-id ${key.accessKeyId}`,
    );
  });

  it("counts age in UTC calendar days, matching the dates it prints", () => {
    const now = new Date("2025-06-15T00:01:00Z");
    const ctx = aContext({}, now);
    const at90 = aKey({ createdAt: new Date("2025-03-17T23:59:00Z") });
    const at91 = aKey({ createdAt: new Date("2025-03-16T23:59:00Z") });
    const findings = rule.evaluate(anInventory({ keys: [at90, at91] }), ctx);
    expect(findings.map((f) => [f.accessKeyId, f.result])).toEqual([
      [at90.accessKeyId, "PASS"],
      [at91.accessKeyId, "FAIL"],
    ]);
  });

  it("does not judge inactive keys", () => {
    expect(run(aKey({ status: "Inactive", createdAt: daysAgo(400) }))).toEqual([]);
  });

  it("uses the configured rotationDays", () => {
    const inv = anInventory({ keys: [aKey({ createdAt: daysAgo(31) })] });
    expect(single(rule.evaluate(inv, aContext({ rotationDays: 30 }))).result).toBe("FAIL");
    expect(single(rule.evaluate(inv, aContext({ rotationDays: 31 }))).result).toBe("PASS");
  });

  it("emits one finding per active key", () => {
    const a = aKey({ createdAt: daysAgo(5) });
    const b = aKey({ createdAt: daysAgo(500) });
    expect(run(a, b).map((f) => [f.accessKeyId, f.result])).toEqual([
      [a.accessKeyId, "PASS"],
      [b.accessKeyId, "FAIL"],
    ]);
  });
});
