import { describe, expect, it } from "vitest";
import { keysOf } from "./support.js";
import { aKey, anInventory } from "./test-builders.js";

describe("keysOf", () => {
  it("returns a user's keys in inventory order, per account, and sees keys added later", () => {
    const a1 = aKey({ userName: "alice" });
    const b1 = aKey({ userName: "bob" });
    const a2 = aKey({ userName: "alice" });
    const other = aKey({ userName: "alice", accountId: "222222222222" });
    const inv = anInventory({ keys: [a1, b1, a2, other] });
    expect(keysOf(inv, a1.accountId, "alice")).toEqual([a1, a2]);
    expect(keysOf(inv, "222222222222", "alice")).toEqual([other]);
    expect(keysOf(inv, a1.accountId, "carol")).toEqual([]);

    const c = aKey({ userName: "carol" });
    inv.keys.push(c);
    expect(keysOf(inv, a1.accountId, "carol")).toEqual([c]);
  });

  it("hands out a copy, so a caller sorting or trimming it leaves the next caller's answer whole", () => {
    const inv = anInventory({ keys: [aKey(), aKey()] });
    keysOf(inv, inv.keys[0]?.accountId ?? "", "alice").length = 0;
    expect(keysOf(inv, inv.keys[0]?.accountId ?? "", "alice")).toHaveLength(2);
  });
});
