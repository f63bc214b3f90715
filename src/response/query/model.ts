// One query model for "what did this key do": which rows (the key id, a time window, and the
// accounts and regions when they are known), which columns, and whether rows come back one per
// event or grouped as `trail` groups them. It is rendered two ways: duckdb.ts for the trail's log
// files read on this machine, athena.ts for Amazon Athena's Trino SQL over the trail bucket. Both
// renderings come from the tables below, so they cannot drift apart on their own; the tests parse
// each rendering with a real parser for its dialect and check they ask the same question.

/** The columns a query reads, by their logical name (the alias every rendering gives them). */
export const EVENT_COLUMNS = [
  "eventid",
  "eventtime",
  "eventname",
  "eventsource",
  "awsregion",
  "sourceipaddress",
  "useragent",
  "errorcode",
  "readonly",
  "recipientaccountid",
  "accesskeyid",
  "principaltype",
  "principalarn",
  "username",
  "sessionissuername",
  "requestparameters",
  "responseelements",
  "resources",
] as const;
export type EventColumn = (typeof EVENT_COLUMNS)[number];

/** `trail`'s grouping (analyze.ts groupEvents): who, from where, what. */
export const GROUP_COLUMNS = ["sourceipaddress", "useragent", "awsregion", "eventname"] as const;
export type GroupColumn = (typeof GROUP_COLUMNS)[number];

/** What each group carries beside its key. */
export const GROUP_AGGREGATES = [
  { alias: "count", fn: "count", column: null },
  { alias: "firstseen", fn: "min", column: "eventtime" },
  { alias: "lastseen", fn: "max", column: "eventtime" },
] as const;

/**
 * Where each logical column lives. `path` is the field in a CloudTrail record (the log files'
 * JSON, which DuckDB reads); `athena` is the column of AWS's documented CloudTrail table in
 * Athena (lower case, nested fields as struct members). `json`: the value is a JSON document
 * (request/response elements, resources), returned as JSON text by both renderings.
 */
export const COLUMN_SOURCES: Record<EventColumn, { path: string[]; athena: string[]; json?: true }> = {
  eventid: { path: ["eventID"], athena: ["eventid"] },
  eventtime: { path: ["eventTime"], athena: ["eventtime"] },
  eventname: { path: ["eventName"], athena: ["eventname"] },
  eventsource: { path: ["eventSource"], athena: ["eventsource"] },
  awsregion: { path: ["awsRegion"], athena: ["awsregion"] },
  sourceipaddress: { path: ["sourceIPAddress"], athena: ["sourceipaddress"] },
  useragent: { path: ["userAgent"], athena: ["useragent"] },
  errorcode: { path: ["errorCode"], athena: ["errorcode"] },
  readonly: { path: ["readOnly"], athena: ["readonly"], json: true },
  recipientaccountid: { path: ["recipientAccountId"], athena: ["recipientaccountid"] },
  accesskeyid: { path: ["userIdentity", "accessKeyId"], athena: ["useridentity", "accesskeyid"] },
  principaltype: { path: ["userIdentity", "type"], athena: ["useridentity", "type"] },
  principalarn: { path: ["userIdentity", "arn"], athena: ["useridentity", "arn"] },
  username: { path: ["userIdentity", "userName"], athena: ["useridentity", "username"] },
  sessionissuername: {
    path: ["userIdentity", "sessionContext", "sessionIssuer", "userName"],
    athena: ["useridentity", "sessioncontext", "sessionissuer", "username"],
  },
  requestparameters: { path: ["requestParameters"], athena: ["requestparameters"], json: true },
  responseelements: { path: ["responseElements"], athena: ["responseelements"], json: true },
  resources: { path: ["resources"], athena: ["resources"], json: true },
};

export interface KeyQuery {
  accessKeyId: string;
  /** Events at or after `start` and before `end` (either may be open). */
  window: { start: Date | null; end: Date | null };
  /** Only these accounts (the recipient account of the event) / regions; null: all. */
  accounts: string[] | null;
  regions: string[] | null;
  /** "events": one row per event, oldest first; "groups": trail's groups. */
  shape: "events" | "groups";
}

/** A row filter on a logical column: the part of a query both engines must agree on. */
export interface Filter {
  column: EventColumn;
  op: "=" | ">=" | "<" | "IN";
  value: string | string[];
}

/** CloudTrail writes eventTime as `2026-11-20T03:02:00Z`: the same form compares as text. */
export const cloudTrailTime = (d: Date): string => `${d.toISOString().slice(0, 19)}Z`;

/** The row filters of a query, in the order every rendering writes them. */
export function filtersOf(q: KeyQuery): Filter[] {
  const f: Filter[] = [{ column: "accesskeyid", op: "=", value: q.accessKeyId }];
  if (q.window.start) f.push({ column: "eventtime", op: ">=", value: cloudTrailTime(q.window.start) });
  if (q.window.end) f.push({ column: "eventtime", op: "<", value: cloudTrailTime(q.window.end) });
  if (q.accounts && q.accounts.length > 0)
    f.push({ column: "recipientaccountid", op: "IN", value: [...q.accounts].sort() });
  if (q.regions && q.regions.length > 0)
    f.push({ column: "awsregion", op: "IN", value: [...q.regions].sort() });
  return f;
}

/** The structured question a query asks, engine-free: what the equivalence tests compare. */
export interface QueryDescription {
  filters: { column: string; op: string; value: string | string[] }[];
  /** alias -> the logical column it reads, or `fn(column)` for an aggregate. */
  projections: Record<string, string>;
  groupBy: string[];
  orderBy: string[];
}

export function describeQuery(q: KeyQuery): QueryDescription {
  const filters = filtersOf(q).map((f) => ({ ...f }));
  if (q.shape === "groups") {
    const projections: Record<string, string> = {};
    for (const c of GROUP_COLUMNS) projections[c] = c;
    for (const a of GROUP_AGGREGATES) projections[a.alias] = `${a.fn}(${a.column ?? "*"})`;
    return { filters, projections, groupBy: [...GROUP_COLUMNS], orderBy: [] };
  }
  const projections: Record<string, string> = {};
  for (const c of EVENT_COLUMNS) projections[c] = c;
  return { filters, projections, groupBy: [], orderBy: ["eventtime", "eventid"] };
}

/** SQL string literal (both dialects double a quote inside). */
export const sqlString = (s: string): string => `'${s.replace(/'/g, "''")}'`;
