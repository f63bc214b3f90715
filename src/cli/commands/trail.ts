import type { Command } from "@commander-js/extra-typings";
import { UsageError } from "../../domain/errors.js";
import { maskKeyId } from "../../domain/key-id.js";
import type { DimensionCount, TrailGroup, TrailSummary } from "../../response/types.js";
import { parseChoice } from "../errors.js";
import { defaultFormat, withOutputFile } from "../common-options.js";
import { writePieces, type CliIO } from "../io.js";
import { parseRegions, parseSince } from "../../response/inputs.js";
import { responseWiring, withInvestigateOptions, withOrgOption, type InvestigateFlags } from "./respond.js";
import { plainTableChunks } from "../../report/plain-table.js";
import { jsonChunks } from "../../report/json-chunks.js";
import { bucketSourceOf, engineOf, withBucketOptions, type BucketFlags } from "../bucket-wiring.js";

// keywarden trail: "who still uses this key?" from CloudTrail, changing nothing.

const FORMATS = ["table", "json", "markdown"] as const;

interface TrailFlags extends InvestigateFlags, BucketFlags {
  format?: (typeof FORMATS)[number];
  output?: string;
  dryRun?: boolean;
  yes?: boolean;
}

const KEY = /^(AKIA|ASIA)[A-Z2-7]{16}$/;

const short = (s: string | null, n: number) =>
  s === null ? "-" : s.length > n ? `${s.slice(0, n - 1)}…` : s;

export function renderTrail(t: TrailSummary, format: (typeof FORMATS)[number]): string {
  return [...trailChunks(t, format)].join("");
}

/**
 * The printed summary in pieces (a busy key has hundreds of thousands of groups: never one string).
 * `redact` is applied to each group and row just before it is written, before anything is cut short.
 */
export function* trailChunks(
  t: TrailSummary,
  format: (typeof FORMATS)[number],
  redact: (v: unknown) => unknown = (v) => v,
): Generator<string> {
  if (format === "json") {
    yield* jsonChunks(t as unknown as Record<string, unknown>, redact);
    yield "\n";
    return;
  }
  const head = `${t.events} event(s) made with ${maskKeyId(t.accessKeyId)}${t.since ? ` since ${t.since}` : ""}${
    t.firstSeen ? `, first ${t.firstSeen}, last ${t.lastSeen ?? ""}` : ""
  }`;
  const header = ["LAST SEEN", "FIRST SEEN", "COUNT", "SOURCE IP", "REGION", "EVENT", "USER AGENT"];
  const time = (iso: string) => (format === "table" ? minute(iso) : iso);
  function* rows(): Generator<string[]> {
    yield header;
    for (const raw of t.groups) {
      const g = redact(raw) as TrailGroup;
      yield [
        time(g.lastSeen),
        time(g.firstSeen),
        String(g.count),
        g.sourceIPAddress ?? "-",
        g.region,
        g.eventName,
        short(g.userAgent, 60),
      ];
    }
  }
  if (format === "markdown") {
    yield `# Who uses ${maskKeyId(t.accessKeyId)}\n\n${head}\n\n`;
    yield `${mdRow(header)}\n|${header.map(() => "---").join("|")}|\n`;
    let lines: string[] = [];
    let first = true;
    for (const r of rows()) {
      if (first) {
        first = false;
        continue;
      }
      lines.push(mdRow(r));
      if (lines.length >= 1000) {
        yield `${lines.join("\n")}\n`;
        lines = [];
      }
    }
    if (lines.length > 0) yield `${lines.join("\n")}\n`;
    return;
  }
  if (t.events === 0) {
    yield `${head}.\n`;
    return;
  }
  // Who first (the question a person asks), then the detail by IP, agent, region and event.
  yield `${head}\n\n`;
  yield* plainTableChunks(function* () {
    yield ["SOURCE IP", "EVENTS", "FIRST SEEN", "LAST SEEN"];
    for (const raw of t.bySourceIP) {
      const d = redact(raw) as DimensionCount;
      yield [d.value ?? "-", String(d.count), minute(d.firstSeen), minute(d.lastSeen)];
    }
  });
  yield "\n";
  yield* plainTableChunks(rows);
}

