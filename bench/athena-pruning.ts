// bench/athena-pruning: how many bytes an Athena query of the organization trail bucket reads with
// partition pruning (account, region, day folders) and without it (the whole bucket), on a
// simulated organization (bench/athena-layout.ts), and what keywarden's cost guard
// (estimateScan) says before the query: its figure, the ListObjectsV2 requests it made, and, when
// it sampled, its error against the exact total over several seeds. See bench/README.md.

import { estimateScan, type Estimate } from "../src/response/athena/estimate.js";
import { buildLayout, DEFAULT_REGIONS, exactUnder, fakeBucket, type Layout } from "./athena-layout.js";

export interface PruningOptions {
  accounts: number;
  regions: number;
  days: number;
  /** The layout the query table is measured on. */
  seed: number;
  /** Seeds the sampled estimates' error is measured over. */
  errorSeeds: number;
}

export const PRUNING_FULL: PruningOptions = { accounts: 100, regions: 17, days: 90, seed: 1, errorSeeds: 20 };
export const PRUNING_QUICK: PruningOptions = { accounts: 20, regions: 17, days: 30, seed: 1, errorSeeds: 3 };

const BUCKET = "org-trail-logs";
const ORG_ID = "o-exampleorgid";
const DAY_MS = 86_400_000;
/** "Now" for every run: the layout's last day is today, at noon UTC. */
const NOW = new Date(Date.UTC(2026, 11, 6, 12));

interface QueryCase {
  name: string;
  what: string;
  days: number;
  accounts: (l: Layout) => string[] | null;
  regions: (l: Layout) => string[] | null;
}

/** The account with the median bytes (a typical key's account), and the busiest one. */
const byBytes = (l: Layout): string[] =>
  [...l.accountBytes.entries()].sort((a, b) => a[1] - b[1]).map(([a]) => a);
const typical = (l: Layout): string => byBytes(l)[Math.floor(l.accounts.length / 2)] as string;
const busiest = (l: Layout): string => byBytes(l).at(-1) as string;
const homeOf = (l: Layout, a: string): string => (l.home.get(a) ?? ["us-east-1"])[0] as string;

const CASES: QueryCase[] = [
  {
    name: "respond-account-region",
    what: "respond, 90 days, the key's account (sts:GetAccessKeyInfo) and region (--regions) known",
    days: 90,
    accounts: (l) => [typical(l)],
    regions: (l) => [homeOf(l, typical(l))],
  },
  {
    name: "respond-account",
    what: "respond, 90 days, the key's account known, every region",
    days: 90,
    accounts: (l) => [typical(l)],
    regions: () => null,
  },
  {
    name: "trail-7d-account-region",
    what: "trail --since 7d, one account, one region",
    days: 7,
    accounts: (l) => [typical(l)],
    regions: (l) => [homeOf(l, typical(l))],
  },
  {
    name: "busy-account",
    what: "respond, 90 days, the busiest account, every region",
    days: 90,
    accounts: (l) => [busiest(l)],
    regions: () => null,
  },
  {
    name: "unknown-account-region",
    what: "respond, 90 days, account unknown (every account), one region (--regions us-east-1)",
    days: 90,
    accounts: () => null,
    regions: () => ["us-east-1"],
  },
  {
    name: "unknown-account",
    what: "respond, 90 days, account and region unknown: pruned by date only",
    days: 90,
    accounts: () => null,
    regions: () => null,
  },
];

interface CaseRun {
  estimate: Estimate;
  exact: { bytes: number; objects: number };
  listCalls: number;
}

async function runCase(layout: Layout, c: QueryCase): Promise<CaseRun> {
  const bucket = fakeBucket(layout, BUCKET);
  // The window bucket-wiring builds: `days` back from now, to now.
  const window = { start: new Date(NOW.getTime() - c.days * DAY_MS), end: NOW };
  const estimate = await estimateScan(bucket, {
    spec: { bucket: BUCKET, prefix: "", orgId: ORG_ID },
    window,
    accounts: c.accounts(layout),
    regions: c.regions(layout),
  });
  return { estimate, exact: exactUnder(layout, estimate.prefixes), listCalls: bucket.calls() };
}

const round = (x: number, d = 4): number => Math.round(x * 10 ** d) / 10 ** d;
const gb = (b: number): number => round(b / 1e9, 3);

