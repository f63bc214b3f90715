import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CommandUnknownOpts } from "@commander-js/extra-typings";
import { UsageError } from "../domain/errors.js";
import type { AwsSession } from "../aws/session.js";
import type { BucketSource } from "../response/ports.js";
import type { TrailEvent } from "../response/types.js";
import type { AthenaOutcome } from "../response/athena/investigate.js";
import type { Estimate } from "../response/athena/estimate.js";
import { checkSpec } from "../response/athena/ddl.js";
import { parseChoice } from "./errors.js";
import type { CliIO } from "./io.js";

// `trail` and `respond` over the trail bucket: --athena (or --engine athena) queries it in
// Athena; --engine local copies the window's log files here and reads them with DuckDB; --engine
// auto picks by the bytes in the window's partitions (from the bucket listing).

export const ENGINES = ["local", "athena", "auto"] as const;
export type Engine = (typeof ENGINES)[number];

/** --engine auto reads the bucket here up to this size (DuckDB reads about 1 GB/s on two cores). */
export const AUTO_LOCAL_MAX_BYTES = 2 * 1024 ** 3;
/** Athena's window when --since does not open one earlier: LookupEvents' own 90 days. */
const DEFAULT_DAYS = 90;
const DAY_MS = 86_400_000;

export interface BucketFlags {
  athena?: boolean;
  engine?: Engine;
  bucket?: string;
  prefix?: string;
  orgId?: string;
  database?: string;
  table?: string;
  workgroup?: string;
  outputLocation?: string;
  maxScanGb?: number;
}

function parseGb(raw: string): number {
  const n = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw.trim()) || !(n > 0)) {
    throw new UsageError(
      `--max-scan-gb must be a positive number of GB, got "${raw}"`,
      "Pass for example --max-scan-gb 100.",
    );
  }
  return n;
}

/** The trail-bucket options `trail` and `respond` share with `athena setup`. */
export function withBucketOptions(cmd: CommandUnknownOpts): CommandUnknownOpts {
  return cmd
    .option("--athena", "also read the trail bucket through Amazon Athena (the same as --engine athena)")
    .option(
      "--engine <engine>",
      "how to read the trail bucket: local (copy the window's files here), athena, or auto (local up to 2 GB in the window, else athena)",
      parseChoice("--engine", ENGINES),
    )
    .option("--bucket <name>", "the trail's S3 bucket (as given to `keywarden athena setup`)")
    .option("--prefix <prefix>", "the trail's S3 key prefix, if it has one")
    .option("--org-id <id>", "the organization id of an organization trail (o-...)")
    .option("--database <name>", "the Athena database (default keywarden)")
    .option("--table <name>", "the Athena table (default cloudtrail)")
    .option("--workgroup <name>", "the Athena workgroup (default: primary)")
    .option(
      "--output-location <s3url>",
      "where Athena writes results, s3://bucket/prefix/ (default: the workgroup's)",
    )
    .option(
      "--max-scan-gb <gb>",
      "refuse an Athena query estimated to scan more than this, unless confirmed or --yes (default 100 GB, US$0.49)",
      parseGb,
    );
}

export function engineOf(flags: BucketFlags): Engine | null {
  if (flags.athena === true) {
    if (flags.engine && flags.engine !== "athena")
      throw new UsageError(`--athena and --engine ${flags.engine} disagree`, "Pass one of them.");
    return "athena";
  }
  if (flags.engine) return flags.engine;
  return flags.bucket ? "local" : null;
}

export interface BucketPlan {
  engine: "local" | "athena";
  sql: string | null;
  estimate: Estimate;
}

export interface WiredBucketSource extends BucketSource {
  /** The SQL and the estimate, nothing run (--dry-run). */
  plan(accessKeyId: string): Promise<BucketPlan>;
  destroy(): void;
}

/**
 * What the bucket flags ask for, checked: every bad value is refused here, before anything is
 * loaded or changed (respond checks them before it contains). Null when they ask for no bucket.
 */
export function checkBucketFlags(flags: BucketFlags): { engine: Engine; spec: TableSpecFlags } | null {
  const engine = engineOf(flags);
  if (engine === null) return null;
  if (!flags.bucket) {
    throw new UsageError(
      `--engine ${engine} reads the trail bucket, and no --bucket was given`,
      "Pass --bucket NAME (with --prefix and --org-id as the trail writes), the same as to `keywarden athena setup`.",
    );
  }
  if (
    flags.outputLocation !== undefined &&
    !/^s3:\/\/[a-z0-9][a-z0-9.-]+[a-z0-9](\/.*)?$/.test(flags.outputLocation)
  ) {
    throw new UsageError(
      `--output-location "${flags.outputLocation}" is not an s3:// location`,
      "Pass for example --output-location s3://my-athena-results/keywarden/.",
    );
  }
  const spec = {
    bucket: flags.bucket,
    prefix: flags.prefix ?? "",
    orgId: flags.orgId ?? null,
    database: flags.database ?? "keywarden",
    table: flags.table ?? "cloudtrail",
  };
  checkSpec(spec);
  return { engine, spec };
}

type TableSpecFlags = {
  bucket: string;
  prefix: string;
  orgId: string | null;
  database: string;
  table: string;
};

