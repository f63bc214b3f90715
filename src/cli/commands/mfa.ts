import type { Command } from "@commander-js/extra-typings";
import type { AwsTarget } from "../../aws/session.js";
import { UsageError } from "../../domain/errors.js";
import type { CliIO } from "../io.js";

export interface MfaFlags {
  profile?: string;
  region?: string;
  endpointUrl?: string;
  maxAttempts?: number;
  code?: string;
  duration?: string;
  serial?: string;
  force?: boolean;
  longTermSuffix?: string;
  longTermProfile?: string;
  roleArn?: string;
  roleSessionName?: string;
}

/** What tests replace: SDK middleware (to inject AWS errors), the prompt, the clock. */
export interface MfaHooks {
  configureClient?: AwsTarget["configureClient"];
  /** Asks for the code; default: a prompt on stderr when stdin is a terminal, else none. */
  readCode?: ((device: string) => Promise<string>) | undefined;
  now?: () => Date;
}

/** Asks for the code on stderr/stdin (also used by `rotate`). */
export async function promptCode(device: string): Promise<string> {
  const { createInterface } = await import("node:readline/promises");
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question(`MFA code for ${device}: `);
  } finally {
    rl.close();
  }
}

/** Runs `keywarden mfa` with already-parsed flags; returns the exit code (errors are thrown). */
export async function mfaCommand(flags: MfaFlags, io: CliIO, hooks: MfaHooks = {}): Promise<number> {
  const [input, { runMfa, describeOutcome }, { credentialsFilePath, configFilePath }] = await Promise.all([
    import("../../credentials/mfa/input.js"),
    import("../../credentials/mfa/run.js"),
    import("../../credentials/file.js"),
  ]);
  // Every flag is checked before a file is read or AWS is called.
  const roleArn = flags.roleArn === undefined ? undefined : input.roleArn(flags.roleArn);
  const request = {
    names: input.profileNames({
      profile: flags.profile ?? (io.env.AWS_PROFILE || "default"),
      longTermProfile: flags.longTermProfile,
      longTermSuffix: flags.longTermSuffix,
    }),
    code: flags.code === undefined ? undefined : input.mfaCode(flags.code),
    durationSeconds: input.sessionDuration(
      flags.duration,
      roleArn === undefined ? "session-token" : "assume-role",
    ),
    serial: flags.serial === undefined ? undefined : input.mfaSerial(flags.serial),
    roleArn,
    roleSessionName:
      flags.roleSessionName === undefined ? undefined : input.roleSessionName(flags.roleSessionName),
    force: flags.force === true,
  };
  if (flags.roleSessionName !== undefined && roleArn === undefined) {
    throw new UsageError("--role-session-name only applies with --role-arn", "Pass --role-arn ARN as well.");
  }
  const env = io.env;
  const readCode = "readCode" in hooks ? hooks.readCode : process.stdin.isTTY ? promptCode : undefined;
  const now = hooks.now ?? (() => new Date());
  const outcome = await runMfa(request, {
    credentialsPath: credentialsFilePath(env),
    configPath: configFilePath(env),
    now,
    readCode,
    log: (line) => io.stderr.write(`keywarden: ${line}\n`),
    connect: async (keys, context, settings) => {
      const [{ openSession }, { mfaPort }] = await Promise.all([
        import("../../aws/session.js"),
        import("../../aws/mfa-session.js"),
      ]);
      // The profile's region and endpoint_url apply (as the AWS CLI ranks them); the keys are the
      // long-term ones read from the file, never the session profile's.
      const envEndpoint = env.AWS_ENDPOINT_URL_STS || env.AWS_ENDPOINT_URL_IAM || env.AWS_ENDPOINT_URL;
      const ignore =
        settings.ignoreConfiguredEndpointUrls === true ||
        env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.trim().toLowerCase() === "true";
      const session = await openSession(
        {
          region: flags.region ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION || settings.region),
          endpointUrl: flags.endpointUrl ?? (envEndpoint || ignore ? undefined : settings.endpointUrl),
          maxAttempts: flags.maxAttempts,
          credentials: keys,
          configureClient: hooks.configureClient,
        },
        env,
      );
      return mfaPort(session, keys, context);
    },
  });
  for (const line of describeOutcome(outcome, now())) io.stdout.write(`${line}\n`);
  return 0;
}

export function register(program: Command, io: CliIO, exit: (code: number) => void): void {
  const cmd = program
    .command("mfa")
    .description(
      "Get an MFA session from the long-term key in [PROFILE-long-term] and write it to [PROFILE] (reused while valid)",
    )
    .option("--code <digits>", "the 6-digit code your MFA device shows (asked for on a terminal)")
    .option(
      "--duration <time>",
      "session length: 15m to 36h (default 12h); with --role-arn 15m to 12h (default 1h)",
    )
    .option(
      "--serial <arn>",
      "the MFA device (default: mfa_serial of the profile in the config file, else your only device)",
    )
    .option("--force", "get a new session even if the profile's session is still valid")
    .option("--long-term-suffix <suffix>", 'long-term keys live in [PROFILE-SUFFIX] (default "long-term")')
    .option("--long-term-profile <name>", "long-term keys live in this profile instead")
    .option("--role-arn <arn>", "assume this role with MFA (sts:AssumeRole) and write the role's session")
    .option("--role-session-name <name>", "with --role-arn: the session name (default keywarden-USER)")
    .addHelpText(
      "after",
      `
--profile names the profile the session is written to (default: AWS_PROFILE, then default).
Long-term keys stay in [PROFILE-long-term] of the credentials file (AWS_SHARED_CREDENTIALS_FILE or
~/.aws/credentials); the session goes to [PROFILE] as aws_access_key_id, aws_secret_access_key,
aws_session_token and expiration (plus assumed_role_arn with --role-arn), so the AWS CLI and SDKs
use it with --profile PROFILE. Only those lines change; the file is replaced atomically, mode 0600.
On the first run, long-term keys found in [PROFILE] itself are moved to [PROFILE-long-term].
A session with more than 5 minutes left is reused (no AWS call) unless --force.
Secrets and session tokens are never printed.

Examples:
  keywarden mfa --profile dev                      # asks for the code on the terminal
  keywarden mfa --profile dev --code 123456 --duration 8h
  keywarden mfa --profile dev --serial arn:aws:iam::123456789012:mfa/alice --force
  keywarden mfa --profile admin --long-term-profile dev-long-term \\
      --role-arn arn:aws:iam::123456789012:role/admin --code 123456

Exit codes: 0 session written or reused, 2 usage (bad flag, bad code, no code without a terminal,
several MFA devices), 3 credentials (no long-term key, key not valid, MFA code rejected, no MFA
device), 4 access denied, 5 AWS unreachable or failing, 6 credentials file problem, 7 conflict
([PROFILE] holds another long-term key, or the file changed meanwhile).`,
    );
  cmd.action(async () => {
    exit(await mfaCommand(cmd.opts(), io));
  });
}
