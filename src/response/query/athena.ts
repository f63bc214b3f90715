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

// The query model as Amazon Athena SQL (Trino) over the CloudTrail table `athena setup` creates
// (AWS's documented CloudTrail columns, partitioned by account, region and date with partition
// projection). Identifiers are double-quoted where Trino reserves the word (`date`), never
// backticked (backticks are Hive DDL, not Trino DML).

/** Partition columns of the table, in the order of the bucket's path. */
export const PARTITIONS = ["account", "region", "date"] as const;
/** The date partition's format: CloudTrail's own folders, `AWSLogs/.../2026/11/20/`. */
export const PARTITION_DATE_FORMAT = "yyyy/MM/dd";

const DAY_MS = 86_400_000;
const day = (d: Date) => d.toISOString().slice(0, 10).replace(/-/g, "/");

/**
 * The date folders that can hold the window's events. CloudTrail files an event under the day it
 * delivers the file, about 5 to 15 minutes after the event, so an event just before midnight UTC
 * sits in the next day's folder: the range runs to the day after the window's end. Null: no
 * bound on that side (the caller bounds every query it runs).
 */
export function dateRange(window: { start: Date | null; end: Date | null }): {
  from: string | null;
  to: string | null;
} {
  return {
    from: window.start ? day(window.start) : null,
    to: window.end ? day(new Date(window.end.getTime() + DAY_MS)) : null,
  };
}

export interface AthenaTable {
  database: string;
  table: string;
}

/** `"keywarden"."cloudtrail"`: names are checked (athena setup's rules) before they get here. */
export const tableRef = (t: AthenaTable): string => `"${t.database}"."${t.table}"`;

const column = (c: EventColumn): string => COLUMN_SOURCES[c].athena.join(".");
const project = (c: EventColumn): string =>
  // resources is an array of structs in the table: as JSON text, like the log files' own.
  c === "resources" ? `json_format(CAST(${column(c)} AS JSON))` : column(c);

/** The partition filters (pruning: which folders Athena reads), then the row filters. */
export function athenaWhere(q: KeyQuery): string[] {
  const where: string[] = [];
  const range = dateRange(q.window);
  if (range.from && range.to)
    where.push(`"date" BETWEEN ${sqlString(range.from)} AND ${sqlString(range.to)}`);
  else if (range.from) where.push(`"date" >= ${sqlString(range.from)}`);
  else if (range.to) where.push(`"date" <= ${sqlString(range.to)}`);
  if (q.accounts && q.accounts.length > 0)
    where.push(`account IN (${[...q.accounts].sort().map(sqlString).join(", ")})`);
  if (q.regions && q.regions.length > 0)
    where.push(`region IN (${[...q.regions].sort().map(sqlString).join(", ")})`);
  for (const f of filtersOf(q)) {
    where.push(
      f.op === "IN"
        ? `${column(f.column)} IN (${(f.value as string[]).map(sqlString).join(", ")})`
        : `${column(f.column)} ${f.op} ${sqlString(f.value as string)}`,
    );
  }
  return where;
}

export function toAthenaSql(q: KeyQuery, table: AthenaTable): string {
  const where = athenaWhere(q).join("\n  AND ");
  if (q.shape === "groups") {
    const keys = GROUP_COLUMNS.map((c) => `${column(c)} AS ${c}`);
    const aggs = GROUP_AGGREGATES.map(
      (a) => `${a.fn}(${a.column === null ? "*" : column(a.column)}) AS ${a.alias}`,
    );
    return (
      `SELECT ${[...keys, ...aggs].join(", ")}\nFROM ${tableRef(table)}\nWHERE ${where}\n` +
      `GROUP BY ${GROUP_COLUMNS.map(column).join(", ")}`
    );
  }
  const cols = EVENT_COLUMNS.map((c) => `${project(c)} AS ${c}`);
  return `SELECT ${cols.join(", ")}\nFROM ${tableRef(table)}\nWHERE ${where}\nORDER BY eventtime, eventid`;
}
