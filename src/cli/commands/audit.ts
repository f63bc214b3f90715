import { Option, type Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { EXTERNAL_ID, ROLE_NAME } from "../aws-names.js";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { ExitCode, UsageError } from "../../domain/errors.js";
import { failsThreshold } from "../../domain/severity.js";
import { SEVERITIES, type Inventory, type LastUsedSource, type Severity } from "../../domain/types.js";
import { DEFAULT_THRESHOLDS, type Thresholds } from "../../rules/rule.js";
import { validateThresholds } from "../../rules/thresholds.js";
import type { AuditReport } from "../../domain/audit-report.js";
import type { AwsSession, AwsTarget } from "../../aws/session.js";
import type { NamedPolicy } from "../../access/types.js";
import { parseChoice, parseIntFlag } from "../errors.js";
import { useColor, type CliIO } from "../io.js";
import { startProgress, type Progress } from "../progress.js";
import { defaultFormat, nameList } from "../common-options.js";
import { writeOutput } from "../output.js";

const FORMATS = ["table", "json", "csv", "markdown", "html", "ocsf", "asff"] as const;
const DESTINATIONS = ["securityhub"] as const;
const FAIL_ON = [...SEVERITIES, "none"] as const;
const LAST_USED = ["auto", "always", "report"] as const;
const SORTS = ["risk"] as const;

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
  /** `risk`: keys highest risk first (table, JSON and every format). */
  sort?: (typeof SORTS)[number];
  concurrency: number;
  rotationDays: number;
  expiringDays: number;
  unusedDays: number;
  inactiveDays: number;
  graceDays: number;
  /** Many accounts: every ACTIVE account of the organization, or the `--accounts` list. */
  org?: boolean;
  accounts?: string[];
  roleName?: string;
  externalId?: string;
  accountConcurrency?: number;
  /** Keep the report in the store for `keywarden serve`. */
  save?: boolean;
  /** Also send the findings there (`securityhub`: BatchImportFindings in the session's region). */
  to?: (typeof DESTINATIONS)[number];
}

const DEFAULT_ACCOUNT_CONCURRENCY = 4;

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

const THRESHOLD_FLAGS = [
  ["rotationDays", "rotationDays"],
  ["expiringDays", "expiringWithinDays"],
  ["unusedDays", "unusedDays"],
  ["inactiveDays", "inactiveLingeringDays"],
  ["graceDays", "newKeyGraceDays"],
] as const;

/**
 * The policy file's thresholds (as `keywarden rules` and `enforce` read them) for every --*-days
 * flag left at its default, so audit and enforce judge keys alike. A bad file is a usage error.
 */
async function withPolicyThresholds(
  flags: AuditFlags & { config?: string },
  cmd: CommandUnknownOpts,
  io: CliIO,
): Promise<AuditFlags> {
  const { policyForRules } = await import("../../policy/rules-view.js");
  const policy = await policyForRules(io.cwd, flags.config);
  if (!policy) return flags;
  const out: AuditFlags = { ...flags };
  for (const [flag, key] of THRESHOLD_FLAGS) {
    if (cmd.getOptionValueSource(flag) === "default") out[flag] = policy.thresholds[key];
  }
  io.stderr.write(`keywarden: thresholds from ${policy.file}\n`);
  return out;
}

