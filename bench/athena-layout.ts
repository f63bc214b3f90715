// A simulated organization trail bucket, for bench/athena-pruning: the listing of
// AWSLogs/<org-id>/<account>/CloudTrail/<region>/<yyyy>/<MM>/<dd>/<file>.json.gz for N accounts x
// R regions x D days, served through the estimator's own port (BucketPort: ListObjectsV2 sizes and
// folders). It lives in memory because an organization's bucket holds millions of objects: moto
// would take hours to hold them, and the estimator only ever sees a listing, so a listing is what
// is simulated. Object bodies do not exist.
//
// Every figure comes from a seeded PRNG (mulberry32), so a seed is one reproducible organization.
// The shape is what matters to pruning and to sampling: a few busy accounts, many quiet ones, one
// to three "home" regions per account, us-east-1 carrying global-service events, background noise
// in every other region, quieter weekends, rare spikes, accounts that joined partway through.

import type { BucketPort, ListedPrefix } from "../src/response/athena/ports.js";
import { prng } from "./prng.js";

/** The 17 regions enabled by default in every account (2026). */
export const DEFAULT_REGIONS: readonly string[] = [
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
  "ap-south-1",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-northeast-3",
  "ap-southeast-1",
  "ap-southeast-2",
  "ca-central-1",
  "eu-central-1",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "eu-north-1",
  "sa-east-1",
];

export interface LayoutOptions {
  seed: number;
  accounts: number;
  regions: readonly string[];
  days: number;
  /** The last day of logs (UTC); the layout covers the `days` days ending on it. */
  end: Date;
  orgId: string;
  /** Key prefix before AWSLogs/ ("" for none). */
  prefix: string;
}

export interface Layout {
  opts: LayoutOptions;
  root: string;
  accounts: string[];
  /** Per account, its home regions (the busy ones). */
  home: Map<string, string[]>;
  /** Per account, the sum of its bytes (to pick a typical and the busiest account). */
  accountBytes: Map<string, number>;
  /** Partition folders (`<account>/CloudTrail/<region>/<yyyy>/<MM>/<dd>/`, relative to root) that hold files. */
  keys: string[];
  objects: Int32Array;
  bytes: Float64Array;
  totalBytes: number;
  totalObjects: number;
}

/** exp(N(mu, sigma)) by Box-Muller. */
const logNormal = (rand: () => number, mu: number, sigma: number): number =>
  Math.exp(mu + sigma * Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand()));

const DAY_MS = 86_400_000;
/** gzip'd CloudTrail: about 220 bytes per event, plus the file's envelope. */
const BYTES_PER_EVENT = 220;
const FILE_OVERHEAD = 400;

/** One (account, region, day): CloudTrail writes a file per region about every 5 minutes there were events, splitting big ones. */
function dayFiles(rand: () => number, events: number): { objects: number; bytes: number } {
  if (events < 1) return { objects: 0, bytes: 0 };
  const objects = Math.max(1, Math.round(288 * (1 - Math.exp(-events / 1500)))) + Math.floor(events / 50_000);
  const perFile = events / objects;
  let bytes = 0;
  for (let i = 0; i < objects; i++)
    bytes += Math.round((perFile * BYTES_PER_EVENT + FILE_OVERHEAD) * logNormal(rand, 0, 0.3));
  return { objects, bytes };
}

