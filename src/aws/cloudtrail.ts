import { LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { DescribeRegionsCommand } from "@aws-sdk/client-ec2";
import { fromLookupItem } from "../response/normalize.js";
import type { LookupPort } from "../response/ports.js";
import type { TrailEvent } from "../response/types.js";
import { call, callSite, mapAwsError } from "./errors.js";
import type { RegionalClients } from "./regional.js";
import type { AwsSession } from "./session.js";

// CloudTrail LookupEvents by AccessKeyId, one region at a time, paced to the documented limit of
// 2 requests per second per region (per account), and the list of regions to ask.

/** CloudTrail's LookupEvents quota: 2 requests per second, per account, per region. */
export const LOOKUP_MIN_INTERVAL_MS = 500;

export interface Pacing {
  /** Milliseconds between two requests to the same region. */
  intervalMs: number;
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const REAL_PACING: Pacing = {
  intervalMs: LOOKUP_MIN_INTERVAL_MS,
  now: () => Date.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

/** One gate per region: a request waits until `intervalMs` after the previous one there began. */
export class RegionPacer {
  private readonly next = new Map<string, number>();
  constructor(private readonly pacing: Pacing) {}

  async wait(region: string): Promise<void> {
    const now = this.pacing.now();
    const at = Math.max(now, this.next.get(region) ?? 0);
    this.next.set(region, at + this.pacing.intervalMs);
    if (at > now) await this.pacing.sleep(at - now);
  }
}

export function lookupPort(
  session: AwsSession,
  clients: RegionalClients,
  opts: { pacing?: Pacing; warn?: (line: string) => void; maxEvents?: number } = {},
): LookupPort {
  const pacer = new RegionPacer(opts.pacing ?? REAL_PACING);
  const max = opts.maxEvents ?? 100_000;
  return {
    async regions() {
      try {
        const r = await clients.ec2().send(new DescribeRegionsCommand({ AllRegions: false }));
        const names = (r.Regions ?? [])
          .filter((x) => x.OptInStatus !== "not-opted-in")
          .map((x) => x.RegionName)
          .filter((n): n is string => !!n)
          .sort();
        return names.length > 0 ? names : [session.region];
      } catch (err) {
        const mapped = mapAwsError(err, callSite(session, "DescribeRegions", "ec2"));
        // Without ec2:DescribeRegions the investigation still runs, in the configured region.
        opts.warn?.(
          `${mapped.message}; looking up events in ${session.region} only (pass --regions to add more)`,
        );
        return [session.region];
      }
    },

    async lookup(region, accessKeyId, window) {
      const out: TrailEvent[] = [];
      let token: string | undefined;
      do {
        await pacer.wait(region);
        const page = await call(callSite(session, "LookupEvents", "cloudtrail"), () =>
          clients.cloudtrail(region).send(
            new LookupEventsCommand({
              LookupAttributes: [{ AttributeKey: "AccessKeyId", AttributeValue: accessKeyId }],
              StartTime: window.start,
              EndTime: window.end,
              MaxResults: 50,
              NextToken: token,
            }),
          ),
        );
        for (const item of page.Events ?? []) out.push(fromLookupItem(item, region));
        token = page.NextToken;
      } while (token && out.length < max);
      return out;
    },
  };
}
