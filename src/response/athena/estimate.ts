import { dateRange } from "../query/athena.js";
import { logsRoot, type TableSpec } from "./ddl.js";
import type { BucketPort } from "./ports.js";
import { mapWithConcurrency } from "../../inventory/concurrency.js";
import { spreadDays, stratified } from "./sample.js";

// Before a query runs: how many bytes it will read. Athena bills the bytes it scans, and with
// partition projection it scans exactly the objects under the partitions the WHERE clause
// selects: `<root>/<account>/CloudTrail/<region>/<yyyy>/<MM>/<dd>/`. So the estimate is the size
// of those objects, from the bucket listing (ListObjectsV2: no object is read).
//
// Accounts and regions come from the query when known (the key's account from
// sts:GetAccessKeyInfo, --regions), otherwise from the bucket's own folders. An organization over
// months can have tens of thousands of partition folders; past `maxPrefixes` a sample of them is
// listed and the total scaled up (stratified by account and region: sample.ts), and the estimate
// says so. bench/athena-pruning measures the sample's error.

export interface Estimate {
  bytes: number;
  objects: number;
  /** Partition folders the query reads, and how many of them were listed. */
  partitions: number;
  listed: number;
  /** ListObjectsV2 calls made. */
  requests: number;
  /** true: a sample was listed and scaled up. */
  sampled: boolean;
  accounts: string[];
  regions: string[];
  dates: string[];
  /** Every partition folder the query reads (its S3 prefix). */
  prefixes: string[];
}

const DAY_MS = 86_400_000;

/** The yyyy/MM/dd folders from `from` to `to`, inclusive. */
export function datesBetween(from: string, to: string): string[] {
  const out: string[] = [];
  const end = Date.parse(`${to.replace(/\//g, "-")}T00:00:00Z`);
  for (let t = Date.parse(`${from.replace(/\//g, "-")}T00:00:00Z`); t <= end; t += DAY_MS)
    out.push(new Date(t).toISOString().slice(0, 10).replace(/-/g, "/"));
  return out;
}

export interface EstimateInput {
  spec: Pick<TableSpec, "bucket" | "prefix" | "orgId">;
  window: { start: Date; end: Date };
  accounts: string[] | null;
  regions: string[] | null;
  /** Past this many partition folders, list a sample (default 2,000). */
  maxPrefixes?: number;
  concurrency?: number;
}

export async function estimateScan(bucket: BucketPort, input: EstimateInput): Promise<Estimate> {
  const root = logsRoot(input.spec);
  const b = input.spec.bucket;
  let requests = 0;
  const folders = async (prefix: string) => {
    requests++;
    return bucket.foldersUnder(b, prefix);
  };
  const accounts =
    input.accounts && input.accounts.length > 0
      ? [...input.accounts].sort()
      : (await folders(root)).filter((a) => /^\d{12}$/.test(a)).sort();
  const range = dateRange(input.window);
  const dates = datesBetween(range.from ?? "", range.to ?? "");
  const concurrency = input.concurrency ?? 16;
  // Regions that hold logs, per account (one listing each), unless the query names them.
  const perAccount = await mapWithConcurrency(accounts, concurrency, async (account) => {
    const regions =
      input.regions && input.regions.length > 0
        ? [...input.regions].sort()
        : (await folders(`${root}${account}/CloudTrail/`)).sort();
    return regions.map((region) => ({ account, region }));
  });
  const pairs = perAccount.flat();
  const prefixOf = (pair: { account: string; region: string }, date: string) =>
    `${root}${pair.account}/CloudTrail/${pair.region}/${date}/`;
  const prefixes = pairs.flatMap((pair) => dates.map((d) => prefixOf(pair, d)));
  const max = input.maxPrefixes ?? 4_000;
  const sampled = prefixes.length > max;
  const size = (p: string) => bucket.sizeUnder(b, p);
  const sized = async (chosen: string[]) => {
    const sizes = await mapWithConcurrency(chosen, concurrency, size);
    for (const s of sizes) requests += s.requests;
    return sizes;
  };
  let bytes = 0;
  let objects = 0;
  let listed = sampled ? max : prefixes.length;
  if (!sampled || pairs.length >= max) {
    // Every folder; or, with more account/region pairs than the budget, an even spread of pairs,
    // one day each at the pair's own offset (a common day would alias weekdays), scaled up.
    const chosen = sampled
      ? Array.from({ length: max }, (_, i) => {
          const p = Math.floor((i * pairs.length) / max);
          return prefixOf(
            pairs[p] as (typeof pairs)[number],
            dates[spreadDays(p, dates.length, 1)[0] as number] as string,
          );
        })
      : prefixes;
    for (const s of await sized(chosen)) {
      bytes += s.bytes;
      objects += s.objects;
    }
    const scale = chosen.length > 0 ? prefixes.length / chosen.length : 0;
    bytes *= scale;
    objects *= scale;
  } else {
    // Fewer pairs than the budget: each pair is sampled (src/response/athena/sample.ts says why).
    const est = await stratified(pairs.length, dates.length, max, concurrency, async (pair, day) => {
      const s = await size(prefixOf(pairs[pair] as (typeof pairs)[number], dates[day] as string));
      requests += s.requests;
      return s;
    });
    bytes = est.bytes;
    objects = est.objects;
    listed = est.listed;
  }
  return {
    bytes: Math.round(bytes),
    objects: Math.round(objects),
    partitions: prefixes.length,
    listed,
    requests,
    sampled,
    accounts,
    regions: [...new Set(pairs.map((p) => p.region))].sort(),
    dates,
    prefixes,
  };
}
