import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { EnvironmentError, UsageError } from "../domain/errors.js";
import { fromRecord } from "./normalize.js";
import type { LogReader, LogReadResult } from "./ports.js";
import type { TrailEvent } from "./types.js";

// The trail's log files as S3 holds them (`.json.gz` or `.json`, each `{"Records": [...]}`), read
// by DuckDB, the embedded analytic engine: its JSON reader is built into @duckdb/node-api's binary
// (no extension download) and reads gzip itself, several files at once. Only the key's records
// leave the engine, as JSON text, and are normalized like LookupEvents results.

const LOG_FILE = /\.json(\.gz)?$/i;

/** Files under the given paths (folders walked), sorted, with their total size on disk. */
export async function listLogFiles(paths: string[]): Promise<{ files: string[]; bytes: number }> {
  const files: string[] = [];
  let bytes = 0;
  const visit = async (p: string, top: boolean): Promise<void> => {
    let s;
    try {
      s = await stat(p);
    } catch {
      if (top)
        throw new UsageError(
          `--logs ${p}: no such file or folder`,
          "Pass a folder of CloudTrail .json.gz files, or the files themselves.",
        );
      return;
    }
    if (s.isDirectory()) {
      const entries = await readdir(p);
      for (const e of entries.sort()) await visit(join(p, e), false);
    } else if (s.isFile() && (top || LOG_FILE.test(p))) {
      files.push(p);
      bytes += s.size;
    }
  };
  for (const p of paths) await visit(p, true);
  return { files, bytes };
}

// The record fields keywarden reads. Everything else in a record is skipped by the reader;
// request/response elements and resources stay JSON text (their shape differs by API).
const RECORD_TYPE =
  "STRUCT(eventVersion VARCHAR, eventID VARCHAR, eventTime VARCHAR, eventName VARCHAR, eventSource VARCHAR, " +
  "awsRegion VARCHAR, sourceIPAddress VARCHAR, userAgent VARCHAR, errorCode VARCHAR, readOnly JSON, " +
  "userIdentity STRUCT(type VARCHAR, arn VARCHAR, accountId VARCHAR, accessKeyId VARCHAR, userName VARCHAR), " +
  "requestParameters JSON, responseElements JSON, resources JSON)";

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;

export interface DuckDbReaderOptions {
  /** DuckDB worker threads (default: what DuckDB picks, one per core). */
  threads?: number;
}

interface Row {
  eventID: string | null;
  eventTime: string | null;
  eventName: string | null;
  eventSource: string | null;
  awsRegion: string | null;
  sourceIPAddress: string | null;
  userAgent: string | null;
  errorCode: string | null;
  readOnly: string | null;
  accessKeyId: string | null;
  userName: string | null;
  requestParameters: string | null;
  responseElements: string | null;
  resources: string | null;
}

const parse = (s: string | null): unknown => {
  if (s === null) return null;
  try {
    return JSON.parse(s);
  } catch {
    return null;
  }
};

export function duckDbLogReader(opts: DuckDbReaderOptions = {}): LogReader {
  return {
    async read(paths, accessKeyId, since): Promise<LogReadResult> {
      const { files, bytes } = await listLogFiles(paths);
      if (files.length === 0) return { events: [], files: 0, bytes: 0 };
      let duck: typeof import("@duckdb/node-api");
      try {
        duck = await import("@duckdb/node-api");
      } catch (err) {
        throw new EnvironmentError(
          "DUCKDB_MISSING",
          "the DuckDB engine (@duckdb/node-api) could not be loaded to read log files",
          "Reinstall keywarden's dependencies (npm ci), or investigate without --logs.",
          { cause: err },
        );
      }
      const instance = await duck.DuckDBInstance.create(":memory:", {
        // Never reach the network: the JSON reader is built in.
        autoinstall_known_extensions: "false",
        autoload_known_extensions: "false",
        ...(opts.threads ? { threads: String(opts.threads) } : {}),
      });
      const conn = await instance.connect();
      try {
        const list = `[${files.map(sqlString).join(", ")}]`;
        const sinceFilter = since
          ? ` AND r.eventTime >= ${sqlString(since.toISOString().replace(/\.\d{3}Z$/, "Z"))}`
          : "";
        // A log file is one JSON object; maximum_object_size must hold the largest file.
        const sql = `
          SELECT r.eventID, r.eventTime, r.eventName, r.eventSource, r.awsRegion, r.sourceIPAddress,
                 r.userAgent, r.errorCode, CAST(r.readOnly AS VARCHAR) AS readOnly,
                 r.userIdentity.accessKeyId AS accessKeyId, r.userIdentity.userName AS userName,
                 CAST(r.requestParameters AS VARCHAR) AS requestParameters,
                 CAST(r.responseElements AS VARCHAR) AS responseElements,
                 CAST(r.resources AS VARCHAR) AS resources
          FROM (
            SELECT unnest(Records) AS r
            FROM read_json(${list}, format = 'auto',
                           maximum_object_size = 1073741824, ignore_errors = false,
                           columns = {Records: '${RECORD_TYPE}[]'})
          )
          WHERE r.userIdentity.accessKeyId = ${sqlString(accessKeyId)}${sinceFilter}`;
        let reader;
        try {
          reader = await conn.runAndReadAll(sql);
        } catch (err) {
          throw new UsageError(
            `could not read the CloudTrail log files under ${paths.join(", ")}: ${(err as Error).message.split("\n")[0] ?? ""}`,
            'Pass CloudTrail log files as S3 stores them: .json.gz or .json, each {"Records": [...]}.',
          );
        }
        const events: TrailEvent[] = (reader.getRowObjectsJS() as unknown as Row[]).map((row) =>
          fromRecord(
            {
              eventID: row.eventID,
              eventTime: row.eventTime,
              eventName: row.eventName,
              eventSource: row.eventSource,
              awsRegion: row.awsRegion,
              sourceIPAddress: row.sourceIPAddress,
              userAgent: row.userAgent,
              errorCode: row.errorCode,
              readOnly: parse(row.readOnly),
              userIdentity: { accessKeyId: row.accessKeyId, userName: row.userName },
              requestParameters: parse(row.requestParameters),
              responseElements: parse(row.responseElements),
              resources: parse(row.resources),
            },
            "logs",
          ),
        );
        return { events, files: files.length, bytes };
      } finally {
        conn.closeSync();
        instance.closeSync();
      }
    },
  };
}
