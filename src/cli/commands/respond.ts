import type { Command, CommandUnknownOpts } from "@commander-js/extra-typings";
import { ownerBlastRadius } from "../../aws/owner-blast-radius.js";
import { UsageError } from "../../domain/errors.js";
import { maskKeyId } from "../../domain/key-id.js";
import type { AwsSession } from "../../aws/session.js";
import type { RegionalClients } from "../../aws/regional.js";
import type { LookupPort, RemediationPort } from "../../response/ports.js";
import { newIncidentId, parseRegions, parseSince } from "../../response/inputs.js";
import type { IncidentReport } from "../../response/types.js";
import { parseChoice } from "../errors.js";
import { defaultFormat, nameList, pathList, withOutputFile } from "../common-options.js";
import type { CliIO } from "../io.js";
import { writeOutput } from "../output.js";
import { checkBucketFlags, withBucketOptions, type BucketFlags } from "../bucket-wiring.js";

// keywarden respond: contain a leaked key first, then investigate, sweep and report.

const FORMATS = ["markdown", "json", "html"] as const;

export interface InvestigateFlags {
  profile?: string;
  region?: string;
  endpointUrl?: string;
  maxAttempts?: number;
  since?: string;
  logs?: string[];
  regions?: string[];
  lookup?: boolean;
  account?: string;
  roleName?: string;
  externalId?: string;
  strict?: boolean;
  /** Find the key's account (sts:GetAccessKeyInfo) and reach it through the organization role. */
  org?: boolean;
}

interface RespondFlags extends InvestigateFlags, BucketFlags {
  dryRun?: boolean;
  yes?: boolean;
  remediate?: boolean;
  format?: (typeof FORMATS)[number];
  output?: string;
  /** --event FILE: the responder's path on a saved EventBridge event (respond-event.ts). */
  event?: string;
}

/** Commander options shared by respond and trail. */
export function withInvestigateOptions(cmd: CommandUnknownOpts): CommandUnknownOpts {
  return cmd
    .option(
      "--logs <path>",
      "also read the trail's log files (.json.gz/.json; a folder is walked); repeat it for more",
      pathList,
    )
    .option(
      "--regions <list>",
      "regions to ask LookupEvents, comma-separated or repeated (default: every enabled region, from ec2:DescribeRegions)",
      nameList,
    )
    .option("--no-lookup", "skip CloudTrail LookupEvents (only the --logs files)")
    .option(
      "--strict",
      "exit 1 when a --logs file cannot be read or a record of the key has no readable time (default: warn, skip it, read the rest)",
    )
    .option("--account <id>", "work in this account of the organization, through --role-name")
    .option("--role-name <name>", "the role assumed in --account (default OrganizationAccountAccessRole)")
    .option("--external-id <id>", "the external id the role's trust policy requires");
}

/** respond's and trail's --org (src/cli/org-key.ts). */
export function withOrgOption(cmd: CommandUnknownOpts): CommandUnknownOpts {
  return cmd.option(
    "--org",
    "find the key's account (sts:GetAccessKeyInfo) and, for a member account of your organization, work there through --role-name",
  );
}

/** The session and AWS adapters the response verbs use. */
export async function responseWiring(
  flags: InvestigateFlags,
  io: CliIO,
  /** With --org: the key whose account decides where to work. */
  accessKeyId?: string,
): Promise<{ session: AwsSession; callerSession: AwsSession; clients: RegionalClients; lookup: LookupPort }> {
  const [{ accountRoleOf, awsTargetOf, sessionFor }, { regionalClients }, { lookupPort, REAL_PACING }] =
    await Promise.all([
      import("../rotation-wiring.js"),
      import("../../aws/regional.js"),
      import("../../aws/cloudtrail.js"),
    ]);
  if (flags.account !== undefined && !/^\d{12}$/.test(flags.account)) {
    throw new UsageError(
      `--account "${flags.account}" is not a 12-digit account id`,
      "Pass --account 123456789012.",
    );
  }
  const { session, callerSession } =
    flags.org === true && accessKeyId !== undefined
      ? await (await import("../org-key.js")).orgKeySessions(accessKeyId, flags, io)
      : await sessionFor(awsTargetOf(flags), io, accountRoleOf(flags)).then((s) => ({
          session: s,
          callerSession: s,
        }));
  const clients = regionalClients(session, {
    endpointUrl: flags.endpointUrl,
    maxAttempts: flags.maxAttempts,
  });
  const lookup = lookupPort(session, clients, {
    pacing: REAL_PACING,
    warn: (line) => io.stderr.write(`keywarden: warning: ${line}\n`),
  });
  return { session, callerSession, clients, lookup };
}

