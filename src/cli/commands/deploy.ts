import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, extname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "@commander-js/extra-typings";
import { EnvironmentError, ExitCode, UsageError } from "../../domain/errors.js";
import { nameList, withOutputFile } from "../common-options.js";
import { parseChoice } from "../errors.js";
import type { CliIO } from "../io.js";
import { writeOutput } from "../output.js";

// keywarden deploy responder: the responder (a Lambda function, its role, one EventBridge rule per
// event kind, a dead-letter queue, a topic) as one CloudFormation stack. Without --apply it only
// writes the template; everything given is checked before anything is created.

interface DeployResponderFlags {
  profile?: string;
  region?: string;
  endpointUrl?: string;
  maxAttempts?: number;
  apply?: boolean;
  dryRun?: boolean;
  yes?: boolean;
  output?: string;
  format?: "json" | "yaml";
  stackName?: string;
  bucket?: string;
  bundle?: string;
  config?: string;
  storeSecretArn?: string;
  snsTopicArn?: string;
  roleName?: string;
  externalId?: string;
  regions?: string[];
}

/** dist/responder/index.zip of this package, built by `npm run build:responder` (and `npm run build`). */
function packagedBundle(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, "dist", "responder", "index.zip");
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return null;
}

async function readBundle(flags: DeployResponderFlags, io: CliIO): Promise<Buffer> {
  const path = flags.bundle === undefined ? packagedBundle() : resolve(io.cwd, flags.bundle);
  if (path === null) {
    throw new EnvironmentError(
      "BUNDLE_MISSING",
      "the responder's bundle (dist/responder/index.zip) is not in this keywarden package",
      "Build it with `npm run build:responder`, or pass --bundle FILE.zip.",
    );
  }
  try {
    return await readFile(path);
  } catch (e) {
    throw new EnvironmentError(
      "BUNDLE_MISSING",
      `cannot read the responder's bundle ${path} (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
      "Build it with `npm run build:responder`, or pass --bundle FILE.zip.",
    );
  }
}

async function responderAction(
  flags: DeployResponderFlags,
  store: string | undefined,
  io: CliIO,
): Promise<number> {
  if (flags.apply === true && flags.dryRun === true) {
    throw new UsageError(
      "--dry-run and --apply contradict each other",
      "Pass --dry-run to see the plan, --apply to deploy.",
    );
  }
  const [{ settingsFrom }, { responderTemplate, describeResources }] = await Promise.all([
    import("../../deploy/settings.js"),
    import("../../deploy/responder-template.js"),
  ]);
  let config: unknown;
  if (flags.config !== undefined) {
    const { loadPolicy } = await import("../../policy/load.js");
    config = (await loadPolicy(resolve(io.cwd, flags.config))).doc;
  }
  const settings = settingsFrom({ ...flags, store }, config);
  const template = responderTemplate(settings);
  const format =
    flags.format ?? ([".yaml", ".yml"].includes(extname(flags.output ?? "").toLowerCase()) ? "yaml" : "json");
  const body =
    format === "yaml"
      ? (await import("yaml")).stringify(template, { aliasDuplicateObjects: false })
      : `${JSON.stringify(template, null, 2)}\n`;
  const outPath = flags.output === undefined ? undefined : resolve(io.cwd, flags.output);
  const say = (line: string) => io.stderr.write(`keywarden: ${line}\n`);
  if (store === undefined && settings.storeSecretArn === undefined) {
    say("no --store or --store-secret-arn: the function will notify, but keep no incident record");
  }

  if (flags.apply !== true) {
    await writeOutput(io, body, outPath, 0o644);
    if (flags.dryRun === true) {
      say(
        `dry run: stack ${settings.stackName} would create ${Object.keys(template.Resources as object).length} resources:`,
      );
      for (const line of describeResources(template)) io.stderr.write(`  ${line}\n`);
      say(
        `and upload the function's zip to ${flags.bucket ?? "a bucket named keywarden-responder-ACCOUNT-REGION"}`,
      );
    } else {
      say("template only: nothing was created. Pass --apply to deploy it.");
    }
    return ExitCode.OK;
  }

  // Everything local is read before the question and before AWS: a missing bundle costs nothing.
  const bundle = await readBundle(flags, io);
  const { awsTargetOf, confirmer, sessionFor } = await import("../aws-wiring.js");
  const confirm = confirmer(io, flags.yes === true);
  if (
    !(await confirm(`Deploy stack ${settings.stackName} (a Lambda function that deactivates exposed keys)?`))
  ) {
    say("nothing was deployed (not confirmed).");
    return ExitCode.USAGE;
  }
  if (outPath !== undefined) await writeOutput(io, body, outPath, 0o644);
  const session = await sessionFor(awsTargetOf(flags), io);
  const [{ stackPort }, { callerOf }, { deployStack, failureLines }] = await Promise.all([
    import("../../aws/cloudformation.js"),
    import("../../aws/organizations.js"),
    import("../../deploy/apply.js"),
  ]);
  const caller = await callerOf(session);
  say(`deploying to account ${caller.accountId} in ${session.region}`);
  const result = await deployStack(
    stackPort(session),
    {
      stackName: settings.stackName,
      templateBody: JSON.stringify(template),
      bundle,
      bucket: flags.bucket ?? `keywarden-responder-${caller.accountId}-${session.region}`,
      createBucket: flags.bucket === undefined,
    },
    { progress: say },
  );
  if (!result.ok) {
    for (const line of failureLines(result, settings.stackName)) io.stderr.write(`${line}\n`);
    return ExitCode.AWS_FAILURE;
  }
  say(`stack ${settings.stackName} ${result.action} (${result.state.status})`);
  io.stdout.write(
    `${JSON.stringify({ stackName: settings.stackName, action: result.action, outputs: result.state.outputs }, null, 2)}\n`,
  );
  return ExitCode.OK;
}