/** The bucket source the flags ask for, or null when they ask for none. */
export async function bucketSourceOf(
  flags: BucketFlags,
  session: AwsSession,
  io: CliIO,
  opts: {
    since: Date | null;
    now: Date;
    regions: string[] | undefined;
    yes: boolean;
    endpointUrl?: string | undefined;
    maxAttempts?: number | undefined;
    confirm?: ((question: string) => Promise<boolean>) | undefined;
    /** respond: the window reaches back before --since (the owner's baseline). */
    baseline: boolean;
  },
): Promise<WiredBucketSource | null> {
  const checked = checkBucketFlags(flags);
  if (checked === null) return null;
  const { engine, spec } = checked;
  const [
    { athenaPort, bucketPort },
    { athenaInvestigate, DEFAULT_MAX_SCAN_GB, formatBytes },
    { estimateScan },
    { REAL_WAITING },
    { responseIamPort },
    { duckDbLogReader },
  ] = await Promise.all([
    import("../aws/athena.js"),
    import("../response/athena/investigate.js"),
    import("../response/athena/estimate.js"),
    import("../response/athena/run.js"),
    import("../aws/iam-response.js"),
    import("../response/logs.js"),
  ]);
  const adapterOpts = { endpointUrl: opts.endpointUrl, maxAttempts: opts.maxAttempts };
  const athena = athenaPort(session, adapterOpts);
  const bucket = bucketPort(session, adapterOpts);
  const earliest = new Date(opts.now.getTime() - DEFAULT_DAYS * DAY_MS);
  const start = opts.since ? (opts.baseline && opts.since > earliest ? earliest : opts.since) : earliest;
  const window = { start, end: opts.now };
  const regions = opts.regions && opts.regions.length > 0 ? opts.regions : null;
  const warn = (line: string) => io.stderr.write(`keywarden: warning: ${line}\n`);
  // The key's account prunes the organization's folders to one (sts:GetAccessKeyInfo, no key use).
  const accountsOf = async (accessKeyId: string): Promise<string[] | null> => {
    try {
      return [await responseIamPort(session).keyAccount(accessKeyId)];
    } catch (err) {
      warn(`could not tell the key's account (${(err as Error).message}); reading every account's folders`);
      return null;
    }
  };
  const request = async (accessKeyId: string, dryRun: boolean) => ({
    spec,
    ctx: { workgroup: flags.workgroup, outputLocation: flags.outputLocation },
    accessKeyId,
    window,
    accounts: await accountsOf(accessKeyId),
    regions,
    maxScanGb: flags.maxScanGb ?? DEFAULT_MAX_SCAN_GB,
    yes: opts.yes,
    dryRun,
  });
  const pick = (estimate: Estimate): "local" | "athena" =>
    engine === "auto"
      ? !estimate.sampled && estimate.bytes <= AUTO_LOCAL_MAX_BYTES
        ? "local"
        : "athena"
      : engine;

  const readLocal = async (accessKeyId: string, estimate: Estimate, step: (line: string) => void) => {
    if (!bucket.download) throw new Error("this bucket adapter cannot copy files");
    const dir = await mkdtemp(join(tmpdir(), "keywarden-trail-"));
    try {
      let bytes = 0;
      for (const p of estimate.prefixes) bytes += await bucket.download(spec.bucket, p, dir);
      step(
        `Copied ${estimate.objects} log file(s) (${formatBytes(bytes)}) of ${estimate.partitions} partition(s) from s3://${spec.bucket} to read here`,
      );
      const r = await duckDbLogReader().read([dir], accessKeyId, window.start);
      return r.events;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };

  return {
    async plan(accessKeyId) {
      const req = await request(accessKeyId, true);
      const outcome: AthenaOutcome = await athenaInvestigate({ athena, bucket, waiting: REAL_WAITING }, req);
      const chosen = pick(outcome.estimate);
      return { engine: chosen, sql: chosen === "athena" ? outcome.sql : null, estimate: outcome.estimate };
    },
    async read(accessKeyId, record): Promise<TrailEvent[]> {
      // What it read and what it cost are said on stderr as well as kept in the investigation's log.
      const step = (line: string) => {
        record(line);
        io.stderr.write(`keywarden: ${line}\n`);
      };
      const req = await request(accessKeyId, false);
      if (engine === "local" || engine === "auto") {
        const estimate = await estimateScan(bucket, { spec, window, accounts: req.accounts, regions });
        if (pick(estimate) === "local") {
          step(
            `Reading the trail bucket here (--engine ${engine}): ${formatBytes(estimate.bytes)} in the window`,
          );
          return readLocal(accessKeyId, estimate, step);
        }
        step(
          `--engine auto: ${formatBytes(estimate.bytes)} in the window, more than ${formatBytes(AUTO_LOCAL_MAX_BYTES)}: querying Athena`,
        );
      }
      const outcome = await athenaInvestigate(
        // Asked only on a terminal; elsewhere the refusal itself says to pass --yes.
        {
          athena,
          bucket,
          waiting: REAL_WAITING,
          confirm: process.stdin.isTTY && io.stderr.isTTY === true ? opts.confirm : undefined,
          step,
        },
        req,
      );
      return outcome.events;
    },
    destroy() {
      athena.destroy();
      bucket.destroy();
    },
  };
}
