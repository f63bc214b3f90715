import type { Command } from "@commander-js/extra-typings";
import type { AwsTarget } from "../../aws/session.js";
import { DEFAULT_THRESHOLDS } from "../../rules/rule.js";
import { parseChoice, parseIntFlag } from "../errors.js";
import { defaultFormat, nameList, withOutputFile } from "../common-options.js";
import type { CliIO } from "../io.js";

const FORMATS = ["table", "json", "csv"] as const;

interface KeysFlags {
  profile?: string;
  region?: string;
  endpointUrl?: string;
  maxAttempts?: number;
  format?: (typeof FORMATS)[number];
  output?: string;
  user?: string[];
  fullIds?: boolean;
  lastUsed: "auto" | "always" | "report";
  concurrency: number;
}

async function listKeys(flags: KeysFlags, io: CliIO): Promise<number> {
  const [{ openSession }, { iamInventoryPort }, { collectInventory }, { toKeyView }, { renderKeys }] =
    await Promise.all([
      import("../../aws/session.js"),
      import("../../aws/iam-inventory.js"),
      import("../../inventory/collect.js"),
      import("../../audit/run.js"),
      import("../../report/keys.js"),
    ]);
  const target: AwsTarget = {
    profile: flags.profile,
    region: flags.region,
    endpointUrl: flags.endpointUrl,
    maxAttempts: flags.maxAttempts,
  };
  const session = await openSession(target, io.env);
  const started = performance.now();
  const now = new Date();
  const inventory = await collectInventory({
    port: iamInventoryPort(session),
    now,
    lastUsed: flags.lastUsed,
    unusedDays: DEFAULT_THRESHOLDS.unusedDays,
    concurrency: flags.concurrency,
  });
  for (const e of inventory.errors) {
    io.stderr.write(`keywarden: warning: ${e.message} (grant ${e.permission})\n`);
  }
  const wanted = flags.user && flags.user.length > 0 ? new Set(flags.user) : null;
  const keys = inventory.keys
    .filter((k) => !wanted || wanted.has(k.userName))
    .map((k) => ({ ...toKeyView(k, now), lastUsedSource: k.lastUsedSource }));
  const format = flags.format ?? defaultFormat(io, FORMATS, "table", flags.output);
  io.stdout.write(
    renderKeys(
      {
        schemaVersion: 1,
        generatedAt: now.toISOString(),
        keys,
        stats: { apiCalls: session.counter.snapshot(), durationMs: Math.round(performance.now() - started) },
      },
      format,
      { fullIds: flags.fullIds === true },
    ),
  );
  // A listing with holes is not a clean listing.
  return inventory.errors.length > 0 ? 1 : 0;
}

export function register(program: Command, io: CliIO, exit: (code: number) => void): void {
  const cmd = program
    .command("keys")
    .description("List every IAM access key of the account with its age and last use (no judging)")
    .option("--user <names>", "only these users, comma-separated or repeated", nameList)
    .option(
      "--format <format>",
      "table, json or csv (default: table on a terminal, json otherwise)",
      parseChoice("--format", FORMATS),
    )
    .option("--full-ids", "show whole access key ids in the table (json and csv always have them)")
    .option(
      "--last-used <mode>",
      "auto: refresh stale report data per key; always: per key; report: never",
      parseChoice("--last-used", ["auto", "always", "report"] as const),
      "auto" as const,
    )
    .option("--concurrency <n>", "parallel per-user IAM calls", parseIntFlag("--concurrency", 1, 64), 8)
    .addHelpText(
      "after",
      `
Examples:
  keywarden keys --profile prod
  keywarden keys --user alice,bob --full-ids       # or --user alice --user bob
  keywarden keys --format csv > keys.csv

Exit codes: 0 listed, 1 some data could not be collected (see the warnings), 2 usage, 3+ errors.`,
    );
  withOutputFile(cmd, "the listing");
  cmd.action(async () => {
    exit(await listKeys(cmd.opts(), io));
  });
}
