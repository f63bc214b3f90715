import { redactValue } from "./redact.js";
import type { TrailEvent } from "./types.js";

// CloudTrail records (the shape of the trail's log files and of LookupEvents' CloudTrailEvent
// string) -> TrailEvent. Pure and forgiving: a field CloudTrail left out becomes null.
//
// Records also reach keywarden after another tool has reshaped them; `asCloudTrailRecord` maps
// each of those back to CloudTrail's own field names first:
// - Logstash's cloudtrail codec (OTRF Security-Datasets): `eventTime` moved to `@timestamp`;
// - Datadog's CloudTrail pipeline: `sourceIPAddress` -> `network.client.ip`, `userAgent` ->
//   `http.useragent`, `eventName` copied to `evt.name`;
// - Elastic's AWS integration (ECS): `event.action`, `source.ip`, `user_agent.original`,
//   `aws.cloudtrail.user_identity.access_key_id`, the raw record in `event.original` when kept;
// - Amazon Security Lake (OCSF API Activity): `api.operation`, `actor.user.credential_uid`,
//   `src_endpoint.ip`, `http_request.user_agent`, `time` in epoch milliseconds.
// An envelope (EventBridge, CloudWatch Logs, a LookupEvents item) passes what it knows as hints.

type Rec = Record<string, unknown>;

const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);
const obj = (v: unknown): Rec | null =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Rec) : null;
/** `a.b.c` of a nested object, or undefined. */
const at = (o: Rec | null, path: string): unknown => {
  let v: unknown = o;
  for (const k of path.split(".")) {
    const cur = obj(v);
    if (!cur) return undefined;
    v = cur[k];
  }
  return v;
};

// ISO 8601 as CloudTrail and its exporters write it: `2026-11-20T03:02:00Z`, with milliseconds or
// nanoseconds, a `+00:00` offset (AWS CLI v2), or a space for the T (Athena, Panther). Anything
// else (`Nov 30, 2024, 8:43:17 PM`) is refused: Date would read it in the machine's time zone.
const ISO = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/i;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isDigit = (c: number) => c >= 48 && c <= 57;
const DIGIT_AT = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];
const num = (s: string, at: number, len: number) => {
  let n = 0;
  for (let i = at; i < at + len; i++) n = n * 10 + s.charCodeAt(i) - 48;
  return n;
};

/**
 * CloudTrail's own shape, `2026-11-20T03:02:00Z`, read without building a Date: every record of a
 * busy key has one (trail spent more time here than parsing the records). Null for anything else,
 * including a clock Date would roll over (24:00:00), which the general path below decides.
 */
function canonicalTime(v: string): string | null {
  if (v.length !== 20 || v[4] !== "-" || v[7] !== "-" || v[10] !== "T" || v[13] !== ":" || v[16] !== ":")
    return null;
  if (v[19] !== "Z") return null;
  for (const i of DIGIT_AT) if (!isDigit(v.charCodeAt(i))) return null;
  const year = num(v, 0, 4);
  const month = num(v, 5, 2);
  const day = num(v, 8, 2);
  if (month < 1 || month > 12 || day < 1 || num(v, 11, 2) > 23 || num(v, 14, 2) > 59 || num(v, 17, 2) > 59)
    return null;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const last = month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
  if (day > last) return null;
  return `${v.slice(0, 19)}.000Z`;
}

/**
 * An event time as ISO 8601 UTC, or null when it cannot be read. Numbers are epoch seconds (AWS
 * CLI v1) or, from 1e11 up, epoch milliseconds (CloudWatch Logs, OCSF).
 */
export function parseEventTime(v: unknown): string | null {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  if (typeof v === "number" && Number.isFinite(v) && v > 0) {
    const d = new Date(v >= 1e11 ? v : v * 1000);
    return Number.isNaN(d.getTime()) ? null : d.toISOString();
  }
  if (typeof v !== "string") return null;
  const fast = canonicalTime(v);
  if (fast !== null) return fast;
  const m = ISO.exec(v.trim());
  if (!m) return null;
  const [, day, clock, fraction, zone] = m;
  const ms = fraction ? fraction.slice(0, 4).padEnd(4, "0") : "";
  const offset =
    !zone || zone.toUpperCase() === "Z"
      ? "Z"
      : zone.length === 5
        ? `${zone.slice(0, 3)}:${zone.slice(3)}`
        : zone;
  // Date rolls 2026-02-31 over to March: refuse a day that does not exist.
  const midnight = new Date(`${day}T00:00:00Z`);
  if (Number.isNaN(midnight.getTime()) || midnight.toISOString().slice(0, 10) !== day) return null;
  const d = new Date(`${day}T${clock?.length === 5 ? `${clock}:00` : clock}${ms}${offset}`);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** The first candidate that reads as a time, else the first one present (kept raw: undated). */
function pickTime(candidates: unknown[]): unknown {
  for (const c of candidates) if (parseEventTime(c) !== null) return c;
  return candidates.find((c) => c !== undefined && c !== null && c !== "");
}

/** What an envelope around a record knows about it. */
export interface RecordHints {
  time?: unknown;
  region?: unknown;
  eventName?: unknown;
  eventSource?: unknown;
  eventId?: unknown;
  accessKeyId?: unknown;
  userName?: unknown;
  readOnly?: unknown;
  resources?: unknown;
}

const parseJsonText = (v: unknown): unknown => {
  if (typeof v !== "string") return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return v;
  }
};

