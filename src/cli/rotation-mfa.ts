// `rotate --mfa-serial ARN --token-code CODE`: a user whose policies deny almost everything without
// MFA (the common "deny unless aws:MultiFactorAuthPresent" statement) cannot rotate with a long-term
// key alone. This gets ONE sts:GetSessionToken session with the device and code per run and signs
// every AWS call of the run with it: the plan, create, the IAM checks, deactivate, delete and the
// AWS targets. The new key is still proven on its own (sts:GetCallerIdentity needs no permission,
// so no MFA), but never signs the rest: without MFA it would be denied as well. The session belongs
// to the user, not to the key that made it, so it keeps working once the old key is deactivated.
//
// It reuses `keywarden mfa`'s pieces rather than copies of them: the checks of the serial and the
// code (credentials/mfa/input.ts), the profile's mfa_serial lookup (credentials/mfa/run.ts), the STS
// adapter with its one-line errors (aws/mfa-session.ts) and the terminal prompt (commands/mfa.ts).
//
// Only small pure modules are imported up front: rotation-wiring.ts imports this file for
// signsWithOneMfaSession, and the AWS and file modules load only when a rotation asks for MFA.
import type { AwsSession, AwsTarget } from "../aws/session.js";
import { mfaCode, mfaSerial } from "../credentials/mfa/input.js";
import type { MfaPort } from "../credentials/mfa/ports.js";
import { AccessDeniedError, UsageError } from "../domain/errors.js";
import { promptCode } from "./commands/mfa.js";
import type { CliIO } from "./io.js";
import type { AccountRole } from "./rotation-wiring.js";

export interface RotationMfaFlags {
  mfaSerial?: string | undefined;
  tokenCode?: string | undefined;
}

export interface RotationMfaHooks {
  /** Asks for the code; default: a prompt on stderr when stdin is a terminal, else none. */
  readCode?: ((device: string) => Promise<string>) | undefined;
}

/**
 * A rotation runs for minutes (verify retries, a confirmation at the terminal), not hours: an hour
 * is plenty and keeps the session short-lived. Waits (--observe, --soak) end the process; the next
 * run (`--resume`) makes its own session with a new code.
 */
const SESSION_SECONDS = 3_600;

/** Profiles whose credentials are not a long-term key: their mfa_serial is for the SDK's own role assumption. */
const NOT_LONG_TERM_KEYS = [
  "role_arn",
  "credential_process",
  "sso_session",
  "sso_start_url",
  "web_identity_token_file",
];

/** The sessions this module made: each signs every call with one MFA session. */
const oneSessionSessions = new WeakSet<AwsSession>();

/**
 * True for a session from RotationMfa.session that signs with an MFA session: the engine must keep
 * signing with it after verify instead of switching to the new key (src/cli/rotation-wiring.ts).
 */
export function signsWithOneMfaSession(session: AwsSession): boolean {
  return oneSessionSessions.has(session);
}

/** Where the device came from, for the log line. */
interface Device {
  serial: string;
  where: string;
}

export class RotationMfa {
  private readonly serial: string | undefined;
  private readonly code: string | undefined;
  private readonly readCode: ((device: string) => Promise<string>) | undefined;
  /** The session this run opened with its own credentials (the long-term key), before any MFA or role. */
  private base: AwsSession | undefined;
  private role: AccountRole | undefined;
  /** The device of the MFA session in use; undefined while the run signs without MFA. */
  private inUse: string | undefined;

  /**
   * Checks the flags before anything is read or called: a malformed serial or code is a usage error
   * (exit 2) that changes nothing.
   */
  constructor(
    flags: RotationMfaFlags,
    private readonly io: CliIO,
    hooks: RotationMfaHooks = {},
  ) {
    this.serial = flags.mfaSerial === undefined ? undefined : mfaSerial(flags.mfaSerial, "--mfa-serial");
    this.code = flags.tokenCode === undefined ? undefined : mfaCode(flags.tokenCode, "--token-code");
    const prompt = process.stdin.isTTY ? promptCode : undefined;
    this.readCode = "readCode" in hooks ? hooks.readCode : prompt;
    if (this.serial !== undefined && this.code === undefined && this.readCode === undefined) {
      throw new UsageError(
        "--mfa-serial needs the code your MFA device shows, and there is no terminal to ask for it",
        "Pass it with --token-code 123456.",
      );
    }
  }

  /**
   * What rotate uses instead of wiring.sessionFor: the same session when no MFA is asked for (no
   * --mfa-serial, --token-code or mfa_serial in the profile); otherwise one signed with an MFA
   * session made once, here, from the target's long-term key, and (with --account) the role is
   * assumed with that session, since a policy that requires MFA denies sts:AssumeRole without it.
   */
  async session(target: AwsTarget, role?: AccountRole): Promise<AwsSession> {
    const [{ openSession }, wiring] = await Promise.all([
      import("../aws/session.js"),
      import("./rotation-wiring.js"),
    ]);
    const base = await openSession(target, this.io.env);
    this.base = base;
    this.role = role;
    const device = await this.device(base);
    if (device === undefined) return wiring.sessionFor(target, this.io, role);

    const signed = await this.mfaSession(base, target, device);
    if (!role) return signed;
    const { callerOf, assumeRoleSession } = await import("../aws/organizations.js");
    const caller = await callerOf(signed);
    if (caller.accountId === role.accountId) return signed;
    return assumeRoleSession(signed, role.accountId, {
      roleName: role.roleName,
      externalId: role.externalId,
      sessionName: "keywarden-rotate",
      partition: caller.partition,
      target,
      env: this.io.env,
    });
  }

