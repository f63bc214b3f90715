// `keywarden mfa`: long-term keys in [P-long-term] -> an MFA session (sts:GetSessionToken, or
// sts:AssumeRole with --role-arn) written to [P] of the shared credentials file, so the AWS CLI and
// SDKs using --profile P just work. A session with time left is reused. The file is edited with the
// lossless editor (only the session's lines change) and replaced atomically at mode 0600.
//
// The AWS calls come through a port (src/aws/mfa-session.ts); time, the files and the prompt come
// in as arguments, so every decision here is testable.
import { ExitCode, UsageError } from "../../domain/errors.js";
import { maskKeyId } from "../../domain/key-id.js";
import { readIniFile, writeIniFileAtomic, type IniFile } from "../file.js";
import { getProfile, serialize } from "../ini.js";
import { MfaError } from "./errors.js";
import { defaultRoleSessionName, mfaCode, type ProfileNames } from "./input.js";
import { applySession, planLongTermKeys, type LongTermSource } from "./plan.js";
import type { Identity, LongTermKeys, MfaPort, MfaPortContext, TemporaryCredentials } from "./ports.js";
import { decideReuse, formatExpiration, formatRemaining } from "./session.js";

export interface MfaRequest {
  readonly names: ProfileNames;
  /** Already checked to be six digits; undefined: ask on the terminal (readCode). */
  readonly code?: string | undefined;
  readonly durationSeconds: number;
  /** --serial; undefined: mfa_serial from the config, else ListMFADevices. */
  readonly serial?: string | undefined;
  readonly roleArn?: string | undefined;
  readonly roleSessionName?: string | undefined;
  readonly force: boolean;
}

/** Settings of the profile (config file) that decide where the calls go. */
export interface ProfileSettings {
  readonly region?: string | undefined;
  readonly endpointUrl?: string | undefined;
  readonly ignoreConfiguredEndpointUrls?: boolean;
}

export interface MfaDeps {
  readonly credentialsPath: string;
  readonly configPath: string;
  readonly now: () => Date;
  /** A port signed with the long-term keys. */
  readonly connect: (
    keys: LongTermKeys,
    context: MfaPortContext,
    settings: ProfileSettings,
  ) => Promise<MfaPort>;
  /** Asks for the code on the terminal; undefined when there is none (then --code is required). */
  readonly readCode?: ((device: string) => Promise<string>) | undefined;
  /** Notes and warnings for stderr (never a secret). */
  readonly log: (line: string) => void;
}

export type MfaOutcome =
  | {
      readonly action: "reused";
      readonly profile: string;
      readonly accessKeyId: string;
      readonly expiration: Date;
      readonly remainingMs: number;
      readonly roleArn?: string | undefined;
    }
  | {
      readonly action: "created";
      readonly profile: string;
      readonly longTermProfile: string;
      /** Why the profile's previous session was not reused; undefined when it held none (or --force). */
      readonly reason: string | undefined;
      readonly accessKeyId: string;
      readonly longTermKeyId: string;
      readonly expiration: Date;
      readonly durationSeconds: number;
      readonly serial: string;
      readonly roleArn?: string | undefined;
      readonly assumedRoleUserArn?: string | undefined;
      /** The long-term keys were moved from [profile] to a new [long-term profile]. */
      readonly moved: boolean;
      /** The credentials file written (symlinks resolved). */
      readonly path: string;
      /** The file was looser than 0600 and is 0600 now. */
      readonly modeFixed: boolean;
    };

/** A device that sts:GetSessionToken / AssumeRole cannot use: FIDO security keys (ARN path `u2f/`). */
function isFidoKey(serial: string): boolean {
  return /:u2f\//.test(serial);
}

/** The config keys that make the AWS CLI and SDKs ignore static keys of the credentials file. */
const OVERRIDING_CONFIG_KEYS = [
  "role_arn",
  "credential_process",
  "sso_session",
  "sso_start_url",
  "web_identity_token_file",
];

