import { Option, type Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { ExitCode, UsageError } from "../../domain/errors.js";
import { severityRank } from "../../domain/severity.js";
import { SEVERITIES, type Severity } from "../../domain/types.js";
import type { JoinPorts } from "../../scan/join.js";
import type { ScanFormat } from "../../scan/render.js";
import type { ScanMode } from "../../scan/run.js";
import type { ScanReport } from "../../scan/types.js";
import { parseChoice, parseIntFlag } from "../errors.js";
import type { CliIO } from "../io.js";
import { startProgress } from "../progress.js";
import { VERSION } from "../version.js";
import { defaultFormat } from "../common-options.js";
import { writeOutput } from "../output.js";

const FORMATS = ["table", "json", "sarif", "markdown"] as const;
const FAIL_ON = [...SEVERITIES, "none"] as const;

export interface ScanFlags {
  history?: boolean;
  staged?: boolean;
  format?: ScanFormat;
  output?: string;
  failOn: Severity | "none";
  baseline?: string;
  ignoreFile: boolean;
  maxFileMb: number;
  archiveDepth: number;
  showIds?: boolean;
  showSuppressed?: boolean;
  threads?: number;
  offline?: boolean;
  verify?: boolean;
  store: boolean;
  color?: boolean;
  profile?: string;
  region?: string;
  endpointUrl?: string;
  maxAttempts?: number;
}

function addScanOptions(cmd: CommandUnknownOpts): CommandUnknownOpts {
  return cmd
    .argument("[paths...]", "folders or files to scan (default: the current folder)")
    .option("--history", "scan every blob of every commit of the repository, once")
    .option("--staged", "scan only what the next commit adds (the pre-commit hook)")
    .addOption(
      new Option(
        "--format <format>",
        "table, json, sarif or markdown (default: table on a terminal, json otherwise)",
      ).argParser(parseChoice("--format", FORMATS)),
    )
    .option("-o, --output <file>", "write the report to a file instead of stdout")
    .addOption(new Option("--out <file>", "same as --output").hideHelp())
    .addOption(
      new Option("--fail-on <severity>", "exit 1 when a finding is at or above this severity")
        .argParser(parseChoice("--fail-on", FAIL_ON))
        .default("medium"),
    )
    .option(
      "--baseline <file>",
      "a previous `scan --format json` report: its findings are not reported again",
    )
    .option("--no-ignore-file", "do not read .keywardenignore at the scan root")
    .option(
      "--max-file-mb <n>",
      "skip files and blobs larger than this many MB",
      parseIntFlag("--max-file-mb", 1, 4096),
      10,
    )
    .option(
      "--archive-depth <n>",
      "open zip/jar/tar/tgz/gz archives, and archives inside them, down to this many levels (0: do not open archives)",
      parseIntFlag("--archive-depth", 0, 10),
      3,
    )
    .option("--show-ids", "whole key ids in the table and markdown too (json and sarif always have them)")
    .option(
      "--show-suppressed",
      "also list what allow markers, .keywardenignore and --baseline accepted, and which one did",
    )
    .option(
      "--threads <n>",
      "worker threads for the file scan (default: one per core)",
      parseIntFlag("--threads", 0, 64),
    )
    .option("--offline", "do not look up owners in AWS (no AWS calls at all)")
    .option("--verify", "also ask sts:GetAccessKeyInfo (with your credentials) which account each key is in")
    .option("--no-store", "do not keep the result in the keywarden store");
}

/** The owner join through the user's own credentials: the audit's inventory, never the leaked secret. */
function joinPorts(flags: ScanFlags, io: CliIO): JoinPorts {
  const target = {
    profile: flags.profile,
    region: flags.region,
    endpointUrl: flags.endpointUrl,
    maxAttempts: flags.maxAttempts,
  };
  let session: Promise<import("../../aws/session.js").AwsSession> | null = null;
  const open = () => (session ??= import("../../aws/session.js").then((m) => m.openSession(target, io.env)));
  const ports: JoinPorts = {
    inventory: async () => {
      const [s, { iamInventoryPort }, { collectInventory }] = await Promise.all([
        open(),
        import("../../aws/iam-inventory.js"),
        import("../../inventory/collect.js"),
      ]);
      return collectInventory({
        port: iamInventoryPort(s),
        now: new Date(),
        unusedDays: 45,
        lastUsed: "report",
      });
    },
  };
  if (flags.verify) {
    ports.accountOfKey = async (keyId) => {
      const [s, { accessKeyAccountPort }] = await Promise.all([open(), import("../../aws/key-info.js")]);
      return accessKeyAccountPort(s)(keyId);
    };
  }
  return ports;
}

async function storeResult(io: CliIO, report: object, root: string, startedAt: string): Promise<void> {
  try {
    const { openStore } = await import("../rotation-wiring.js");
    const store = await openStore(io);
    try {
      const id = `scan-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
      await store.putRecord({ kind: "scan-result", id, subject: root, data: { ...report, root, startedAt } });
    } finally {
      await store.close();
    }
  } catch (e) {
    io.stderr.write(`keywarden: warning: the scan result was not stored (${(e as Error).message})\n`);
  }
}

export async function executeScan(paths: string[], flags: ScanFlags, io: CliIO): Promise<number> {
  if (flags.history && flags.staged) {
    throw new UsageError(
      "--history and --staged cannot be combined",
      "Pass one of them (or neither for the files).",
    );
  }
  if (flags.offline && flags.verify) {
    throw new UsageError(
      "--offline and --verify cannot be combined",
      "--verify calls AWS; drop --offline to use it.",
    );
  }
  const mode: ScanMode = flags.history ? "history" : flags.staged ? "staged" : "tree";
  if (mode !== "tree" && paths.length > 1) {
    throw new UsageError(
      `--${mode} takes at most one folder (the repository)`,
      "Pass one folder inside the repository.",
    );
  }
  const [{ runScan }, { renderScan, toJson }] = await Promise.all([
    import("../../scan/run.js"),
    import("../../scan/render.js"),
  ]);
  const format: ScanFormat = flags.format ?? defaultFormat(io, FORMATS, "table", flags.output);
  const progress = startProgress(io, flags.color !== false, "Scanning");
  const startedAt = new Date().toISOString();
  let report: ScanReport;
  try {
    report = await runScan({
      paths,
      cwd: io.cwd,
      mode,
      maxBytes: flags.maxFileMb * 1024 * 1024,
      archiveDepth: flags.archiveDepth,
      showSuppressed: flags.showSuppressed === true,
      threads: flags.threads,
      baseline: flags.baseline ?? null,
      useIgnoreFile: flags.ignoreFile,
      // The hook must stay fast and offline; staged findings are about to be committed, not leaked yet.
      join: flags.offline || mode === "staged" ? null : joinPorts(flags, io),
      clock: () => performance.now(),
      onProgress: (t) => {
        progress.update(t);
      },
    });
  } finally {
    progress.stop();
  }
  const text = renderScan(report, format, VERSION, { showIds: flags.showIds === true });
  await writeOutput(io, text, flags.output);
  // The table prints them itself; other formats carry them for machines, and people see them here.
  if (format !== "table") {
    for (const w of report.warnings ?? []) io.stderr.write(`keywarden: warning: ${w}\n`);
  }
  if (mode !== "staged" && flags.store) {
    await storeResult(io, toJson(report), resolve(io.cwd, paths[0] ?? "."), startedAt);
  }
  const threshold = flags.failOn;
  const fails =
    threshold !== "none" && report.findings.some((f) => severityRank(f.severity) >= severityRank(threshold));
  if (fails && mode === "staged") {
    io.stderr.write(
      "keywarden: commit blocked: the staged changes add AWS credentials (above). Remove them, or mark an accepted " +
        "line with a `keywarden:allow` comment, and commit again.\n",
    );
  }
  return fails ? ExitCode.FINDINGS : ExitCode.OK;
}

export function register(program: Command, io: CliIO, exit: (code: number) => void): void {
  const cmd = addScanOptions(
    program
      .command("scan")
      .description("Find hard-coded AWS keys in files and git history, and who owns them")
      .addHelpText(
        "after",
        `
Examples:
  keywarden scan                               # the current folder (respects .gitignore)
  keywarden scan --history --format sarif -o keywarden.sarif   # every commit, for GitHub code scanning
  keywarden scan --staged                      # what the next commit adds (see \`keywarden hook install\`)
  keywarden scan src config --fail-on high --offline
  keywarden scan --format json -o .keywarden-baseline.json && keywarden scan --baseline .keywarden-baseline.json
  keywarden scan --history /srv/git/app.git    # a bare or --mirror clone

Finds access key ids (AKIA, ASIA, ABIA, ACCA, AGPA, AIDA, AROA, AIPA, ANPA, ANVA, APKA, ASCA, A3T),
secret access keys next to a key id or assigned to aws_secret_access_key / secretAccessKey /
SecretAccessKey / git-secrets' names (aws_key, access_key, secret_key, KEY) and the like, and
session tokens, also inside zip/jar/tar/tgz/gz archives (reported as archive.zip!dir/file). Each
secret is tied to the nearest key id in its own line, INI section or object, and says when that is
unsure. AWS's documentation examples (*EXAMPLE) are never reported.

Suppress an accepted finding with a \`keywarden:allow\` comment on its line (or alone on the line
above); \`gitleaks:allow\` and detect-secrets' \`pragma: allowlist secret\` are honoured too. Or
a path or fingerprint line in .keywardenignore, or --baseline. Suppressed findings are counted
(stats.suppressed) and listed with --show-suppressed.

--history also works in a bare or --mirror clone (a server's copy of many repositories).

Owners: unless --offline, each key id is looked up in the inventory of the account your own
credentials reach (--profile, --region, --endpoint-url); the leaked secret is never used. An
active key raises the severity to critical and the advice is \`keywarden respond KEY\`.

Exit codes: 0 nothing at or above --fail-on (default medium), 1 findings, 2 usage, 6 environment.`,
      ),
  );
  cmd.action(async (...args: unknown[]) => {
    exit(await executeScan(args[0] as string[], cmd.opts() as unknown as ScanFlags, io));
  });
}