const mdRow = (r: string[]) => `| ${r.map((c) => c.replace(/\|/g, "\\|")).join(" | ")} |`;

/** 2026-11-20T03:16:00.000Z -> 2026-11-20 03:16Z: enough for a table a person reads. */
const minute = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)}Z`;

async function trailAction(accessKeyId: string, flags: TrailFlags, io: CliIO): Promise<number> {
  if (!KEY.test(accessKeyId)) {
    throw new UsageError(
      `"${accessKeyId.slice(0, 24)}" is not an access key id`,
      "Pass the 20-character key id that starts with AKIA (or ASIA), e.g. keywarden trail AKIAIOSFODNN7EXAMPLE.",
    );
  }
  (await import("../org-key.js")).checkOrgFlags(flags);
  const since = parseSince(flags.since, new Date());
  const regions = parseRegions(flags.regions?.join(","));
  const logPaths = flags.logs ?? [];
  const engine = engineOf(flags);
  if (flags.lookup === false && logPaths.length === 0 && engine === null) {
    throw new UsageError(
      "--no-lookup leaves nothing to read",
      "Pass --logs PATH or --athena --bucket NAME with --no-lookup.",
    );
  }
  if (flags.dryRun === true && engine === null) {
    throw new UsageError(
      "--dry-run shows the Athena query, and there is none",
      "Pass --athena --bucket NAME with --dry-run.",
    );
  }
  const [
    { collectEvents, logWarnings },
    { duckDbLogReader },
    { summarizeTrail },
    { startProgress },
    { redactValue },
  ] = await Promise.all([
    import("../../response/respond.js"),
    import("../../response/logs.js"),
    import("../../response/analyze.js"),
    import("../progress.js"),
    import("../../response/redact.js"),
  ]);
  const needsSession = flags.lookup !== false || engine !== null;
  const wiring = needsSession ? await responseWiring(flags, io, accessKeyId) : null;
  const now = new Date();
  const bucket =
    wiring && engine !== null
      ? await bucketSourceOf(flags, wiring.callerSession, io, {
          since,
          now,
          regions,
          yes: flags.yes === true,
          endpointUrl: flags.endpointUrl,
          maxAttempts: flags.maxAttempts,
          confirm: (await import("../rotation-wiring.js")).confirmer(io, flags.yes === true),
          baseline: false,
        })
      : null;
  if (bucket && flags.dryRun === true) {
    try {
      const plan = await bucket.plan(accessKeyId);
      const { formatBytes, formatUsd } = await import("../../response/athena/investigate.js");
      const { athenaCostUsd } = await import("../../response/athena/ports.js");
      const e = plan.estimate;
      io.stdout.write(
        `${plan.sql ? `${plan.sql};\n\n` : ""}-- engine: ${plan.engine}; ${e.sampled ? "about " : ""}${formatBytes(e.bytes)} in ${e.objects} object(s), ` +
          `${e.partitions} partition(s) (${e.accounts.length} account(s), ${e.regions.length} region(s), ${e.dates.length} day(s)); ` +
          `${plan.engine === "athena" ? `about ${formatUsd(athenaCostUsd(e.bytes))} at $5/TB; ` : ""}${e.requests} ListObjectsV2 call(s). Nothing was run.\n`,
      );
      return 0;
    } finally {
      bucket.destroy();
      wiring?.clients.destroy();
    }
  }
  const format = flags.format ?? defaultFormat(io, FORMATS, "table", flags.output);
  const progress = startProgress(io, format !== "json", `reading events of ${maskKeyId(accessKeyId)}`);
  try {
    const found = await collectEvents(
      {
        lookup: wiring?.lookup ?? { regions: () => Promise.resolve([]), lookup: () => Promise.resolve([]) },
        logs: duckDbLogReader({ lean: true }),
        bucket: bucket ?? undefined,
        progress: (line) => {
          progress.update(line);
        },
      },
      { accessKeyId, logPaths, regions, lookup: flags.lookup !== false, windowStart: since },
      () => undefined,
    );
    progress.stop();
    const summary = summarizeTrail(accessKeyId, found.events, {
      since,
      lookupRegions: found.lookupRegions,
      logFiles: found.logFiles,
      lookupFailures: found.lookupFailures,
      unreadableFiles: found.unreadableFiles,
      undatedRecords: found.undatedRecords,
    });
    // The summary holds what is printed; a busy key's hundreds of thousands of events can go
    // before the report is written (issue 19: memory bounded whatever the number of events).
    found.events.length = 0;
    // A user agent or a file name can carry a secret too: the printed summary gets the same pass,
    // a group at a time, so neither a redacted copy nor the whole text is ever held.
    await writePieces(io.stdout, trailChunks(summary, format, redactValue));
    for (const f of found.lookupFailures) {
      io.stderr.write(
        `keywarden: warning: LookupEvents failed in ${f.region}, its events are missing: ${f.error}\n`,
      );
    }
    const skipped = logWarnings(found);
    for (const line of skipped) {
      io.stderr.write(`keywarden: warning: ${redactValue(line) as string}\n`);
    }
    // Some data could not be collected: not a clean answer (as `keys` does). Log files that could
    // not be read are skipped with a warning, and make the answer incomplete only with --strict.
    if (found.lookupFailures.length > 0 || (flags.strict === true && skipped.length > 0)) return 1;
  } finally {
    progress.stop();
    bucket?.destroy();
    wiring?.clients.destroy();
  }
  return 0;
}

export function register(program: Command, io: CliIO, exit: (code: number) => void): void {
  const cmd = program
    .command("trail")
    .description(
      "Who still uses this key? CloudTrail events grouped by source IP, user agent, region and event",
    )
    .argument("<access-key-id>", "the key to look for")
    .option("--since <time>", "only events at or after this time (ISO time or a span such as 36h or 7d)")
    .option(
      "--format <format>",
      "table, json or markdown (default: table on a terminal, json otherwise)",
      parseChoice("--format", FORMATS),
    );
  withOutputFile(cmd, "the summary");
  withInvestigateOptions(cmd);
  withOrgOption(cmd);
  withBucketOptions(cmd);
  cmd
    .option("--dry-run", "with --athena or --engine: print the SQL and the scan estimate, run nothing")
    .option("-y, --yes", "run an Athena query estimated above --max-scan-gb without asking");
  cmd.addHelpText(
    "after",
    `
