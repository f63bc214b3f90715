// The local half of `keywarden doctor`: which credential source wins, the way the AWS CLI
// (botocore) walks its chain, and what is wrong with the environment and the two files. Pure: the
// files arrive parsed (FileSnapshot), the environment as a snapshot.
//
// The AWS CLI's order (botocore credentials.py, create_credential_resolver):
//   1. environment keys (AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY), unless --profile was given;
//   2. the profile (--profile, else AWS_DEFAULT_PROFILE/AWS_PROFILE, else default), in this order:
//      role_arn (source_profile or credential_source), web_identity_token_file, SSO, keys in the
//      credentials file, credential_process, keys in the config file;
//   3. container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI);
//   4. EC2 instance metadata (unless AWS_EC2_METADATA_DISABLED=true). Doctor never probes it.
import { isAccessKeyId, maskKeyId } from "../../domain/key-id.js";
import { getProfile, listProfiles, profileSections, type IniDocument } from "../ini.js";
import {
  sdkCrossFileDifferences,
  sdkFileDifferences,
  sdkPathDifferences,
  type SdkDifference,
} from "./sdk-reading.js";
import type { LiveTarget } from "./ports.js";
import type { Env, FileSnapshot, Finding, SourceKind } from "./types.js";

const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const SECRET = /^[A-Za-z0-9/+]{40}$/;

/** The shape of an AWS region name (us-east-1, eu-central-2, us-gov-west-1). */
export function isRegionName(s: string): boolean {
  return REGION.test(s);
}

export type ProfileOrigin = "--profile" | "AWS_PROFILE" | "default";

/** A long-term or session key written in the environment or a file. */
export interface StaticKey {
  readonly accessKeyId: string;
  /** e.g. `profile "dev" in /home/a/.aws/credentials line 2` or `AWS_ACCESS_KEY_ID`. */
  readonly where: string;
  readonly origin: "environment" | "credentials-file" | "config-file";
  readonly profile: string | null;
  readonly hasSessionToken: boolean;
}

export interface RawSource {
  readonly kind: SourceKind;
  readonly name: string;
  /** Raw (unmasked) key id when the source is a static key. */
  readonly accessKeyId: string | null;
  /** Human description, e.g. `keys in the credentials file (/x line 3)`. */
  readonly describe: string;
}

/** Environment keys win while a profile the user probably meant holds other credentials. */
export interface Override {
  readonly envKey: StaticKey;
  readonly profile: string;
  readonly origin: "AWS_PROFILE" | "default";
  /** The profile's credentials, as they would win without the environment keys. */
  readonly profileSource: RawSource;
  /** The profile's static key, when it holds one. */
  readonly profileKey: StaticKey | null;
}

export interface LocalAnalysis {
  readonly profile: string | null;
  readonly profileOrigin: ProfileOrigin | null;
  readonly source: RawSource;
  readonly shadowed: readonly RawSource[];
  /** The static key at the end of the chain (the key under test), when known without AWS. */
  readonly keyUnderTest: StaticKey | null;
  readonly override: Override | null;
  readonly region: string;
  readonly endpointUrl: string | undefined;
  readonly findings: readonly Finding[];
  readonly live: { readonly run: true; readonly target: LiveTarget } | { readonly run: false };
  /** Every secret and session token value seen in the environment and files, for redaction. */
  readonly secrets: readonly string[];
  readonly profilesFound: readonly string[];
  /** The profile to name in suggested commands (`--profile X`), or null for the environment. */
  readonly commandProfile: string | null;
}

export interface LocalInput {
  readonly env: Env;
  readonly credentials: FileSnapshot;
  readonly config: FileSnapshot;
  readonly profile?: string | undefined;
  readonly region?: string | undefined;
  readonly endpointUrl?: string | undefined;
}

function nonEmpty(s: string | undefined): s is string {
  return s !== undefined && s.trim() !== "";
}

function profileFlag(profile: string | null): string {
  return profile === null || profile === "default" ? "" : ` --profile ${profile}`;
}

// ---------------------------------------------------------------------------------------------
// Reading one profile across both files

interface Located {
  readonly value: string;
  readonly file: FileSnapshot;
  readonly line: number;
}

class ProfileView {
  readonly cred: Readonly<Record<string, string>> | undefined;
  readonly conf: Readonly<Record<string, string>> | undefined;

  constructor(
    readonly name: string,
    private readonly files: { credentials: FileSnapshot; config: FileSnapshot },
  ) {
    this.cred = files.credentials.doc ? getProfile(files.credentials.doc, name) : undefined;
    this.conf = files.config.doc ? getProfile(files.config.doc, name) : undefined;
  }

  get exists(): boolean {
    return this.cred !== undefined || this.conf !== undefined;
  }

  /** A value as the AWS CLI reads it: the credentials file's wins over the config file's. */
  get(key: string): Located | undefined {
    return this.in("credentials", key) ?? this.in("config", key);
  }

  in(kind: "credentials" | "config", key: string): Located | undefined {
    const values = kind === "credentials" ? this.cred : this.conf;
    const value = values?.[key];
    if (value === undefined) return undefined;
    const file = kind === "credentials" ? this.files.credentials : this.files.config;
    return { value, file, line: lineOf(file.doc, this.name, key) };
  }
}

