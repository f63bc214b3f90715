import { asCloudTrailRecord, fromRecord } from "../normalize.js";
import type { TrailEvent } from "../types.js";
import { EVENT_COLUMNS, type EventColumn } from "./model.js";

// A row of the events query (from DuckDB or from Athena's GetQueryResults, every value text or
// null) back into a CloudTrail record, then into the TrailEvent every source produces: the
// analysis downstream cannot tell which engine read it.

export type QueryRow = Partial<Record<EventColumn, string | null>>;

const json = (v: string | null | undefined): unknown => {
  if (v === null || v === undefined || v === "") return undefined;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return v;
  }
};

export function recordOfRow(row: QueryRow): Record<string, unknown> {
  const v = (c: EventColumn) => row[c] ?? undefined;
  const issuer = v("sessionissuername");
  return {
    eventID: v("eventid"),
    eventTime: v("eventtime"),
    eventName: v("eventname"),
    eventSource: v("eventsource"),
    awsRegion: v("awsregion"),
    sourceIPAddress: v("sourceipaddress"),
    userAgent: v("useragent"),
    errorCode: v("errorcode"),
    readOnly: json(v("readonly")),
    recipientAccountId: v("recipientaccountid"),
    userIdentity: {
      type: v("principaltype"),
      arn: v("principalarn"),
      accessKeyId: v("accesskeyid"),
      userName: v("username"),
      ...(issuer ? { sessionContext: { sessionIssuer: { userName: issuer } } } : {}),
    },
    requestParameters: json(v("requestparameters")) ?? null,
    responseElements: json(v("responseelements")) ?? null,
    resources: json(v("resources")),
  };
}

export const eventOfRow = (row: QueryRow): TrailEvent =>
  fromRecord(asCloudTrailRecord(recordOfRow(row)), "logs");

/** Athena's result rows (the first is the header) as QueryRows keyed by column name. */
export function rowsOfResultSet(
  header: string[],
  rows: { Data?: { VarCharValue?: string | undefined }[] | undefined }[],
): QueryRow[] {
  const known = new Set<string>(EVENT_COLUMNS);
  return rows.map((r) => {
    const out: QueryRow = {};
    header.forEach((name, i) => {
      if (known.has(name)) out[name as EventColumn] = r.Data?.[i]?.VarCharValue ?? null;
    });
    return out;
  });
}