/** Amazon Security Lake (OCSF 1.1 API Activity, as its CloudTrail source maps records). */
function fromOcsf(r: Rec, hints: RecordHints): Rec {
  const user = obj(at(r, "actor.user")) ?? {};
  const issuer = str(at(r, "actor.session.issuer"));
  const resources = Array.isArray(r.resources)
    ? r.resources.map((x) => ({ ARN: str(obj(x)?.uid) ?? str(obj(x)?.name) }))
    : undefined;
  const readOnly = at(r, "unmapped.readOnly");
  return {
    eventID: at(r, "metadata.uid") ?? hints.eventId,
    eventTime: pickTime([r.time, r.time_dt, hints.time]),
    eventName: at(r, "api.operation") ?? hints.eventName,
    eventSource: at(r, "api.service.name") ?? hints.eventSource,
    awsRegion: at(r, "cloud.region") ?? hints.region,
    sourceIPAddress: at(r, "src_endpoint.ip"),
    userAgent: at(r, "http_request.user_agent"),
    errorCode: at(r, "api.response.error") ?? null,
    readOnly: readOnly === "true" ? true : readOnly === "false" ? false : undefined,
    userIdentity: {
      type: user.type,
      arn: user.uid,
      accessKeyId: user.credential_uid ?? hints.accessKeyId,
      userName: user.name ?? hints.userName,
      ...(issuer
        ? { sessionContext: { sessionIssuer: { arn: issuer, userName: nameFromArn(issuer) } } }
        : {}),
    },
    requestParameters: parseJsonText(at(r, "api.request.data")) ?? null,
    responseElements: parseJsonText(at(r, "api.response.data")) ?? null,
    ...(resources ? { resources } : {}),
  };
}

/** Elastic's AWS integration (ECS). The raw record, when `event.original` kept it, is preferred. */
function fromEcs(r: Rec, hints: RecordHints): Rec {
  const original = obj(parseJsonText(at(r, "event.original")));
  if (original && (original.eventName || original.eventSource || original.userIdentity)) {
    return asCloudTrailRecord(original, { ...hints, time: r["@timestamp"] ?? hints.time });
  }
  const ct = obj(at(r, "aws.cloudtrail")) ?? {};
  const identity = obj(ct.user_identity) ?? {};
  const issuerArn = str(at(identity, "session_context.session_issuer.arn"));
  return {
    eventID: at(r, "event.id") ?? hints.eventId,
    eventTime: pickTime([r["@timestamp"], hints.time]),
    eventName: at(r, "event.action") ?? hints.eventName,
    eventSource: at(r, "event.provider") ?? hints.eventSource,
    awsRegion: at(r, "cloud.region") ?? hints.region,
    sourceIPAddress: at(r, "source.ip") ?? at(r, "source.address"),
    userAgent: at(r, "user_agent.original"),
    errorCode: ct.error_code ?? null,
    readOnly: ct.read_only,
    userIdentity: {
      type: identity.type,
      arn: identity.arn,
      accessKeyId: identity.access_key_id ?? hints.accessKeyId,
      userName: at(r, "user.name") ?? hints.userName,
      ...(issuerArn
        ? { sessionContext: { sessionIssuer: { arn: issuerArn, userName: nameFromArn(issuerArn) } } }
        : {}),
    },
    requestParameters: at(ct, "flattened.request_parameters") ?? null,
    responseElements: at(ct, "flattened.response_elements") ?? null,
  };
}

const isOcsf = (r: Rec) => obj(r.api) !== null && (r.class_uid !== undefined || obj(r.metadata) !== null);
const isEcs = (r: Rec) =>
  r.eventName === undefined &&
  (typeof at(r, "event.action") === "string" || obj(at(r, "aws.cloudtrail")) !== null);

/**
 * Any record keywarden reads, with CloudTrail's own field names (see the top of this file). A
 * CloudTrail record passes through with only what is missing filled in.
 */
