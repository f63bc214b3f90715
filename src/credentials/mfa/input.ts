// The checks `keywarden mfa` makes on its flags before it reads a file or calls AWS. Pure: every
// function either returns the normalised value or throws a UsageError (exit 2) naming the flag.
// An MFA code is never quoted back: it is only said what is wrong with it.
import { UsageError } from "../../domain/errors.js";

/** sts:GetSessionToken accepts 900 s to 129 600 s (36 h) for an IAM user; AWS's default is 12 h. */
export const SESSION_TOKEN_DURATION = { min: 900, max: 129_600, default: 43_200 } as const;
/** sts:AssumeRole accepts 900 s to 43 200 s (12 h), capped by the role's MaxSessionDuration (default 1 h). */
export const ASSUME_ROLE_DURATION = { min: 900, max: 43_200, default: 3_600 } as const;

/** The suffix aws-mfa uses: long-term keys of profile `dev` live in `[dev-long-term]`. */
export const DEFAULT_LONG_TERM_SUFFIX = "long-term";

export type SessionKind = "session-token" | "assume-role";

/** "12h", "90m", "1h30m", "45m30s", "3600s" or a bare number of seconds ("3600"). */
export function parseDurationSeconds(raw: string): number | undefined {
  const t = raw.trim().toLowerCase();
  if (/^\d{1,9}$/.test(t)) return Number(t);
  const m = /^(?:(\d{1,6})h)?(?:(\d{1,7})m)?(?:(\d{1,9})s)?$/.exec(t);
  if (m === null || t === "") return undefined;
  const [, h, min, s] = m;
  return Number(h ?? 0) * 3_600 + Number(min ?? 0) * 60 + Number(s ?? 0);
}

/** 43200 -> "12h", 5400 -> "1h30m", 950 -> "15m50s". */
export function formatSeconds(total: number): string {
  const h = Math.floor(total / 3_600);
  const m = Math.floor((total % 3_600) / 60);
  const s = total % 60;
  const parts = [h > 0 ? `${h}h` : "", m > 0 ? `${m}m` : "", s > 0 || total === 0 ? `${s}s` : ""];
  return parts.join("");
}

/** The session length to ask STS for, in seconds, within the limits of the call that will be made. */
export function sessionDuration(raw: string | undefined, kind: SessionKind): number {
  const limits = kind === "assume-role" ? ASSUME_ROLE_DURATION : SESSION_TOKEN_DURATION;
  if (raw === undefined) return limits.default;
  const what = kind === "assume-role" ? "a role session (sts:AssumeRole)" : "a session token";
  const seconds = parseDurationSeconds(raw);
  const range = `${formatSeconds(limits.min)} to ${formatSeconds(limits.max)} for ${what} (${limits.min} to ${limits.max} seconds)`;
  if (seconds === undefined) {
    throw new UsageError(
      `--duration must be a duration such as 12h, 90m or 1h30m, from ${range}, got "${raw}"`,
      `Pass for example --duration ${formatSeconds(limits.default)}.`,
    );
  }
  if (seconds < limits.min || seconds > limits.max) {
    throw new UsageError(
      `--duration must be from ${range}, got "${raw}"`,
      `Pass for example --duration ${formatSeconds(limits.default)}.`,
    );
  }
  return seconds;
}

/**
 * A TOTP code as the device shows it: exactly six digits (surrounding blanks, as typed at a prompt, are dropped).
 * `source` is the flag it came from, or "prompt"; `flag` is the flag the fix suggests (`rotate` says --token-code).
 */
export function mfaCode(
  raw: string,
  source = "--code",
  flag = source === "prompt" ? "--code" : source,
): string {
  const code = raw.trim();
  if (!/^\d{6}$/.test(code)) {
    throw new UsageError(
      `${source === "prompt" ? "the MFA code typed" : source} must be the 6 digits your MFA device shows, got ${code.length} character${code.length === 1 ? "" : "s"}${/^\d*$/.test(code) ? "" : " that are not all digits"}`,
      `Pass the current code from the device, e.g. ${flag} 123456.`,
    );
  }
  return code;
}

