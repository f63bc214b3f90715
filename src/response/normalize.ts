import { redactValue } from "./redact.js";
import type { TrailEvent } from "./types.js";

// CloudTrail records (the shape of the trail's log files and of LookupEvents' CloudTrailEvent
// string) -> TrailEvent. Pure and forgiving: a field CloudTrail left out becomes null.

type Rec = Record<string, unknown>;

const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);
const obj = (v: unknown): Rec | null =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Rec) : null;

function isoTime(v: unknown): string {
  if (v instanceof Date) return v.toISOString();
  if (typeof v === "number") return new Date(v * 1000).toISOString();
  if (typeof v === "string") {
    const d = new Date(v);
    if (!Number.isNaN(d.getTime())) return d.toISOString();
  }
  return new Date(0).toISOString();
}

function resourcesOf(record: Rec): string[] {
  const out: string[] = [];
  const list = record.resources;
  if (Array.isArray(list)) {
    for (const r of list) {
      const o = obj(r);
      const name = o && (str(o.ARN) ?? str(o.arn) ?? str(o.ResourceName));
      if (name) out.push(name);
    }
  }
  return out;
}

/** One record of a trail log file (`{"Records": [record, ...]}`). */
export function fromRecord(record: Rec, origin: TrailEvent["origin"]): TrailEvent {
  const identity = obj(record.userIdentity) ?? {};
  const sessionIssuer = obj(obj(identity.sessionContext)?.sessionIssuer);
  const readOnly = record.readOnly;
  return {
    eventId: str(record.eventID) ?? str(record.eventId) ?? "",
    eventTime: isoTime(record.eventTime),
    eventName: str(record.eventName) ?? "",
    eventSource: str(record.eventSource) ?? "",
    region: str(record.awsRegion) ?? "",
    sourceIPAddress: str(record.sourceIPAddress),
    userAgent: str(record.userAgent),
    accessKeyId: str(identity.accessKeyId),
    userName: str(identity.userName) ?? str(sessionIssuer?.userName),
    readOnly:
      typeof readOnly === "boolean"
        ? readOnly
        : readOnly === "true"
          ? true
          : readOnly === "false"
            ? false
            : null,
    errorCode: str(record.errorCode),
    resources: resourcesOf(record),
    requestParameters: obj(redactValue(record.requestParameters)),
    responseElements: obj(redactValue(record.responseElements)),
    origin,
  };
}

/** A LookupEvents `Events` item; its CloudTrailEvent string is the full record when present. */
export interface LookupItem {
  EventId?: string | undefined;
  EventName?: string | undefined;
  EventTime?: Date | string | number | undefined;
  EventSource?: string | undefined;
  Username?: string | undefined;
  AccessKeyId?: string | undefined;
  ReadOnly?: string | undefined;
  Resources?: { ResourceType?: string | undefined; ResourceName?: string | undefined }[] | undefined;
  CloudTrailEvent?: string | undefined;
}

export function fromLookupItem(item: LookupItem, region: string): TrailEvent {
  let record: Rec = {};
  if (item.CloudTrailEvent) {
    try {
      record = obj(JSON.parse(item.CloudTrailEvent)) ?? {};
    } catch {
      record = {};
    }
  }
  const e = fromRecord(record, "lookup");
  const names = (item.Resources ?? []).map((r) => r.ResourceName).filter((n): n is string => !!n);
  return {
    ...e,
    eventId: e.eventId || item.EventId || "",
    eventTime: record.eventTime ? e.eventTime : isoTime(item.EventTime),
    eventName: e.eventName || item.EventName || "",
    eventSource: e.eventSource || item.EventSource || "",
    region: e.region || region,
    accessKeyId: e.accessKeyId ?? item.AccessKeyId ?? null,
    userName: e.userName ?? item.Username ?? null,
    readOnly: e.readOnly ?? (item.ReadOnly === "true" ? true : item.ReadOnly === "false" ? false : null),
    resources: e.resources.length > 0 ? e.resources : names,
  };
}

/** Oldest first; the same event read twice (lookup and logs, or two regions) is kept once. */
export function mergeEvents(...lists: TrailEvent[][]): TrailEvent[] {
  const byId = new Map<string, TrailEvent>();
  let anon = 0;
  for (const list of lists) {
    for (const e of list) {
      const id = e.eventId || `anon-${anon++}`;
      if (!byId.has(id)) byId.set(id, e);
    }
  }
  return [...byId.values()].sort((a, b) =>
    a.eventTime === b.eventTime ? a.eventId.localeCompare(b.eventId) : a.eventTime < b.eventTime ? -1 : 1,
  );
}