export function register(program: Command, io: CliIO, exit: (code: number) => void): void {
  const deploy = program.command("deploy").description("Deploy keywarden's parts to AWS (the responder)");
  deploy.addHelpText(
    "after",
    `
Examples:
  keywarden deploy responder --dry-run
  keywarden deploy responder --apply --yes --store-secret-arn arn:aws:secretsmanager:us-east-1:111111111111:secret:kw-store

Exit codes: 0 deployed (or printed), 2 usage, 3 credentials, 4 access denied, 5 AWS failure (a stack that failed), 6 environment, 7 a stack that cannot be updated now`,
  );
  const responder = deploy
    .command("responder")
    .description(
      "The responder as a CloudFormation stack: a Lambda function that contains keys on AWS Health, GuardDuty and scan events",
    )
    .option("--apply", "create (or update) the stack; without it the template is only written")
    .option("--dry-run", "write the template and list what would be created; nothing is created")
    .option("-y, --yes", "with --apply: do not ask first (needed without a terminal)")
    .option(
      "--format <format>",
      "the template as json or yaml (default: -o's extension, else json)",
      parseChoice("--format", ["json", "yaml"] as const),
    )
    .option("--stack-name <name>", "the stack (default keywarden-responder)")
    .option(
      "--bucket <name>",
      "S3 bucket for the function's zip (default: keywarden-responder-ACCOUNT-REGION, created)",
    )
    .option("--bundle <file.zip>", "the function's zip (default: dist/responder/index.zip of this package)")
    .option("--config <file>", "the policy file (keywarden.yaml) the function follows")
    .option("--store-secret-arn <arn>", "a Secrets Manager secret holding the store's postgres:// URL")
    .option(
      "--sns-topic-arn <arn>",
      "an existing SNS topic for team notifications (default: the stack creates one)",
    )
    .option("--role-name <name>", "in an organization: the role the function assumes in member accounts")
    .option("--external-id <id>", "with --role-name: the external id its trust policy requires")
    .option(
      "--regions <list>",
      "regions the function's investigation reads (default: every enabled one)",
      nameList,
    );
  withOutputFile(responder, "the template", false);
  responder.addHelpText(
    "after",
    `
Creates: the function (Node 20, the bundle from dist/responder/index.zip), its role with the policy
\`keywarden permissions respond\` prints plus its logs, queue, topic, secret and organization role;
an EventBridge rule per event kind (AWS Health AWS_RISK_CREDENTIALS_EXPOSED, GuardDuty findings on
an IAM user's AKIA key, keywarden scan hits) with the dead-letter queue and a retry policy; an SNS
topic unless --sns-topic-arn names one. The store comes from the global --store (a postgres:// URL
without a password) or --store-secret-arn. The caller needs \`keywarden permissions deploy\`.
In an organization, deploy to the delegated security account and pass --role-name, as audit --org.

Examples:
  keywarden deploy responder --dry-run
  keywarden deploy responder -o responder.yaml --config keywarden.yaml
  keywarden deploy responder --apply --store-secret-arn arn:aws:secretsmanager:us-east-1:111111111111:secret:kw-store
  keywarden deploy responder --apply --yes --role-name OrganizationAccountAccessRole --external-id kw-2026

Exit codes: 0 deployed (or printed), 2 usage (a bad flag, not confirmed), 3 credentials, 4 access denied, 5 AWS failure (the stack failed: one line per failed resource), 6 environment (no bundle, unreadable config), 7 the stack is busy or must be deleted first`,
  );
  responder.action(async () => {
    // The global --store names the function's store only when given on this command line: the
    // KEYWARDEN_STORE of this machine is a local store, not the function's.
    const store =
      program.getOptionValueSource("store") === "cli"
        ? (program.opts() as { store?: string }).store
        : undefined;
    exit(await responderAction(responder.opts(), store, io));
  });
}