function combined(ports: RemediationPort[]): RemediationPort {
  return {
    supports: (r) => ports.some((p) => p.supports(r)),
    remove: (r) => {
      const p = ports.find((x) => x.supports(r));
      if (!p) return Promise.reject(new Error(`keywarden does not remove ${r.type} resources`));
      return p.remove(r);
    },
  };
}

async function respondAction(accessKeyId: string, flags: RespondFlags, io: CliIO): Promise<number> {
  // Only what containment needs is loaded before it: the session, IAM/STS and respond's own
  // module. The investigation (CloudTrail, EC2, DuckDB), the store, the blast radius and the report
  // are loaded once the key is Inactive (see the respond bench: process start to key inactive).
  const [{ respond, validateKeyId }, wiring, progressMod] = await Promise.all([
    import("../../response/respond.js"),
    import("../aws-wiring.js"),
    import("../progress.js"),
  ]);
  validateKeyId(accessKeyId);
  (await import("../org-key.js")).checkOrgFlags(flags);
  const since = parseSince(flags.since, new Date());
  const regions = parseRegions(flags.regions?.join(","));
  const dryRun = flags.dryRun === true;
  // The bucket flags are checked before containment; the bucket is read after it.
  const bucketWanted = checkBucketFlags(flags) !== null;
  if (flags.lookup === false && (flags.logs ?? []).length === 0 && !bucketWanted) {
    throw new UsageError(
      "--no-lookup leaves nothing to investigate",
      "Pass --logs PATH or --athena --bucket NAME with --no-lookup.",
    );
  }
  // Containment is the point of the verb, but it changes AWS: a person says yes, or --yes does.
  if (!dryRun && flags.yes !== true) {
    if (!process.stdin.isTTY || io.stderr.isTTY !== true) {
      throw new UsageError(
        `respond deactivates ${maskKeyId(accessKeyId)} and quarantines its user, and there is no terminal to confirm it`,
        "Pass --yes to contain now, or --dry-run to investigate without changing anything.",
      );
    }
    const ok = await wiring.confirmer(
      io,
      false,
    )(
      `Contain ${maskKeyId(accessKeyId)} now (deactivate it and attach AWS's quarantine policy to its user)?`,
    );
    if (!ok) {
      io.stderr.write("keywarden: not confirmed; nothing changed.\n");
      return 1;
    }
  }
  if (flags.account !== undefined && !/^\d{12}$/.test(flags.account)) {
    throw new UsageError(
      `--account "${flags.account}" is not a 12-digit account id`,
      "Pass --account 123456789012.",
    );
  }

  // The clock for secondsToContain starts here: after the flags are read and any question answered,
  // before the AWS session and clients are built.
  const startedAt = new Date();
  // --org: the key's account first (GetAccessKeyInfo, GetCallerIdentity; for a member account
  // DescribeAccount and AssumeRole), then the same containment in that account.
  const [{ session, callerSession, keyAccount }, { responseIamPort }] = await Promise.all([
    flags.org === true
      ? import("../org-key.js").then((m) => m.orgKeySessions(accessKeyId, flags, io))
      : wiring.sessionFor(wiring.awsTargetOf(flags), io, wiring.accountRoleOf(flags)).then((s) => ({
          session: s,
          callerSession: s,
          keyAccount: null,
        })),
    import("../../aws/iam-response.js"),
  ]);
  const iamPort = responseIamPort(session);
  // The key's account is known already with --org: containment does not ask again.
  if (keyAccount !== null) iamPort.keyAccount = () => Promise.resolve(keyAccount);
  // The regional clients (CloudTrail, EC2) and the store: made on first use, after containment.
  let regional: Promise<{ clients: RegionalClients; lookup: LookupPort }> | undefined;
  const investigation = () =>
    (regional ??= (async () => {
      const [{ regionalClients }, { lookupPort, REAL_PACING }] = await Promise.all([
        import("../../aws/regional.js"),
        import("../../aws/cloudtrail.js"),
      ]);
      const clients = regionalClients(session, {
        endpointUrl: flags.endpointUrl,
        maxAttempts: flags.maxAttempts,
      });
      const lookup = lookupPort(session, clients, {
        pacing: REAL_PACING,
        warn: (line) => io.stderr.write(`keywarden: warning: ${line}\n`),
      });
      return { clients, lookup };
    })());
  // The trail bucket (--athena / --engine): its SDK clients and DuckDB load after containment too.
  let bucketSource: ReturnType<typeof import("../bucket-wiring.js").bucketSourceOf> | undefined;
  const bucketOf = () =>
    (bucketSource ??= import("../bucket-wiring.js").then(({ bucketSourceOf }) =>
      // The bucket is read with the caller's (security or log-archive) credentials, not the member role's.
      bucketSourceOf(flags, callerSession, io, {
        since,
        now: startedAt,
        regions,
        yes: flags.yes === true,
        endpointUrl: flags.endpointUrl,
        maxAttempts: flags.maxAttempts,
        confirm: wiring.confirmer(io, flags.yes === true),
        baseline: true,
      }),
    ));
  if (bucketWanted && dryRun) {
    // A dry run changes nothing and spends nothing: the Athena query is shown, not run.
    const source = await bucketOf();
    if (source) {
      const plan = await source.plan(accessKeyId);
      io.stderr.write(
        `keywarden: dry run: the trail bucket would be read by ${plan.engine} (${plan.estimate.partitions} partition(s), ${plan.estimate.bytes} bytes)${plan.sql ? ` with:\n${plan.sql};\n` : "\n"}`,
      );
    }
  }
  const opened: { store?: ReturnType<typeof openStoreLater> } = {};
  const store = () => (opened.store ??= openStoreLater(io));
  let progress: { update(text: string): void; stop(): void } | undefined;
  let report: IncidentReport;
  try {
    report = await respond(
      {
        accessKeyId,
        since,
        logPaths: flags.logs ?? [],
        dryRun,
        remediate: flags.remediate === true,
        regions,
        lookup: flags.lookup !== false,
        startedAt,
      },
      {
        iam: iamPort,
        blastRadius: ownerBlastRadius(session),
        lookup: {
          regions: async () => (await investigation()).lookup.regions(),
          lookup: async (region, key, window) => (await investigation()).lookup.lookup(region, key, window),
        },
        logs: {
          read: async (paths, key, from) =>
            (await import("../../response/logs.js")).duckDbLogReader().read(paths, key, from),
        },
        bucket:
          bucketWanted && !dryRun
            ? {
                read: async (key, record) => {
                  const source = await bucketOf();
                  return source ? source.read(key, record) : [];
                },
              }
            : undefined,
        remediation: async (protectedUser) => {
          const [{ iamRemediationPort }, { ec2RemediationPort }, { clients }] = await Promise.all([
            import("../../aws/iam-response.js"),
            import("../../aws/ec2-response.js"),
            investigation(),
          ]);
          return combined([iamRemediationPort(session, protectedUser), ec2RemediationPort(session, clients)]);
        },
        now: () => new Date(),
        newIncidentId,
        log: (line) => {
          io.stderr.write(`keywarden: ${line}\n`);
        },
        progress: (line) => {
          // The spinner starts with the investigation's first news, after containment.
          (progress ??= progressMod.startProgress(
            io,
            true,
            `investigating ${maskKeyId(accessKeyId)}`,
          )).update(line);
        },
        save: async (r) => {
          if (dryRun) return;
          const s = await store();
          await s.putRecord({
            kind: "incident",
            id: r.incidentId,
            subject: r.accessKeyId,
            data: r as unknown as Record<string, unknown>,
          });
        },
        confirm: wiring.confirmer(io, flags.yes === true),
      },
    );
  } finally {
    progress?.stop();
    if (regional) (await regional.catch(() => null))?.clients.destroy();
    if (bucketSource) (await bucketSource.catch(() => null))?.destroy();
    await (await opened.store?.catch(() => null))?.close();
  }
  const { renderIncidentReport } = await import("../../response/render.js");
  const text = renderIncidentReport(
    report,
    flags.format ?? defaultFormat(io, FORMATS, "markdown", flags.output),
  );
  await writeOutput(io, text, flags.output, 0o600);
  const c = report.containment;
  const failed = report.sources.lookupFailures.length + (report.sources.bucketFailure ? 1 : 0);
  io.stderr.write(
    dryRun
      ? `keywarden: dry run: nothing changed; ${report.events.length} event(s), ${report.suspicious.length} suspicious, ${report.created.length} created resource(s).\n`
      : `keywarden: incident ${report.incidentId} stored (contained in ${c.secondsToContain ?? "?"} s); ${report.events.length} event(s), ${report.suspicious.length} suspicious, ${report.created.length} created resource(s). See \`keywarden incidents show ${report.incidentId}\`.\n`,
  );
  // Containment stands either way; exit 1 says the investigation is incomplete. Files that could not
  // be read were named above (respond's warnings); they make it incomplete only with --strict.
  const skipped =
    (report.sources.unreadableFiles?.length ?? 0) + (report.sources.undatedRecords?.length ?? 0);
  return failed > 0 || (flags.strict === true && skipped > 0) ? 1 : 0;
}