function lineOf(doc: IniDocument | null, profile: string, key: string): number {
  if (doc === null) return 0;
  let line = 0;
  for (const s of profileSections(doc, profile)) {
    for (const e of s.entries) if (e.key.toLowerCase() === key) line = e.line;
  }
  return line;
}

function at(l: Located): string {
  return l.line > 0 ? `${l.file.path} line ${l.line}` : l.file.path;
}

// ---------------------------------------------------------------------------------------------
// The sources one profile configures, in the AWS CLI's order

type ProfileSource =
  | { kind: "assume-role"; role: Located; view: ProfileView }
  | { kind: "web-identity"; role: Located | undefined; view: ProfileView }
  | { kind: "sso"; view: ProfileView }
  | { kind: "credentials-file" | "config-file"; key: StaticKey; view: ProfileView }
  | { kind: "credential-process"; view: ProfileView };

function staticKeyIn(view: ProfileView, kind: "credentials" | "config"): StaticKey | undefined {
  const id = view.in(kind, "aws_access_key_id");
  if (id === undefined) return undefined;
  const token = view.in(kind, "aws_session_token") ?? view.in(kind, "aws_security_token");
  return {
    accessKeyId: id.value,
    where: `profile "${view.name}" in ${at(id)}`,
    origin: kind === "credentials" ? "credentials-file" : "config-file",
    profile: view.name,
    hasSessionToken: token !== undefined && token.value !== "",
  };
}

function sourcesOf(view: ProfileView): ProfileSource[] {
  const out: ProfileSource[] = [];
  const role = view.get("role_arn");
  const webIdentity = view.get("web_identity_token_file");
  if (role !== undefined && webIdentity === undefined) out.push({ kind: "assume-role", role, view });
  if (webIdentity !== undefined) out.push({ kind: "web-identity", role, view });
  if (view.get("sso_session") ?? view.get("sso_start_url") ?? view.get("sso_account_id"))
    out.push({ kind: "sso", view });
  const credKey = staticKeyIn(view, "credentials");
  if (credKey) out.push({ kind: "credentials-file", key: credKey, view });
  if (view.get("credential_process")) out.push({ kind: "credential-process", view });
  const confKey = staticKeyIn(view, "config");
  if (confKey) out.push({ kind: "config-file", key: confKey, view });
  return out;
}

function rawOf(s: ProfileSource): RawSource {
  const name = s.view.name;
  switch (s.kind) {
    case "assume-role":
      return {
        kind: s.kind,
        name,
        accessKeyId: null,
        describe: `profile "${name}" assumes role ${s.role.value} (${at(s.role)})`,
      };
    case "web-identity":
      return {
        kind: s.kind,
        name,
        accessKeyId: null,
        describe: `profile "${name}" assumes a role with a web identity token`,
      };
    case "sso":
      return {
        kind: s.kind,
        name,
        accessKeyId: null,
        describe: `profile "${name}" uses IAM Identity Center (SSO)`,
      };
    case "credential-process":
      return {
        kind: s.kind,
        name,
        accessKeyId: null,
        describe: `profile "${name}" runs a credential_process`,
      };
    default:
      return {
        kind: s.kind,
        name,
        accessKeyId: s.key.accessKeyId,
        describe: `the key ${maskKeyId(s.key.accessKeyId)} of ${s.key.where}`,
      };
  }
}

// ---------------------------------------------------------------------------------------------
// The analysis

interface Builder {
  findings: Finding[];
  /** Blocks the live check (the AWS CLI could not even start). */
  blocked: boolean;
  /** Profiles whose keys are in use (their format problems fail rather than warn). */
  inUse: Set<string>;
}

