import { describe, expect, it } from "vitest";
import { estimateScan } from "./estimate.js";
import type { BucketPort, ListedPrefix } from "./ports.js";
import { spreadDays, stratified } from "./sample.js";

// The estimator's sampling on a small in-memory listing (the emulator tests in test/athena.test.ts
// cover the real ListObjectsV2 adapter; bench/athena-pruning measures the error at scale).

const ROOT = "AWSLogs/o-test/";
const ACCOUNTS = Array.from({ length: 20 }, (_, i) => String(111111111100 + i));
const REGIONS = ["eu-west-1", "us-east-1", "us-west-2"];

/** Per-folder bytes: one busy pair, the rest quiet, weekends lower, one empty day in every pair. */
function bytesOf(account: string, region: string, day: number): number {
  if (day === 3) return 0;
  const busy = account === ACCOUNTS[7] && region === "us-east-1" ? 1000 : 1;
  const weekend = day % 7 >= 5 ? 0.4 : 1;
  return Math.round(1000 * busy * weekend * (1 + ((day * 37 + account.length) % 10) / 10));
}

function listing(): { port: BucketPort; listed: string[]; exact: number } {
  const folders = new Map<string, number>();
  for (const a of ACCOUNTS)
    for (const r of REGIONS)
      for (let d = 0; d < 30; d++) {
        const b = bytesOf(a, r, d);
        const date = new Date(Date.UTC(2026, 10, 1 + d)).toISOString().slice(0, 10).replace(/-/g, "/");
        if (b > 0) folders.set(`${ROOT}${a}/CloudTrail/${r}/${date}/`, b);
      }
  const listed: string[] = [];
  const port: BucketPort = {
    sizeUnder(_bucket, prefix): Promise<ListedPrefix> {
      listed.push(prefix);
      const bytes = folders.get(prefix) ?? 0;
      return Promise.resolve({ bytes, objects: bytes > 0 ? 1 : 0, requests: 1 });
    },
    foldersUnder(_bucket, prefix) {
      const names = new Set<string>();
      for (const k of folders.keys())
        if (k.startsWith(prefix)) names.add(k.slice(prefix.length).split("/")[0] as string);
      return Promise.resolve([...names]);
    },
  };
  return { port, listed, exact: [...folders.values()].reduce((a, b) => a + b, 0) };
}

const input = (maxPrefixes?: number) => ({
  spec: { bucket: "logs", prefix: "", orgId: "o-test" },
  // 2026/11/01 .. 2026/11/29 (+ the next day for late delivery): the 30 days of the listing.
  window: { start: new Date("2026-11-01T00:00:00Z"), end: new Date("2026-11-29T12:00:00Z") },
  accounts: null,
  regions: null,
  maxPrefixes,
});

describe("spreadDays", () => {
  it("gives k distinct days in range, starting at the pair's own offset", () => {
    for (const k of [1, 2, 7, 30]) {
      const days = spreadDays(5, 30, k);
      expect(new Set(days).size).toBe(k);
      expect(days.every((d) => d >= 0 && d < 30)).toBe(true);
    }
    expect(spreadDays(1, 30, 3)[0]).toBe(spreadDays(1, 30, 1)[0]);
    // Different pairs start on different days (no common weekday).
    expect(new Set(Array.from({ length: 7 }, (_, p) => spreadDays(p, 30, 1)[0])).size).toBe(7);
  });
});

describe("estimateScan", () => {
  it("lists every folder at or under the budget: exact", async () => {
    const { port, listed, exact } = listing();
    const e = await estimateScan(port, input(10_000));
    expect(e.sampled).toBe(false);
    expect(e.bytes).toBe(exact);
    expect(listed).toHaveLength(e.partitions);
  });

  it("past the budget, samples each account/region pair and stays close to the exact total", async () => {
    const { port, listed, exact } = listing();
    // 20 accounts x 3 regions x 30 days = 1,800 folders; 300 listings.
    const e = await estimateScan(port, input(300));
    expect(e.sampled).toBe(true);
    expect(e.partitions).toBe(1_800);
    expect(listed.length).toBeLessThanOrEqual(300);
    expect(e.listed).toBe(listed.length);
    // Every pair was looked at, so the one busy pair is in the estimate.
    expect(new Set(listed.map((p) => p.split("/").slice(2, 5).join("/"))).size).toBe(60);
    expect(Math.abs(e.bytes - exact) / exact).toBeLessThan(0.05);
    // 21 folder listings (the accounts, then each account's regions) + the sizes.
    expect(e.requests).toBe(21 + listed.length);
  });

  it("with more pairs than the budget, spreads over the pairs and still scales up", async () => {
    const { port, listed, exact } = listing();
    const e = await estimateScan(port, input(40));
    expect(e.sampled).toBe(true);
    expect(listed).toHaveLength(40);
    // A coarse sample: within a factor of 3, never zero.
    expect(e.bytes).toBeGreaterThan(exact / 3);
    expect(e.bytes).toBeLessThan(exact * 3);
  });
});

describe("stratified", () => {
  it("gives the rest of the budget to the pairs in proportion to their first figure", async () => {
    const calls = new Map<number, number>();
    const r = await stratified(10, 30, 100, 4, (pair) => {
      calls.set(pair, (calls.get(pair) ?? 0) + 1);
      return Promise.resolve({ bytes: pair === 0 ? 10_000 : 10, objects: 1, requests: 1 });
    });
    expect(r.listed).toBeLessThanOrEqual(100);
    expect(calls.get(0)).toBeGreaterThan(30 / 2);
    expect(r.bytes).toBe(30 * (10_000 + 9 * 10));
  });
});
