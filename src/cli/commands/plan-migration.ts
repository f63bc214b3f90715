import { readFile, stat } from "node:fs/promises";
import type { Command } from "@commander-js/extra-typings";
import { ConflictError, UsageError } from "../../domain/errors.js";
import { isAccessKeyId, maskKeyId } from "../../domain/key-id.js";
import type { KeyBlastRadiusView } from "../../domain/audit-report.js";
import type { IpRange } from "../../migration/ip.js";
import type { MigrationIamPort } from "../../migration/ports.js";
import { REPLACEMENT_KINDS, type MigrationPlan, type ReplacementKind } from "../../migration/types.js";
import { parseRegions, parseSince } from "../../response/inputs.js";
import { defaultFormat, withOutputFile } from "../common-options.js";
import { parseChoice } from "../errors.js";
import type { CliIO } from "../io.js";
import { responseWiring, withInvestigateOptions, type InvestigateFlags } from "./respond.js";

// keywarden plan-migration: the way off one long-term key (or every key of a user). Reads the
// key's owner, its last use and its CloudTrail events, chooses the short-lived replacement that
// fits, and prints the trust policy, a policy of the actions observed and the cut-over steps.
// Read-only: every AWS change is a command printed for a person to run.

const FORMATS = ["text", "json"] as const;

interface PlanFlags extends InvestigateFlags {
  user?: string;
  kind?: ReplacementKind;
  repo?: string;
  branch?: string;
  environment?: string;
  gitlabHost?: string;
  certCn?: string;
  trustAnchor?: string;
  newRole?: string;
  watch: string;
  soak: string;
  awsIpRanges?: string;
  format?: (typeof FORMATS)[number];
  output?: string;
}

function checkInputs(keyArg: string | undefined, flags: PlanFlags): void {
  if (keyArg === undefined && flags.user === undefined) {
    throw new UsageError(
      "plan-migration needs a key or a user",
      "Pass an access key id (keywarden plan-migration AKIAIOSFODNN7EXAMPLE) or --user NAME for every key of a user.",
    );
  }
  if (keyArg !== undefined && flags.user !== undefined) {
    throw new UsageError("pass a key or --user, not both", "Drop the key id to plan every key of the user.");
  }
  if (keyArg !== undefined) {
    if (/^ASIA/.test(keyArg)) {
      throw new UsageError(
        `${maskKeyId(keyArg)} is a temporary (STS) access key id: it expires by itself, there is nothing to migrate`,
        "Pass the long-term key (AKIA...) of the user or workload that created the session.",
      );
    }
    if (!isAccessKeyId(keyArg)) {
      throw new UsageError(
        `"${keyArg.slice(0, 24)}" is not an access key id`,
        "Pass the 20-character key id that starts with AKIA, e.g. keywarden plan-migration AKIAIOSFODNN7EXAMPLE.",
      );
    }
  }
  if (flags.repo !== undefined && !/^[\w.-]+(\/[\w.-]+)+$/.test(flags.repo)) {
    throw new UsageError(
      `--repo "${flags.repo}" is not owner/name`,
      "Pass --repo octo-org/octo-repo (GitLab: group/subgroup/project).",
    );
  }
  if (flags.newRole !== undefined && !/^[\w+=,.@-]{1,64}$/.test(flags.newRole)) {
    throw new UsageError(
      `--new-role "${flags.newRole}" is not a valid IAM role name`,
      "Use up to 64 letters, digits and +=,.@_- (e.g. --new-role ci-deploy).",
    );
  }
}

/** --logs paths are checked before any AWS call: a typo costs one line, not a LookupEvents run. */
async function checkLogPaths(paths: string[]): Promise<void> {
  for (const p of paths) {
    try {
      await stat(p);
    } catch {
      throw new UsageError(
        `--logs ${p}: no such file or folder`,
        "Pass a folder of CloudTrail .json.gz files, or the files themselves.",
      );
    }
  }
}

