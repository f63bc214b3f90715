import type { Command } from "@commander-js/extra-typings";
import { UsageError } from "../../domain/errors.js";
import { nameList } from "../common-options.js";
import type { CliIO } from "../io.js";

// keywarden athena setup: the Athena database and CloudTrail table `trail --athena` queries.

interface SetupFlags {
  profile?: string;
  region?: string;
  endpointUrl?: string;
  maxAttempts?: number;
  bucket?: string;
  prefix?: string;
  orgId?: string;
  database?: string;
  table?: string;
  workgroup?: string;
  outputLocation?: string;
  accounts?: string[];
  regions?: string[];
  dryRun?: boolean;
}

async function setupAction(flags: SetupFlags, io: CliIO): Promise<number> {
  if (!flags.bucket) {
    throw new UsageError(
      "athena setup needs the trail bucket",
      "Pass --bucket NAME (and --org-id o-... for an organization trail).",
    );
  }
  for (const a of flags.accounts ?? []) {
    if (!/^\d{12}$/.test(a))
      throw new UsageError(
        `--accounts: "${a}" is not a 12-digit account id`,
        "Pass --accounts 111111111111,222222222222.",
      );
  }
  if (flags.outputLocation !== undefined && !flags.outputLocation.startsWith("s3://")) {
    throw new UsageError(
      `--output-location "${flags.outputLocation}" is not an s3:// location`,
      "Pass for example --output-location s3://my-athena-results/keywarden/.",
    );
  }
  const [{ awsTargetOf, sessionFor }, { athenaPort, bucketPort }, { athenaSetup }, { REAL_WAITING }] =
    await Promise.all([
      import("../rotation-wiring.js"),
      import("../../aws/athena.js"),
      import("../../response/athena/setup.js"),
      import("../../response/athena/run.js"),
    ]);
  const opts = {
    bucket: flags.bucket,
    prefix: (flags.prefix ?? "").replace(/^\/+|\/+$/g, ""),
    orgId: flags.orgId ?? null,
    database: flags.database ?? "keywarden",
    table: flags.table ?? "cloudtrail",
    accounts: flags.accounts ?? null,
    regions: flags.regions ?? null,
    workgroup: flags.workgroup,
    outputLocation: flags.outputLocation,
    dryRun: flags.dryRun === true,
  };
  // Names are checked before any call, so a typo costs nothing.
  const { checkSpec } = await import("../../response/athena/ddl.js");
  checkSpec(opts);
  const session = await sessionFor(awsTargetOf(flags), io);
  const adapter = { endpointUrl: flags.endpointUrl, maxAttempts: flags.maxAttempts };
  const athena = athenaPort(session, adapter);
  const bucket = bucketPort(session, adapter);
  try {
    const r = await athenaSetup(
      {
        athena,
        bucket,
        waiting: REAL_WAITING,
        step: (line) => io.stderr.write(`keywarden: ${line}\n`),
      },
      opts,
    );
    if (opts.dryRun) {
      io.stdout.write(`${r.statements.map((s) => `${s};`).join("\n\n")}\n`);
      io.stderr.write(
        `keywarden: dry run: nothing was created; ${r.accounts.length} account(s) and ${r.regions.length} region(s) would be projected over ${r.location}\n`,
      );
    } else {
      io.stdout.write(
        `Created ${opts.database}.${opts.table} over ${r.location} with partition projection on ${r.accounts.length} account(s), ${r.regions.length} region(s) and every day since 2013/11/01 (queries ${r.queryIds.join(", ")}).\n` +
          `Next: keywarden trail AKIA... --athena --bucket ${opts.bucket}${opts.prefix ? ` --prefix ${opts.prefix}` : ""}${opts.orgId ? ` --org-id ${opts.orgId}` : ""}\n`,
      );
    }
  } finally {
    athena.destroy();
    bucket.destroy();
  }
  return 0;
}

export function register(program: Command, io: CliIO, exit: (code: number) => void): void {
  const athena = program
    .command("athena")
    .description("Set up Amazon Athena over the CloudTrail bucket, for trail/respond --athena");
  athena.addHelpText(
    "after",
    `
Examples:
  keywarden athena setup --bucket org-trail --org-id o-a1b2c3d4e5 --dry-run

Exit codes: 0 done, 2 usage, 3 credentials, 4 access denied, 5 AWS or network failure (a failed DDL statement)`,
  );
  const setup = athena
    .command("setup")
    .description(
      "Create the Athena database and the CloudTrail table (partition projection on account, region and date)",
    )
    .option("--bucket <name>", "the trail's S3 bucket")
    .option("--prefix <prefix>", "the trail's S3 key prefix, if it has one")
    .option("--org-id <id>", "for an organization trail: the organization id (o-...) in the bucket's paths")
    .option("--database <name>", "the database to create (default keywarden)")
    .option("--table <name>", "the table to create (default cloudtrail)")
    .option("--workgroup <name>", "the Athena workgroup that runs the DDL (default: primary)")
    .option("--output-location <s3url>", "where Athena writes results (default: the workgroup's)")
    .option(
      "--accounts <ids>",
      "accounts to project, comma-separated (default: the account folders in the bucket)",
      nameList,
    )
    .option("--regions <list>", "regions to project (default: every commercial region)", nameList)
    .option("--dry-run", "print the statements, create nothing");
  setup.addHelpText(
    "after",
    `
Runs CREATE DATABASE IF NOT EXISTS, CREATE EXTERNAL TABLE IF NOT EXISTS (AWS's documented CloudTrail
columns, CloudTrail's input format) and ALTER TABLE ... SET TBLPROPERTIES through Athena. Partition
projection on account, region and date computes the folders a query reads from its WHERE clause:
no crawler, no ALTER TABLE ADD PARTITION. The location template is
s3://BUCKET/PREFIX/AWSLogs/ORG-ID/\${account}/CloudTrail/\${region}/\${date} (without ORG-ID for an
account trail). Run it again when accounts join: it refreshes the account and region lists.

Examples:
  keywarden athena setup --bucket org-trail --org-id o-a1b2c3d4e5 --dry-run
  keywarden athena setup --bucket org-trail --prefix cloudtrail --org-id o-a1b2c3d4e5 --output-location s3://athena-results/kw/
  keywarden athena setup --bucket acct-trail --accounts 111111111111 --regions us-east-1,eu-west-1

Exit codes: 0 created (or printed), 2 usage (a bad name, no account folders found), 3 credentials, 4 access denied, 5 AWS or network failure (a failed DDL statement, with Athena's reason)`,
  );
  setup.action(async () => {
    exit(await setupAction(setup.opts(), io));
  });
}
