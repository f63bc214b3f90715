import { open, readFile, readdir, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { promisify } from "node:util";
import { constants as zlibConstants, gunzip, gunzipSync } from "node:zlib";
import { EnvironmentError, UsageError } from "../domain/errors.js";
import { accessKeyIdOf, asCloudTrailRecord, fromRecord } from "./normalize.js";
import type { LogReader, LogReadResult } from "./ports.js";
import { RECORD_TYPE } from "./query/duckdb.js";
import { readShaped } from "./shapes.js";
import type { TrailEvent, UndatedRecord, UnreadableFile } from "./types.js";

// The trail's log files, read for one key's records.
//
// The fast path is the trail's own S3 layout (`.json.gz` or `.json`, each `{"Records": [...]}`,
// compact, every record starting `{"eventVersion"`): a record made with the key contains the key
// id's 20 bytes, so each file is inflated (zlib, on libuv's thread pool) and searched for them,
// and only the records around a hit are cut out and parsed; the rest of the file is never parsed.
// A file without the key's bytes costs one inflate and one search.
//
// Every other layout (JSON Lines, values one after the other, top-level arrays, envelopes, other
// tools' field names: shapes.ts and normalize.ts) is parsed in JavaScript, again only the values
// that contain the key's bytes. A `{"Records":[...]}` file too large for a JavaScript string goes
// to DuckDB, the embedded analytic engine, whose JSON reader (built into @duckdb/node-api's
// binary, no extension download) also serves as the reference full scan (prefilter off).
//
// A file that cannot be read is named and skipped; the others are still read. A record of the key
// whose time cannot be read is named and left out, never dated 1970.

// Trail files and exports (.json, .jsonl, .ndjson, gzip'd or not, any .gz), and the objects
// Firehose writes without an extension: `<stream>-<n>-<yyyy-mm-dd-hh-mm-ss>-<uuid>`.
const LOG_FILE = /\.(json|jsonl|ndjson)(\.gz)?$|\.gz$/i;
const FIREHOSE_OBJECT = /-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/i;

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
    } else if (s.isFile() && (top || LOG_FILE.test(p) || FIREHOSE_OBJECT.test(basename(p)))) {
      files.push(p);
      bytes += s.size;
    }
  };
  for (const p of paths) await visit(p, true);
  return { files, bytes };
}

// The record fields DuckDB reads: the query model's (query/duckdb.ts).
const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;

export interface DuckDbReaderOptions {
  /** DuckDB worker threads (default: what DuckDB picks, one per core). */
  threads?: number;
  /** false: every file is parsed in full, `{"Records":[...]}` files by DuckDB (the reference path; slower). */
  prefilter?: boolean;
  /** Files inflated and searched at once. */
  concurrency?: number;
  /**
   * Events with only what a trail summary groups by (no resources, parameters or response): for
   * `trail`, whose output is the groups; `respond` needs the whole event.
   */
  lean?: boolean;
}

