// Whether the session already in a profile can be used again. Pure: time comes in as `now`.

/** A session with less than this left is replaced: a command started now must not die half-way. */
export const MIN_REMAINING_MS = 5 * 60_000;

/** The keys `keywarden mfa` writes to the session profile (and reads back to decide on reuse). */
export const SESSION_KEYS = {
  accessKeyId: "aws_access_key_id",
  secretAccessKey: "aws_secret_access_key",
  sessionToken: "aws_session_token",
  /** When the session ends, ISO 8601 UTC (`2026-05-04T17:00:00Z`), as aws-mfa keeps it. */
  expiration: "expiration",
  /** Only for a role session: the role it is for, so a plain session is not mistaken for it. */
  assumedRoleArn: "assumed_role_arn",
} as const;

/**
 * The session's end as written in the profile: ISO 8601 with `Z` or an offset, or aws-mfa's
 * `YYYY-MM-DD HH:MM:SS` (UTC). Undefined for anything else.
 */
export function parseExpiration(raw: string | undefined): Date | undefined {
  if (raw === undefined) return undefined;
  const t = raw.trim();
  let iso: string;
  if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/i.test(t))
    iso = t.replace(" ", "T");
  else if (/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?$/.test(t)) iso = `${t.replace(" ", "T")}Z`;
  else return undefined;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** `2026-05-04T17:00:00Z`: whole seconds, UTC. */
export function formatExpiration(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** 42 300 000 ms -> "11h 45m"; under a minute -> "less than a minute". */
export function formatRemaining(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return "less than a minute";
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h > 0 ? `${h}h ${m}m` : `${m}m`;
}

export type ReuseDecision =
  | {
      readonly reuse: true;
      readonly accessKeyId: string;
      readonly expiration: Date;
      readonly remainingMs: number;
    }
  | { readonly reuse: false; readonly why: NoReuse; readonly reason: string };

/** Why a profile's content is not reused: the first three mean there was no session to reuse. */
export type NoReuse =
  "forced" | "no-profile" | "no-session" | "no-expiration" | "expired" | "expiring" | "other-role";

/**
 * The profile's session is reused when it has a key, a secret and a session token, an expiration
 * more than `minRemainingMs` away, and is for the same role (or for none, when no role is asked).
 */
export function decideReuse(opts: {
  /** The profile's values (getProfile), undefined when the profile does not exist. */
  readonly values: Readonly<Record<string, string>> | undefined;
  readonly now: Date;
  readonly roleArn?: string | undefined;
  readonly force?: boolean;
  readonly minRemainingMs?: number;
}): ReuseDecision {
  const { values, now } = opts;
  if (opts.force === true) return { reuse: false, why: "forced", reason: "--force asks for a new session" };
  if (values === undefined)
    return { reuse: false, why: "no-profile", reason: "the profile does not exist yet" };
  const accessKeyId = values[SESSION_KEYS.accessKeyId];
  if (
    accessKeyId === undefined ||
    values[SESSION_KEYS.secretAccessKey] === undefined ||
    values[SESSION_KEYS.sessionToken] === undefined
  ) {
    return { reuse: false, why: "no-session", reason: "the profile holds no session" };
  }
  const expiration = parseExpiration(values[SESSION_KEYS.expiration]);
  if (expiration === undefined)
    return { reuse: false, why: "no-expiration", reason: "the session's expiration is not recorded" };
  const remainingMs = expiration.getTime() - now.getTime();
  if (remainingMs <= 0)
    return { reuse: false, why: "expired", reason: `the session expired at ${formatExpiration(expiration)}` };
  const min = opts.minRemainingMs ?? MIN_REMAINING_MS;
  if (remainingMs <= min) {
    return {
      reuse: false,
      why: "expiring",
      reason: `the session expires in ${formatRemaining(remainingMs)} (at ${formatExpiration(expiration)})`,
    };
  }
  const heldRole = values[SESSION_KEYS.assumedRoleArn];
  if ((opts.roleArn ?? "") !== (heldRole ?? "")) {
    return {
      reuse: false,
      why: "other-role",
      reason:
        heldRole === undefined
          ? "the session is not a session of the role asked for"
          : `the session is for the role ${heldRole}`,
    };
  }
  return { reuse: true, accessKeyId, expiration, remainingMs };
}
