import { CATEGORIES, classifyEvent } from "./classify.js";
import type {
  DimensionCount,
  EventCategory,
  LookupFailure,
  NewIndicators,
  SuspiciousEvent,
  TrailEvent,
  TrailGroup,
  TrailSummary,
  UndatedRecord,
  UnreadableFile,
} from "./types.js";

// Pure analysis of a key's events: suspicious ones by category, the indicators (IPs, agents,
// regions) first seen after --since, and the "who still uses this key" grouping of `trail`.

export function suspiciousEvents(events: TrailEvent[]): SuspiciousEvent[] {
  const out: SuspiciousEvent[] = [];
  for (const e of events) {
    const category = classifyEvent(e.eventName, e.eventSource, e.requestParameters);
    if (category === "other") continue;
    out.push({
      category,
      eventName: e.eventName,
      eventTime: e.eventTime,
      sourceIPAddress: e.sourceIPAddress,
      region: e.region,
      resources: e.resources,
      userAgent: e.userAgent,
      errorCode: e.errorCode,
      eventId: e.eventId,
    });
  }
  return out;
}

export function categoryCounts(events: TrailEvent[]): Record<EventCategory, number> {
  const counts = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<EventCategory, number>;
  for (const e of events) counts[classifyEvent(e.eventName, e.eventSource, e.requestParameters)]++;
  return counts;
}

const distinct = (values: (string | null)[]): string[] =>
  [...new Set(values.filter((v): v is string => v !== null && v !== ""))].sort();

export function indicators(events: TrailEvent[]): {
  sourceIPs: string[];
  userAgents: string[];
  regions: string[];
} {
  return {
    sourceIPs: distinct(events.map((e) => e.sourceIPAddress)),
    userAgents: distinct(events.map((e) => e.userAgent)),
    regions: distinct(events.map((e) => e.region)),
  };
}

/** Values seen at or after `since` that never appeared before it (null without a --since). */
export function newSince(events: TrailEvent[], since: Date | null): NewIndicators | null {
  if (!since) return null;
  const cut = since.toISOString();
  const before = indicators(events.filter((e) => e.eventTime < cut));
  const after = indicators(events.filter((e) => e.eventTime >= cut));
  const fresh = (a: string[], b: string[]) => a.filter((v) => !b.includes(v));
  return {
    sourceIPs: fresh(after.sourceIPs, before.sourceIPs),
    userAgents: fresh(after.userAgents, before.userAgents),
    regions: fresh(after.regions, before.regions),
  };
}

function dimension(events: TrailEvent[], pick: (e: TrailEvent) => string | null): DimensionCount[] {
  const m = new Map<string | null, DimensionCount>();
  for (const e of events) {
    const v = pick(e);
    const d = m.get(v);
    if (!d) m.set(v, { value: v, count: 1, firstSeen: e.eventTime, lastSeen: e.eventTime });
    else {
      d.count++;
      if (e.eventTime < d.firstSeen) d.firstSeen = e.eventTime;
      if (e.eventTime > d.lastSeen) d.lastSeen = e.eventTime;
    }
  }
  return [...m.values()].sort((a, b) => b.count - a.count || (a.lastSeen < b.lastSeen ? 1 : -1));
}

/** The one "trail" grouping, shared by the LookupEvents path and the log-file path. */
export function groupEvents(events: TrailEvent[]): TrailGroup[] {
  const m = new Map<string, TrailGroup>();
  for (const e of events) {
    const k = JSON.stringify([e.sourceIPAddress, e.userAgent, e.region, e.eventName]);
    const g = m.get(k);
    if (!g) {
      m.set(k, {
        sourceIPAddress: e.sourceIPAddress,
        userAgent: e.userAgent,
        region: e.region,
        eventName: e.eventName,
        count: 1,
        firstSeen: e.eventTime,
        lastSeen: e.eventTime,
      });
    } else {
      g.count++;
      if (e.eventTime < g.firstSeen) g.firstSeen = e.eventTime;
      if (e.eventTime > g.lastSeen) g.lastSeen = e.eventTime;
    }
  }
  return [...m.values()].sort((a, b) =>
    a.lastSeen === b.lastSeen ? b.count - a.count : a.lastSeen < b.lastSeen ? 1 : -1,
  );
}

export function summarizeTrail(
  accessKeyId: string,
  events: TrailEvent[],
  opts: {
    since: Date | null;
    lookupRegions: string[];
    logFiles: number;
    lookupFailures?: LookupFailure[];
    unreadableFiles?: UnreadableFile[];
    undatedRecords?: UndatedRecord[];
  },
): TrailSummary {
  const times = events.map((e) => e.eventTime).sort();
  return {
    schemaVersion: 1,
    accessKeyId,
    since: opts.since?.toISOString() ?? null,
    events: events.length,
    firstSeen: times[0] ?? null,
    lastSeen: times[times.length - 1] ?? null,
    groups: groupEvents(events),
    bySourceIP: dimension(events, (e) => e.sourceIPAddress),
    byUserAgent: dimension(events, (e) => e.userAgent),
    byRegion: dimension(events, (e) => e.region),
    byEventName: dimension(events, (e) => e.eventName),
    sources: {
      lookupRegions: opts.lookupRegions,
      logFiles: opts.logFiles,
      lookupFailures: opts.lookupFailures ?? [],
      unreadableFiles: opts.unreadableFiles ?? [],
      undatedRecords: opts.undatedRecords ?? [],
    },
  };
}
