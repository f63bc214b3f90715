import { describe, expect, it } from "vitest";
import { jsonChunks } from "./json-chunks.js";

const whole = (v: Record<string, unknown>, map?: (v: unknown) => unknown, batch?: number) =>
  [...jsonChunks(v, map, batch)].join("");

describe("jsonChunks", () => {
  const cases: Record<string, unknown>[] = [
    {},
    { a: 1 },
    { a: [], b: {}, c: null, d: "x\ny", e: undefined, f: () => 1 },
    {
      schemaVersion: 1,
      since: null,
      groups: [
        { ip: "10.0.0.1", agent: 'aws-cli/2 "quoted"\n', count: 3, nested: { list: [1, [2, { z: [] }]] } },
        { ip: null, agent: "ü ☃", count: 0, when: new Date("2026-11-05T03:19:35Z") },
      ],
      sparse: [1, undefined, () => 2, null, "s", [], {}],
      sources: { files: 3, unreadable: [{ file: "a.json", error: "bad" }] },
    },
  ];

  it("writes exactly what JSON.stringify(value, null, 2) writes, whatever the batch", () => {
    for (const c of cases) {
      const expected = JSON.stringify(c, null, 2);
      for (const batch of [1, 2, 1000]) expect(whole(c, undefined, batch)).toBe(expected);
      expect(JSON.parse(whole(c))).toEqual(JSON.parse(expected));
    }
  });

  it("hands every top-level value and array element to map before writing it", () => {
    const seen: unknown[] = [];
    const upper = (v: unknown): unknown => {
      seen.push(v);
      return typeof v === "string" ? v.toUpperCase() : Array.isArray(v) ? v.map(upper) : v;
    };
    const text = whole({ name: "a", rows: ["b", "c"], empty: [] }, upper);
    expect(JSON.parse(text)).toEqual({ name: "A", rows: ["B", "C"], empty: [] });
    expect(seen.slice(0, 3)).toEqual(["a", "b", "c"]);
  });

  it("keeps each piece to a batch of elements", () => {
    const rows = Array.from({ length: 2500 }, (_, i) => ({ i }));
    const pieces = [...jsonChunks({ rows }, undefined, 1000)];
    // "{", the head of rows, three batches, its close, "}"
    expect(pieces).toHaveLength(7);
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(30_000);
  });
});