  /** Runs the rotation; an AccessDenied that a policy requiring MFA explains comes out explained. */
  async explainDenials<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw await this.explain(err);
    }
  }

  /**
   * The error to report for `err`: an AccessDenied of a run without an MFA session becomes "a policy
   * denies this without MFA" when AWS says the deny is explicit, or when the caller has an MFA device
   * (then said with an "if"); anything else is returned as it is.
   */
  async explain(err: unknown): Promise<unknown> {
    if (!(err instanceof AccessDeniedError) || this.inUse !== undefined) return err;
    const { isExplicitDeny, mfaDenialError } = await import("../aws/errors.js");
    const explicit = isExplicitDeny(err);
    // Through a role, a denial that is not explicit is the role's business, not the caller's MFA.
    if (!explicit && this.role !== undefined) return err;
    const device = await this.devicesOfCaller();
    if (!explicit && device === undefined) return err;
    const { configFilePath } = await import("../credentials/file.js");
    return mfaDenialError(err, {
      explicit,
      serial: device,
      profile: this.base?.profile ?? null,
      configPath: configFilePath(this.io.env),
    });
  }

  /** --mfa-serial, else the profile's mfa_serial; undefined: this run needs no MFA. */
  private async device(base: AwsSession): Promise<Device | undefined> {
    if (this.serial !== undefined) return { serial: this.serial, where: "--mfa-serial" };
    const fromProfile = await this.profileDevice(base.profile);
    if (fromProfile !== undefined) return fromProfile;
    if (this.code !== undefined) {
      throw new UsageError(
        `--token-code needs the MFA device it is from, and ${base.profile === null ? "no profile is in use" : `profile ${base.profile} names none`}`,
        "Pass --mfa-serial ARN as well (`aws iam list-mfa-devices` shows it), or set mfa_serial = ARN in the profile.",
      );
    }
    return undefined;
  }

  private async profileDevice(profile: string | null): Promise<Device | undefined> {
    if (profile === null) return undefined;
    const [{ readIniFile, configFilePath, credentialsFilePath }, { getProfile }, { configSerial }] =
      await Promise.all([
        import("../credentials/file.js"),
        import("../credentials/ini.js"),
        import("../credentials/mfa/run.js"),
      ]);
    const config = await readIniFile(configFilePath(this.io.env), "config");
    const settings = getProfile(config.doc, profile);
    if (NOT_LONG_TERM_KEYS.some((k) => settings?.[k] !== undefined)) return undefined;
    const credentials = await readIniFile(credentialsFilePath(this.io.env), "credentials");
    const found = configSerial(config, credentials, { profile, longTermProfile: profile });
    return found === undefined ? undefined : { serial: found.serial, where: found.where };
  }

  private async port(base: AwsSession): Promise<MfaPort> {
    const [{ mfaPort }, { configFilePath, credentialsFilePath }] = await Promise.all([
      import("../aws/mfa-session.js"),
      import("../credentials/file.js"),
    ]);
    const keys = await base.credentials();
    return mfaPort(
      base,
      { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey },
      {
        profile: base.profile ?? "default",
        keySource: base.profile ?? "AWS_ACCESS_KEY_ID",
        credentialsPath: credentialsFilePath(this.io.env),
        configPath: configFilePath(this.io.env),
      },
    );
  }

  /** One sts:GetSessionToken with the device and code, and a session that signs everything with it. */
  private async mfaSession(base: AwsSession, target: AwsTarget, device: Device): Promise<AwsSession> {
    const [{ openSession }, { formatExpiration }] = await Promise.all([
      import("../aws/session.js"),
      import("../credentials/mfa/session.js"),
    ]);
    let code = this.code;
    if (code === undefined) {
      if (this.readCode === undefined) {
        throw new UsageError(
          `the MFA device ${device.serial} (${device.where}) needs the code it shows, and there is no terminal to ask for it`,
          "Pass it with --token-code 123456.",
        );
      }
      code = mfaCode(await this.readCode(device.serial), "prompt", "--token-code");
    }
    const port = await this.port(base);
    const temp = await port.getSessionToken({
      serialNumber: device.serial,
      tokenCode: code,
      durationSeconds: SESSION_SECONDS,
    });
    const signed = await openSession(
      {
        ...target,
        // The profile still decides region and endpoint; only the credentials are the session's.
        profile: target.profile ?? base.profile ?? undefined,
        credentials: {
          accessKeyId: temp.accessKeyId,
          secretAccessKey: temp.secretAccessKey,
          sessionToken: temp.sessionToken,
        },
      },
      this.io.env,
    );
    // `credentials` stays the long-term key: a self-rotation rotates that key, not the session's.
    const session: AwsSession = { ...signed, credentials: base.credentials };
    oneSessionSessions.add(session);
    this.inUse = device.serial;
    this.io.stderr.write(
      `keywarden: signing every AWS call of this run with one MFA session (device ${device.serial}, until ${formatExpiration(temp.expiration)})\n`,
    );
    return session;
  }

  /** The caller's MFA device (the profile's, else its first listed one), or undefined when none or unknown. */
  private async devicesOfCaller(): Promise<string | undefined> {
    const base = this.base;
    if (base === undefined) return undefined;
    try {
      const fromProfile = await this.profileDevice(base.profile);
      if (fromProfile !== undefined) return fromProfile.serial;
      const port = await this.port(base);
      const me = await port.whoAmI();
      if (me.userName === undefined) return undefined;
      return (await port.listMfaDevices(me.userName))[0]?.serialNumber;
    } catch {
      // Only an explanation: the denial itself is what gets reported.
      return undefined;
    }
  }
}
