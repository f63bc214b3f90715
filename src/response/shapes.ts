import { asCloudTrailRecord, lookupItemRecord } from "./normalize.js";

// The JSON layouts CloudTrail records arrive in, besides the trail's own `{"Records":[...]}`:
// - one JSON value: a top-level array (Stratus Red Team's detonation logs), `{"Events":[...]}`
//   (`aws cloudtrail lookup-events` saved to a file), `{"data":[...]}` (Datadog's Logs Search
//   API), an Elasticsearch `_search` response (`hits.hits[]._source`);
// - JSON Lines, one value per line (Logstash and Kafka exports such as OTRF Security-Datasets,
//   Security Lake exports, Firehose with its newline delimiter, `jq -c` output, elasticdump);
// - values one after the other with nothing between (Firehose's default delivery to S3:
//   EventBridge envelopes, CloudWatch Logs subscription payloads).
// Envelopes are opened: EventBridge's `detail`, CloudWatch Logs' `logEvents[].message`, a
// LookupEvents item's `CloudTrailEvent`, Datadog's `attributes.attributes`, Elasticsearch's
// `_source`. Each record then goes through asCloudTrailRecord (normalize.ts).
//
// Only the values that contain the key id's bytes are parsed (the same prefilter as the S3 path):
// a record made with the key contains them in every shape above.

type Rec = Record<string, unknown>;
const obj = (v: unknown): Rec | null =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Rec) : null;