async function loadRanges(path: string | undefined): Promise<IpRange[] | undefined> {
  if (path === undefined) return undefined;
  const { awsRangesOf } = await import("../../migration/ip.js");
  try {
    return awsRangesOf(JSON.parse(await readFile(path, "utf8")) as unknown);
  } catch (err) {
    throw new UsageError(
      `--aws-ip-ranges ${path} cannot be read: ${(err as Error).message.split("\n")[0] ?? ""}`,
      "Pass AWS's ip-ranges.json as downloaded (https://ip-ranges.amazonaws.com/ip-ranges.json).",
    );
  }
}

async function planAction(keyArg: string | undefined, flags: PlanFlags, io: CliIO): Promise<number> {
  checkInputs(keyArg, flags);
  const { parseDuration } = await import("../../rotation/durations.js");
  parseDuration("--watch", flags.watch);
  parseDuration("--soak", flags.soak);
  const since = parseSince(flags.since, new Date());
  const regions = parseRegions(flags.regions?.join(","));
  const logPaths = flags.logs ?? [];
  await checkLogPaths(logPaths);
  const awsRanges = await loadRanges(flags.awsIpRanges);
  const format = flags.format ?? defaultFormat(io, FORMATS, "text", flags.output);

  const [
    { migrationIamPort },
    { collectEvents, logWarnings },
    { duckDbLogReader },
    { trailEvidence },
    { buildPlan },
    { redactValue },
  ] = await Promise.all([
    import("../../aws/migration.js"),
    import("../../response/respond.js"),
    import("../../response/logs.js"),
    import("../../migration/evidence.js"),
    import("../../migration/plan.js"),
    import("../../response/redact.js"),
  ]);
  const wiring = await responseWiring(flags, io);
  const iam: MigrationIamPort = migrationIamPort(wiring.session);
  try {
    const caller = await iam.callerAccount();
    const keys = await keysToPlan(iam, keyArg, flags.user, caller.accountId);
    const radius = blastRadiusReader(wiring.session, io);
    const plans: MigrationPlan[] = [];
    let incomplete = false;
    for (const accessKeyId of keys) {
      const facts = await iam.keyAndOwner(accessKeyId);
      if (!facts) throw keyNotFound(accessKeyId, caller.accountId);
      let trail = null;
      if (flags.lookup !== false || logPaths.length > 0) {
        const found = await collectEvents(
          {
            lookup:
              flags.lookup === false
                ? { regions: () => Promise.resolve([]), lookup: () => Promise.resolve([]) }
                : wiring.lookup,
            logs: duckDbLogReader(),
          },
          { accessKeyId, logPaths, regions, lookup: flags.lookup !== false, windowStart: since },
          () => undefined,
        );
        trail = trailEvidence(found.events, caller, found);
        for (const line of logWarnings(found))
          io.stderr.write(`keywarden: warning: ${redactValue(line) as string}\n`);
        if (found.lookupFailures.length > 0 || (flags.strict === true && logWarnings(found).length > 0))
          incomplete = true;
      }
      plans.push(
        buildPlan(
          { ...facts, trail },
          {
            now: new Date(),
            region: wiring.session.region,
            partition: caller.partition,
            kind: flags.kind,
            roleName: flags.newRole,
            repo: flags.repo,
            branch: flags.branch,
            environment: flags.environment,
            gitlabHost: flags.gitlabHost,
            certCn: flags.certCn,
            trustAnchor: flags.trustAnchor,
            watch: flags.watch,
            soak: flags.soak,
            awsRanges,
            replayArgs: replayArgs(flags),
            blastRadius: await radius(facts.owner.userName),
          },
        ),
      );
    }
    // A user agent or a file name can carry a secret: the printed plan gets the same pass as trail's.
    const safe = plans.map((p) => redactValue(p) as MigrationPlan);
    io.stdout.write(await render(safe, format, flags.user));
    return incomplete ? 1 : 0;
  } finally {
    wiring.clients.destroy();
  }
}

