import { dateRange } from "../query/athena.js";
import { logsRoot, type TableSpec } from "./ddl.js";
import type { BucketPort } from "./ports.js";

// Before a query runs: how many bytes it will read. Athena bills the bytes it scans, and with
// partition projection it scans exactly the objects under the partitions the WHERE clause
// selects: `<root>/<account>/CloudTrail/<region>/<yyyy>/<MM>/<dd>/`. So the estimate is the size
// of those objects, from the bucket listing (ListObjectsV2: no object is read).
//
// Accounts and regions come from the query when known (the key's account from
// sts:GetAccessKeyInfo, --regions), otherwise from the bucket's own folders. An organization over
// months can have tens of thousands of partition folders; past `maxPrefixes` a spread sample of
// them is listed and the total scaled up, and the estimate says so.

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

async function mapLimited<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
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
  const perAccount = await mapLimited(accounts, concurrency, async (account) => {
    const regions =
      input.regions && input.regions.length > 0
        ? [...input.regions].sort()
        : (await folders(`${root}${account}/CloudTrail/`)).sort();
    return regions.map((region) => ({ account, region }));
  });
  const pairs = perAccount.flat();
  const prefixes = pairs.flatMap(({ account, region }) =>
    dates.map((d) => `${root}${account}/CloudTrail/${region}/${d}/`),
  );
  const max = input.maxPrefixes ?? 2_000;
  const sampled = prefixes.length > max;
  // An even spread (every k-th folder) rather than the first ones: days and accounts differ.
  const chosen = sampled
    ? Array.from({ length: max }, (_, i) => prefixes[Math.floor((i * prefixes.length) / max)] as string)
    : prefixes;
  const sizes = await mapLimited(chosen, concurrency, (p) => bucket.sizeUnder(b, p));
  let bytes = 0;
  let objects = 0;
  for (const s of sizes) {
    bytes += s.bytes;
    objects += s.objects;
    requests += s.requests;
  }
  const scale = chosen.length > 0 ? prefixes.length / chosen.length : 0;
  return {
    bytes: Math.round(bytes * scale),
    objects: Math.round(objects * scale),
    partitions: prefixes.length,
    listed: chosen.length,
    requests,
    sampled,
    accounts,
    regions: [...new Set(pairs.map((p) => p.region))].sort(),
    dates,
    prefixes,
  };
}
