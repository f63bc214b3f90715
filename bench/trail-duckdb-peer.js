// The peer of `keywarden trail --logs` on a busy key: a plain DuckDB query over the same files,
// as an analyst would write it (node bench/trail-duckdb-peer.js DIR KEY). Prints the groups.
import process from "node:process";
import { DuckDBInstance } from "@duckdb/node-api";

const [dir, key] = process.argv.slice(2);
const db = await DuckDBInstance.create(":memory:");
const conn = await db.connect();
const reader = await conn.runAndReadAll(`
  SELECT r.sourceIPAddress, r.userAgent, r.awsRegion AS region, r.eventName,
         count(*) AS count, min(r.eventTime) AS firstSeen, max(r.eventTime) AS lastSeen
  FROM (SELECT unnest(Records) AS r
        FROM read_json('${dir}/**/*.json.gz', format = 'auto', maximum_object_size = 1073741824))
  WHERE r.userIdentity.accessKeyId = '${key}'
  GROUP BY ALL ORDER BY lastSeen DESC`);
const rows = reader.getRowObjectsJS().map((r) => ({ ...r, count: Number(r.count) }));
process.stdout.write(JSON.stringify(rows));
conn.closeSync();
db.closeSync();
