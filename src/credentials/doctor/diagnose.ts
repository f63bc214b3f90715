// The pure diagnosis: local findings + what AWS answered -> the report. Time comes in as `now`.
import { maskKeyId } from "../../domain/key-id.js";
import type { LocalAnalysis, RawSource, StaticKey } from "./local.js";
import type { Identity, KeyMeta, LastUse, LiveResult, Outcome, ProbeError, SimDecision } from "./ports.js";
import { redactReport } from "./redact.js";
import {
  DIAGNOSIS_CODES,
  type DiagnosisCode,
  type DoctorCheck,
  type DoctorReport,
  type Finding,
  type SourceRef,
} from "./types.js";

/** AWS rejects a request whose time differs from its own by more than this. */
export const MAX_SKEW_MS = 5 * 60_000;
/** Above this, warn: a clock drifting this far will soon cross AWS's limit. */
export const WARN_SKEW_MS = 60_000;
const DAY_MS = 86_400_000;

export interface KeyLookup {
  readonly accessKeyId: string;
  readonly owner: Outcome<{ userName: string; lastUse: LastUse }>;
  /** ListAccessKeys of the owner, when the owner is known. */
  readonly keys: Outcome<KeyMeta[]> | null;
  /** The account the key id belongs to (sts:GetAccessKeyInfo), asked when the owner is not found. */
  readonly account: Outcome<string> | null;
}

export interface PermissionResult {
  readonly action: string;
  readonly resource: string;
  readonly withoutMfa: SimDecision;
  /** The decision with MFA in the request context; null when not asked (allowed without MFA). */
  readonly withMfa: SimDecision | null;
  readonly detail: string | null;
}

export interface PermissionsOutcome {
  /** "simulation": iam:SimulatePrincipalPolicy; "local": the user's policies evaluated by policy.ts. */
  readonly method: "simulation" | "local";
  /** Why the simulation was not used, when method is "local". */
  readonly simulationError: ProbeError | null;
  readonly principalArn: string;
  readonly results: Outcome<PermissionResult[]>;
}

export interface AdminResults {
  readonly profile: string;
  readonly identity: Outcome<Identity>;
  /** Lookups for the key under test (null: not a long-term key, or no id known). */
  readonly key: KeyLookup | null;
  /** Lookups for the profile's key that environment keys override. */
  readonly overriddenKey: KeyLookup | null;
  /** Null when not attempted (the identity failed, or the caller is not an IAM user). */
  readonly permissions: PermissionsOutcome | null;
}

export interface ProbeResults {
  /** Null when the live check did not run (see the local findings for why). */
  readonly live: LiveResult | null;
  /** Null without --admin-profile. */
  readonly admin: AdminResults | null;
}

export interface DiagnoseContext {
  readonly now: Date;
  /** process.platform: which clock-sync command to suggest. */
  readonly platform: string;
  readonly rotationDays: number;
  readonly adminProfile: string | undefined;
}

/** Codes a warn check stands for; every other warn is advice that does not change the diagnosis. */
const WARN_CODES = new Set<DiagnosisCode>(["ENV_OVERRIDES_PROFILE", "MFA_REQUIRED", "ACCESS_DENIED"]);
/** Live failures that mean the key itself is wrong (so an environment override is the likely cause). */
const KEY_FAILURES = new Set<DiagnosisCode>([
  "KEY_INACTIVE",
  "KEY_NOT_FOUND",
  "KEY_NOT_VALID",
  "SIGNATURE_MISMATCH",
  "SESSION_EXPIRED",
]);
const FAILURE_WORDS: Partial<Record<DiagnosisCode, string>> = {
  KEY_INACTIVE: "inactive",
  KEY_NOT_FOUND: "deleted",
  KEY_NOT_VALID: "rejected by AWS",
  SIGNATURE_MISMATCH: "wrong secret",
  SESSION_EXPIRED: "expired",
};
const MFA_TEXT = /\bMFA\b|multi-?factor|MultiFactorAuth/i;

// ---------------------------------------------------------------------------------------------
// Small helpers

export function formatDuration(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 === 0 ? `${m} min` : `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} days`;
}

function clockFix(platform: string): string {
  if (platform === "darwin")
    return "Sync the clock: `sudo sntp -sS time.apple.com` (or turn on automatic time in System Settings).";
  if (platform === "win32") return "Sync the clock: `w32tm /resync` in an administrator prompt.";
  return "Sync the clock: `sudo chronyc makestep` (chrony) or `sudo timedatectl set-ntp true` (systemd), then run doctor again.";
}