/** sts SerialNumber: a hardware device's serial (GAHT12345678) or a device ARN; AWS's pattern [\w+=/:,.@-]{9,256}. */
export function mfaSerial(raw: string, flag = "--serial"): string {
  const serial = raw.trim();
  if (!/^[\w+=/:,.@-]{9,256}$/.test(serial)) {
    throw new UsageError(
      `${flag} must be an MFA device ARN such as arn:aws:iam::123456789012:mfa/alice or a hardware serial, got "${raw}"`,
      "Copy the device's identifier from IAM (Security credentials > Multi-factor authentication).",
    );
  }
  return serial;
}

export function roleArn(raw: string): string {
  const arn = raw.trim();
  if (!/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/.test(arn)) {
    throw new UsageError(
      `--role-arn must be an IAM role ARN such as arn:aws:iam::123456789012:role/admin, got "${raw}"`,
      "Copy the role's ARN from the IAM console or `aws iam get-role --role-name NAME`.",
    );
  }
  return arn;
}

/** AWS's RoleSessionName: 2 to 64 of letters, digits and + = , . @ - _. */
export function roleSessionName(raw: string): string {
  if (!/^[\w+=,.@-]{2,64}$/.test(raw)) {
    throw new UsageError(
      `--role-session-name must be 2 to 64 letters, digits or + = , . @ - _, got "${raw}"`,
      "Pass for example --role-session-name alice-laptop.",
    );
  }
  return raw;
}

/** A role session name derived from the IAM user name (or "keywarden-mfa"), valid for AWS. */
export function defaultRoleSessionName(userName: string | undefined): string {
  const clean = (userName ?? "").replace(/[^\w+=,.@-]/g, "-");
  return clean === "" ? "keywarden-mfa" : `keywarden-${clean}`.slice(0, 64);
}

export interface ProfileNames {
  /** Where the session is written, e.g. "dev". */
  readonly profile: string;
  /** Where the long-term keys live, e.g. "dev-long-term". */
  readonly longTermProfile: string;
}

/**
 * The session profile and its long-term profile: `--long-term-profile NAME`, or `<profile>-<suffix>`
 * (`--long-term-suffix`, default "long-term", as aws-mfa names it).
 */
export function profileNames(opts: {
  profile: string;
  longTermProfile?: string | undefined;
  longTermSuffix?: string | undefined;
}): ProfileNames {
  const { profile } = opts;
  if (opts.longTermProfile !== undefined && opts.longTermSuffix !== undefined) {
    throw new UsageError(
      "--long-term-profile and --long-term-suffix name the same thing",
      "Pass only one of them.",
    );
  }
  for (const [flag, value] of [
    ["--profile", profile],
    ["--long-term-profile", opts.longTermProfile],
    ["--long-term-suffix", opts.longTermSuffix],
  ] as const) {
    if (value !== undefined && !/^[\w+=,.@/:-]+$/.test(value)) {
      throw new UsageError(
        `${flag} must be letters, digits and - _ . @ + = , / :, got "${value}"`,
        `Pass for example ${flag} ${flag === "--long-term-suffix" ? DEFAULT_LONG_TERM_SUFFIX : "dev"}.`,
      );
    }
  }
  const suffix = (opts.longTermSuffix ?? DEFAULT_LONG_TERM_SUFFIX).replace(/^-/, "");
  const longTermProfile = opts.longTermProfile ?? `${profile}-${suffix}`;
  if (longTermProfile === profile) {
    throw new UsageError(
      `the long-term keys and the session cannot share the profile "${profile}"`,
      `Keep the long-term keys in another profile, e.g. --long-term-profile ${profile}-${DEFAULT_LONG_TERM_SUFFIX}.`,
    );
  }
  return { profile, longTermProfile };
}
