// Builders for doctor's unit tests: files from text, probe results, a scripted probe.
import { CredentialsFileError } from "../errors.js";
import { parseIni } from "../ini.js";
import type { AdminResults, KeyLookup, ProbeResults } from "./diagnose.js";
import type { Identity, LiveResult, Outcome, ProbeError } from "./ports.js";
import type { FileSnapshot } from "./types.js";

export const ACCOUNT = "123456789012";
/** Shaped like real keys and secrets (base32 ids, 40-character secrets). */
export const KEY_A = "AKIAIOSFODNN7EXAMPLE";
export const SECRET_A = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
export const KEY_B = "AKIA2OGYBAH6QEXAMPLE";
export const SECRET_B = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY";
export const KEY_C = "AKIAJ3UNUSEDKEY4ABCD";
export const SECRET_C = "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2Fy";
export const SESSION_KEY = "ASIAIOSFODNN7EXAMPLE";
export const SESSION_TOKEN = `FwoGZXIvYXdzE${"A".repeat(300)}EXAMPLETOKEN`;

export function file(kind: "credentials" | "config", text: string | null, mode = 0o600): FileSnapshot {
  const path = `/home/u/.aws/${kind}`;
  if (text === null) return { kind, path, state: "missing", doc: null, mode: null, error: null };
  try {
    return { kind, path, state: "ok", doc: parseIni(text, { kind, path }), mode, error: null };
  } catch (e) {
    if (!(e instanceof CredentialsFileError)) throw e;
    return {
      kind,
      path,
      state: "invalid",
      doc: null,
      mode,
      error: { message: e.message, line: e.line ?? null, fix: e.fix },
    };
  }
}

export function creds(profile: string, id: string, secret: string, extra = ""): string {
  return `[${profile}]\naws_access_key_id = ${id}\naws_secret_access_key = ${secret}\n${extra}`;
}

export function ok<T>(value: T): Outcome<T> {
  return { ok: true, value };
}

export function err(
  code: string,
  awsCode: string,
  message = awsCode,
  permission = "sts:GetCallerIdentity",
): Outcome<never> {
  const error: ProbeError = { code, awsCode, message, httpStatus: 403, permission };
  return { ok: false, error };
}

export function identity(user = "alice"): Identity {
  return { account: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/${user}`, userId: "AIDAEXAMPLE" };
}

export function liveOk(accessKeyId: string | null = KEY_A, user = "alice", skewMs = 0): LiveResult {
  return {
    accessKeyId,
    temporary: accessKeyId?.startsWith("ASIA") === true,
    identity: ok(identity(user)),
    clock: { serverMs: 1_700_000_000_000 + skewMs, localMs: 1_700_000_000_000 },
  };
}

export function liveFail(
  code: string,
  awsCode: string,
  message = awsCode,
  accessKeyId: string | null = KEY_A,
  skewMs = 0,
): LiveResult {
  return {
    accessKeyId,
    temporary: accessKeyId?.startsWith("ASIA") === true,
    identity: err(code, awsCode, message),
    clock: { serverMs: 1_700_000_000_000 + skewMs, localMs: 1_700_000_000_000 },
  };
}

export function lookup(
  accessKeyId: string,
  user: string,
  keys: { id: string; status: string; daysOld?: number }[],
  now: Date,
): KeyLookup {
  return {
    accessKeyId,
    owner: ok({ userName: user, lastUse: { date: null, service: null, region: null } }),
    keys: ok(
      keys.map((k) => ({
        accessKeyId: k.id,
        status: k.status,
        createDate: new Date(now.getTime() - (k.daysOld ?? 10) * 86_400_000),
      })),
    ),
    account: null,
  };
}

export function adminResults(over: Partial<AdminResults> = {}): AdminResults {
  return {
    profile: "admin",
    identity: ok(identity("admin")),
    key: null,
    overriddenKey: null,
    permissions: null,
    ...over,
  };
}

export function probes(live: LiveResult | null, admin: AdminResults | null = null): ProbeResults {
  return { live, admin };
}