export function analyzeLocal(input: LocalInput): LocalAnalysis {
  const { env, credentials, config } = input;
  const b: Builder = { findings: [], blocked: false, inUse: new Set() };
  const view = (name: string) => new ProfileView(name, { credentials, config });
  const profilesFound = [
    ...new Set([
      ...(credentials.doc ? listProfiles(credentials.doc) : []),
      ...(config.doc ? listProfiles(config.doc) : []),
    ]),
  ].sort();

  for (const f of [credentials, config]) checkFileReadable(f, b);

  // --- the environment
  const ak = env.AWS_ACCESS_KEY_ID;
  const sk = env.AWS_SECRET_ACCESS_KEY;
  const envToken = env.AWS_SESSION_TOKEN ?? env.AWS_SECURITY_TOKEN;
  const envKeys = nonEmpty(ak) && nonEmpty(sk);
  const envKey: StaticKey | null =
    envKeys && nonEmpty(ak)
      ? {
          accessKeyId: ak,
          where: "AWS_ACCESS_KEY_ID",
          origin: "environment",
          profile: null,
          hasSessionToken: nonEmpty(envToken),
        }
      : null;
  const awsProfile = nonEmpty(env.AWS_PROFILE) ? env.AWS_PROFILE : undefined;
  const envFindings: Finding[] = [];

  // --- which profile
  let profileName: string;
  let origin: ProfileOrigin;
  if (nonEmpty(input.profile)) {
    profileName = input.profile;
    origin = "--profile";
  } else if (awsProfile !== undefined) {
    profileName = awsProfile;
    origin = "AWS_PROFILE";
  } else {
    profileName = "default";
    origin = "default";
  }
  const flagGiven = origin === "--profile";

  if (nonEmpty(ak) !== nonEmpty(sk) && !flagGiven) {
    const missing = nonEmpty(ak) ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID";
    const present = nonEmpty(ak) ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY";
    envFindings.push({
      id: "env",
      status: "fail",
      code: "CONFIG_INVALID",
      message: `${present} is set but ${missing} is not: the AWS CLI stops with "Partial credentials found in env" (the AWS SDKs skip the environment and read the profile instead)`,
      fix: `Set both, or neither: \`unset ${present}\` to use the profile.`,
    });
    b.blocked = true;
  }
  if (envKey) checkKeyShape(envKey, sk ?? "", "the environment", !flagGiven, envFindings);
  if (!envKeys && nonEmpty(envToken) && !nonEmpty(ak)) {
    envFindings.push({
      id: "env",
      status: "warn",
      message:
        "AWS_SESSION_TOKEN is set without AWS_ACCESS_KEY_ID: it is ignored (a leftover of an old session?)",
      fix: "`unset AWS_SESSION_TOKEN`",
    });
  }
  const defaultProfileVar = env.AWS_DEFAULT_PROFILE;
  if (nonEmpty(defaultProfileVar) && defaultProfileVar !== awsProfile && !flagGiven) {
    envFindings.push({
      id: "env",
      status: "warn",
      message: `AWS_DEFAULT_PROFILE=${defaultProfileVar} is set: the AWS CLI reads it before AWS_PROFILE, the AWS SDK for JavaScript and keywarden ignore it, so they use ${awsProfile ? `profile "${awsProfile}"` : "another profile"}`,
      fix: `Use one variable: \`export AWS_PROFILE=${defaultProfileVar}; unset AWS_DEFAULT_PROFILE\`.`,
    });
  }

  // --- the chain
  const selected = view(profileName);
  const shadowed: RawSource[] = [];
  let source: RawSource | undefined;
  let keyUnderTest: StaticKey | null = null;
  let override: Override | null = null;
  let liveProfile: string | null = null;
  let liveOk = true;
  let profileInForce: string | null = profileName;
  const profileFindings: Finding[] = [];

  if (flagGiven && envKey) {
    shadowed.push({
      kind: "environment",
      name: "AWS_ACCESS_KEY_ID",
      accessKeyId: envKey.accessKeyId,
      describe: `the environment key ${maskKeyId(envKey.accessKeyId)} (--profile wins over it)`,
    });
  }

  if (!flagGiven && envKey) {
    // 1. Environment keys win.
    source = {
      kind: "environment",
      name: "AWS_ACCESS_KEY_ID",
      accessKeyId: envKey.accessKeyId,
      describe: `the environment variables AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (key ${maskKeyId(envKey.accessKeyId)})`,
    };
    keyUnderTest = envKey;
    profileInForce = null;
    if (selected.exists) {
      const lost = sourcesOf(selected);
      for (const s of lost) shadowed.push(rawOf(s));
      const first = lost[0];
      const sameKey =
        first !== undefined &&
        (first.kind === "credentials-file" || first.kind === "config-file") &&
        first.key.accessKeyId === envKey.accessKeyId;
      if (first !== undefined && !sameKey && (origin === "AWS_PROFILE" || first.kind.endsWith("-file"))) {
        override = {
          envKey,
          profile: profileName,
          origin: origin === "AWS_PROFILE" ? "AWS_PROFILE" : "default",
          profileSource: rawOf(first),
          profileKey: first.kind === "credentials-file" || first.kind === "config-file" ? first.key : null,
        };
        b.inUse.add(profileName);
      }
    } else if (origin === "AWS_PROFILE") {
      profileFindings.push({
        id: "profile",
        status: "warn",
        message: `AWS_PROFILE=${profileName} names a profile that is in neither file (profiles found: ${profilesFound.join(", ") || "none"}); the environment keys are used`,
        fix: `\`unset AWS_PROFILE\`, or pass one of the profiles found.`,
      });
    }
  } else {
    // 2. The profile.
    if (!selected.exists && origin !== "default") {
      const hint = misplacedProfileHint(profileName, credentials, config);
      profileFindings.push({
        id: "profile",
        status: "fail",
        code: "PROFILE_NOT_FOUND",
        message: `profile "${profileName}" (from ${origin}) is in neither ${credentials.path} nor ${config.path} (profiles found: ${profilesFound.join(", ") || "none"})${hint ? `; ${hint}` : ""}`,
        fix:
          profilesFound.length > 0
            ? `Pass one of the profiles found (e.g. \`--profile ${profilesFound[0] ?? ""}\`), or create it: \`aws configure --profile ${profileName}\`.`
            : `Create it: \`aws configure --profile ${profileName}\`.`,
      });
      source = { kind: "none", name: profileName, accessKeyId: null, describe: "none" };
      liveOk = false;
      b.blocked = true;
    } else if (selected.exists) {
      const resolved = resolveProfile(selected, view, b, profileFindings);
      if (resolved) {
        source = resolved.source;
        keyUnderTest = resolved.baseKey;
        for (const s of resolved.shadowed) shadowed.push(s);
        liveProfile = resolved.liveProfile;
        liveOk = resolved.liveOk;
      } else {
        profileFindings.push({
          id: "profile",
          status: origin === "default" ? "ok" : "warn",
          message: `profile "${profileName}" holds no credentials (no keys, role, SSO or credential_process)`,
          fix: origin === "default" ? null : `Add credentials: \`aws configure --profile ${profileName}\`.`,
        });
      }
    }
    if (source === undefined) profileInForce = selected.exists ? profileName : null;
  }

  // 3./4. Container credentials, then instance metadata.
  const containerVar = nonEmpty(env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI)
    ? "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"
    : nonEmpty(env.AWS_CONTAINER_CREDENTIALS_FULL_URI)
      ? "AWS_CONTAINER_CREDENTIALS_FULL_URI"
      : undefined;
  const container: RawSource | undefined = containerVar
    ? {
        kind: "container",
        name: containerVar,
        accessKeyId: null,
        describe: `container credentials (${containerVar})`,
      }
    : undefined;
  const imdsDisabled = (env.AWS_EC2_METADATA_DISABLED ?? "").trim().toLowerCase() === "true";
  const tail: Finding[] = [];
  if (source === undefined && container) {
    source = container;
    liveProfile = selected.exists ? profileName : null;
  } else if (source === undefined) {
    source = { kind: "none", name: "", accessKeyId: null, describe: "none" };
    liveOk = false;
    tail.push({
      id: "instance-metadata",
      status: "skip",
      message: imdsDisabled
        ? "EC2 instance metadata would be next, but AWS_EC2_METADATA_DISABLED=true turns it off"
        : "EC2 instance metadata would be tried next; doctor does not probe it (on EC2, check the instance role with `aws sts get-caller-identity`)",
      fix: null,
    });
  } else if (container && source.kind !== "none") {
    shadowed.push(container);
  }

  // --- files: parse problems, modes, lint, key shapes
  if (keyUnderTest?.profile) b.inUse.add(keyUnderTest.profile);
  for (const f of [credentials, config]) checkFileContents(f, b, view);
  const pathOf = { credentials: credentials.path, config: config.path };
  for (const d of sdkCrossFileDifferences(
    credentials.state === "ok" ? credentials.doc : null,
    config.state === "ok" ? config.doc : null,
  )) {
    b.findings.push(sdkFinding(d, d.file === null ? null : pathOf[d.file]));
  }
  for (const d of sdkPathDifferences(env)) b.findings.push(sdkFinding(d, null));

  // --- region and endpoint
  const regionView = selected.exists ? selected : null;
  const { region, findings: regionFindings } = resolveRegion(input, env, regionView);
  const { endpointUrl, findings: endpointFindings } = resolveEndpoint(input, env, regionView);
  if (regionFindings.some((f) => f.status === "fail") || endpointFindings.some((f) => f.status === "fail"))
    b.blocked = true;

  // --- the summary of the source
  const profileMissing = profileFindings.some((f) => f.code === "PROFILE_NOT_FOUND");
  const sourceFinding: Finding =
    source.kind === "none" && profileMissing
      ? {
          id: "source",
          status: "skip",
          message: "no credential source: the profile does not exist",
          fix: null,
        }
      : source.kind === "none"
        ? {
            id: "source",
            status: "fail",
            code: "NO_CREDENTIALS",
            message: noCredentialsMessage(
              env,
              credentials,
              config,
              profileName,
              origin,
              container,
              imdsDisabled,
            ),
            fix: noCredentialsFix(profilesFound),
          }
        : {
            id: "source",
            status: "ok",
            message: `credentials come from ${source.describe}${
              shadowed.length > 0 ? `; shadowed: ${shadowed.map((s) => s.describe).join("; ")}` : ""
            }`,
            fix: null,
          };

  if (envFindings.length === 0) {
    envFindings.push({
      id: "env",
      status: "ok",
      message: envSummary(env),
      fix: null,
    });
  }

  const secrets = collectSecrets(env, [credentials, config]);
  const findings: Finding[] = [
    ...envFindings,
    ...b.findings,
    ...profileFindings,
    sourceFinding,
    ...regionFindings,
    ...endpointFindings,
    ...tail,
  ];
  const run = liveOk && !b.blocked && source.kind !== "none";
  const commandProfile = source.kind === "environment" ? null : (profileInForce ?? null);
  return {
    profile: profileInForce,
    profileOrigin: source.kind === "environment" ? null : origin,
    source,
    shadowed,
    keyUnderTest,
    override,
    region,
    endpointUrl,
    findings,
    live: run
      ? { run: true, target: { profile: liveProfile, region, endpointUrl: input.endpointUrl } }
      : { run: false },
    secrets,
    profilesFound,
    commandProfile,
  };
}