/** The store, opened after containment: containment must not wait for (or depend on) it. */
async function openStoreLater(io: CliIO) {
  const { openStore } = await import("../../store/open.js");
  return openStore({ env: io.env });
}

export function register(program: Command, io: CliIO, exit: (code: number) => void): void {
  const cmd = program
    .command("respond")
    .description(
      "Contain a compromised access key (deactivate + quarantine), then investigate CloudTrail, sweep what it created and write an incident report",
    )
    .argument("[access-key-id]", "the leaked key, e.g. AKIAIOSFODNN7EXAMPLE (not with --event)")
    .option(
      "--event <file>",
      "contain the keys a saved EventBridge event names (AWS Health exposure, GuardDuty finding, keywarden scan hit) as the responder Lambda does; a replay of an event already handled changes nothing",
    )
    .option(
      "--since <time>",
      "when the compromise is thought to have started (ISO time or 36h/7d); earlier events are the baseline",
    )
    .option("--dry-run", "show what containment would do and investigate, changing nothing (nothing stored)")
    .option("-y, --yes", "contain without asking (required without a terminal)")
    .option(
      "--remediate",
      "remove what the key created (IAM users, keys, policies, roles; EC2 instances and rules), after confirmation",
    )
    .option(
      "--format <format>",
      "markdown, json or html (default: markdown on a terminal, json otherwise; a --output file's extension)",
      parseChoice("--format", FORMATS),
    );
  withOutputFile(cmd, "the incident report (mode 0600)", false);
  withInvestigateOptions(cmd);
  withOrgOption(cmd);
  withBucketOptions(cmd);
  cmd.addHelpText(
    "after",
    `
Containment happens first and is timed: the key is set Inactive and the newest AWS quarantine policy
the account has (AWSCompromisedKeyQuarantineV4, else V3, else V2; keywarden's own deny policy if it
has none) is attached to its user. Then every event made with
the key is read (LookupEvents in every enabled region, 2 requests/s per region; --logs files: the
trail's {"Records":[...]} files, JSON Lines, exports of lookup-events, EventBridge, Firehose, Security
Lake, Logstash, Datadog and Elastic), classified, and stored as an incident with a checklist. A --logs
file that cannot be read is named in a warning and skipped (--strict: exit 1). Without a terminal,
--yes is required.

Examples:
  keywarden respond AKIAIOSFODNN7EXAMPLE --yes
  keywarden respond AKIAIOSFODNN7EXAMPLE --dry-run --since 2d
  keywarden respond AKIAIOSFODNN7EXAMPLE --yes --logs ./cloudtrail-bucket-copy --format json > incident.json
  keywarden respond AKIAIOSFODNN7EXAMPLE --yes --remediate
  keywarden respond AKIAIOSFODNN7EXAMPLE --yes --athena --bucket org-trail --org-id o-a1b2c3d4e5
  keywarden respond AKIAIOSFODNN7EXAMPLE --yes --org      # a key of any account of your organization
  keywarden respond --event guardduty-finding.json --yes     # replay an event, as the Lambda runs it
  keywarden respond --event health-event.json --dry-run

With --athena, the trail bucket is also queried in Athena (90 days back, or from --since if earlier),
after containment; --yes also confirms a query estimated above --max-scan-gb (see \`keywarden trail --help\`).`,
  );
  cmd.action(async (accessKeyId: string | undefined) => {
    const flags: RespondFlags = cmd.opts();
    if (flags.event !== undefined) {
      if (accessKeyId !== undefined) {
        throw new UsageError(
          "pass an access key id or --event FILE, not both",
          "The event names its keys: keywarden respond --event FILE --yes.",
        );
      }
      const { respondEventAction } = await import("./respond-event.js");
      exit(await respondEventAction(flags.event, flags, io));
      return;
    }
    if (accessKeyId === undefined) {
      throw new UsageError(
        "respond needs the access key id to contain (or --event FILE)",
        "Run keywarden respond AKIAIOSFODNN7EXAMPLE --yes, or keywarden respond --event event.json --yes.",
      );
    }
    exit(await respondAction(accessKeyId, flags, io));
  });
}