/** The MFA device a profile names (mfa_serial, or aws-mfa's aws_mfa_device); also used by `rotate`. */
export function configSerial(
  config: IniFile,
  credentials: IniFile,
  names: ProfileNames,
): { serial: string; where: string } | undefined {
  const candidates: [Readonly<Record<string, string>> | undefined, string, string][] = [
    [
      getProfile(config.doc, names.profile),
      "mfa_serial",
      `mfa_serial in [profile ${names.profile}] of ${config.path}`,
    ],
    [
      getProfile(config.doc, names.longTermProfile),
      "mfa_serial",
      `mfa_serial in [profile ${names.longTermProfile}] of ${config.path}`,
    ],
    [
      getProfile(credentials.doc, names.longTermProfile),
      "mfa_serial",
      `mfa_serial in [${names.longTermProfile}] of ${credentials.path}`,
    ],
    // aws-mfa keeps the device in the long-term section under this name.
    [
      getProfile(credentials.doc, names.longTermProfile),
      "aws_mfa_device",
      `aws_mfa_device in [${names.longTermProfile}] of ${credentials.path}`,
    ],
  ];
  for (const [values, key, where] of candidates) {
    const serial = values?.[key];
    if (serial === undefined || serial === "") continue;
    if (!/^[\w+=/:,.@-]{9,256}$/.test(serial)) {
      throw new UsageError(
        `${where} is not an MFA device ARN or serial`,
        "Fix it (e.g. mfa_serial = arn:aws:iam::123456789012:mfa/alice), or pass --serial ARN.",
      );
    }
    return { serial, where };
  }
  return undefined;
}

function settingsOf(config: IniFile, names: ProfileNames): ProfileSettings {
  const p = getProfile(config.doc, names.profile);
  const lt = getProfile(config.doc, names.longTermProfile);
  const ignore = p?.ignore_configured_endpoint_urls ?? lt?.ignore_configured_endpoint_urls;
  return {
    region: p?.region ?? lt?.region,
    endpointUrl: p?.endpoint_url ?? lt?.endpoint_url,
    ignoreConfiguredEndpointUrls: ignore?.trim().toLowerCase() === "true",
  };
}

async function chooseDevice(
  port: MfaPort,
  identity: Identity,
  names: ProfileNames,
  configPath: string,
  log: (line: string) => void,
): Promise<string> {
  const devices = await port.listMfaDevices(identity.userName);
  const who = identity.userName === undefined ? identity.arn : `user ${identity.userName}`;
  const usable = devices.map((d) => d.serialNumber).filter((s) => !isFidoKey(s));
  const fido = devices.map((d) => d.serialNumber).filter(isFidoKey);
  const [only] = usable;
  if (usable.length === 1 && only !== undefined) {
    if (fido.length > 0)
      log(`using ${only}; FIDO security keys cannot make CLI sessions (${fido.join(", ")})`);
    return only;
  }
  if (devices.length === 0) {
    throw new MfaError(
      ExitCode.CREDENTIALS,
      "NO_MFA_DEVICE",
      `${who} has no MFA device, so no MFA session can be made`,
      "Assign a virtual MFA device (IAM console > Security credentials > Assign MFA device), or pass --serial ARN.",
    );
  }
  if (usable.length === 0) {
    throw new MfaError(
      ExitCode.CREDENTIALS,
      "MFA_DEVICE_UNSUPPORTED",
      `${who} has only FIDO security keys (${fido.join(", ")}), which AWS does not accept for CLI sessions`,
      "Assign a virtual or hardware TOTP MFA device as well, then pass its ARN with --serial.",
    );
  }
  throw new UsageError(
    `${who} has ${usable.length} MFA devices (${usable.join(", ")}); keywarden does not guess which one you hold`,
    `Pick one with --serial ARN, or set mfa_serial = ARN in [profile ${names.profile}] of ${configPath}.`,
  );
}

async function readFreshCredentials(path: string, before: LongTermSource, names: ProfileNames) {
  // The user may have edited the file while typing the code: plan again on what is there now.
  const file = await readIniFile(path, "credentials");
  const source = planLongTermKeys(file.doc, names, path);
  if (source.keys.accessKeyId !== before.keys.accessKeyId || source.kind !== before.kind) {
    throw new MfaError(
      ExitCode.CONFLICT,
      "CREDENTIALS_FILE_CHANGED",
      `${path} changed while the session was being made (the long-term key of [${names.longTermProfile}] is different now); nothing was written`,
      "Run the command again.",
    );
  }
  return { file, source };
}

