import { UsageError } from "../../domain/errors.js";
import { maskKeyId } from "../../domain/key-id.js";
import { toAthenaSql } from "../query/athena.js";
import type { KeyQuery } from "../query/model.js";
import { eventOfRow, rowsOfResultSet } from "../query/rows.js";
import type { TrailEvent } from "../types.js";
import { checkSpec, type TableSpec } from "./ddl.js";
import { estimateScan, type Estimate } from "./estimate.js";
import { athenaCostUsd, type AthenaPort, type BucketPort, type QueryContext } from "./ports.js";
import { readResults, waitForQuery, type Waiting } from "./run.js";

// A key's events from Athena: the query model rendered to Trino SQL, the bytes it would scan
// estimated from the bucket listing and held against --max-scan-gb, then run, paged and turned
// into the same TrailEvents the log files give.

/** Default --max-scan-gb: 100 GB is US$0.49 at Athena's public price; more needs a yes. */
export const DEFAULT_MAX_SCAN_GB = 100;
const GB = 1024 ** 3;

export interface AthenaRequest {
  spec: Pick<TableSpec, "bucket" | "prefix" | "orgId" | "database" | "table">;
  ctx: Omit<QueryContext, "database">;
  accessKeyId: string;
  window: { start: Date; end: Date };
  accounts: string[] | null;
  regions: string[] | null;
  maxScanGb: number;
  /** --yes: run above --max-scan-gb without asking. */
  yes: boolean;
  /** --dry-run: the SQL and the estimate, nothing run. */
  dryRun: boolean;
}

export interface AthenaOutcome {
  sql: string;
  estimate: Estimate;
  estimatedCostUsd: number;
  /** false on a dry run. */
  ran: boolean;
  events: TrailEvent[];
  queryExecutionId: string | null;
  scannedBytes: number | null;
  costUsd: number | null;
  outputLocation: string | null;
  pages: number;
}

export const formatBytes = (b: number): string =>
  b >= 1024 ** 4
    ? `${(b / 1024 ** 4).toFixed(2)} TB`
    : b >= GB
      ? `${(b / GB).toFixed(2)} GB`
      : b >= 1024 ** 2
        ? `${(b / 1024 ** 2).toFixed(1)} MB`
        : `${b} bytes`;
export const formatUsd = (usd: number): string => (usd > 0 && usd < 0.01 ? "<$0.01" : `$${usd.toFixed(2)}`);

export async function athenaInvestigate(
  deps: {
    athena: AthenaPort;
    bucket: BucketPort;
    waiting: Waiting;
    /** Asked when the estimate is above the limit and --yes was not given; absent: refuse. */
    confirm?: ((question: string) => Promise<boolean>) | undefined;
    step?: (line: string) => void;
  },
  req: AthenaRequest,
): Promise<AthenaOutcome> {
  checkSpec(req.spec);
  const query: KeyQuery = {
    accessKeyId: req.accessKeyId,
    window: req.window,
    accounts: req.accounts,
    regions: req.regions,
    shape: "events",
  };
  const sql = toAthenaSql(query, req.spec);
  const estimate = await estimateScan(deps.bucket, {
    spec: req.spec,
    window: req.window,
    accounts: req.accounts,
    regions: req.regions,
  });
  const estimatedCostUsd = athenaCostUsd(estimate.bytes);
  const outcome: AthenaOutcome = {
    sql,
    estimate,
    estimatedCostUsd,
    ran: false,
    events: [],
    queryExecutionId: null,
    scannedBytes: null,
    costUsd: null,
    outputLocation: null,
    pages: 0,
  };
  const about = `${estimate.sampled ? "about " : ""}${formatBytes(estimate.bytes)} in ${estimate.partitions} partition(s) (${estimate.accounts.length} account(s), ${estimate.regions.length} region(s), ${estimate.dates.length} day(s)), ${formatUsd(estimatedCostUsd)} at $5/TB`;
  deps.step?.(`Athena estimate: ${about}`);
  if (req.dryRun) return outcome;
  if (estimate.bytes > req.maxScanGb * GB && !req.yes) {
    const question = `The Athena query for ${maskKeyId(req.accessKeyId)} would scan ${about}, above --max-scan-gb ${req.maxScanGb}. Run it?`;
    const ok = deps.confirm ? await deps.confirm(question) : false;
    if (!ok) {
      throw new UsageError(
        `the Athena query would scan ${about}, above --max-scan-gb ${req.maxScanGb}; nothing was run`,
        "Pass --yes to run it anyway, raise --max-scan-gb, or narrow it with --since or --regions.",
      );
    }
  }
  const done = await waitForQuery(
    deps.athena,
    sql,
    { ...req.ctx, database: req.spec.database },
    deps.waiting,
    `the events of ${maskKeyId(req.accessKeyId)}`,
  );
  const results = await readResults(deps.athena, done.queryExecutionId);
  outcome.ran = true;
  outcome.queryExecutionId = done.queryExecutionId;
  outcome.scannedBytes = done.status.scannedBytes;
  outcome.costUsd = athenaCostUsd(done.status.scannedBytes);
  outcome.outputLocation = done.status.outputLocation;
  outcome.pages = results.pages;
  outcome.events = rowsOfResultSet(results.columns, results.rows).map(eventOfRow);
  deps.step?.(
    `Athena query ${done.queryExecutionId}: ${outcome.events.length} event(s) in ${results.pages} page(s); scanned ${formatBytes(done.status.scannedBytes)} (${formatUsd(outcome.costUsd)} at $5/TB); results at ${done.status.outputLocation ?? "the workgroup's output location"}`,
  );
  return outcome;
}
