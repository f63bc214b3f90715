import {
  COLUMN_SOURCES,
  EVENT_COLUMNS,
  GROUP_AGGREGATES,
  GROUP_COLUMNS,
  filtersOf,
  sqlString,
  type EventColumn,
  type KeyQuery,
} from "./model.js";

// The query model as DuckDB SQL over the trail's own log files (`{"Records":[...]}`, gzip'd or
// not), read by DuckDB's JSON reader built into @duckdb/node-api (no extension download).

// The record fields DuckDB reads. Everything else is skipped by its reader; request/response
// elements and resources stay JSON (their shape differs by API), as do the fields forwarders move
// the source IP and agent to.
export const RECORD_TYPE =
  'STRUCT(eventVersion VARCHAR, eventID VARCHAR, eventTime VARCHAR, "@timestamp" VARCHAR, eventName VARCHAR, ' +
  "eventSource VARCHAR, awsRegion VARCHAR, sourceIPAddress VARCHAR, userAgent VARCHAR, errorCode VARCHAR, vpcEndpointId VARCHAR, " +
  "recipientAccountId VARCHAR, readOnly JSON, userIdentity STRUCT(type VARCHAR, arn VARCHAR, accountId VARCHAR, " +
  "accessKeyId VARCHAR, userName VARCHAR, sessionContext STRUCT(sessionIssuer STRUCT(type VARCHAR, arn VARCHAR, " +
  "userName VARCHAR))), requestParameters JSON, responseElements JSON, resources JSON, network JSON, http JSON, evt JSON)";

/** `r.userIdentity.accessKeyId`: a field of the unnested record. */
const field = (c: EventColumn): string => ["r", ...COLUMN_SOURCES[c].path].join(".");
/** JSON documents come back as their text, as Athena's string columns do. */
const project = (c: EventColumn): string =>
  COLUMN_SOURCES[c].json ? `CAST(${field(c)} AS VARCHAR)` : field(c);

/**
 * The query over `files`. `withFile`: also the file each row came from (`filename`), which names
 * a file in warnings; it is where a row was read, not part of the question.
 */
export function toDuckDbSql(q: KeyQuery, files: string[], withFile = false): string {
  const source =
    `(SELECT ${withFile ? "filename, " : ""}unnest(Records) AS r FROM read_json([${files.map(sqlString).join(", ")}], ` +
    `format = 'auto', filename = ${withFile ? "true" : "false"}, maximum_object_size = 1073741824, ` +
    `columns = {Records: '${RECORD_TYPE}[]'}))`;
  const where = filtersOf(q)
    .map((f) =>
      f.op === "IN"
        ? `${field(f.column)} IN (${(f.value as string[]).map(sqlString).join(", ")})`
        : `${field(f.column)} ${f.op} ${sqlString(f.value as string)}`,
    )
    .join("\n  AND ");
  if (q.shape === "groups") {
    const keys = GROUP_COLUMNS.map((c) => `${field(c)} AS ${c}`);
    const aggs = GROUP_AGGREGATES.map(
      (a) => `${a.fn}(${a.column === null ? "*" : field(a.column)}) AS ${a.alias}`,
    );
    return (
      `SELECT ${[...keys, ...aggs].join(", ")}\nFROM ${source}\nWHERE ${where}\n` +
      `GROUP BY ${GROUP_COLUMNS.map(field).join(", ")}`
    );
  }
  const cols = EVENT_COLUMNS.map((c) => `${project(c)} AS ${c}`);
  return (
    `SELECT ${withFile ? "filename, " : ""}${cols.join(", ")}\nFROM ${source}\nWHERE ${where}\n` +
    `ORDER BY eventtime, eventid`
  );
}