async function keysToPlan(
  iam: MigrationIamPort,
  keyArg: string | undefined,
  user: string | undefined,
  account: string,
): Promise<string[]> {
  if (keyArg !== undefined) {
    const owner = await iam.keyAccount(keyArg);
    if (owner !== "" && owner !== account) {
      throw new ConflictError(
        "KEY_IN_OTHER_ACCOUNT",
        `${maskKeyId(keyArg)} belongs to account ${owner}, but you are signed in to ${account}`,
        `Run it with credentials for account ${owner} (--profile NAME), or through the organization's role: --account ${owner}.`,
      );
    }
    return [keyArg];
  }
  const keys = await iam.userKeys(user ?? "");
  if (keys === null) {
    throw new ConflictError(
      "USER_NOT_FOUND",
      `there is no IAM user "${user ?? ""}" in account ${account}`,
      "Check the name with `keywarden keys`.",
    );
  }
  if (keys.length === 0) {
    throw new ConflictError(
      "NO_KEYS",
      `the IAM user "${user ?? ""}" has no access key: there is nothing to migrate`,
      "Nothing to do.",
    );
  }
  return keys;
}

/** The flags that shape a plan, as typed, for the step that saves it again as JSON. */
function replayArgs(f: PlanFlags): string[] {
  const out: string[] = [];
  const pairs: [string, string | undefined][] = [
    ["--repo", f.repo],
    ["--branch", f.branch],
    ["--environment", f.environment],
    ["--gitlab-host", f.gitlabHost],
    ["--cert-cn", f.certCn],
    ["--trust-anchor", f.trustAnchor],
    ["--new-role", f.newRole],
    ["--since", f.since],
    ["--regions", f.regions?.join(",")],
  ];
  for (const [flag, v] of pairs) if (v !== undefined && v !== "") out.push(flag, v);
  for (const p of f.logs ?? []) out.push("--logs", p);
  if (f.lookup === false) out.push("--no-lookup");
  return out;
}

const keyNotFound = (accessKeyId: string, account: string) =>
  new ConflictError(
    "KEY_NOT_FOUND",
    `no IAM user in account ${account} holds ${maskKeyId(accessKeyId)} (deleted already, or a root key)`,
    "Check the id with `keywarden keys`; a root key is deleted under the root user's Security credentials, not migrated.",
  );

/** The owner's blast radius, from one listing of the account's authorization details (cached). */
function blastRadiusReader(session: import("../../aws/session.js").AwsSession, io: CliIO) {
  let all: Promise<Map<string, KeyBlastRadiusView> | null> | null = null;
  const load = async () => {
    const [{ iamInventoryPort }, { authorizationsOf }, { userBlastRadius }, { blastRadiusView }] =
      await Promise.all([
        import("../../aws/iam-inventory.js"),
        import("../../inventory/authorizations.js"),
        import("../../access/principal.js"),
        import("../../audit/risk.js"),
      ]);
    try {
      const details = await iamInventoryPort(session).getAuthorizationDetails();
      const accountId = details.users[0]?.arn.split(":")[4] ?? "";
      return new Map(
        authorizationsOf(accountId, details).map((a) => [a.userName, blastRadiusView(userBlastRadius(a))]),
      );
    } catch (err) {
      io.stderr.write(
        `keywarden: warning: the owner's blast radius is left out: ${(err as Error).message}\n`,
      );
      return null;
    }
  };
  return async (userName: string): Promise<KeyBlastRadiusView | null> => {
    all ??= load();
    const m = await all;
    return m ? (m.get(userName) ?? null) : null;
  };
}

