import { Option, type Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { writeFile } from "node:fs/promises";
import { EnvironmentError, ExitCode, UsageError } from "../../domain/errors.js";
import { failsThreshold } from "../../domain/severity.js";
import { SEVERITIES, type Severity } from "../../domain/types.js";
import { DEFAULT_THRESHOLDS, type Thresholds } from "../../rules/rule.js";
import { validateThresholds } from "../../rules/thresholds.js";
import type { AwsTarget } from "../../aws/session.js";
import { withAwsOptions } from "../aws-options.js";
import { parseChoice, parseIntFlag } from "../errors.js";
import { useColor, type CliIO } from "../io.js";
import { startProgress } from "../progress.js";

const FORMATS = ["table", "json", "csv", "markdown"] as const;
const FAIL_ON = [...SEVERITIES, "none"] as const;
const LAST_USED = ["auto", "always", "report"] as const;

export interface AuditFlags {
  profile?: string;
  region?: string;
  endpointUrl?: string;
  maxAttempts?: number;
  format?: (typeof FORMATS)[number];
  output?: string;
  failOn: Severity | "none";
  stats?: boolean;
  all?: boolean;
  color?: boolean;
  lastUsed: (typeof LAST_USED)[number];
  concurrency: number;
  rotationDays: number;
  expiringDays: number;
  unusedDays: number;
  inactiveDays: number;
  graceDays: number;
}

export function thresholdsFrom(flags: AuditFlags): Thresholds {
  const t: Thresholds = {
    rotationDays: flags.rotationDays,
    expiringWithinDays: flags.expiringDays,
    unusedDays: flags.unusedDays,
    inactiveLingeringDays: flags.inactiveDays,
    newKeyGraceDays: flags.graceDays,
  };
  const problems = validateThresholds(t);
  if (problems.length > 0) {
    throw new UsageError(`invalid thresholds: ${problems.join("; ")}`, "Adjust the --*-days flags.");
  }
  return t;
}

/** Untyped on purpose: commander's typed option chains are costly for tsc, and flags are parsed into AuditFlags. */
export function addAuditOptions(cmd: CommandUnknownOpts): CommandUnknownOpts {
  const d = DEFAULT_THRESHOLDS;
  return cmd
    .addOption(
      new Option(
        "--format <format>",
        "output format (default: table on a terminal, json otherwise)",
      ).argParser(parseChoice("--format", FORMATS)),
    )
    .option("-o, --output <file>", "write the report to a file instead of stdout")
    .addOption(
      new Option("--fail-on <severity>", "exit 1 when a finding is at or above this severity")
        .argParser(parseChoice("--fail-on", FAIL_ON))
        .default("high"),
    )
    .option("--stats", "print AWS API calls by operation and the duration on stderr")
    .option("--all", "show passing checks too (table and markdown)")
    .option("--no-color", "no colours, even on a terminal")
    .addOption(
      new Option(
        "--last-used <mode>",
        "auto: refresh stale report data per key; always: per key; report: never",
      )
        .argParser(parseChoice("--last-used", LAST_USED))
        .default("auto"),
    )
    .option("--concurrency <n>", "parallel per-user IAM calls", parseIntFlag("--concurrency", 1, 64), 8)
    .option(
      "--rotation-days <n>",
      "rotate keys older than this",
      parseIntFlag("--rotation-days", 1, 3650),
      d.rotationDays,
    )
    .option(
      "--expiring-days <n>",
      "warn this many days before rotation is due",
      parseIntFlag("--expiring-days", 0, 3650),
      d.expiringWithinDays,
    )
    .option(
      "--unused-days <n>",
      "flag active keys unused this long",
      parseIntFlag("--unused-days", 1, 3650),
      d.unusedDays,
    )
    .option(
      "--inactive-days <n>",
      "flag inactive keys older than this",
      parseIntFlag("--inactive-days", 1, 3650),
      d.inactiveLingeringDays,
    )
    .option(
      "--grace-days <n>",
      "new keys younger than this are not judged unused",
      parseIntFlag("--grace-days", 0, 365),
      d.newKeyGraceDays,
    );
}

/** Runs the audit against whatever AWS endpoint the flags point at and writes the report. */
export async function executeAudit(flags: AuditFlags, io: CliIO, target?: AwsTarget): Promise<number> {
  const thresholds = thresholdsFrom(flags);
  const [{ openSession }, { iamInventoryPort }, { runAudit }, { renderAudit }] = await Promise.all([
    import("../../aws/session.js"),
    import("../../aws/iam-inventory.js"),
    import("../../audit/run.js"),
    import("../../report/render.js"),
  ]);
  const session = await openSession(
    target ?? {
      profile: flags.profile,
      region: flags.region,
      endpointUrl: flags.endpointUrl,
      maxAttempts: flags.maxAttempts,
    },
    io.env,
  );
  const format = flags.format ?? (io.stdout.isTTY && !flags.output ? "table" : "json");
  const progress = startProgress(
    io,
    format !== "json" && flags.color !== false,
    "Collecting IAM access keys",
  );
  let result;
  try {
    result = await runAudit({
      port: iamInventoryPort(session),
      apiCalls: () => session.counter.snapshot(),
      now: new Date(),
      thresholds,
      lastUsed: flags.lastUsed,
      concurrency: flags.concurrency,
      onProgress: (done, total) => {
        progress.update(`Listing access keys: ${done}/${total} users`);
      },
    });
  } finally {
    progress.stop();
  }
  const { report } = result;
  const text = renderAudit(report, format, {
    color: !flags.output && useColor(io.stdout, io.env, flags.color),
    showPass: flags.all === true,
    ...(!flags.output && io.stdout.columns ? { width: io.stdout.columns } : {}),
  });
  if (flags.output) {
    try {
      await writeFile(flags.output, text, { mode: 0o644 });
    } catch (e) {
      throw new EnvironmentError(
        "OUTPUT_NOT_WRITABLE",
        `could not write the report to ${flags.output} (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
        "Pass a path in a folder that exists and that you can write to.",
      );
    }
    io.stderr.write(`keywarden: report written to ${flags.output}\n`);
  } else {
    io.stdout.write(text);
  }
  if (flags.stats) {
    const calls = Object.entries(report.stats.apiCalls).map(([op, n]) => `${op}=${n}`);
    const total = Object.values(report.stats.apiCalls).reduce((a, b) => a + b, 0);
    io.stderr.write(`keywarden: ${total} AWS calls (${calls.join(", ")}) in ${report.stats.durationMs} ms\n`);
  }
  return report.findings.some((f) => failsThreshold(f, flags.failOn)) ? ExitCode.FINDINGS : ExitCode.OK;
}

export function register(program: Command, io: CliIO, exit: (code: number) => void): void {
  const cmd = addAuditOptions(
    withAwsOptions(
      program
        .command("audit")
        .description("Judge every IAM access key of the account against CIS-aligned rules, per key")
        .addHelpText(
          "after",
          `
Examples:
  keywarden audit                              # the account your default credentials point at
  keywarden audit --profile prod --fail-on medium
  keywarden audit --format json -o audit.json --stats
  AWS_ENDPOINT_URL=http://127.0.0.1:5000 keywarden audit   # a local emulator

Exit codes: 0 no finding at or above --fail-on, 1 findings, 2 usage, 3 credentials,
4 access denied, 5 AWS or network failure, 6 local environment.`,
        ),
    ),
  );
  cmd.action(async () => {
    exit(await executeAudit(cmd.opts() as unknown as AuditFlags, io));
  });
}