export async function runMfa(req: MfaRequest, deps: MfaDeps): Promise<MfaOutcome> {
  const { names } = req;
  const credentials = await readIniFile(deps.credentialsPath, "credentials");
  const decision = decideReuse({
    values: getProfile(credentials.doc, names.profile),
    now: deps.now(),
    roleArn: req.roleArn,
    force: req.force,
  });
  if (decision.reuse) {
    return {
      action: "reused",
      profile: names.profile,
      accessKeyId: decision.accessKeyId,
      expiration: decision.expiration,
      remainingMs: decision.remainingMs,
      roleArn: req.roleArn,
    };
  }

  if (req.code === undefined && deps.readCode === undefined) {
    throw new UsageError(
      `no MFA code for a new session of [${names.profile}] (${decision.reason}), and no terminal to ask for it`,
      "Pass the current code from your MFA device with --code 123456.",
    );
  }
  const source = planLongTermKeys(credentials.doc, names, deps.credentialsPath);
  const config = await readIniFile(deps.configPath, "config");
  const configured = getProfile(config.doc, names.profile);
  const overriding = OVERRIDING_CONFIG_KEYS.filter((k) => configured?.[k] !== undefined);
  if (overriding.length > 0) {
    deps.log(
      `warning: [profile ${names.profile}] in ${deps.configPath} sets ${overriding.join(", ")}: the AWS CLI and SDKs use that before the credentials file, so they will not use this session; use another --profile name for the session`,
    );
  }

  const keySource = source.kind === "move" ? names.profile : names.longTermProfile;
  const port = await deps.connect(
    source.keys,
    {
      profile: names.profile,
      keySource,
      credentialsPath: deps.credentialsPath,
      configPath: deps.configPath,
    },
    settingsOf(config, names),
  );
  const identity = await port.whoAmI();
  let serial = req.serial;
  if (serial === undefined) {
    const fromConfig = configSerial(config, credentials, names);
    serial = fromConfig?.serial ?? (await chooseDevice(port, identity, names, deps.configPath, deps.log));
  }
  let code = req.code;
  if (code === undefined) {
    if (deps.readCode === undefined) throw new Error("internal: no MFA code and no prompt");
    code = mfaCode(await deps.readCode(serial), "prompt");
  }

  let session: TemporaryCredentials;
  if (req.roleArn !== undefined) {
    session = await port.assumeRole({
      roleArn: req.roleArn,
      roleSessionName: req.roleSessionName ?? defaultRoleSessionName(identity.userName),
      serialNumber: serial,
      tokenCode: code,
      durationSeconds: req.durationSeconds,
    });
  } else {
    session = await port.getSessionToken({
      serialNumber: serial,
      tokenCode: code,
      durationSeconds: req.durationSeconds,
    });
  }

  const fresh = await readFreshCredentials(deps.credentialsPath, source, names);
  const applied = applySession(fresh.file.doc, names, fresh.source, {
    credentials: session,
    roleArn: req.roleArn,
  });
  const written = await writeIniFileAtomic(deps.credentialsPath, serialize(fresh.file.doc), {
    expected: fresh.file.missing ? null : fresh.file.bytes,
  });
  return {
    action: "created",
    profile: names.profile,
    longTermProfile: names.longTermProfile,
    reason: ["forced", "no-profile", "no-session"].includes(decision.why) ? undefined : decision.reason,
    accessKeyId: session.accessKeyId,
    longTermKeyId: source.keys.accessKeyId,
    expiration: session.expiration,
    durationSeconds: req.durationSeconds,
    serial,
    roleArn: req.roleArn,
    assumedRoleUserArn: session.assumedRoleUserArn,
    moved: applied.moved,
    path: written.path,
    modeFixed: written.modeFixed,
  };
}

/** The lines `keywarden mfa` prints for an outcome: profile, masked key ids, expiration; never a secret. */
export function describeOutcome(outcome: MfaOutcome, now: Date): string[] {
  const until = formatExpiration(outcome.expiration);
  const remaining = formatRemaining(outcome.expiration.getTime() - now.getTime());
  if (outcome.action === "reused") {
    return [
      `Reusing the MFA session in [${outcome.profile}] (key ${maskKeyId(outcome.accessKeyId)}), valid until ${until} (${remaining} left). Pass --force for a new one.`,
    ];
  }
  const lines: string[] = [];
  if (outcome.reason !== undefined)
    lines.push(`Not reusing the session in [${outcome.profile}]: ${outcome.reason}.`);
  if (outcome.moved) {
    lines.push(
      `Moved the long-term key ${maskKeyId(outcome.longTermKeyId)} from [${outcome.profile}] to the new profile [${outcome.longTermProfile}] in ${outcome.path}.`,
    );
  }
  const what =
    outcome.roleArn === undefined
      ? "an MFA session"
      : `a session of role ${outcome.roleArn}${outcome.assumedRoleUserArn === undefined ? "" : ` (${outcome.assumedRoleUserArn})`}`;
  lines.push(
    `Wrote ${what} to [${outcome.profile}] in ${outcome.path} (key ${maskKeyId(outcome.accessKeyId)}, MFA device ${outcome.serial}), valid until ${until} (${remaining} left).`,
  );
  if (outcome.modeFixed) lines.push(`${outcome.path} was readable by others; it is mode 0600 now.`);
  const again = `keywarden mfa --profile ${outcome.profile}${outcome.roleArn === undefined ? "" : ` --role-arn ${outcome.roleArn}`}`;
  lines.push(
    `Use it with --profile ${outcome.profile}; the long-term key stays in [${outcome.longTermProfile}]. Run \`${again}\` again when it expires.`,
  );
  return lines;
}