/** Untyped on purpose: commander's typed option chains are costly for tsc, and flags are parsed into AuditFlags. */
export function addAuditOptions(cmd: CommandUnknownOpts): CommandUnknownOpts {
  const d = DEFAULT_THRESHOLDS;
  return cmd
    .addOption(
      new Option(
        "--format <format>",
        "table, json, csv, markdown, html, ocsf or asff (default: table on a terminal, json otherwise)",
      ).argParser(parseChoice("--format", FORMATS)),
    )
    .option("-o, --output <file>", "write the report to a file instead of stdout")
    .addOption(new Option("--out <file>", "same as --output").hideHelp())
    .addOption(
      new Option("--fail-on <severity>", "exit 1 when a finding is at or above this severity")
        .argParser(parseChoice("--fail-on", FAIL_ON))
        .default("high"),
    )
    .option("--stats", "print AWS API calls by operation and the duration on stderr")
    .addOption(
      new Option("--sort <order>", "risk: keys highest risk score first").argParser(
        parseChoice("--sort", SORTS),
      ),
    )
    .option("--all", "show passing checks too (table and markdown)")
    .addOption(
      new Option(
        "--last-used <mode>",
        "auto: refresh stale report data per key; always: per key; report: never",
      )
        .argParser(parseChoice("--last-used", LAST_USED))
        .default("auto"),
    )
    .option(
      "--concurrency <n>",
      "parallel per-user IAM calls (per account)",
      parseIntFlag("--concurrency", 1, 64),
      8,
    )
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

/** `audit` only (the demo's emulator has no organization): the many-account flags. */
function addOrgOptions(cmd: CommandUnknownOpts): CommandUnknownOpts {
  return cmd
    .option("--org", "audit every ACTIVE account of the AWS Organization, each through --role-name")
    .option(
      "--accounts <ids>",
      "audit these accounts through --role-name: 111111111111,222222222222 (or repeated) or @file (one id a line, # comments)",
      nameList,
    )
    .option(
      "--role-name <name>",
      "role to assume in each account with --org or --accounts (default: OrganizationAccountAccessRole)",
    )
    .option("--external-id <id>", "external id that the role's trust policy requires, for AssumeRole")
    .option(
      "--account-concurrency <n>",
      `accounts audited in parallel with --org or --accounts (default: ${DEFAULT_ACCOUNT_CONCURRENCY})`,
      parseIntFlag("--account-concurrency", 1, 32),
    );
}

/** Whether the audit covers many accounts; refuses the many-account flags without --org or --accounts. */
function checkOrgFlags(flags: AuditFlags): boolean {
  const multi = flags.org === true || flags.accounts !== undefined;
  if (flags.org === true && flags.accounts !== undefined) {
    throw new UsageError(
      "--org and --accounts cannot be combined",
      "Pass --org to audit every account of the organization, or --accounts to audit only those accounts.",
    );
  }
  const stray = [
    flags.roleName === undefined ? null : "--role-name",
    flags.externalId === undefined ? null : "--external-id",
    flags.accountConcurrency === undefined ? null : "--account-concurrency",
  ].filter((f) => f !== null);
  if (!multi && stray.length > 0) {
    throw new UsageError(
      `${stray.join(", ")} only ${stray.length === 1 ? "applies" : "apply"} to a many-account audit`,
      "Add --org (every account of the organization) or --accounts 111111111111,222222222222.",
    );
  }
  if (flags.roleName !== undefined && !ROLE_NAME.test(flags.roleName)) {
    throw new UsageError(
      `--role-name "${flags.roleName}" is not an IAM role name`,
      "Pass the role's name (not its ARN), e.g. --role-name OrganizationAccountAccessRole.",
    );
  }
  if (flags.externalId !== undefined && !EXTERNAL_ID.test(flags.externalId)) {
    throw new UsageError(
      "--external-id must be 2 to 1224 letters, digits or +=,.@:/-_",
      "Pass the external id exactly as the role's trust policy names it.",
    );
  }
  return multi;
}

/** `--accounts 111111111111,222222222222`, repeated, or `--accounts @file` (one id a line, `#` comments). */
async function accountList(items: string[], cwd: string): Promise<string[]> {
  const { parseAccountIds } = await import("../../audit/org.js");
  const files = items.filter((i) => i.startsWith("@"));
  const ids = items.filter((i) => !i.startsWith("@"));
  const lists = await Promise.all(files.map((f) => accountFile(f, cwd)));
  const all = [...(ids.length > 0 ? parseAccountIds(ids.join(",")) : []), ...lists.flat()];
  return [...new Set(all)];
}

async function accountFile(raw: string, cwd: string): Promise<string[]> {
  const { parseAccountIds } = await import("../../audit/org.js");
  const file = raw.slice(1);
  let text: string;
  try {
    text = await readFile(resolve(cwd, file), "utf8");
  } catch (e) {
    throw new UsageError(
      `--accounts: could not read ${file} (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
      "Pass @ and a file with one account id a line, e.g. --accounts @accounts.txt.",
    );
  }
  return parseAccountIds(text, file);
}

/**
 * Every account of the organization (or the `--accounts` list), each through AssumeRole of
 * --role-name except the caller's own, --account-concurrency at a time, into one report.
 */
async function executeOrgAudit(
  flags: AuditFlags,
  io: CliIO,
  session: AwsSession,
  target: AwsTarget,
  thresholds: Thresholds,
  progress: Progress,
  accountIds: string[] | null,
): Promise<AuditReport> {
  const [org, { runOrgAudit }, { runAudit }, { iamInventoryPort }] = await Promise.all([
    import("../../aws/organizations.js"),
    import("../../audit/org.js"),
    import("../../audit/run.js"),
    import("../../aws/iam-inventory.js"),
  ]);
  const clock = () => performance.now();
  const started = clock();
  const caller = await org.callerOf(session);
  const roleName = flags.roleName ?? org.DEFAULT_ROLE_NAME;
  const sessions = org.orgSessions(session, caller, {
    roleName,
    externalId: flags.externalId,
    target,
    env: io.env,
  });
  if (accountIds === null) progress.update("Listing the organization's accounts");
  const accounts = accountIds ?? (await org.listActiveAccounts(session)).map((a) => a.id);
  // --org: the SCPs of each member account, read once for the organization (never per key).
  let scps: ReadonlyMap<string, NamedPolicy[][]> = new Map();
  if (accountIds === null) {
    progress.update("Reading the organization's service control policies");
    const { collectScps } = await import("../../aws/scps.js");
    const collected = await collectScps(session, accounts, caller.accountId);
    if (collected.skipped !== null) {
      io.stderr.write(
        `keywarden: service control policies not read (${collected.skipped}); blast radius evaluated without them, it may overstate.\n`,
      );
    }
    scps = collected.levels;
  }
  let done = 0;
  const show = () => {
    const calls = sessions.totalCalls().toLocaleString("en-US");
    progress.update(`Auditing accounts ${done}/${accounts.length}, ${calls} AWS calls`);
  };
  show();
  const now = new Date();
  const report = await runOrgAudit({
    accounts,
    sessionFor: (accountId) => sessions.sessionFor(accountId),
    release: (s) => {
      sessions.release(s);
    },
    auditAccount: async (s) =>
      (
        await runAudit({
          port: iamInventoryPort(s),
          apiCalls: () => s.counter.snapshot(),
          now,
          thresholds,
          scps,
          lastUsed: flags.lastUsed,
          concurrency: flags.concurrency,
          onProgress: show,
        })
      ).report,
    access: {
      callerAccountId: caller.accountId,
      roleName,
      partition: caller.partition,
      externalId: flags.externalId !== undefined,
    },
    concurrency: flags.accountConcurrency ?? DEFAULT_ACCOUNT_CONCURRENCY,
    now,
    apiCalls: () => sessions.apiCalls(),
    onProgress: (n) => {
      done = n;
      show();
    },
  });
  // The whole run: the caller's identity and the account listing count too.
  report.stats.durationMs = Math.round(clock() - started);
  return report;
}

/** Runs the audit against whatever AWS endpoint the flags point at and writes the report. */
export async function executeAudit(flags: AuditFlags, io: CliIO, target?: AwsTarget): Promise<number> {
  const thresholds = thresholdsFrom(flags);
  const multiAccount = checkOrgFlags(flags);
  const accountIds = flags.accounts === undefined ? null : await accountList(flags.accounts, io.cwd);
  target ??= {
    profile: flags.profile,
    region: flags.region,
    endpointUrl: flags.endpointUrl,
    maxAttempts: flags.maxAttempts,
  };
  const [{ openSession }, { iamInventoryPort }, { runAudit }, { renderAudit }] = await Promise.all([
    import("../../aws/session.js"),
    import("../../aws/iam-inventory.js"),
    import("../../audit/run.js"),
    import("../../report/render.js"),
  ]);
  const session = await openSession(target, io.env);
  const format = flags.format ?? defaultFormat(io, FORMATS, "table", flags.output);
  const progress = startProgress(
    io,
    format !== "json" && flags.color !== false,
    "Collecting IAM access keys",
  );
  let report: AuditReport;
  let sources: Record<string, LastUsedSource> = {};
  let userArns: Record<string, string> = {};
  try {
    if (multiAccount) {
      report = await executeOrgAudit(flags, io, session, target, thresholds, progress, accountIds);
    } else {
      let inventory: Inventory;
      const exposures = await storedExposures(io);
      ({ report, inventory } = await runAudit({
        exposures,
        port: iamInventoryPort(session),
        apiCalls: () => session.counter.snapshot(),
        now: new Date(),
        thresholds,
        lastUsed: flags.lastUsed,
        concurrency: flags.concurrency,
        onProgress: (done, total) => {
          progress.update(`Listing access keys: ${done}/${total} users`);
        },
      }));
      sources = Object.fromEntries(inventory.keys.map((k) => [k.accessKeyId, k.lastUsedSource]));
      userArns = Object.fromEntries(inventory.users.map((u) => [`${u.accountId}/${u.userName}`, u.userArn]));
    }
  } finally {
    progress.stop();
  }
  if (flags.sort === "risk") {
    const { byRisk } = await import("../../audit/risk.js");
    report.keys.sort(byRisk);
  }
  const { VERSION } = await import("../version.js");
  const text = renderAudit(report, format, {
    color: !flags.output && useColor(io.stdout, io.env, flags.color),
    showPass: flags.all === true,
    ...(!flags.output && io.stdout.columns ? { width: io.stdout.columns } : {}),
    version: VERSION,
    region: session.region,
    userArns,
  });
  await writeOutput(io, text, flags.output);
  if (flags.save) await saveForDashboard(io, report, sources);
  let imported = true;
  if (flags.to === "securityhub") imported = await sendToSecurityHub(io, session, report, userArns, VERSION);
  if (flags.stats) {
    const calls = Object.entries(report.stats.apiCalls).map(([op, n]) => `${op}=${n}`);
    const total = Object.values(report.stats.apiCalls).reduce((a, b) => a + b, 0);
    io.stderr.write(`keywarden: ${total} AWS calls (${calls.join(", ")}) in ${report.stats.durationMs} ms\n`);
  }
  // A refused import is an AWS failure (exit 5) whatever the findings say: the run did not do what it was asked.
  if (!imported) return ExitCode.AWS_FAILURE;
  return report.findings.some((f) => failsThreshold(f, flags.failOn)) ? ExitCode.FINDINGS : ExitCode.OK;
}

/**
 * `--to securityhub`: imports the findings of the caller's account (Security Hub takes a finding only
 * from the account it belongs to) and prints what happened on stderr, one line per refused finding.
 * Returns false when Security Hub refused any.
 */
async function sendToSecurityHub(
  io: CliIO,
  session: AwsSession,
  report: AuditReport,
  userArns: Record<string, string>,
  version: string,
): Promise<boolean> {
  const [{ securityHubPort }, { syncToSecurityHub }, { callerOf }] = await Promise.all([
    import("../../aws/securityhub.js"),
    import("../../report/securityhub-sync.js"),
    import("../../aws/organizations.js"),
  ]);
  const caller = await callerOf(session);
  const port = securityHubPort(session);
  try {
    const r = await syncToSecurityHub(report, port, {
      callerAccountId: caller.accountId,
      now: new Date(),
      version,
      region: port.region,
      userArns,
    });
    const notes = [
      r.unchanged > 0 ? `${r.unchanged} already resolved` : null,
      r.passingNotSent > 0 ? `${r.passingNotSent} passing checks not sent` : null,
    ].filter((n) => n !== null);
    io.stderr.write(
      `keywarden: Security Hub (${port.region}, account ${caller.accountId}): ${r.imported} imported, ` +
        `${r.updated} updated, ${r.resolved} resolved` +
        (r.failed.length > 0 ? `, ${r.failed.length} refused` : "") +
        (notes.length > 0 ? ` (${notes.join(", ")})` : "") +
        `, in ${r.batches} BatchImportFindings call(s)\n`,
    );
    if (r.otherAccounts > 0) {
      io.stderr.write(
        `keywarden: ${r.otherAccounts} findings of other accounts not sent: Security Hub takes a finding only ` +
          "from its own account; run `keywarden audit --to securityhub` in each (or aggregate with a Security Hub administrator account)\n",
      );
    }
    for (const f of r.failed) {
      io.stderr.write(
        `keywarden: Security Hub refused ${f.id}: ${f.code}${f.message ? `: ${f.message}` : ""}\n`,
      );
    }
    for (const f of r.workflowNotSet) {
      io.stderr.write(
        `keywarden: Security Hub did not set workflow RESOLVED on ${f.id}: ${f.code}${f.message ? `: ${f.message}` : ""}\n`,
      );
    }
    return r.failed.length === 0;
  } finally {
    port.destroy();
  }
}

/**
 * Found-in-code and incident facts for the risk score, from the store when one already exists
 * (KEYWARDEN_STORE, or the default SQLite file): an audit never creates a store just to look. A
 * store that cannot be read leaves the factors at 0, with a warning.
 */
async function storedExposures(io: CliIO): Promise<Map<string, import("../../audit/risk.js").KeyExposure>> {
  const [{ chooseStore }, { existsSync }] = await Promise.all([
    import("../../store/open.js"),
    import("node:fs"),
  ]);
  const choice = chooseStore({ env: io.env });
  if (choice.kind === "sqlite" && !existsSync(choice.path)) return new Map();
  try {
    const [{ openStore }, { exposuresFrom }] = await Promise.all([
      import("../rotation-wiring.js"),
      import("../../audit/exposures.js"),
    ]);
    const store = await openStore(io);
    try {
      return exposuresFrom(await store.listRecords("incident"), await store.listRecords("scan-result"));
    } finally {
      await store.close();
    }
  } catch (e) {
    io.stderr.write(
      `keywarden: warning: risk without the store's scans and incidents (${(e as Error).message})\n`,
    );
    return new Map();
  }
}

async function saveForDashboard(
  io: CliIO,
  report: AuditReport,
  sources: Record<string, LastUsedSource>,
): Promise<void> {
  const [{ openStore }, { saveAudit }] = await Promise.all([
    import("../rotation-wiring.js"),
    import("../../server/audit-records.js"),
  ]);
  const store = await openStore(io);
  try {
    const record = await saveAudit(store, report, sources);
    io.stderr.write(`keywarden: audit saved as ${record.id} for \`keywarden serve\`\n`);
  } finally {
    await store.close();
  }
}

export function register(program: Command, io: CliIO, exit: (code: number) => void): void {
  const cmd = addOrgOptions(
    addAuditOptions(
      program
        .command("audit")
        .description(
          "Judge every IAM access key of the account (or of many: --org, --accounts) against CIS-aligned rules, per key",
        )
        .addHelpText(
          "after",
          `
Examples:
  keywarden audit                              # the account your default credentials point at
  keywarden audit --profile prod --fail-on medium
  keywarden audit --format json -o audit.json --stats
  keywarden audit --format html -o audit.html      # one self-contained page
  keywarden audit --format ocsf -o findings.ocsf.json  # OCSF Compliance Findings (also: asff)
  keywarden audit --to securityhub                 # import into AWS Security Hub (re-runs update)
  AWS_ENDPOINT_URL=http://127.0.0.1:5000 keywarden audit   # a local emulator
  keywarden audit --org --format json -o org.json           # every account of the organization
  keywarden audit --accounts @accounts.txt --role-name SecurityAudit --external-id abc123

Many accounts: --org lists the ACTIVE accounts with Organizations (run it from the management
account or a delegated administrator); --accounts names them instead, without Organizations. The
caller's own account is audited with its own credentials, every other one through AssumeRole of
--role-name. --account-concurrency accounts run at once (IAM throttles per account), each with
--concurrency per-user calls. One JSON report covers them all; stats.apiCalls sums every call.
An account that cannot be audited (role missing, access denied, throttled past the retries) is
an ERROR finding of severity high for that account and the others go on: with the default
--fail-on high the run exits 1.

Exit codes: 0 no finding at or above --fail-on, 1 findings, 2 usage, 3 credentials,
4 access denied, 5 AWS or network failure, 6 local environment.`,
        ),
    ),
  );
  cmd.option("--save", "also keep the report in the store, for `keywarden serve`");
  cmd.addOption(
    new Option(
      "--to <destination>",
      "also send the findings to securityhub (BatchImportFindings, the session's region; failing checks, and passing ones that resolve an earlier finding)",
    ).argParser(parseChoice("--to", DESTINATIONS)),
  );
  cmd.option(
    "-c, --config <path>",
    "policy file whose thresholds replace the defaults (default: ./keywarden.yaml when it exists); --*-days flags still win",
  );
  cmd.action(async () => {
    const flags = cmd.opts() as unknown as AuditFlags & { config?: string };
    exit(await executeAudit(await withPolicyThresholds(flags, cmd, io), io));
  });
}