function layoutOf(o: PruningOptions, seed: number): Layout {
  return buildLayout({
    seed,
    accounts: o.accounts,
    regions: DEFAULT_REGIONS.slice(0, o.regions),
    days: o.days,
    end: NOW,
    orgId: ORG_ID,
    prefix: "",
  });
}

export async function benchAthenaPruning(o: PruningOptions): Promise<object> {
  const layout = layoutOf(o, o.seed);
  const whole = layout.totalBytes;
  const queries: Record<string, unknown>[] = [];
  for (const c of CASES) {
    const r = await runCase(layout, c);
    const e = r.estimate;
    queries.push({
      name: c.name,
      what: c.what,
      partitions: e.partitions,
      listedPartitions: e.listed,
      sampled: e.sampled,
      listObjectsV2Calls: r.listCalls,
      estimateReportedRequests: e.requests,
      bytesWithPruning: r.exact.bytes,
      objectsWithPruning: r.exact.objects,
      estimatedBytes: e.bytes,
      estimateError: r.exact.bytes > 0 ? round((e.bytes - r.exact.bytes) / r.exact.bytes) : 0,
      bytesWithoutPruning: whole,
      pruningRatio: r.exact.bytes > 0 ? round(whole / r.exact.bytes, 1) : null,
      gb: { withPruning: gb(r.exact.bytes), estimated: gb(e.bytes), withoutPruning: gb(whole) },
    });
  }
  // The sampled estimates' error over other organizations (seeds): the cost guard's accuracy.
  const sampledCases = CASES.filter((c) => queries.find((q) => q.name === c.name)?.sampled === true);
  const errors: Record<string, number[]> = Object.fromEntries(sampledCases.map((c) => [c.name, []]));
  for (let s = 0; s < o.errorSeeds; s++) {
    const l = s === 0 ? layout : layoutOf(o, o.seed + 1000 * s);
    for (const c of sampledCases) {
      const r = await runCase(l, c);
      errors[c.name]?.push((r.estimate.bytes - r.exact.bytes) / r.exact.bytes);
    }
  }
  const samplingError = Object.fromEntries(
    Object.entries(errors).map(([name, es]) => [
      name,
      {
        seeds: es.length,
        meanAbsError: round(es.reduce((a, b) => a + Math.abs(b), 0) / es.length),
        meanSignedError: round(es.reduce((a, b) => a + b, 0) / es.length),
        worstUnder: round(Math.min(0, ...es)),
        worstOver: round(Math.max(0, ...es)),
        errors: es.map((e) => round(e)),
      },
    ]),
  );
  return {
    layout: {
      accounts: o.accounts,
      regions: o.regions,
      days: o.days,
      seed: o.seed,
      partitionsWithFiles: layout.keys.length,
      objects: layout.totalObjects,
      bytes: whole,
      gb: gb(whole),
    },
    queries,
    samplingError,
  };
}

type Result = Awaited<ReturnType<typeof benchAthenaPruning>> & {
  layout: { objects: number; gb: number; partitionsWithFiles: number };
  queries: {
    name: string;
    listObjectsV2Calls: number;
    sampled: boolean;
    estimateError: number;
    pruningRatio: number | null;
    gb: { withPruning: number; estimated: number; withoutPruning: number };
  }[];
  samplingError: Record<
    string,
    { meanAbsError: number; worstUnder: number; worstOver: number; seeds: number }
  >;
};

export function summarizeAthenaPruning(raw: object): string {
  const r = raw as Result;
  return [
    `athena-pruning: ${r.layout.partitionsWithFiles} partitions with files, ${r.layout.objects} objects, ${r.layout.gb} GB`,
    ...r.queries.map(
      (q) =>
        `  ${q.name.padEnd(24)} ${String(q.gb.withPruning).padStart(9)} GB pruned (estimate ${q.gb.estimated}${q.sampled ? ", sampled" : ""}, ` +
        `error ${(q.estimateError * 100).toFixed(2)}%) vs ${q.gb.withoutPruning} GB: ${q.pruningRatio}x; ${q.listObjectsV2Calls} ListObjectsV2 calls`,
    ),
    ...Object.entries(r.samplingError).map(
      ([name, e]) =>
        `  sampling error ${name}: mean |error| ${(e.meanAbsError * 100).toFixed(2)}%, worst under ${(e.worstUnder * 100).toFixed(2)}%, ` +
        `worst over ${(e.worstOver * 100).toFixed(2)}% over ${e.seeds} seeds`,
    ),
  ].join("\n");
}