function day(d: Date): string {
  return d.toISOString().slice(0, 10);
}

function profileArg(p: string | null): string {
  return p === null ? "" : ` --profile ${p}`;
}

function sourceRef(s: RawSource): SourceRef {
  return {
    kind: s.kind,
    name: s.name,
    accessKeyId: s.accessKeyId === null ? null : maskKeyId(s.accessKeyId),
  };
}

function userNameFromArn(arn: string): string | null {
  const m = /^arn:aws[\w-]*:iam::\d{12}:user\/(?:.*\/)?([^/]+)$/.exec(arn);
  return m?.[1] ?? null;
}

function isNoSuchEntity(e: ProbeError): boolean {
  return /^NoSuchEntity/.test(e.awsCode);
}

/** A command that passes the key id without printing it: the user has it where it is configured. */
function keyIdExpr(key: StaticKey | null, profile: string | null): string {
  if (key?.origin === "environment") return '"$AWS_ACCESS_KEY_ID"';
  const p = key?.profile ?? profile;
  return `"$(aws configure get aws_access_key_id${profileArg(p)})"`;
}

function rotateCommand(local: LocalAnalysis): string {
  if (local.source.kind === "environment") return "keywarden rotate --to profile:NAME";
  return `keywarden rotate${profileArg(local.commandProfile)}`;
}

// ---------------------------------------------------------------------------------------------

export function diagnose(local: LocalAnalysis, probes: ProbeResults, ctx: DiagnoseContext): DoctorReport {
  const findings: Finding[] = [...local.findings];
  const live = probes.live;
  const admin = probes.admin;
  const adminOk = admin !== null && admin.identity.ok ? admin : null;
  const keyId = live?.accessKeyId ?? local.keyUnderTest?.accessKeyId ?? null;
  const temporary = live?.temporary ?? keyId?.startsWith("ASIA") === true;

  // --- sts:GetCallerIdentity
  let liveCode: DiagnosisCode | null = null;
  if (live !== null) {
    const f = identityFinding(local, live, admin, temporary, ctx);
    liveCode = f.code ?? null;
    findings.push(f);
  } else {
    findings.push({
      id: "identity",
      status: "skip",
      message: "sts:GetCallerIdentity not called: fix the problems above first",
      fix: null,
    });
  }

  // --- the clock
  const clock = clockFinding(live, liveCode, ctx);
  findings.push(clock);

  // --- environment keys over a profile (a key failing because of the clock is not the key's fault)
  if (local.override) findings.push(overrideFinding(local, clock.status === "fail" ? null : liveCode, admin));

  // --- the administrator's view: key status, age, slots; permissions
  if (ctx.adminProfile === undefined) {
    findings.push({
      id: "admin",
      status: "skip",
      message:
        "no --admin-profile: the key's status, age and the permissions for rotation and MFA are not checked (doctor signs nothing but sts:GetCallerIdentity with the key under test)",
      fix: `Pass an administrator's profile: \`keywarden doctor${profileArg(local.commandProfile)} --admin-profile ADMIN\`.`,
    });
  } else if (admin !== null) {
    if (!admin.identity.ok) {
      findings.push({
        id: "admin",
        status: "warn",
        message: `the admin profile "${admin.profile}" does not work (${admin.identity.error.awsCode}: ${admin.identity.error.message}); the checks that need it are skipped`,
        fix: `Check it with \`keywarden doctor --profile ${admin.profile}\`.`,
      });
    } else {
      findings.push({
        id: "admin",
        status: "ok",
        message: `admin profile "${admin.profile}" is ${admin.identity.value.arn}`,
        fix: null,
      });
    }
  }
  if (adminOk !== null) {
    findings.push(...keyFindings(local, live, adminOk, keyId, temporary, ctx));
    if (adminOk.permissions) findings.push(...permissionFindings(local, adminOk.permissions));
  }

  // --- the diagnosis
  const chosen = pick(findings);
  const identity = live?.identity.ok ? live.identity.value : null;
  const warnings = findings.filter((f) => f.status === "warn");
  let diagnosis: DoctorReport["diagnosis"];
  if (chosen?.code && chosen.id.startsWith("permission.") && adminOk?.permissions) {
    diagnosis = permissionDiagnosis(
      findings,
      chosen.code,
      adminOk.permissions.principalArn,
      local.commandProfile,
    );
  } else if (chosen?.code) {
    diagnosis = { code: chosen.code, message: sentence(chosen.message), fix: chosen.fix };
  } else if (identity) {
    diagnosis = {
      code: "OK",
      message: `The credentials work: ${identity.arn} (account ${identity.account}), from ${local.source.describe}.${
        warnings.length > 0 ? ` ${warnings.length} warning${warnings.length === 1 ? "" : "s"} above.` : ""
      }`,
      fix: warnings[0]?.fix ?? null,
    };
  } else {
    diagnosis = {
      code: "OK",
      message:
        "Nothing is wrong locally, but the credentials could not be checked live (see the skipped checks).",
      fix: findings.find((f) => f.status === "skip" && f.fix !== null)?.fix ?? null,
    };
  }

  const checks: DoctorCheck[] = findings.map((f) => ({
    id: f.id,
    status: f.status,
    message: f.message,
    fix: f.fix,
  }));
  const report: DoctorReport = {
    schemaVersion: 1,
    profile: local.profile,
    source: { kind: local.source.kind, name: local.source.name, shadowed: local.shadowed.map(sourceRef) },
    accessKeyId: keyId === null ? null : maskKeyId(keyId),
    checks,
    diagnosis,
  };
  return redactReport(report, local.secrets);
}