const inflate = promisify(gunzip);
// A log file inflates to megabytes; zlib's default 16 KiB output chunks cost more in copying and
// thread-pool round trips than the inflating itself (measured: 1 GB in 1.0 s with 16 KiB chunks,
// 0.65 s with 1 MiB ones, on two cores).
const INFLATE_OPTIONS = { chunkSize: 1 << 20 };
const RECORD_START = Buffer.from('{"eventVersion"');
const NEXT_RECORD = Buffer.from(',{"eventVersion"');
const AWS_RECORDS = Buffer.from('{"Records":[');
const RECORDS_FILE = /^\s*\{\s*"Records"\s*:/;
/** Past this, a file's text no longer fits in one JavaScript string: DuckDB reads it. */
const JS_TEXT_LIMIT = 256 * 1024 * 1024;

type Rec = Record<string, unknown>;

/**
 * The records that mention `key` in one `{"Records":[...]}` file as CloudTrail writes it, parsed;
 * null when they cannot be cut out (another layout, or a damaged file): the caller reads it whole.
 */
export function cutRecords(text: Buffer, key: Buffer, firstHit = text.indexOf(key)): Rec[] | null {
  const out: Rec[] = [];
  let hit = firstHit;
  while (hit >= 0) {
    const start = text.lastIndexOf(RECORD_START, hit);
    if (start < 0) return null;
    let end = text.indexOf(NEXT_RECORD, hit);
    if (end < 0) {
      // The last record: it ends where the Records array does.
      end = text.lastIndexOf("]");
      if (end < hit) return null;
    }
    let record: unknown;
    try {
      record = JSON.parse(text.toString("utf8", start, end));
    } catch {
      return null; // not a whole record (an unusual layout or a damaged file)
    }
    if (typeof record !== "object" || record === null || Array.isArray(record)) return null;
    out.push(record as Rec);
    hit = text.indexOf(key, end);
  }
  return out;
}

/** A file's bytes, inflated when gzip'd (twice: Firehose may gzip CloudWatch Logs' gzip'd data). */
async function load(file: string): Promise<Buffer> {
  let text = await readFile(file);
  for (let i = 0; i < 2 && text[0] === 0x1f && text[1] === 0x8b; i++)
    text = await inflate(text, INFLATE_OPTIONS);
  return text;
}

const isRecordsFile = (text: Buffer) =>
  RECORDS_FILE.test(text.toString("utf8", 0, 64).replace(/^\uFEFF/, ""));

/**
 * Whether a file is a `{"Records":[...]}` file DuckDB can read by itself (plain, or gzip'd with a
 * .gz name), from its first bytes only: the reference path hands those to DuckDB without
 * inflating them here.
 */
async function isDuckDbRecordsFile(file: string): Promise<boolean> {
  const handle = await open(file, "r");
  try {
    const head = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    let start = head.subarray(0, bytesRead);
    if (start[0] === 0x1f && start[1] === 0x8b) {
      if (!/\.gz$/i.test(file)) return false;
      start = gunzipSync(start, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    }
    return isRecordsFile(start);
  } catch {
    return false; // unreadable or not gzip after all: the JavaScript path says why
  } finally {
    await handle.close();
  }
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err)).split("\n")[0] ?? "";

const rawTime = (r: Rec): string | null => {
  const t = r.eventTime;
  return t === undefined || t === null ? null : typeof t === "string" ? t : JSON.stringify(t);
};

/**
 * Where the key's records go as they are found: each is made an event at once, so a busy key's
 * raw records (kilobytes each as parsed objects) are never all held together.
 */
class Kept {
  readonly events: TrailEvent[] = [];
  readonly undated: UndatedRecord[] = [];
  private readonly cut: string;

  constructor(
    private readonly accessKeyId: string,
    since: Date | null | undefined,
    private readonly lean: boolean,
  ) {
    this.cut = since ? since.toISOString() : "";
  }

  // Each parsed record brings its own copy of strings that repeat across a busy key's events (the
  // same agent, region, event name, user): kept events share one copy of each, which is a third
  // of their memory on the 1 GB bench. Bounded, so a field that never repeats cannot grow it.
  private readonly strings = new Map<string, string>();

  private one<T extends string | null>(s: T): T {
    if (s === null) return s;
    const known = this.strings.get(s);
    if (known !== undefined) return known as T;
    if (this.strings.size < 50_000) this.strings.set(s, s);
    return s;
  }

  private share(e: TrailEvent): void {
    e.eventName = this.one(e.eventName);
    e.eventSource = this.one(e.eventSource);
    e.region = this.one(e.region);
    e.userAgent = this.one(e.userAgent);
    e.accessKeyId = this.one(e.accessKeyId);
    e.userName = this.one(e.userName);
    e.errorCode = this.one(e.errorCode);
  }

  /** Keeps the records made with the key; returns how many were. */
  add(file: string, records: Rec[]): number {
    let n = 0;
    for (const record of records) {
      if (accessKeyIdOf(record) !== this.accessKeyId) continue;
      n++;
      const e = fromRecord(record, "logs", { lean: this.lean });
      if (this.lean) this.share(e);
      if (e.eventTime === "") {
        this.undated.push({ file, eventId: e.eventId, eventName: e.eventName, time: rawTime(record) });
      } else if (e.eventTime >= this.cut) {
        this.events.push(e);
      }
    }
    return n;
  }
}

interface Scan {
  /** `{"Records":[...]}` files DuckDB reads whole. */
  duckFiles: string[];
  unreadable: UnreadableFile[];
}

function describeBadLines(bad: { line: number; error: string }[], all: number): string {
  const shown = bad.slice(0, 3).map((b) => `line ${b.line}: ${b.error}`);
  const more = bad.length > 3 ? `; ${bad.length - 3} more` : "";
  return `${bad.length} line(s) are not JSON and were skipped (${shown.join("; ")}${more}); its other ${all} record(s) of the key were read`;
}

/** Reads every file, `concurrency` at a time, and keeps the key's records. */
async function scanFiles(
  files: string[],
  kept: Kept,
  accessKeyId: string,
  prefilter: boolean,
  concurrency: number,
): Promise<Scan> {
  const key = Buffer.from(accessKeyId);
  const scan: Scan = { duckFiles: [], unreadable: [] };
  const keep = (file: string, records: Rec[]) => kept.add(file, records);
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const file = files[next++] as string;
      if (!prefilter && (await isDuckDbRecordsFile(file))) {
        scan.duckFiles.push(file);
        continue;
      }
      let text: Buffer;
      try {
        text = await load(file);
      } catch (err) {
        scan.unreadable.push({ file, error: `could not read it: ${message(err)}`, skipped: "file" });
        continue;
      }
      const first = prefilter ? text.indexOf(key) : 0;
      if (first < 0) continue;
      if (prefilter && text.subarray(0, AWS_RECORDS.length).equals(AWS_RECORDS)) {
        const cut = cutRecords(text, key, first);
        if (cut) {
          keep(
            file,
            cut.map((r) => asCloudTrailRecord(r)),
          );
          continue;
        }
      }
      if (text.length > JS_TEXT_LIMIT && isRecordsFile(text) && /\.json(\.gz)?$/i.test(file)) {
        scan.duckFiles.push(file);
        continue;
      }
      const shaped = readShaped(text, prefilter ? key : null);
      if (shaped.error) {
        scan.unreadable.push({ file, error: shaped.error, skipped: "file" });
        continue;
      }
      const kept = keep(file, shaped.records);
      if (shaped.badLines.length > 0) {
        scan.unreadable.push({ file, error: describeBadLines(shaped.badLines, kept), skipped: "lines" });
      } else if (prefilter && !shaped.recognised) {
        scan.unreadable.push({
          file,
          error: "it mentions the key but holds no CloudTrail record in a layout keywarden reads",
          skipped: "file",
        });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, files.length)) }, worker));
  return scan;
}

