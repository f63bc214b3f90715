import { describe, expect, it } from "vitest";
import { aKey } from "../rules/test-builders.js";
import { riskOf } from "./risk.js";

const now = new Date("2026-12-01T00:00:00Z");
const daysAgo = (n: number) => new Date(now.getTime() - n * 86_400_000);

describe("riskOf", () => {
  it("adds up factors a person can check", () => {
    const key = aKey({ createdAt: daysAgo(400), lastUsedAt: null, mfaActive: false, passwordEnabled: true });
    const r = riskOf({ key, radius: { top: "administrator-equivalent", conditional: false }, now });
    expect(r.factors.map((f) => [f.name, f.value, f.points])).toEqual([
      ["blastRadius", "administrator-equivalent", 40],
      ["keyAge", 400, 15],
      ["lastUse", "never", 10],
      ["foundInCode", false, 0],
      ["incident", false, 0],
      ["ownerMfa", false, 5],
      ["owner", "person", 5],
    ]);
    expect(r.score).toBe(75);
  });

  it("caps at 100 when the key is also found in code and in an incident", () => {
    const key = aKey({ createdAt: daysAgo(400), lastUsedAt: null, mfaActive: false, passwordEnabled: true });
    const r = riskOf({
      key,
      radius: { top: "administrator-equivalent", conditional: false },
      now,
      foundInCode: true,
      incident: true,
    });
    expect(r.factors.reduce((s, f) => s + f.points, 0)).toBe(110);
    expect(r.score).toBe(100);
  });

  it("scales age and idleness, and a conditional or unknown radius", () => {
    const key = aKey({
      createdAt: daysAgo(73),
      lastUsedAt: daysAgo(45),
      mfaActive: true,
      passwordEnabled: false,
    });
    const r = riskOf({ key, radius: { top: "can-escalate", conditional: true }, now });
    const points = Object.fromEntries(r.factors.map((f) => [f.name, f.points]));
    expect(points).toMatchObject({ blastRadius: 27, keyAge: 3, lastUse: 5, ownerMfa: 0, owner: 0 });
    expect(riskOf({ key, radius: null, now }).factors[0]).toMatchObject({ value: "unknown", points: 20 });
  });

  it("halves an inactive key's score", () => {
    const key = aKey({ status: "Inactive", createdAt: daysAgo(365), lastUsedAt: null, mfaActive: false });
    const r = riskOf({ key, radius: { top: "read-only", conditional: false }, now });
    // 4 + 15 + 10 + 5 = 34, halved.
    expect(r.factors.at(-1)).toEqual({ name: "inactive", value: true, weight: -50, points: -17 });
    expect(r.score).toBe(17);
  });
});
