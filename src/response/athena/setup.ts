import { UsageError } from "../../domain/errors.js";
import { DEFAULT_REGIONS, checkSpec, logsRoot, setupStatements, type TableSpec } from "./ddl.js";
import type { AthenaPort, BucketPort, QueryContext } from "./ports.js";
import { waitForQuery, type Waiting } from "./run.js";

// `keywarden athena setup`: the database and the CloudTrail table, created through Athena itself
// (StartQueryExecution of the DDL), so the only permissions are Athena's, Glue's catalog and the
// bucket's. Idempotent: run it again when accounts join the organization.

export interface SetupOptions extends Omit<TableSpec, "accounts" | "regions"> {
  /** Accounts to project; null: the account folders found in the bucket. */
  accounts: string[] | null;
  /** Regions to project; null: every commercial region. */
  regions: string[] | null;
  workgroup?: string | undefined;
  outputLocation?: string | undefined;
  dryRun: boolean;
}

export interface SetupResult {
  statements: string[];
  accounts: string[];
  regions: string[];
  /** QueryExecutionIds, in order (none on a dry run). */
  queryIds: string[];
  location: string;
}

export async function athenaSetup(
  deps: { athena: AthenaPort; bucket: BucketPort; waiting: Waiting; step?: (line: string) => void },
  opts: SetupOptions,
): Promise<SetupResult> {
  checkSpec(opts);
  const root = logsRoot(opts);
  let accounts = opts.accounts;
  if (!accounts || accounts.length === 0) {
    accounts = (await deps.bucket.foldersUnder(opts.bucket, root)).filter((a) => /^\d{12}$/.test(a)).sort();
    if (accounts.length === 0) {
      throw new UsageError(
        `no account folders under s3://${opts.bucket}/${root}`,
        opts.orgId
          ? "Check --bucket, --prefix and --org-id against the trail's S3 location, or name the accounts with --accounts."
          : "Check --bucket and --prefix (an organization trail also needs --org-id o-...), or name the accounts with --accounts.",
      );
    }
  }
  const regions = opts.regions && opts.regions.length > 0 ? [...opts.regions].sort() : [...DEFAULT_REGIONS];
  const spec: TableSpec = { ...opts, accounts, regions };
  const s = setupStatements(spec);
  const statements = [s.createDatabase, s.createTable, s.refreshProjection];
  const result: SetupResult = {
    statements,
    accounts,
    regions,
    queryIds: [],
    location: `s3://${opts.bucket}/${root}`,
  };
  if (opts.dryRun) return result;
  const ctx: QueryContext = { workgroup: opts.workgroup, outputLocation: opts.outputLocation };
  const what = ["the database", "the table", "the table's account and region lists"];
  for (const [i, sql] of statements.entries()) {
    const done = await waitForQuery(
      deps.athena,
      sql,
      i === 0 ? ctx : { ...ctx, database: opts.database },
      deps.waiting,
      `creating ${what[i] ?? "the table"}`,
    );
    result.queryIds.push(done.queryExecutionId);
    deps.step?.(`${what[i] ?? "statement"}: done (${done.queryExecutionId})`);
  }
  return result;
}