export interface ShapedRead {
  /** Records (CloudTrail's field names) of the values that mention the key. */
  records: Rec[];
  /** The file could not be read at all: what is wrong and where. */
  error: string | null;
  /** Lines of a JSON Lines file that are not JSON (every other line was read). */
  badLines: { line: number; error: string }[];
  /** Some value held a record keywarden recognises (for a file that mentions the key but has none). */
  recognised: boolean;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NL = 0x0a;
const isSpace = (c: number | undefined) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/** Index just past the JSON object or array starting at `i`, or -1 if it never closes. */
export function valueEnd(buf: Buffer, i: number): number {
  let depth = 0;
  let inString = false;
  for (let j = i; j < buf.length; j++) {
    const c = buf[j];
    if (inString) {
      if (c === BACKSLASH) j++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      if (--depth === 0) return j + 1;
    }
  }
  return -1;
}

const skipSpace = (buf: Buffer, i: number) => {
  while (i < buf.length && isSpace(buf[i])) i++;
  return i;
};

/** Line number (1-based) of a byte offset. */
function lineAt(buf: Buffer, offset: number): number {
  let line = 1;
  for (let i = buf.indexOf(NL); i >= 0 && i < offset; i = buf.indexOf(NL, i + 1)) line++;
  return line;
}

/**
 * JSON.parse's complaint about `text`, with the line and column its "position N" points at;
 * `firstLine` is the line `text` starts on in the file.
 */
function parseError(err: unknown, text: string, firstLine: number): string {
  const message = err instanceof Error ? err.message : String(err);
  const clean = message
    .replace(/ in JSON at position \d+.*$/s, "")
    .replace(/\s*\(line \d+ column \d+\)$/, "");
  const pos = /position (\d+)/.exec(message);
  if (!pos) return clean;
  const before = text.slice(0, Number(pos[1]));
  const lines = before.split("\n");
  return `${clean} at line ${firstLine + lines.length - 1}, column ${(lines[lines.length - 1]?.length ?? 0) + 1}`;
}

/** Opens envelopes down to records; `out` gets them with CloudTrail's field names. */
function collect(v: unknown, out: Rec[], depth = 0): void {
  if (depth > 6) return;
  if (Array.isArray(v)) {
    for (const x of v) collect(x, out, depth + 1);
    return;
  }
  const o = obj(v);
  if (!o) return;
  if (Array.isArray(o.Records)) {
    for (const r of o.Records) {
      const rec = obj(r);
      if (rec) out.push(asCloudTrailRecord(rec));
    }
  } else if (Array.isArray(o.Events)) {
    for (const item of o.Events) {
      const it = obj(item);
      if (it) out.push(lookupItemRecord(it));
    }
  } else if (
    typeof o.CloudTrailEvent === "string" ||
    (o.EventId !== undefined && o.EventName !== undefined)
  ) {
    out.push(lookupItemRecord(o));
  } else if (typeof o["detail-type"] === "string" && obj(o.detail)) {
    out.push(asCloudTrailRecord(obj(o.detail) ?? {}, { time: o.time, region: o.region }));
  } else if (typeof o.messageType === "string" && Array.isArray(o.logEvents)) {
    for (const e of o.logEvents) {
      const le = obj(e);
      if (typeof le?.message !== "string") continue;
      try {
        const rec = obj(JSON.parse(le.message));
        if (rec) out.push(asCloudTrailRecord(rec, { time: le.timestamp }));
      } catch {
        // A log line that is not JSON is not a CloudTrail record.
      }
    }
  } else if (Array.isArray(o.data)) {
    collect(o.data, out, depth + 1);
  } else if (o.type === "log" && obj(o.attributes)) {
    const a = obj(o.attributes) ?? {};
    const inner = obj(a.attributes);
    if (inner) out.push(asCloudTrailRecord(inner, { time: a.timestamp }));
  } else if (obj(o.hits) && Array.isArray(obj(o.hits)?.hits)) {
    collect(obj(o.hits)?.hits, out, depth + 1);
  } else if (obj(o._source)) {
    collect(o._source, out, depth + 1);
  } else {
    out.push(asCloudTrailRecord(o));
  }
}

const looksLikeRecord = (r: Rec) => {
  const identity = obj(r.userIdentity);
  return (
    typeof r.eventName === "string" ||
    typeof r.eventSource === "string" ||
    typeof identity?.accessKeyId === "string" ||
    typeof identity?.arn === "string"
  );
};

function done(records: Rec[], error: string | null, badLines: ShapedRead["badLines"] = []): ShapedRead {
  return { records, error, badLines, recognised: records.some(looksLikeRecord) };
}

/**
 * The records in one file's text (any layout above). `key`: only values containing these bytes
 * are parsed (null: every value, the reference path).
 */
export function readShaped(buf: Buffer, key: Buffer | null): ShapedRead {
  let start = buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  start = skipSpace(buf, start);
  if (start >= buf.length) return done([], null);
  const first = buf[start];
  if (first !== 0x7b && first !== 0x5b) {
    return done([], `not JSON: it starts with "${buf.subarray(start, start + 12).toString("utf8")}"`);
  }
  const firstEnd = valueEnd(buf, start);
  const records: Rec[] = [];
  if (firstEnd < 0 || skipSpace(buf, firstEnd) >= buf.length) {
    // One JSON value (or a broken one: JSON.parse says where).
    let text: string;
    try {
      text = buf.toString("utf8", start);
    } catch {
      // Past V8's longest string (about 512 MiB): one JSON value that size cannot be parsed here.
      return done(
        [],
        `too large to read as one JSON value (${Math.round(buf.length / 2 ** 20)} MiB); split it into JSON Lines`,
      );
    }
    try {
      collect(JSON.parse(text), records);
    } catch (err) {
      return done([], `not JSON: ${parseError(err, text, lineAt(buf, start))}`);
    }
    return done(records, null);
  }
  const newline = buf.indexOf(NL, start);
  if (newline >= firstEnd && buf.subarray(firstEnd, skipSpace(buf, firstEnd)).includes(NL)) {
    return readLines(buf, key);
  }
  return readConcatenated(buf, start, key);
}

const OPEN = new Set([0x7b, 0x5b]);
const CLOSE = new Set([0x7d, 0x5d]);

/**
 * JSON Lines: a line that is not JSON is named and skipped, the others are read. Lines without the
 * key are not parsed, only checked to start and end like a JSON value: a line cut short (a Kafka
 * message truncated, a partial write) may be the key's record cut before its key id.
 */
function readLines(buf: Buffer, key: Buffer | null): ShapedRead {
  const records: Rec[] = [];
  const bad: ShapedRead["badLines"] = [];
  let line = 0;
  let hit = key ? buf.indexOf(key) : 0;
  for (let s = 0; s < buf.length;) {
    line++;
    let e = buf.indexOf(NL, s);
    if (e < 0) e = buf.length;
    if (hit >= 0 && hit < s && key) hit = buf.indexOf(key, s);
    if (!key || (hit >= s && hit < e)) {
      const text = buf.toString("utf8", s, e).trim();
      if (text !== "") {
        try {
          collect(JSON.parse(text), records);
        } catch (err) {
          bad.push({
            line,
            error: parseError(err, text, line).replace(/ at line \d+, column/, " at column"),
          });
        }
      }
    } else {
      let a = s;
      let z = e;
      while (a < z && isSpace(buf[a])) a++;
      while (z > a && isSpace(buf[z - 1])) z--;
      if (a < z && (!OPEN.has(buf[a] ?? 0) || !CLOSE.has(buf[z - 1] ?? 0))) {
        bad.push({ line, error: "it is cut short or damaged (it does not start and end like a JSON value)" });
      }
    }
    s = e + 1;
  }
  return done(records, null, bad);
}

/** Values one after the other (Firehose): one that does not parse makes the file unreadable. */
function readConcatenated(buf: Buffer, start: number, key: Buffer | null): ShapedRead {
  const records: Rec[] = [];
  let hit = key ? buf.indexOf(key) : 0;
  for (let s = start; s < buf.length; s = skipSpace(buf, s)) {
    if (buf[s] !== 0x7b && buf[s] !== 0x5b) {
      const found = String.fromCharCode(buf[s] ?? 0);
      return done([], `not JSON at line ${lineAt(buf, s)}: expected the next value, found "${found}"`);
    }
    const e = valueEnd(buf, s);
    if (e < 0) return done([], `not JSON: the value starting at line ${lineAt(buf, s)} never ends`);
    if (key && hit >= 0 && hit < s) hit = buf.indexOf(key, s);
    if (!key || (hit >= s && hit < e)) {
      const text = buf.toString("utf8", s, e);
      try {
        collect(JSON.parse(text), records);
      } catch (err) {
        return done([], `not JSON: ${parseError(err, text, lineAt(buf, s))}`);
      }
    }
    s = e;
  }
  return done(records, null);
}