function sentence(s: string): string {
  // Capitalise a plain word ("the key ..."), never an identifier ("iam:CreateAccessKey ...").
  const t = /^[a-z]+('s)?\s/.test(s) ? s.charAt(0).toUpperCase() + s.slice(1) : s;
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

function rank(f: Finding): number {
  if (f.code === undefined) return Number.POSITIVE_INFINITY;
  const i = DIAGNOSIS_CODES.indexOf(f.code);
  if (f.status === "fail") return i;
  if (f.status === "warn" && WARN_CODES.has(f.code)) return 1000 + i;
  return Number.POSITIVE_INFINITY;
}

function pick(findings: readonly Finding[]): Finding | undefined {
  let best: Finding | undefined;
  for (const f of findings) if (rank(f) < (best ? rank(best) : Number.POSITIVE_INFINITY)) best = f;
  return best;
}

// ---------------------------------------------------------------------------------------------
// The live check

function identityFinding(
  local: LocalAnalysis,
  live: LiveResult,
  admin: AdminResults | null,
  temporary: boolean,
  ctx: DiagnoseContext,
): Finding {
  const id = "identity";
  const p = local.commandProfile;
  const key = live.accessKeyId ?? local.keyUnderTest?.accessKeyId ?? null;
  const masked = key === null ? "the key" : `the key ${maskKeyId(key)}`;
  if (live.identity.ok) {
    const who = live.identity.value;
    if (/:root$/.test(who.arn)) {
      return {
        id,
        status: "warn",
        message: `sts:GetCallerIdentity works, but ${masked} is a root user access key (${who.arn}): it can do anything and cannot be limited by policies`,
        fix: "Delete root access keys (IAM console > Security credentials, signed in as root) and use an IAM user or role.",
      };
    }
    return {
      id,
      status: "ok",
      message: `sts:GetCallerIdentity works with ${masked}: ${who.arn} (account ${who.account})`,
      fix: null,
    };
  }
  const e = live.identity.error;
  const aws = `${e.awsCode}: ${e.message}`;
  switch (e.code) {
    case "KEY_NOT_VALID":
      return keyNotValid(local, live, admin, temporary, aws, e.awsCode);
    case "SIGNATURE_MISMATCH":
      return {
        id,
        status: "fail",
        code: "SIGNATURE_MISMATCH",
        message: `AWS knows ${masked}, but the secret access key does not match it (${e.awsCode})`,
        fix: `${
          local.keyUnderTest?.origin === "environment"
            ? `Set AWS_SECRET_ACCESS_KEY to the secret that belongs to ${key === null ? "this key" : maskKeyId(key)}`
            : `Put the secret that belongs to ${key === null ? "this key" : maskKeyId(key)} in ${
                local.keyUnderTest?.where ?? "your configuration"
              } (\`aws configure${profileArg(p)}\`)`
        }; a lost secret cannot be shown again, so create a new key if you do not have it.`,
      };
    case "SESSION_EXPIRED": {
      const sso = local.source.kind === "sso";
      return {
        id,
        status: "fail",
        code: "SESSION_EXPIRED",
        message: `the session credentials have expired (${aws})`,
        fix: sso
          ? `Sign in again: \`aws sso login${profileArg(p)}\`.`
          : local.source.kind === "environment"
            ? `Get a new session (\`keywarden mfa${profileArg(local.override?.profile ?? null)}\` or \`aws sso login\`) and export its three values, or \`unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN\` to use your profile.`
            : `Get a new session: \`keywarden mfa${profileArg(p)}\` (or \`aws sso login${profileArg(p)}\` for SSO).`,
      };
    }
    case "CLOCK_SKEW":
      return {
        id,
        status: "fail",
        code: "CLOCK_SKEW",
        message: `AWS rejected the request time: this machine's clock is too far from AWS's (${aws})`,
        fix: clockFix(ctx.platform),
      };
    case "NO_CREDENTIALS":
      return {
        id,
        status: "fail",
        code: local.source.kind === "sso" ? "SESSION_EXPIRED" : "NO_CREDENTIALS",
        message: `the AWS SDK could not get credentials from ${local.source.describe} (${e.message})`,
        fix:
          local.source.kind === "sso"
            ? `Sign in: \`aws sso login${profileArg(p)}\`.`
            : local.source.kind === "credential-process"
              ? `Run the profile's credential_process by hand to see why it fails (\`aws configure get credential_process${profileArg(p)}\`).`
              : `Check the credentials of ${local.source.describe}.`,
      };
    case "ACCESS_DENIED":
      if (MFA_TEXT.test(e.message)) {
        return {
          id,
          status: "fail",
          code: "MFA_REQUIRED",
          message: `AWS requires MFA for this request (${aws})`,
          fix: `Get an MFA session first: \`keywarden mfa${profileArg(p)}\`.`,
        };
      }
      return {
        id,
        status: "fail",
        code: "ACCESS_DENIED",
        message: `access denied while getting the credentials of ${local.source.describe} (${aws})`,
        fix:
          local.source.kind === "assume-role"
            ? "Check that the role's trust policy allows the source identity, and that the source identity may call sts:AssumeRole on it."
            : `Grant ${e.permission} to the identity in use.`,
      };
    case "ENDPOINT_UNREACHABLE": {
      const where = local.endpointUrl ?? `the STS endpoint of region ${local.region}`;
      return {
        id,
        status: "fail",
        code: "ENDPOINT_UNREACHABLE",
        message: `could not reach ${where} (${e.awsCode})`,
        fix: local.endpointUrl
          ? `Check that ${local.endpointUrl} is up and the URL is right (--endpoint-url, AWS_ENDPOINT_URL or endpoint_url in the profile).`
          : `Check the network, a proxy (HTTPS_PROXY) and the region "${local.region}" (is it spelled right, and enabled for the account?).`,
      };
    }
    default:
      return {
        id,
        status: "fail",
        code: "AWS_ERROR",
        message: `sts:GetCallerIdentity failed: ${aws}`,
        fix: "Run again with --debug for details; if AWS is failing, check the AWS Health Dashboard.",
      };
  }
}

/** InvalidClientTokenId: AWS does not say whether the key is deleted or inactive. The admin can. */
function keyNotValid(
  local: LocalAnalysis,
  live: LiveResult,
  admin: AdminResults | null,
  temporary: boolean,
  aws: string,
  awsCode: string,
): Finding {
  const id = "identity";
  const p = local.commandProfile;
  const key = live.accessKeyId ?? local.keyUnderTest?.accessKeyId ?? null;
  const masked = key === null ? "the access key" : `the access key ${maskKeyId(key)}`;
  const where = local.keyUnderTest?.where ?? local.source.describe;
  if (temporary) {
    return {
      id,
      status: "fail",
      code: "KEY_NOT_VALID",
      message: `AWS rejects the temporary credentials ${key === null ? "" : `${maskKeyId(key)} `}(${aws}): the session was revoked, or the session token does not belong to the key`,
      fix: `Get a new session (\`keywarden mfa${profileArg(p)}\`, \`aws sso login${profileArg(p)}\`) and replace all three values together.`,
    };
  }
  const lookup = admin?.identity.ok ? admin.key : null;
  const adminAccount = admin?.identity.ok ? admin.identity.value.account : null;
  if (lookup !== null && admin !== null) {
    if (lookup.owner.ok) {
      const user = lookup.owner.value.userName;
      if (lookup.keys?.ok) {
        const meta = lookup.keys.value.find((k) => k.accessKeyId === lookup.accessKeyId);
        const others = lookup.keys.value.filter(
          (k) => k.accessKeyId !== lookup.accessKeyId && k.status === "Active",
        );
        if (meta?.status === "Inactive") {
          const other = others[0];
          return {
            id,
            status: "fail",
            code: "KEY_INACTIVE",
            message: `${masked} of IAM user ${user} is inactive (AWS answered ${awsCode}; --admin-profile ${admin.profile} confirms: ListAccessKeys says Inactive)${
              other
                ? `; the user's active key is ${maskKeyId(other.accessKeyId)}, so ${where} still holds the old key`
                : ""
            }`,
            fix: other
              ? `Put the active key in ${where} (\`aws configure${profileArg(p)}\`), or if the old one must work again: \`aws iam update-access-key --user-name ${user} --access-key-id ${keyIdExpr(local.keyUnderTest, p)} --status Active --profile ${admin.profile}\`.`
              : `Re-activate it if it was deactivated by mistake: \`aws iam update-access-key --user-name ${user} --access-key-id ${keyIdExpr(local.keyUnderTest, p)} --status Active --profile ${admin.profile}\`; otherwise create a new key for ${user}.`,
          };
        }
        if (meta === undefined) {
          return {
            id,
            status: "fail",
            code: "KEY_NOT_FOUND",
            message: `${masked} no longer exists: IAM user ${user} does not have it any more (AWS answered ${awsCode}; confirmed with --admin-profile ${admin.profile})`,
            fix: `Create a new key for ${user} (\`aws iam create-access-key --user-name ${user} --profile ${admin.profile}\`) and put it in ${where}.`,
          };
        }
        return {
          id,
          status: "fail",
          code: "KEY_NOT_VALID",
          message: `AWS rejects ${masked} (${aws}) although IAM lists it as Active for user ${user}: a key created in the last few seconds needs a moment, or region ${local.region} is an opt-in region not enabled for the account`,
          fix: `Wait a minute and run doctor again; if it persists, try \`--region us-east-1\`.`,
        };
      }
    } else if (isNoSuchEntity(lookup.owner.error)) {
      const account = lookup.account?.ok ? lookup.account.value : null;
      if (account === null || account === adminAccount) {
        return {
          id,
          status: "fail",
          code: "KEY_NOT_FOUND",
          message: `${masked} does not exist: no IAM user of account ${adminAccount ?? "?"} has it (deleted, or never created; AWS answered ${awsCode}, confirmed with --admin-profile ${admin.profile})`,
          fix: `Create a new key (\`aws iam create-access-key --user-name <user> --profile ${admin.profile}\`) and put it in ${where} (\`aws configure${profileArg(p)}\`).`,
        };
      }
    }
    const account = lookup.account?.ok ? lookup.account.value : null;
    if (account !== null && adminAccount !== null && account !== adminAccount) {
      return {
        id,
        status: "fail",
        code: "KEY_NOT_VALID",
        message: `AWS rejects ${masked} (${aws}); it belongs to account ${account}, not to the admin profile's account ${adminAccount}, so doctor cannot tell whether it is deleted or inactive`,
        fix: `Run doctor with an admin profile of account ${account}.`,
      };
    }
  }
  return {
    id,
    status: "fail",
    code: "KEY_NOT_VALID",
    message: `AWS rejects ${masked} (${aws}): the key is deleted or inactive (AWS gives the same answer for both)`,
    fix:
      admin === null
        ? `Confirm which with an administrator's profile: \`keywarden doctor${profileArg(p)} --admin-profile ADMIN\`; then put a working key in ${where}.`
        : `Give the admin profile iam:GetAccessKeyLastUsed and iam:ListAccessKeys to confirm which; then put a working key in ${where}.`,
  };
}

function clockFinding(
  live: LiveResult | null,
  liveCode: DiagnosisCode | null,
  ctx: DiagnoseContext,
): Finding {
  const id = "clock";
  const sample = live?.clock ?? null;
  if (sample === null) {
    return {
      id,
      status: "skip",
      message:
        live === null
          ? "not measured (no AWS call was made)"
          : "not measured (no response carried a Date header)",
      fix: null,
    };
  }
  const skew = sample.serverMs - sample.localMs;
  const abs = Math.abs(skew);
  const side = skew > 0 ? "behind" : "ahead of";
  const detail = `server time ${new Date(sample.serverMs).toISOString()}, local ${new Date(sample.localMs).toISOString()}`;
  if (abs > MAX_SKEW_MS) {
    return {
      id,
      status: "fail",
      code: "CLOCK_SKEW",
      message: `this machine's clock is ${formatDuration(skew)} ${side} AWS (${detail}); AWS rejects requests signed more than 5 min off${
        liveCode === null
          ? " (the AWS SDK for JavaScript corrects for it, the AWS CLI and most tools do not)"
          : ""
      }`,
      fix: clockFix(ctx.platform),
    };
  }
  if (abs > WARN_SKEW_MS) {
    return {
      id,
      status: "warn",
      message: `this machine's clock is ${formatDuration(skew)} ${side} AWS (${detail}); AWS allows 5 min`,
      fix: clockFix(ctx.platform),
    };
  }
  return {
    id,
    status: "ok",
    message: `clock within ${formatDuration(Math.max(abs, 1000))} of AWS`,
    fix: null,
  };
}

function overrideFinding(
  local: LocalAnalysis,
  liveCode: DiagnosisCode | null,
  admin: AdminResults | null,
): Finding {
  const o = local.override;
  if (o === null) throw new Error("overrideFinding without an override");
  const target = o.origin === "AWS_PROFILE" ? `AWS_PROFILE=${o.profile}` : `profile "default"`;
  const envFails = liveCode !== null && KEY_FAILURES.has(liveCode);
  const lookup = admin?.identity.ok ? admin.overriddenKey : null;
  let profileKeyState: string | null = null;
  let profileKeyDead = false;
  if (lookup?.owner.ok && lookup.keys?.ok) {
    const meta = lookup.keys.value.find((k) => k.accessKeyId === lookup.accessKeyId);
    profileKeyState = meta
      ? `IAM lists it as ${meta.status} (user ${lookup.owner.value.userName})`
      : "it no longer exists";
    profileKeyDead = meta?.status !== "Active";
  } else if (lookup && !lookup.owner.ok && isNoSuchEntity(lookup.owner.error)) {
    profileKeyState = "it does not exist either";
    profileKeyDead = true;
  }
  const fail = envFails && !profileKeyDead;
  const envKey = `AWS_ACCESS_KEY_ID in the environment (${maskKeyId(o.envKey.accessKeyId)}${
    fail ? `, ${FAILURE_WORDS[liveCode] ?? "failing"}` : ""
  })`;
  const profile = `${target} (${o.profileSource.describe}${profileKeyState ? `; ${profileKeyState}` : ""})`;
  const parts = [
    fail
      ? `${envKey} overrides ${profile}: the environment still holds the old key, so every AWS CLI and SDK call fails while the profile holds ${
          o.profileKey ? "a different key" : "other credentials"
        }`
      : `${envKey} overrides ${profile}: every AWS CLI and SDK call uses the environment key, not the profile's`,
  ];
  if (o.origin === "AWS_PROFILE") {
    parts.push(
      "the AWS SDK for JavaScript v3 picks AWS_PROFILE in this situation, the AWS CLI and keywarden the environment keys, so your tools disagree",
    );
  }
  return {
    id: "env-override",
    status: fail ? "fail" : "warn",
    code: "ENV_OVERRIDES_PROFILE",
    message: parts.join("; "),
    fix: `\`unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN\` (and remove them where they are set: shell profile, .env, CI variables) so that ${target} applies; or export the new key instead.`,
  };
}

// ---------------------------------------------------------------------------------------------
// With the administrator's profile

function keyFindings(
  local: LocalAnalysis,
  live: LiveResult | null,
  admin: AdminResults,
  keyId: string | null,
  temporary: boolean,
  ctx: DiagnoseContext,
): Finding[] {
  if (temporary || keyId === null || !keyId.startsWith("AKIA")) {
    return [
      {
        id: "key",
        status: "skip",
        message:
          keyId === null
            ? "no access key id is known for the source in use"
            : "temporary credentials (a role, SSO or MFA session): there is no long-term key to look up or rotate",
        fix: null,
      },
    ];
  }
  const lookup = admin.key;
  if (lookup === null) return [];
  const masked = maskKeyId(keyId);
  if (!lookup.owner.ok) {
    const e = lookup.owner.error;
    if (isNoSuchEntity(e)) {
      const account = lookup.account?.ok ? lookup.account.value : null;
      const adminAccount = admin.identity.ok ? admin.identity.value.account : null;
      if (account !== null && account !== adminAccount) {
        return [
          {
            id: "key",
            status: "skip",
            message: `the key ${masked} belongs to account ${account}; the admin profile is in account ${adminAccount ?? "?"}`,
            fix: `Pass an admin profile of account ${account} to check its status and age.`,
          },
        ];
      }
      return [
        { id: "key", status: "fail", message: `no IAM user of the account has the key ${masked}`, fix: null },
      ];
    }
    return [
      {
        id: "key",
        status: "warn",
        message: `the admin profile could not look up the key ${masked} (${e.awsCode}: ${e.message})`,
        fix: `Grant ${e.permission} to the admin profile "${admin.profile}".`,
      },
    ];
  }
  const { userName, lastUse } = lookup.owner.value;
  if (lookup.keys === null) return [];
  if (!lookup.keys.ok) {
    const e = lookup.keys.error;
    return [
      {
        id: "key",
        status: "warn",
        message: `the key belongs to IAM user ${userName}, but listing the user's keys failed (${e.awsCode}: ${e.message})`,
        fix: `Grant ${e.permission} to the admin profile "${admin.profile}".`,
      },
    ];
  }
  const keys = lookup.keys.value;
  const meta = keys.find((k) => k.accessKeyId === keyId);
  const out: Finding[] = [];
  const used =
    lastUse.date === null
      ? "never used before this check"
      : `last used ${day(lastUse.date)}${lastUse.service ? ` (${lastUse.service}${lastUse.region ? `, ${lastUse.region}` : ""})` : ""}`;
  if (meta === undefined) {
    out.push({
      id: "key",
      status: "fail",
      message: `IAM user ${userName} no longer has the key ${masked}`,
      fix: null,
    });
    return out;
  }
  out.push({
    id: "key",
    status: meta.status === "Active" ? "ok" : "fail",
    message: `the key ${masked} belongs to IAM user ${userName}, status ${meta.status}, ${used}`,
    fix: null,
  });
  if (meta.status !== "Active" || live?.identity.ok === false) return out;

  const rotate = rotateCommand(local);
  if (meta.createDate !== null) {
    const age = Math.floor((ctx.now.getTime() - meta.createDate.getTime()) / DAY_MS);
    const due = age > ctx.rotationDays;
    out.push({
      id: "key.age",
      status: due ? "warn" : "ok",
      message: due
        ? `the key ${masked} is ${age} days old (created ${day(meta.createDate)}); rotate keys at least every ${ctx.rotationDays} days`
        : `the key ${masked} is ${age} day${age === 1 ? "" : "s"} old (rotation due after ${ctx.rotationDays})`,
      fix: due ? `\`${rotate}\`` : null,
    });
  }
  if (keys.length >= 2) {
    const other = keys.find((k) => k.accessKeyId !== keyId);
    out.push({
      id: "key.slots",
      status: "warn",
      message: `IAM user ${userName} already has 2 access keys (the IAM limit); the other is ${
        other ? `${maskKeyId(other.accessKeyId)}, ${other.status}` : "unknown"
      }, so a rotation has no room for a new key`,
      fix:
        other?.status === "Inactive"
          ? `Let rotate delete the inactive one: \`${rotate} --replace-inactive <its id>\` (\`aws iam list-access-keys --user-name ${userName}\` shows it).`
          : `Find out who uses the other key (\`keywarden keys --user ${userName}\`) and retire one of the two before rotating.`,
    });
  }
  return out;
}

const ACTION_USE: Readonly<Record<string, string>> = {
  "iam:CreateAccessKey": "rotate",
  "iam:ListAccessKeys": "rotate",
  "iam:UpdateAccessKey": "rotate",
  "iam:DeleteAccessKey": "rotate",
  "sts:GetSessionToken": "mfa",
};

function permissionFindings(local: LocalAnalysis, perms: PermissionsOutcome): Finding[] {
  const p = local.commandProfile;
  if (!perms.results.ok) {
    const e = perms.results.error;
    return [
      {
        id: "permissions",
        status: "skip",
        message: `could not check what ${perms.principalArn} may do (${e.awsCode}: ${e.message})`,
        fix: `Grant the admin profile iam:SimulatePrincipalPolicy (or iam:GetUser and the iam:List*/Get* policy reads).`,
      },
    ];
  }
  const sim = perms.simulationError;
  const out: Finding[] = [
    {
      id: "permissions",
      status: "ok",
      message:
        perms.method === "simulation"
          ? `checked with iam:SimulatePrincipalPolicy for ${perms.principalArn}`
          : `iam:SimulatePrincipalPolicy failed (${sim?.awsCode ?? "unavailable"}${
              sim?.httpStatus ? `, HTTP ${sim.httpStatus}` : ""
            }), so the user's own policies (inline, managed, groups, boundary) were evaluated locally; SCPs and resource policies are not included`,
      fix: null,
    },
  ];
  for (const r of perms.results.value) {
    const verb = ACTION_USE[r.action] ?? "rotate";
    const command = `keywarden ${verb}${profileArg(p)}`;
    const id = `permission.${r.action}`;
    const detail = r.detail ? ` (${r.detail})` : "";
    if (r.withoutMfa === "allowed") {
      out.push({ id, status: "ok", message: `${r.action} is allowed${detail}`, fix: null });
    } else if (r.withoutMfa === "unknown") {
      out.push({
        id,
        status: "skip",
        message: `could not tell whether ${r.action} is allowed${detail}`,
        fix: null,
      });
    } else if (r.withMfa === "allowed") {
      out.push({
        id,
        status: "warn",
        code: "MFA_REQUIRED",
        message: `${r.action} is denied without MFA and allowed with it${detail}: \`${command}\` needs an MFA session`,
        fix: `Get an MFA session first: \`keywarden mfa${profileArg(p)}\`.`,
      });
    } else {
      const deny = r.withoutMfa === "explicitDeny" ? "explicitly denied" : "not allowed";
      out.push({
        id,
        status: "warn",
        code: "ACCESS_DENIED",
        message: `${r.action} is ${deny}${detail}: \`${command}\` will fail`,
        fix:
          verb === "mfa"
            ? `Ask an administrator to allow ${r.action} (\`{"Effect": "Allow", "Action": "sts:GetSessionToken", "Resource": "*"}\`).`
            : `Ask an administrator to allow ${r.action} on ${r.resource.replace(/user\/(?:.*\/)?[^/]+$/, "user/${aws:username}")} (your own user).`,
      });
    }
  }
  return out;
}

/** The diagnosis for permission warnings: every denied action at once, grouped by what fails. */
function permissionDiagnosis(
  findings: readonly Finding[],
  code: DiagnosisCode,
  principal: string,
  p: string | null,
) {
  const actions = findings
    .filter((f) => f.code === code && f.id.startsWith("permission."))
    .map((f) => f.id.slice("permission.".length));
  const rotate = actions.filter((a) => (ACTION_USE[a] ?? "rotate") === "rotate");
  const mfa = actions.filter((a) => ACTION_USE[a] === "mfa");
  const fails = [
    rotate.length > 0 ? `\`keywarden rotate${profileArg(p)}\`` : "",
    mfa.length > 0 ? `\`keywarden mfa${profileArg(p)}\`` : "",
  ]
    .filter((x) => x !== "")
    .join(" and ");
  if (code === "MFA_REQUIRED") {
    return {
      code,
      message: `The credentials work, but a policy denies ${actions.join(", ")} without MFA: ${fails} need${fails.includes(" and ") ? "" : "s"} an MFA session.`,
      fix: `Get an MFA session first: \`keywarden mfa${profileArg(p)}\`.`,
    };
  }
  const policy =
    rotate.length > 0
      ? `{"Effect": "Allow", "Action": [${rotate.map((a) => `"${a}"`).join(", ")}], "Resource": "arn:aws:iam::*:user/\${aws:username}"}`
      : "";
  const sts = mfa.length > 0 ? `{"Effect": "Allow", "Action": "sts:GetSessionToken", "Resource": "*"}` : "";
  return {
    code,
    message: `The credentials work, but ${principal} may not call ${actions.join(", ")}: ${fails} will fail.`,
    fix: `Ask an administrator to attach a policy with ${[policy, sts].filter((x) => x !== "").join(" and ")}.`,
  };
}

/** The IAM user name in an ARN, for callers deciding whether permissions apply. */
export { userNameFromArn };