// ---------------------------------------------------------------------------------------------
// Profiles: role chains, SSO, process, static keys

interface Resolved {
  source: RawSource;
  baseKey: StaticKey | null;
  shadowed: RawSource[];
  /** The profile the live check resolves (the base profile when the role needs an MFA code). */
  liveProfile: string | null;
  liveOk: boolean;
}

function resolveProfile(
  selected: ProfileView,
  view: (name: string) => ProfileView,
  b: Builder,
  out: Finding[],
): Resolved | null {
  const sources = sourcesOf(selected);
  const first = sources[0];
  if (first === undefined) return null;
  b.inUse.add(selected.name);
  const shadowed = sources.slice(1).map(rawOf);
  const source = rawOf(first);
  const fail = (message: string, fix: string): Resolved => {
    out.push({ id: "profile", status: "fail", code: "CONFIG_INVALID", message, fix });
    b.blocked = true;
    return { source, baseKey: null, shadowed, liveProfile: null, liveOk: false };
  };

  if (first.kind === "credentials-file" || first.kind === "config-file") {
    return { source, baseKey: first.key, shadowed, liveProfile: selected.name, liveOk: true };
  }
  if (first.kind === "sso") {
    const named = selected.get("sso_session");
    if (named !== undefined) {
      const doc = selected.in("config", "sso_session")?.file.doc;
      const exists = doc?.sections.some((s) => s.kind === "sso-session" && s.name === named.value) ?? false;
      if (!exists) {
        return fail(
          `profile "${selected.name}" names sso_session "${named.value}" (${at(named)}), but there is no [sso-session ${named.value}] section`,
          `Add it with \`aws configure sso-session\`, or fix the name on ${at(named)}.`,
        );
      }
    }
    for (const key of ["sso_account_id", "sso_role_name"]) {
      if (selected.get(key) === undefined) {
        return fail(
          `profile "${selected.name}" uses SSO but has no ${key}`,
          `Run \`aws configure sso --profile ${selected.name}\` to complete it.`,
        );
      }
    }
    return { source, baseKey: null, shadowed, liveProfile: selected.name, liveOk: true };
  }
  if (first.kind === "credential-process" || first.kind === "web-identity") {
    return { source, baseKey: null, shadowed, liveProfile: selected.name, liveOk: true };
  }

  // assume-role: walk source_profile links to the credentials at the base.
  const chain: string[] = [selected.name];
  let cur = selected;
  let mfa = false;
  for (;;) {
    const role = cur.get("role_arn");
    if (role === undefined) break;
    if (cur.get("mfa_serial") !== undefined) mfa = true;
    const sourceProfile = cur.get("source_profile");
    const credentialSource = cur.get("credential_source");
    if (sourceProfile !== undefined && credentialSource !== undefined) {
      return fail(
        `profile "${cur.name}" sets both source_profile (${at(sourceProfile)}) and credential_source (${at(credentialSource)}); the AWS CLI refuses that`,
        `Keep one of them in profile "${cur.name}".`,
      );
    }
    if (credentialSource !== undefined) {
      const kind = credentialSource.value;
      const known = ["Environment", "Ec2InstanceMetadata", "EcsContainer"];
      if (!known.includes(kind)) {
        return fail(
          `profile "${cur.name}" has credential_source = ${kind} (${at(credentialSource)}); it must be one of ${known.join(", ")}`,
          `Fix the value on ${at(credentialSource)}.`,
        );
      }
      const via = `${source.describe} with credentials from ${kind}`;
      return {
        source: { ...source, describe: via },
        baseKey: null,
        shadowed,
        liveProfile: selected.name,
        liveOk: kind !== "Ec2InstanceMetadata",
      };
    }
    if (sourceProfile === undefined) {
      return fail(
        `profile "${cur.name}" has role_arn (${at(role)}) but neither source_profile nor credential_source`,
        `Add \`source_profile = <a profile with keys>\` to profile "${cur.name}".`,
      );
    }
    const next = view(sourceProfile.value);
    if (!next.exists) {
      return fail(
        `source_profile "${sourceProfile.value}" of profile "${cur.name}" (${at(sourceProfile)}) is in neither file`,
        `Create profile "${sourceProfile.value}" (\`aws configure --profile ${sourceProfile.value}\`) or fix ${at(sourceProfile)}.`,
      );
    }
    if (next.name === cur.name) break; // a profile may be its own source: its keys sign the AssumeRole
    if (chain.includes(next.name)) {
      return fail(
        `source_profile links loop: ${[...chain, next.name].join(" -> ")}`,
        `Point the last source_profile at a profile that holds keys.`,
      );
    }
    chain.push(next.name);
    b.inUse.add(next.name);
    cur = next;
  }
  // cur is the base profile: keys in the credentials file, then the config file (or process/SSO).
  const baseSources = sourcesOf(cur).filter((s) => s.kind !== "assume-role");
  const base = baseSources[0];
  if (base === undefined) {
    return fail(
      `source_profile "${cur.name}" (the end of ${chain.join(" -> ")}) holds no credentials`,
      `Add keys to profile "${cur.name}": \`aws configure --profile ${cur.name}\`.`,
    );
  }
  const baseKey = base.kind === "credentials-file" || base.kind === "config-file" ? base.key : null;
  const describe = `${source.describe} via ${chain.slice(1).join(" -> ") || cur.name} (${rawOf(base).describe})`;
  if (mfa) {
    out.push({
      id: "assume-role",
      status: "skip",
      message: `a role in ${chain.join(" -> ")} needs an MFA code (mfa_serial); doctor does not prompt, so it checks ${
        baseKey ? `the source key of profile "${cur.name}"` : "nothing live"
      } and not the AssumeRole step`,
      fix: `Test the whole chain with \`aws sts get-caller-identity --profile ${selected.name}\` (it asks for the code).`,
    });
  }
  return {
    source: { ...source, describe },
    baseKey,
    shadowed,
    liveProfile: mfa ? (baseKey ? cur.name : null) : selected.name,
    liveOk: !mfa || baseKey !== null,
  };
}

