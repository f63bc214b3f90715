import { describe, expect, it } from "vitest";
import type { AuditKeyView } from "../domain/audit-report.js";
import { fixFirst, fixFirstLines } from "./fix-first.js";

const key = (userName: string, score: number, cls = "read-only"): AuditKeyView => ({
  accountId: "123456789012",
  userName,
  accessKeyId: `AKIAEXAMPLE${userName.toUpperCase().padEnd(9, "X").slice(0, 9)}`,
  status: "Active",
  createdAt: "2026-01-01T00:00:00.000Z",
  lastUsedAt: null,
  lastUsedService: null,
  lastUsedRegion: null,
  ageDays: 10,
  blastRadius: { classes: [cls], grants: [], conditional: false, unreadablePolicies: [] },
  risk: {
    score,
    factors: [
      { name: "blastRadius", value: cls, weight: 40, points: score - 10 },
      { name: "lastUse", value: "never", weight: 10, points: 10 },
      { name: "incident", value: false, weight: 20, points: 0 },
    ],
  },
});

describe("fixFirst", () => {
  it("keeps the top keys with a score, highest first", () => {
    const keys = [key("a", 20), key("b", 0), key("c", 75, "administrator-equivalent"), key("d", 30)];
    expect(fixFirst(keys, 2).map((k) => k.userName)).toEqual(["c", "d"]);
    expect(fixFirst(keys).map((k) => k.userName)).toEqual(["c", "d", "a"]);
  });

  it("prints score, user, masked key, class and the heaviest factors", () => {
    const [first] = fixFirstLines([key("carol", 75, "administrator-equivalent")], false);
    expect(first).toBe(
      "1. risk 75  carol AKIA************XXXX  administrator-equivalent  (blastRadius administrator-equivalent +65, lastUse never +10)",
    );
  });
});