async function render(
  plans: MigrationPlan[],
  format: (typeof FORMATS)[number],
  user: string | undefined,
): Promise<string> {
  if (format === "json") {
    const body = user === undefined ? plans[0] : { schemaVersion: 1, userName: user, plans };
    return `${JSON.stringify(body, null, 2)}\n`;
  }
  const { renderPlanText } = await import("../../migration/render.js");
  return plans.map(renderPlanText).join(`\n${"─".repeat(72)}\n\n`);
}

export function register(program: Command, io: CliIO, exit: (code: number) => void): void {
  const cmd = program
    .command("plan-migration")
    .description(
      "The way off a long-term key: the evidence of its use, the short-lived replacement that fits (OIDC for CI, a role for AWS compute, Roles Anywhere, Identity Center), its trust policy, a policy of the actions observed and the cut-over steps",
    )
    .argument("[access-key-id]", "the key to plan for (or --user)")
    .option("--user <name>", "plan every access key of this IAM user")
    .option(
      "--kind <kind>",
      `the replacement, when you know it: ${REPLACEMENT_KINDS.join(", ")}`,
      parseChoice("--kind", REPLACEMENT_KINDS),
    )
    .option(
      "--repo <owner/name>",
      "GitHub repository (or GitLab group/project) whose pipelines assume the role",
    )
    .option("--branch <name>", "only this branch may assume the role (OIDC kinds)")
    .option("--environment <name>", "only jobs of this GitHub environment may assume the role")
    .option("--gitlab-host <host>", "a self-managed GitLab's host (default gitlab.com)")
    .option("--cert-cn <name>", "Roles Anywhere: the common name of the server's certificate")
    .option("--trust-anchor <id>", "Roles Anywhere: the trust anchor's id")
    .option("--new-role <name>", "name of the role to create (default: USER-role)")
    .option(
      "--watch <duration>",
      "how long the key must stay unused after the switch before it is deactivated",
      "7d",
    )
    .option("--soak <duration>", "how long the key stays inactive before it is deleted", "14d")
    .option("--since <time>", "only events at or after this time (ISO time or a span such as 30d)")
    .option(
      "--aws-ip-ranges <file>",
      "AWS's ip-ranges.json: source addresses in its EC2 ranges count as AWS compute",
    )
    .option(
      "--format <format>",
      "text or json (default: text on a terminal, json otherwise)",
      parseChoice("--format", FORMATS),
    );
  withOutputFile(cmd, "the plan");
  withInvestigateOptions(cmd);
  cmd.addHelpText(
    "after",
    `
Evidence: the key's owner (console password, MFA), iam:GetAccessKeyLastUsed, and CloudTrail events
made with the key (LookupEvents in every enabled region, or --logs files as \`keywarden trail\` reads
them): the IAM actions seen (eventSource + eventName, with the known exceptions such as S3's
ListObjectsV2 -> s3:ListBucket; an unsure mapping is marked), source IPs, user agents and regions.
The replacement is chosen only when one kind has a decisive signal (a CI action's user agent, an
execution environment the SDK reports, a VPC endpoint, a person's workstation); otherwise the plan
lists the candidates with their reasons: pass --kind. Changes nothing in AWS.

Examples:
  keywarden plan-migration AKIAIOSFODNN7EXAMPLE
  keywarden plan-migration AKIAIOSFODNN7EXAMPLE --repo octo-org/deploy --branch main --format json
  keywarden plan-migration --user build-bot --no-lookup --logs ./AWSLogs -o plan.json
  keywarden plan-migration AKIAIOSFODNN7EXAMPLE --kind roles-anywhere --cert-cn app01.example.com

Exit codes: 0 planned, 1 a region's lookup failed or (--strict) a --logs file could not be read (the
plan may miss actions), 2 usage (a bad key id, a --logs path that does not exist), 3 credentials,
4 access denied, 5 AWS or network failure, 7 no IAM user of the account holds the key (or it
belongs to another account).`,
  );
  cmd.action(async (accessKeyId: string | undefined) => {
    exit(await planAction(accessKeyId, cmd.opts(), io));
  });
}
