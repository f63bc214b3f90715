import { describe, expect, it } from "vitest";
import { maskKeyId } from "../domain/key-id.js";
import { accessKeyExpiring as rule } from "./access-key-expiring.js";
import { accessKeyRotation } from "./access-key-rotation.js";
import { aContext, aKey, anInventory, daysAgo, single } from "./test-builders.js";

const judge = (age: number, ctx = aContext()) =>
  rule.evaluate(anInventory({ keys: [aKey({ createdAt: daysAgo(age) })] }), ctx);

describe("access-key-expiring", () => {
  it("passes a key of 76 days (due in 14 days, outside the 14-day window)", () => {
    const f = single(judge(76));
    expect(f.result).toBe("PASS");
    expect(f.message).toContain("due in 14 days, on 2025-06-29");
  });

  it("warns from 77 days, saying in how many days and on which date", () => {
    const key = aKey({ userName: "bob", createdAt: daysAgo(77) });
    const f = single(rule.evaluate(anInventory({ keys: [key] }), aContext()));
    expect(f).toMatchObject({
      result: "WARN",
      severity: "low",
      userName: "bob",
      accessKeyId: key.accessKeyId,
    });
    expect(f.message).toContain(maskKeyId(key.accessKeyId));
    expect(f.message).toContain("77 days old (created 2025-03-30)");
    expect(f.message).toContain("due in 13 days, on 2025-06-28");
    expect(f.remediation).toContain(`keywarden rotate --user bob --key ${key.accessKeyId} --to <target>`);
    expect(f.remediation).toContain(
      `aws iam update-access-key --user-name bob --access-key-id ${key.accessKeyId}`,
    );
    expect(f.remediation).toContain("before 2025-06-28");
  });

  it("says 1 day, not 1 days", () => {
    expect(single(judge(89)).message).toContain("due in 1 day, on 2025-06-16");
  });

  it("warns 'due today' at exactly 90 days", () => {
    const f = single(judge(90));
    expect(f.result).toBe("WARN");
    expect(f.message).toContain("due today (2025-06-15)");
  });

  it("does not fire once access-key-rotation fails", () => {
    const inv = anInventory({ keys: [aKey({ createdAt: daysAgo(91) })] });
    expect(single(accessKeyRotation.evaluate(inv, aContext())).result).toBe("FAIL");
    expect(rule.evaluate(inv, aContext())).toEqual([]);
  });

  it("ignores inactive keys", () => {
    expect(
      rule.evaluate(
        anInventory({ keys: [aKey({ status: "Inactive", createdAt: daysAgo(80) })] }),
        aContext(),
      ),
    ).toEqual([]);
  });

  it("follows the configured window, and 0 turns warnings off", () => {
    expect(single(judge(60, aContext({ expiringWithinDays: 31 }))).result).toBe("WARN");
    expect(single(judge(59, aContext({ expiringWithinDays: 31 }))).result).toBe("PASS");
    expect(single(judge(90, aContext({ expiringWithinDays: 0 }))).result).toBe("PASS");
  });
});
