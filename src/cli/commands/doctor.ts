import type { Command } from "@commander-js/extra-typings";
import { UsageError } from "../../domain/errors.js";
import { parseChoice } from "../errors.js";
import { defaultFormat, withOutputFile } from "../common-options.js";
import { useColor, type CliIO } from "../io.js";

const FORMATS = ["table", "json"] as const;

interface DoctorFlags {
  profile?: string;
  adminProfile?: string;
  region?: string;
  endpointUrl?: string;
  maxAttempts?: number;
  format?: (typeof FORMATS)[number];
  output?: string;
  color?: boolean;
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === "http:" || u.protocol === "https:";
  } catch {
    return false;
  }
}

async function doctor(flags: DoctorFlags, io: CliIO): Promise<number> {
  const [{ runDoctor }, { awsDoctorProbe }, { renderDoctorJson, renderDoctorTable }, { isRegionName }] =
    await Promise.all([
      import("../../credentials/doctor/run.js"),
      import("../../aws/doctor-probe.js"),
      import("../../credentials/doctor/render.js"),
      import("../../credentials/doctor/local.js"),
    ]);
  if (flags.region !== undefined && !isRegionName(flags.region)) {
    throw new UsageError(
      `"${flags.region}" is not an AWS region name`,
      "Pass a region such as us-east-1 or eu-west-1 with --region.",
    );
  }
  if (flags.endpointUrl !== undefined) {
    if (!isHttpUrl(flags.endpointUrl)) {
      throw new UsageError(
        `"${flags.endpointUrl}" is not a valid endpoint URL`,
        "Pass a full URL such as http://127.0.0.1:5000 to --endpoint-url.",
      );
    }
  }
  const report = await runDoctor({
    env: io.env,
    options: {
      profile: flags.profile,
      adminProfile: flags.adminProfile,
      region: flags.region,
      endpointUrl: flags.endpointUrl,
    },
    probe: awsDoctorProbe({ env: io.env, maxAttempts: flags.maxAttempts }),
    now: new Date(),
    platform: process.platform,
  });
  const format = flags.format ?? defaultFormat(io, FORMATS, "table", flags.output);
  io.stdout.write(
    format === "json"
      ? renderDoctorJson(report)
      : renderDoctorTable(report, { color: useColor(io.stdout, io.env, flags.color) }),
  );
  return report.diagnosis.code === "OK" ? 0 : 1;
}

export function register(program: Command, io: CliIO, exit: (code: number) => void): void {
  const cmd = program
    .command("doctor")
    .description("Find out which AWS credentials are in use, whether they work, and exactly how to fix them")
    .option(
      "--admin-profile <name>",
      "an administrator's profile for the IAM reads: the key's owner, status, age and permissions",
    )
    .option(
      "--format <format>",
      "table or json (default: table on a terminal, json otherwise)",
      parseChoice("--format", FORMATS),
    )
    .addHelpText(
      "after",
      `
Walks the credential chain the way the AWS CLI does (--profile, then environment keys, then
AWS_PROFILE, then default; in a profile: role_arn, web identity, SSO, keys in the credentials
file, credential_process, keys in the config file; then container credentials; instance metadata
is reported, never probed), checks both files (syntax with line numbers, repeated profiles, key
and secret shapes, file modes), then calls sts:GetCallerIdentity with the credentials in use and
explains a failure: deleted or inactive key, wrong secret, clock skew (measured from AWS's Date
header), expired session, MFA required, missing permissions, unreachable endpoint.

sts:GetCallerIdentity is the only request signed with the key under test (resolving a role,
SSO or credential_process profile also runs its AssumeRole, SSO or process step, as every AWS
tool does). On AWS that call moves the key's "last used" date to now. The key's status, age and
permissions are read with --admin-profile (before the live call, so its last use is the real
one); pass your own profile as --admin-profile to let doctor read them with the key under test.
Secrets and session tokens are never printed; key ids are masked.

Examples:
  keywarden doctor
  keywarden doctor --profile dev --admin-profile admin
  keywarden doctor --format json | jq .diagnosis.code

Exit codes: 0 the diagnosis is OK (warnings may remain), 1 any other diagnosis (the code is in
the output: KEY_INACTIVE, SIGNATURE_MISMATCH, CLOCK_SKEW, ...), 2 usage, 3+ unexpected errors.`,
    );
  withOutputFile(cmd, "the report");
  cmd.action(async () => {
    exit(await doctor(cmd.opts(), io));
  });
}
