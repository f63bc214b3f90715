import { describe, expect, it } from "vitest";
import { DEFAULT_THRESHOLDS } from "./rule.js";
import { validateThresholds } from "./thresholds.js";

describe("validateThresholds", () => {
  it("accepts the defaults", () => {
    expect(validateThresholds(DEFAULT_THRESHOLDS)).toEqual([]);
  });

  it("rejects non-integers, zero, negatives, NaN and missing values, naming the field and the value", () => {
    const problems = validateThresholds({
      ...DEFAULT_THRESHOLDS,
      rotationDays: 0,
      unusedDays: 4.5,
      inactiveLingeringDays: Number.NaN,
      newKeyGraceDays: -1,
      expiringWithinDays: undefined,
    });
    expect(problems).toHaveLength(5);
    expect(problems[0]).toBe("rotationDays must be a whole number of days from 1 to 3650 (got 0).");
    expect(problems.join("\n")).toContain(
      "unusedDays must be a whole number of days from 1 to 3650 (got 4.5)",
    );
    expect(problems.join("\n")).toContain("(got NaN)");
    expect(problems.join("\n")).toContain(
      "newKeyGraceDays must be a whole number of days from 0 to 3650 (got -1)",
    );
    expect(problems.join("\n")).toContain(
      "expiringWithinDays must be a whole number of days from 0 to 3650 (got nothing)",
    );
  });

  it("rejects strings such as an unparsed flag", () => {
    expect(validateThresholds({ ...DEFAULT_THRESHOLDS, rotationDays: "90" })).toEqual([
      'rotationDays must be a whole number of days from 1 to 3650 (got "90").',
    ]);
  });

  it("allows 0 to turn off expiry warnings and the grace period", () => {
    expect(validateThresholds({ ...DEFAULT_THRESHOLDS, expiringWithinDays: 0, newKeyGraceDays: 0 })).toEqual(
      [],
    );
  });

  it("rejects absurdly large values", () => {
    expect(validateThresholds({ ...DEFAULT_THRESHOLDS, rotationDays: 90_000 })).toHaveLength(1);
  });

  it("requires expiringWithinDays < rotationDays", () => {
    expect(validateThresholds({ ...DEFAULT_THRESHOLDS, expiringWithinDays: 90 })).toEqual([
      "expiringWithinDays (90) must be less than rotationDays (90), or every key would always be expiring.",
    ]);
    expect(validateThresholds({ ...DEFAULT_THRESHOLDS, expiringWithinDays: 89 })).toEqual([]);
  });

  it("keeps the grace period shorter than the rotation and unused periods", () => {
    expect(
      validateThresholds({
        ...DEFAULT_THRESHOLDS,
        rotationDays: 30,
        newKeyGraceDays: 30,
        expiringWithinDays: 5,
      }),
    ).toHaveLength(1);
    expect(validateThresholds({ ...DEFAULT_THRESHOLDS, unusedDays: 6 })).toEqual([
      "newKeyGraceDays (7) must not exceed unusedDays (6), or unused keys would hide inside the grace period.",
    ]);
    expect(validateThresholds({ ...DEFAULT_THRESHOLDS, unusedDays: 7 })).toEqual([]);
  });
});