export function buildLayout(opts: LayoutOptions): Layout {
  const rand = prng(opts.seed);
  const root = `${opts.prefix ? `${opts.prefix}/` : ""}AWSLogs/${opts.orgId}/`;
  const accounts = Array.from({ length: opts.accounts }, () =>
    String(100_000_000_000 + Math.floor(rand() * 899_999_999_999)),
  ).sort();
  const endMs = Date.UTC(opts.end.getUTCFullYear(), opts.end.getUTCMonth(), opts.end.getUTCDate());
  const home = new Map<string, string[]>();
  const accountBytes = new Map<string, number>();
  const keys: string[] = [];
  const objects: number[] = [];
  const bytes: number[] = [];
  for (const account of accounts) {
    // Events a day in a home region: median 20k, heavy tail (a few accounts carry most of it).
    const activity = logNormal(rand, Math.log(20_000), 1.5);
    const nHome = rand() < 0.7 ? 1 : 2 + Math.floor(rand() * 2);
    const shuffled = [...opts.regions];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j] as string, shuffled[i] as string];
    }
    const homes = shuffled.slice(0, nHome);
    home.set(account, homes);
    // 10% of accounts joined the organization partway through the window.
    const firstDay = rand() < 0.1 ? Math.floor(rand() * opts.days) : 0;
    const weekendDip = 0.3 + rand() * 0.6;
    let sum = 0;
    for (const region of opts.regions) {
      const base = homes.includes(region)
        ? activity * logNormal(rand, 0, 0.5)
        : region === "us-east-1"
          ? activity * 0.1 + 300 // global-service events (IAM, STS, Organizations)
          : logNormal(rand, Math.log(150), 1); // background: Config, health checks, scanners
      for (let d = firstDay; d < opts.days; d++) {
        const t = endMs - (opts.days - 1 - d) * DAY_MS;
        const dow = new Date(t).getUTCDay();
        const spike = rand() < 0.01 ? 3 + rand() * 7 : 1;
        const events = base * (dow === 0 || dow === 6 ? weekendDip : 1) * logNormal(rand, 0, 0.25) * spike;
        const f = dayFiles(rand, events);
        if (f.objects === 0) continue;
        const day = new Date(t).toISOString().slice(0, 10).replace(/-/g, "/");
        keys.push(`${account}/CloudTrail/${region}/${day}/`);
        objects.push(f.objects);
        bytes.push(f.bytes);
        sum += f.bytes;
      }
    }
    accountBytes.set(account, sum);
  }
  return {
    opts,
    root,
    accounts,
    home,
    accountBytes,
    keys,
    objects: Int32Array.from(objects),
    bytes: Float64Array.from(bytes),
    totalBytes: bytes.reduce((a, b) => a + b, 0),
    totalObjects: objects.reduce((a, b) => a + b, 0),
  };
}

/** The exact bytes and objects under these partition prefixes (full keys, as the estimator builds them). */
export function exactUnder(layout: Layout, prefixes: string[]): { bytes: number; objects: number } {
  const index = partitionIndex(layout);
  let bytes = 0;
  let objects = 0;
  for (const p of prefixes) {
    const i = index.get(p.slice(layout.root.length));
    if (i === undefined) continue;
    bytes += layout.bytes[i] ?? 0;
    objects += layout.objects[i] ?? 0;
  }
  return { bytes, objects };
}

const indexes = new WeakMap<Layout, Map<string, number>>();
function partitionIndex(layout: Layout): Map<string, number> {
  let m = indexes.get(layout);
  if (!m) {
    m = new Map(layout.keys.map((k, i) => [k, i]));
    indexes.set(layout, m);
  }
  return m;
}

/** ListObjectsV2 returns at most 1,000 keys (or common prefixes) a page. */
const pages = (n: number): number => Math.max(1, Math.ceil(n / 1000));

/**
 * The bucket port over the layout, counting the ListObjectsV2 requests a real listing would make.
 * Only the layout's bucket exists; any other name lists nothing (as an empty bucket would).
 */
export function fakeBucket(layout: Layout, bucketName: string): BucketPort & { calls: () => number } {
  const index = partitionIndex(layout);
  let calls = 0;
  return {
    calls: () => calls,
    sizeUnder(bucket, prefix): Promise<ListedPrefix> {
      let bytes = 0;
      let objects = 0;
      if (bucket === bucketName && prefix.startsWith(layout.root)) {
        const rel = prefix.slice(layout.root.length);
        const exact = index.get(rel);
        if (exact !== undefined) {
          bytes = layout.bytes[exact] ?? 0;
          objects = layout.objects[exact] ?? 0;
        } else {
          layout.keys.forEach((k, i) => {
            if (!k.startsWith(rel)) return;
            bytes += layout.bytes[i] ?? 0;
            objects += layout.objects[i] ?? 0;
          });
        }
      }
      const requests = pages(objects);
      calls += requests;
      return Promise.resolve({ bytes, objects, requests });
    },
    foldersUnder(bucket, prefix): Promise<string[]> {
      const names = new Set<string>();
      if (bucket === bucketName && prefix.startsWith(layout.root)) {
        const rel = prefix.slice(layout.root.length);
        for (const k of layout.keys) {
          if (!k.startsWith(rel)) continue;
          const name = k.slice(rel.length).split("/")[0];
          if (name) names.add(name);
        }
      }
      calls += pages(names.size);
      return Promise.resolve([...names]);
    },
  };
}