export function asCloudTrailRecord(r: Rec, hints: RecordHints = {}): Rec {
  if (isOcsf(r)) return fromOcsf(r, hints);
  if (isEcs(r)) return fromEcs(r, hints);
  const identity = obj(r.userIdentity);
  const out: Rec = { ...r };
  out.eventTime = pickTime([r.eventTime, r["@timestamp"], hints.time]);
  out.eventName ??= at(r, "evt.name") ?? hints.eventName;
  out.eventSource ??= hints.eventSource;
  out.eventID ??= r.eventId ?? hints.eventId;
  out.awsRegion ??= hints.region;
  out.sourceIPAddress ??= at(r, "network.client.ip") ?? at(r, "source.ip") ?? at(r, "source.address");
  out.userAgent ??= at(r, "http.useragent") ?? at(r, "user_agent.original");
  if (out.readOnly === undefined && hints.readOnly !== undefined) out.readOnly = hints.readOnly;
  const listed = Array.isArray(out.resources) && out.resources.length > 0;
  if (!listed && hints.resources !== undefined) out.resources = hints.resources;
  // The envelope's user name (LookupEvents' Username: for a role, the session's name) only when the
  // record names no user or role itself.
  const named = !!(
    identity?.userName ||
    at(identity, "sessionContext.sessionIssuer.userName") ||
    /:assumed-role\//.test(str(identity?.arn) ?? "")
  );
  if (!identity?.accessKeyId || (!named && hints.userName)) {
    out.userIdentity = {
      ...identity,
      accessKeyId: identity?.accessKeyId ?? hints.accessKeyId,
      ...(named || !hints.userName ? {} : { userName: hints.userName }),
    };
  }
  return out;
}

/** The access key id a record (in any shape `asCloudTrailRecord` reads) was made with. */
export function accessKeyIdOf(record: Rec): string | null {
  return str(obj(record.userIdentity)?.accessKeyId);
}

/** The last part of a role's ARN: `arn:aws:iam::1:role/path/Name` and `...:assumed-role/Name/session`. */
function nameFromArn(arn: string): string | null {
  const assumed = /:assumed-role\/([^/]+)\//.exec(arn);
  if (assumed) return assumed[1] ?? null;
  const role = /:role\/(?:.*\/)?([^/]+)$/.exec(arn);
  return role ? (role[1] ?? null) : null;
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

/**
 * One CloudTrail record (the trail's `{"Records": [record, ...]}`). `eventTime` is "" when the
 * record's time cannot be read: the caller sets such a record aside (and names it) rather than
 * date it 1970.
 */
export function fromRecord(
  record: Rec,
  origin: TrailEvent["origin"],
  opts: { lean?: boolean } = {},
): TrailEvent {
  const identity = obj(record.userIdentity) ?? {};
  const sessionIssuer = obj(obj(identity.sessionContext)?.sessionIssuer);
  const readOnly = record.readOnly;
  const assumedRole =
    str(identity.type) === "AssumedRole" && str(identity.arn) ? nameFromArn(String(identity.arn)) : null;
  return {
    eventId: str(record.eventID) ?? str(record.eventId) ?? "",
    eventTime: parseEventTime(record.eventTime) ?? "",
    eventName: str(record.eventName) ?? "",
    eventSource: str(record.eventSource) ?? "",
    region: str(record.awsRegion) ?? "",
    sourceIPAddress: str(record.sourceIPAddress),
    userAgent: str(record.userAgent),
    accessKeyId: str(identity.accessKeyId),
    userName: str(identity.userName) ?? str(sessionIssuer?.userName) ?? assumedRole,
    readOnly:
      typeof readOnly === "boolean"
        ? readOnly
        : readOnly === "true"
          ? true
          : readOnly === "false"
            ? false
            : null,
    errorCode: str(record.errorCode),
    // Lean: what a trail summary groups by, without the parameters. A busy key has hundreds of
    // thousands of records, and redacting and keeping their parameters was most of the time and
    // memory of `trail` on one (issue 19).
    resources: opts.lean ? [] : resourcesOf(record),
    requestParameters: opts.lean ? null : obj(redactValue(record.requestParameters)),
    responseElements: opts.lean ? null : obj(redactValue(record.responseElements)),
    origin,
    // Only when present, so events without one keep their shape (stored incidents, JSON output).
    ...(str(record.vpcEndpointId) ? { vpcEndpointId: String(record.vpcEndpointId) } : {}),
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

/** A LookupEvents item's record, its own fields filling what the CloudTrailEvent string lacks. */
export function lookupItemRecord(item: LookupItem, region?: string): Rec {
  let record: Rec = {};
  if (item.CloudTrailEvent) {
    try {
      record = obj(JSON.parse(item.CloudTrailEvent)) ?? {};
    } catch {
      record = {};
    }
  }
  const names = (item.Resources ?? []).map((r) => r.ResourceName).filter((n): n is string => !!n);
  return asCloudTrailRecord(record, {
    time: item.EventTime,
    region,
    eventName: item.EventName,
    eventSource: item.EventSource,
    eventId: item.EventId,
    accessKeyId: item.AccessKeyId,
    userName: item.Username,
    readOnly: item.ReadOnly === "true" ? true : item.ReadOnly === "false" ? false : undefined,
    resources: names.length > 0 ? names.map((ResourceName) => ({ ResourceName })) : undefined,
  });
}

export function fromLookupItem(item: LookupItem, region: string): TrailEvent {
  return fromRecord(lookupItemRecord(item, region), "lookup");
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
