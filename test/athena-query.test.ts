import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { describe, expect, it } from "vitest";
import { groupEvents } from "../src/response/analyze.js";
import { duckDbLogReader } from "../src/response/logs.js";
import { toAthenaSql, dateRange } from "../src/response/query/athena.js";
import { toDuckDbSql } from "../src/response/query/duckdb.js";
import { describeQuery, type KeyQuery } from "../src/response/query/model.js";
import { eventOfRow, type QueryRow } from "../src/response/query/rows.js";
import { writeLogFolder } from "./fixtures/cloudtrail/attack.js";
import { describeDuckDb, describeTrino, trinoAst } from "./helpers/sql-describe.js";

// One query model, two renderings: each is read back by a real parser for its dialect (DuckDB's
// own for the local SQL, node-sql-parser's Trino grammar for Athena's) and must ask the model's
// question; the DuckDB rendering also runs on the trail fixtures and must find what the log
// reader finds.

const KEY = "AKIAIOSFODNN7EXAMPLE";
const TABLE = { database: "keywarden", table: "cloudtrail" };
const q = (over: Partial<KeyQuery>): KeyQuery => ({
  accessKeyId: KEY,
  window: { start: null, end: null },
  accounts: null,
  regions: null,
  shape: "events",
  ...over,
});
const START = new Date("2026-11-20T03:10:00.000Z");
const END = new Date("2026-11-30T23:50:00.000Z");

const CASES: [string, KeyQuery][] = [
  ["the key alone", q({})],
  ["the key since a time", q({ window: { start: START, end: null } })],
  ["the key in a closed window", q({ window: { start: START, end: END } })],
  [
    "known accounts and regions",
    q({
      window: { start: START, end: END },
      accounts: ["222222222222", "111111111111"],
      regions: ["eu-west-1", "us-east-1"],
    }),
  ],
  ["trail's groups", q({ shape: "groups", window: { start: START, end: END } })],
  [
    "groups in one account",
    q({ shape: "groups", accounts: ["123456789012"], window: { start: START, end: null } }),
  ],
  ["a quote in a value is a literal, not SQL", q({ accessKeyId: "AKIA' OR '1'='1", regions: ["x'y"] })],
];

describe("the two renderings ask the model's question", () => {
  it.each(CASES)("%s", async (_name, query) => {
    const want = describeQuery(query);
    const duck = await describeDuckDb(toDuckDbSql(query, ["/tmp/a.json.gz", "/tmp/b.json"], true));
    const athena = describeTrino(toAthenaSql(query, TABLE));
    for (const got of [duck, athena]) {
      expect(got.projections).toEqual(want.projections);
      expect(got.filters).toEqual(want.filters);
      expect(got.groupBy).toEqual(want.groupBy);
      expect(got.orderBy).toEqual(want.orderBy);
    }
    // Athena alone also prunes partitions: the date folders cover the window (to the day after
    // its end: late delivery), and accounts and regions are the ones asked for.
    const range = dateRange(query.window);
    const datePart = athena.partitions.find((p) => p.column === "date");
    if (range.from && range.to)
      expect(datePart).toEqual({ column: "date", op: "BETWEEN", value: [range.from, range.to] });
    else if (range.from) expect(datePart).toEqual({ column: "date", op: ">=", value: range.from });
    else expect(datePart).toBeUndefined();
    expect(athena.partitions.find((p) => p.column === "account")?.value ?? null).toEqual(
      query.accounts ? [...query.accounts].sort() : null,
    );
    expect(athena.partitions.find((p) => p.column === "region")?.value ?? null).toEqual(
      query.regions ? [...query.regions].sort() : null,
    );
  });

  it("the date range runs from the window's first day to the day after its end", () => {
    expect(dateRange({ start: START, end: END })).toEqual({ from: "2026/11/20", to: "2026/12/01" });
  });

  it("the checkers catch a rendering that asks something else", async () => {
    // Not a tautology: a wrong column, a missing filter or a backtick is noticed.
    const sql = toAthenaSql(q({ window: { start: START, end: null } }), TABLE);
    expect(
      describeTrino(sql.replace("useridentity.accesskeyid =", "useridentity.username =")).filters,
    ).not.toEqual(describeQuery(q({ window: { start: START, end: null } })).filters);
    expect(() => trinoAst(sql.replace('"date"', "`date`"))).toThrow(/backticks/);
    expect(() => trinoAst(sql.replace("WHERE", "WHERE WHERE"))).toThrow();
    const duckSql = toDuckDbSql(q({}), ["/tmp/a.json"]);
    await expect(describeDuckDb(duckSql.replace("r.eventName AS", "r.eventNam AS"))).rejects.toThrow(
      /no column of the model/,
    );
  });
});

async function runDuck(sql: string): Promise<Record<string, unknown>[]> {
  const db = await DuckDBInstance.create(":memory:", {
    autoinstall_known_extensions: "false",
    autoload_known_extensions: "false",
  });
  const conn = await db.connect();
  try {
    return (await conn.runAndReadAll(sql)).getRowObjectsJS();
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

describe("the DuckDB rendering on the trail's log files", () => {
  it("finds the events the log reader finds, with the same fields", async () => {
    const root = await writeLogFolder(KEY);
    const day = (d: string) =>
      join(root, "AWSLogs", "123456789012", "CloudTrail", "us-east-1", "2026", "11", d);
    const files = [join(day("10"), "a.json.gz"), join(day("20"), "b.json.gz"), join(day("20"), "c.json")];
    const reader = await duckDbLogReader().read([root], KEY, START);
    const rows = await runDuck(toDuckDbSql(q({ window: { start: START, end: null } }), files));
    const events = rows.map((r) => eventOfRow(r as QueryRow));
    expect(events.map((e) => e.eventId)).toEqual(reader.events.map((e) => e.eventId));
    expect(events).toEqual(reader.events);

    const groups = await runDuck(toDuckDbSql(q({ shape: "groups" }), files));
    const all = await duckDbLogReader().read([root], KEY, null);
    const want = groupEvents(all.events).map((g) => [
      g.sourceIPAddress,
      g.userAgent,
      g.region,
      g.eventName,
      g.count,
      g.firstSeen,
      g.lastSeen,
    ]);
    const got = groups.map((g) => [
      g.sourceipaddress,
      g.useragent,
      g.awsregion,
      g.eventname,
      Number(g.count),
      `${String(g.firstseen).slice(0, 19)}.000Z`,
      `${String(g.lastseen).slice(0, 19)}.000Z`,
    ]);
    expect(got.sort()).toEqual(want.sort());
  });
});