async function openEngine(threads: number | undefined) {
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
    ...(threads ? { threads: String(threads) } : {}),
  });
  const conn = await instance.connect();
  return {
    conn,
    close: () => {
      conn.closeSync();
      instance.closeSync();
    },
  };
}

/**
 * The key's records in whole `{"Records":[...]}` files, read by DuckDB. All files in one query;
 * if that fails, file by file, so a damaged file is named and the others still read.
 */
async function duckRead(
  files: string[],
  kept: Kept,
  accessKeyId: string,
  threads: number | undefined,
): Promise<Scan> {
  const scan: Scan = { duckFiles: [], unreadable: [] };
  const { conn, close } = await openEngine(threads);
  const query = async (batch: string[]) => {
    const reader = await conn.runAndReadAll(`
      SELECT filename, CAST(to_json(r) AS VARCHAR) AS j
      FROM (
        SELECT filename, unnest(Records) AS r
        FROM read_json([${batch.map(sqlString).join(", ")}], format = 'auto', filename = true,
                       maximum_object_size = 1073741824, columns = {Records: '${RECORD_TYPE}[]'})
      )
      WHERE r.userIdentity.accessKeyId = ${sqlString(accessKeyId)}`);
    return reader.getRowObjectsJS() as unknown as { filename: string; j: string }[];
  };
  try {
    let rows: { filename: string; j: string }[] = [];
    try {
      rows = await query(files);
    } catch {
      for (const file of files) {
        try {
          rows.push(...(await query([file])));
        } catch (err) {
          scan.unreadable.push({
            file,
            error: `not a CloudTrail log file: ${message(err)}`,
            skipped: "file",
          });
        }
      }
    }
    for (const row of rows) kept.add(row.filename, [asCloudTrailRecord(JSON.parse(row.j) as Rec)]);
  } finally {
    close();
  }
  return scan;
}

export function duckDbLogReader(opts: DuckDbReaderOptions = {}): LogReader {
  return {
    async read(paths, accessKeyId, since): Promise<LogReadResult> {
      const { files, bytes } = await listLogFiles(paths);
      const prefilter = opts.prefilter !== false;
      const kept = new Kept(accessKeyId, since, opts.lean === true);
      const scan = await scanFiles(files, kept, accessKeyId, prefilter, opts.concurrency ?? 4);
      if (scan.duckFiles.length > 0) {
        const more = await duckRead(scan.duckFiles, kept, accessKeyId, opts.threads);
        scan.unreadable.push(...more.unreadable);
      }
      const events = kept.events;
      events.sort((a, b) =>
        a.eventTime === b.eventTime ? a.eventId.localeCompare(b.eventId) : a.eventTime < b.eventTime ? -1 : 1,
      );
      const byFile = (a: { file: string }, b: { file: string }) => a.file.localeCompare(b.file);
      return {
        events,
        files: files.length,
        bytes,
        unreadableFiles: scan.unreadable.sort(byFile),
        undatedRecords: kept.undated.sort(byFile),
      };
    },
  };
}