/** `[x]` in the config file or `[profile x]` in the credentials file: the classic misplacement. */
function misplacedProfileHint(name: string, credentials: FileSnapshot, config: FileSnapshot): string | null {
  const inConfig = config.doc?.sections.find((s) => s.kind === "other" && s.header.trim() === name);
  if (inConfig) {
    return `${config.path} line ${inConfig.line} has [${name}], but in the config file the header must be [profile ${name}]`;
  }
  const inCreds = credentials.doc?.sections.find((s) => s.header.trim() === `profile ${name}`);
  if (inCreds) {
    return `${credentials.path} line ${inCreds.line} has [profile ${name}], but in the credentials file the header is just [${name}]`;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Keys and secrets

function checkKeyShape(key: StaticKey, secret: string, where: string, inUse: boolean, out: Finding[]): void {
  const status = inUse ? "fail" : "warn";
  const code = inUse ? ("CONFIG_INVALID" as const) : undefined;
  const id = key.origin === "environment" ? "env" : key.origin;
  const problems: string[] = [];
  const fixes: string[] = [];
  if (!isAccessKeyId(key.accessKeyId)) {
    problems.push(
      `the access key id of ${key.where} (${maskKeyId(key.accessKeyId)}) is not an access key id (AKIA or ASIA and 16 more capital letters or digits 2-7)`,
    );
    fixes.push(`Copy the id again from the IAM console or \`aws iam list-access-keys\``);
  }
  if (secret === "") {
    problems.push(`${key.where} has an access key id but no secret access key`);
    fixes.push(`Add the secret (\`aws configure${profileFlag(key.profile)}\`)`);
  } else if (!SECRET.test(secret)) {
    problems.push(
      secret.length === 40
        ? `the secret access key in ${where} has characters a secret never has (only letters, digits, / and +)`
        : `the secret access key in ${where} is ${secret.length} characters long; AWS secrets are 40`,
    );
    fixes.push(
      `Paste the secret again, without quotes, spaces or comments (\`aws configure${profileFlag(key.profile)}\`)`,
    );
  }
  if (key.accessKeyId.startsWith("AKIA") && key.hasSessionToken) {
    problems.push(
      `${key.where} is a long-term key (AKIA) but a session token is set with it; AWS rejects the pair (the token is left over from an old session)`,
    );
    fixes.push(
      key.origin === "environment"
        ? "`unset AWS_SESSION_TOKEN`"
        : `Remove aws_session_token from profile "${key.profile ?? ""}"`,
    );
  }
  if (key.accessKeyId.startsWith("ASIA") && !key.hasSessionToken) {
    problems.push(`${key.where} is a temporary key (ASIA) but no session token is set with it`);
    fixes.push(
      key.origin === "environment"
        ? "Set AWS_SESSION_TOKEN from the same session, or get a new session"
        : `Add the session's aws_session_token to profile "${key.profile ?? ""}", or get a new session`,
    );
  }
  if (problems.length > 0) {
    out.push({ id, status, code, message: problems.join("; "), fix: `${fixes.join("; ")}.` });
  }
}

function checkFileReadable(f: FileSnapshot, b: Builder): void {
  if (f.state !== "invalid" && f.state !== "unreadable") return;
  const id = f.kind === "credentials" ? "credentials-file" : "config-file";
  const line = f.error?.line ?? null;
  b.findings.push({
    id,
    status: "fail",
    code: "CONFIG_INVALID",
    message: `${f.error?.message ?? `cannot read ${f.path}`} The AWS CLI cannot use either file until this is fixed.`,
    fix:
      line !== null
        ? `Fix line ${line} of ${f.path} in an editor, then run \`keywarden doctor\` again.`
        : (f.error?.fix ?? `Check ${f.path}.`),
  });
  b.blocked = true;
}

const CLI_REFUSES = new Set(["DUPLICATE_KEY", "BYTE_ORDER_MARK"]);

/** One line of doctor for a place where the AWS SDK for JavaScript reads the files unlike the AWS CLI. */
function sdkFinding(d: SdkDifference, path: string | null): Finding {
  const id =
    d.file === null ? "env.sdk" : `${d.file === "credentials" ? "credentials-file" : "config-file"}.sdk`;
  return {
    id,
    status: d.status,
    ...(d.status === "fail" ? { code: "CONFIG_INVALID" as const } : {}),
    message: path === null ? d.message : `${path}: ${d.message}`,
    fix: d.fix,
  };
}

function checkFileContents(f: FileSnapshot, b: Builder, view: (name: string) => ProfileView): void {
  const id = f.kind === "credentials" ? "credentials-file" : "config-file";
  if (f.state === "missing") {
    b.findings.push({ id, status: "ok", message: `${f.path} does not exist (optional)`, fix: null });
    return;
  }
  const doc = f.doc;
  if (f.state !== "ok" || doc === null) return;

  const fails: string[] = [];
  const warns: string[] = [];
  const keyFindings: Finding[] = [];
  const sdk = sdkFileDifferences(doc);
  // A header the JS SDK and the AWS CLI read differently is explained by its own line below; the
  // parser's "the AWS tools ignore it" would be wrong for one of them.
  const explained = new Set(sdk.map((d) => d.line));
  for (const w of doc.warnings) {
    if (w.code === "UNREAD_SECTION" && explained.has(w.line)) continue;
    const repeatedHeader =
      w.code === "DUPLICATE_SECTION" &&
      doc.sections
        .filter((s) => s.line === w.line)
        .some((s) => doc.sections.some((o) => o !== s && o.header === s.header));
    if (CLI_REFUSES.has(w.code) || repeatedHeader) fails.push(w.message);
    else warns.push(w.message);
  }
  let holdsSecrets = false;
  for (const name of listProfiles(doc)) {
    const v = view(name);
    const key = staticKeyIn(v, f.kind);
    const secret = v.in(f.kind, "aws_secret_access_key");
    if (secret !== undefined) holdsSecrets = true;
    if (key === undefined) continue;
    checkKeyShape(
      key,
      secret?.value ?? "",
      `profile "${name}" (${secret ? at(secret) : f.path})`,
      b.inUse.has(name),
      keyFindings,
    );
  }
  if (fails.length > 0) {
    b.findings.push({
      id,
      status: "fail",
      code: "CONFIG_INVALID",
      message: `${f.path}: ${fails.join("; ")}`,
      fix: `Edit ${f.path} so that every profile and key appears once (keywarden reads the file the way the AWS SDKs do, the AWS CLI refuses it).`,
    });
  }
  if (warns.length > 0) {
    b.findings.push({
      id,
      status: "warn",
      message: `${f.path}: ${warns.join("; ")}`,
      fix: `Edit ${f.path} so that the AWS CLI and the AWS SDKs read it the same way.`,
    });
  }
  b.findings.push(...keyFindings);
  for (const d of sdk) b.findings.push(sdkFinding(d, f.path));
  if (sdk.some((d) => d.status === "fail")) b.blocked = true;
  if (fails.length === 0 && warns.length === 0 && keyFindings.length === 0 && sdk.length === 0) {
    const n = listProfiles(doc).length;
    b.findings.push({
      id,
      status: "ok",
      message: `${f.path} parses (${n} profile${n === 1 ? "" : "s"})`,
      fix: null,
    });
  }

  if (f.mode !== null && (f.kind === "credentials" || holdsSecrets)) {
    const loose = (f.mode & 0o077) !== 0;
    const who = [(f.mode & 0o070) !== 0 ? "its group" : "", (f.mode & 0o007) !== 0 ? "every user" : ""]
      .filter((s) => s !== "")
      .join(" and ");
    b.findings.push({
      id: `${id}.mode`,
      status: loose ? "warn" : "ok",
      message: loose
        ? `${f.path} has mode ${f.mode.toString(8).padStart(4, "0")}: ${who} can read the secrets in it`
        : `${f.path} has mode ${f.mode.toString(8).padStart(4, "0")} (only you can read it)`,
      fix: loose ? `chmod 600 ${f.path}` : null,
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Region and endpoint

function resolveRegion(
  input: LocalInput,
  env: Env,
  profile: ProfileView | null,
): { region: string; findings: Finding[] } {
  const fromProfile = profile?.get("region");
  const candidates: [string | undefined, string][] = [
    [input.region, "--region"],
    [env.AWS_REGION, "AWS_REGION"],
    [env.AWS_DEFAULT_REGION, "AWS_DEFAULT_REGION"],
    [fromProfile?.value, fromProfile ? `profile "${profile?.name ?? ""}", ${at(fromProfile)}` : ""],
  ];
  for (const [value, where] of candidates) {
    if (!nonEmpty(value)) continue;
    const region = value.trim();
    if (!isRegionName(region)) {
      return {
        region,
        findings: [
          {
            id: "region",
            status: "fail",
            code: "REGION_INVALID",
            message: `"${region}" from ${where} is not an AWS region name`,
            fix: `Set a region such as us-east-1 or eu-west-1 in ${where.startsWith("profile") ? `${where} (\`aws configure set region us-east-1${profileFlag(profile?.name ?? null)}\`)` : where}.`,
          },
        ],
      };
    }
    return {
      region,
      findings: [{ id: "region", status: "ok", message: `region ${region} (from ${where})`, fix: null }],
    };
  }
  return {
    region: "us-east-1",
    findings: [
      {
        id: "region",
        status: "ok",
        message:
          "no region is configured; doctor uses us-east-1 (the AWS CLI asks for a region for most services: `aws configure set region <region>`)",
        fix: null,
      },
    ],
  };
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === "http:" || u.protocol === "https:";
  } catch {
    return false;
  }
}

/**
 * The profile's `services = NAME` section's endpoint for one service (`sts =` / `  endpoint_url =`),
 * ranked below AWS_ENDPOINT_URL and above the profile's own endpoint_url, as the AWS CLI ranks it.
 */
function servicesEndpoint(
  config: FileSnapshot,
  profile: ProfileView | null,
  key: string,
): { value: string; where: string } | undefined {
  const name = profile?.get("services")?.value.trim();
  if (!name || config.doc === null) return undefined;
  for (const s of config.doc.sections) {
    if (s.kind !== "services" || s.name !== name) continue;
    for (const e of s.entries) {
      const url = e.key.toLowerCase() === key ? e.nested?.get("endpoint_url") : undefined;
      if (url !== undefined) {
        return { value: url, where: `[services ${name}] ${key} endpoint_url, ${config.path} line ${e.line}` };
      }
    }
  }
  return undefined;
}

function resolveEndpoint(
  input: LocalInput,
  env: Env,
  profile: ProfileView | null,
): { endpointUrl: string | undefined; findings: Finding[] } {
  const ignore =
    (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? profile?.get("ignore_configured_endpoint_urls")?.value ?? "")
      .trim()
      .toLowerCase() === "true";
  const fromProfile = profile?.get("endpoint_url");
  const fromServices = servicesEndpoint(input.config, profile, "sts");
  const candidates: [string | undefined, string][] = [[input.endpointUrl, "--endpoint-url"]];
  if (!ignore) {
    candidates.push(
      [env.AWS_ENDPOINT_URL_STS, "AWS_ENDPOINT_URL_STS"],
      [env.AWS_ENDPOINT_URL, "AWS_ENDPOINT_URL"],
      [fromServices?.value, fromServices?.where ?? ""],
      [
        fromProfile?.value,
        fromProfile ? `endpoint_url of profile "${profile?.name ?? ""}", ${at(fromProfile)}` : "",
      ],
    );
  }
  for (const [value, where] of candidates) {
    if (!nonEmpty(value)) continue;
    if (!isHttpUrl(value.trim())) {
      return {
        endpointUrl: undefined,
        findings: [
          {
            id: "endpoint",
            status: "fail",
            code: "CONFIG_INVALID",
            message: `"${value}" from ${where} is not an endpoint URL`,
            fix: `Set a full URL such as https://sts.us-east-1.amazonaws.com in ${where}, or remove it to use AWS's endpoints.`,
          },
        ],
      };
    }
    return {
      endpointUrl: value.trim(),
      findings: [
        {
          id: "endpoint",
          status: "ok",
          message: `AWS calls go to ${value.trim()} (from ${where})`,
          fix: null,
        },
      ],
    };
  }
  return { endpointUrl: undefined, findings: [] };
}

// ---------------------------------------------------------------------------------------------
// Messages

function envSummary(env: Env): string {
  const set = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_CONFIG_FILE",
    "AWS_ENDPOINT_URL",
  ].filter((k) => nonEmpty(env[k]));
  return set.length > 0
    ? `environment: ${set.join(", ")} set`
    : "no AWS credential variables in the environment";
}

function noCredentialsMessage(
  env: Env,
  credentials: FileSnapshot,
  config: FileSnapshot,
  profile: string,
  origin: ProfileOrigin,
  container: RawSource | undefined,
  imdsDisabled: boolean,
): string {
  if (origin !== "default" && !new ProfileView(profile, { credentials, config }).exists) {
    return `profile "${profile}" does not exist, so there are no credentials to check`;
  }
  const parts = [
    nonEmpty(env.AWS_ACCESS_KEY_ID)
      ? "incomplete environment keys"
      : "no AWS_ACCESS_KEY_ID in the environment",
    `no credentials for profile "${profile}" in ${credentials.path} or ${config.path}`,
    container ? "" : "no container credentials",
  ].filter((s) => s !== "");
  return `no credentials found: ${parts.join(", ")}${
    imdsDisabled
      ? " (instance metadata is disabled)"
      : "; only EC2 instance metadata is left, which doctor does not probe"
  }`;
}

function noCredentialsFix(profilesFound: readonly string[]): string {
  return profilesFound.length > 0
    ? `Pick a profile that has credentials: \`--profile ${profilesFound[0] ?? ""}\` or \`export AWS_PROFILE=${profilesFound[0] ?? ""}\` (profiles found: ${profilesFound.join(", ")}); or run \`aws configure\`.`
    : "Configure credentials: `aws configure` (or `aws configure sso`), or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.";
}

function collectSecrets(env: Env, files: readonly FileSnapshot[]): string[] {
  const out = new Set<string>();
  for (const k of ["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"]) {
    const v = env[k];
    if (nonEmpty(v)) out.add(v.trim());
  }
  for (const f of files) {
    const doc = f.doc;
    if (doc === null) continue;
    for (const s of doc.sections) {
      for (const e of s.entries) {
        const key = e.key.toLowerCase();
        if (key !== "aws_secret_access_key" && key !== "aws_session_token" && key !== "aws_security_token")
          continue;
        for (const v of [e.value, e.sdkValue]) if (nonEmpty(v)) out.add(v.trim());
      }
    }
  }
  // Longest first, so a secret that contains another is redacted whole.
  return [...out].sort((a, b) => b.length - a.length);
}