Reads LookupEvents by AccessKeyId in every enabled region (90 days of management events, paced to
2 requests/s per region) and, with --logs, log files: the trail's {"Records":[...]} files (.json.gz),
JSON Lines, \`aws cloudtrail lookup-events\` output, EventBridge and CloudWatch Logs payloads
delivered by Firehose, Security Lake (OCSF) exports, and records forwarded by Logstash, Datadog or
Elastic. A file that cannot be read is named in a warning and skipped, and the others are read
(--strict: exit 1). Changes nothing.

With --athena (and --bucket, --prefix, --org-id as the trail writes, after \`keywarden athena setup\`)
the trail bucket is queried in Amazon Athena for the key, from --since (default: 90 days ago), in
the key's account only (sts:GetAccessKeyInfo) and in --regions if given. Before it runs, the bytes in
those partitions are added up from the bucket listing; above --max-scan-gb (default 100 GB, about
US$0.49 at $5/TB) it asks, or refuses without --yes. After, it says what Athena scanned and cost.
The events are merged with LookupEvents' by event id. --engine local copies the window's log files
and reads them here instead; --engine auto picks local up to 2 GB.

Examples:
  keywarden trail AKIAIOSFODNN7EXAMPLE --since 7d
  keywarden trail AKIAIOSFODNN7EXAMPLE --no-lookup --logs ./AWSLogs --format json
  keywarden trail AKIAIOSFODNN7EXAMPLE --org --since 7d      # in the key's own account of your organization
  keywarden trail AKIAIOSFODNN7EXAMPLE --athena --bucket org-trail --org-id o-a1b2c3d4e5 --since 30d --dry-run
  keywarden trail AKIAIOSFODNN7EXAMPLE --engine auto --bucket org-trail --org-id o-a1b2c3d4e5 --output-location s3://athena-results/kw/`,
  );
  cmd.action(async (accessKeyId: string) => {
    exit(await trailAction(accessKeyId, cmd.opts(), io));
  });
}
