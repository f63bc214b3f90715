// `keywarden doctor` end to end: read the two files, analyse them with the environment, ask AWS
// through the DoctorProbe port, diagnose. The only AWS call signed with the key under test is
// sts:GetCallerIdentity (inside probe.live); every IAM read uses the --admin-profile session, and
// the key's last use is read before the live call moves it.
import { isAccessKeyId } from "../../domain/key-id.js";
import { CredentialsFileError } from "../errors.js";
import { configFilePath, credentialsFilePath, readIniFile } from "../file.js";
import type { IniKind } from "../ini.js";
import {
  diagnose,
  userNameFromArn,
  type AdminResults,
  type KeyLookup,
  type PermissionResult,
  type PermissionsOutcome,
} from "./diagnose.js";
import { analyzeLocal } from "./local.js";
import { evaluatePolicies } from "./policy.js";
import type { AdminProbe, DoctorProbe, Outcome, SimDecision } from "./ports.js";
import type { DoctorOptions, DoctorReport, Env, FileSnapshot } from "./types.js";

export interface RunDoctorInput {
  readonly env: Env;
  readonly options: DoctorOptions;
  readonly probe: DoctorProbe;
  readonly now: Date;
  /** process.platform, for the clock-sync command. */
  readonly platform: string;
}

/** The actions the next steps need: `keywarden rotate` (own user) and `keywarden mfa`. */
export const NEXT_STEP_ACTIONS = {
  rotate: ["iam:ListAccessKeys", "iam:CreateAccessKey", "iam:UpdateAccessKey", "iam:DeleteAccessKey"],
  mfa: ["sts:GetSessionToken"],
} as const;

export async function readFileSnapshot(path: string, kind: IniKind): Promise<FileSnapshot> {
  try {
    const file = await readIniFile(path, kind);
    if (file.missing) return { kind, path, state: "missing", doc: null, mode: null, error: null };
    return { kind, path, state: "ok", doc: file.doc, mode: file.mode ?? null, error: null };
  } catch (e) {
    if (e instanceof CredentialsFileError) {
      return {
        kind,
        path,
        state: e.code === "CREDENTIALS_FILE_INVALID" ? "invalid" : "unreadable",
        doc: null,
        mode: null,
        error: { message: e.message, line: e.line ?? null, fix: e.fix },
      };
    }
    throw e;
  }
}

async function lookupKey(admin: AdminProbe, accessKeyId: string): Promise<KeyLookup> {
  const owner = await admin.keyOwner(accessKeyId);
  const keys = owner.ok ? await admin.listKeys(owner.value.userName) : null;
  const account = owner.ok ? null : await admin.keyAccount(accessKeyId);
  return { accessKeyId, owner, keys, account };
}

function isLongTermKey(id: string | null | undefined): id is string {
  return id !== null && id !== undefined && isAccessKeyId(id) && id.startsWith("AKIA");
}

async function checkPermissions(
  admin: AdminProbe,
  arn: string,
  userName: string,
): Promise<PermissionsOutcome> {
  const groups: { actions: readonly string[]; resource: string }[] = [
    { actions: NEXT_STEP_ACTIONS.rotate, resource: arn },
    { actions: NEXT_STEP_ACTIONS.mfa, resource: "*" },
  ];
  const simulated: PermissionResult[] = [];
  let simulationError = null;
  for (const g of groups) {
    const without = await admin.simulate(arn, g.actions, g.resource, false);
    if (!without.ok) {
      simulationError = without.error;
      break;
    }
    const denied = without.value.filter((r) => r.decision !== "allowed" && r.decision !== "unknown");
    let withMfa: Outcome<{ action: string; decision: SimDecision }[]> | null = null;
    if (denied.length > 0) {
      withMfa = await admin.simulate(
        arn,
        denied.map((d) => d.action),
        g.resource,
        true,
      );
    }
    for (const r of without.value) {
      const m = withMfa?.ok ? withMfa.value.find((x) => x.action === r.action) : undefined;
      simulated.push({
        action: r.action,
        resource: g.resource,
        withoutMfa: r.decision,
        withMfa: m?.decision ?? null,
        detail: null,
      });
    }
  }
  if (simulationError === null) {
    return {
      method: "simulation",
      simulationError: null,
      principalArn: arn,
      results: { ok: true, value: simulated },
    };
  }
  const policies = await admin.userPolicies(userName);
  if (!policies.ok) return { method: "local", simulationError, principalArn: arn, results: policies };
  const results: PermissionResult[] = [];
  for (const g of groups) {
    for (const action of g.actions) {
      const req = { action, resource: g.resource, userName };
      const without = evaluatePolicies(policies.value, { ...req, mfa: false });
      const withMfa =
        without.decision === "allowed" ? null : evaluatePolicies(policies.value, { ...req, mfa: true });
      results.push({
        action,
        resource: g.resource,
        withoutMfa: without.decision,
        withMfa: withMfa?.decision ?? null,
        detail: without.detail,
      });
    }
  }
  return { method: "local", simulationError, principalArn: arn, results: { ok: true, value: results } };
}

export async function runDoctor(input: RunDoctorInput): Promise<DoctorReport> {
  const { env, options, probe } = input;
  const [credentials, config] = await Promise.all([
    readFileSnapshot(credentialsFilePath(env), "credentials"),
    readFileSnapshot(configFilePath(env), "config"),
  ]);
  const local = analyzeLocal({
    env,
    credentials,
    config,
    profile: options.profile,
    region: options.region,
    endpointUrl: options.endpointUrl,
  });

  // The administrator's reads come first, so the key's last use is read before the live call.
  const adminProbe =
    options.adminProfile === undefined
      ? null
      : await probe.admin(options.adminProfile, local.region, options.endpointUrl);
  const adminUp = adminProbe?.identity.ok === true ? adminProbe : null;
  const staticId = local.keyUnderTest?.accessKeyId;
  let key: KeyLookup | null = adminUp && isLongTermKey(staticId) ? await lookupKey(adminUp, staticId) : null;
  const overriddenId = local.override?.profileKey?.accessKeyId;
  const overriddenKey =
    adminUp && isLongTermKey(overriddenId) ? await lookupKey(adminUp, overriddenId) : null;

  const live = local.live.run ? await probe.live(local.live.target) : null;

  // A key only known once resolved (credential_process, container): look it up now.
  if (adminUp && key === null && isLongTermKey(live?.accessKeyId))
    key = await lookupKey(adminUp, live.accessKeyId);

  let permissions: PermissionsOutcome | null = null;
  if (
    adminUp?.identity.ok &&
    live?.identity.ok &&
    live.identity.value.account === adminUp.identity.value.account
  ) {
    const user = userNameFromArn(live.identity.value.arn);
    if (user !== null) permissions = await checkPermissions(adminUp, live.identity.value.arn, user);
  }

  const admin: AdminResults | null =
    adminProbe === null || options.adminProfile === undefined
      ? null
      : { profile: options.adminProfile, identity: adminProbe.identity, key, overriddenKey, permissions };
  return diagnose(
    local,
    { live, admin },
    {
      now: input.now,
      platform: input.platform,
      rotationDays: options.rotationDays ?? 90,
      adminProfile: options.adminProfile,
    },
  );
}
