// Where the AWS SDK for JavaScript reads the two AWS files differently from the AWS CLI: the
// "it works in the CLI but not in my Node app" cases. keywarden runs on the JS SDK, so these are
// also the cases where keywarden and the CLI disagree. Each becomes one line of `keywarden doctor`.
//
// The two readers, as installed here:
// - The AWS CLI: botocore configloader.raw_config_parse (Python's configparser) and
//   build_profile_map (a config header that starts with `profile`, `sso-session` or `services` is
//   split like a shell word list, and names a profile when it splits into exactly two words), the
//   credentials file's values winning over the config file's (Session.full_config), and
//   os.path.expandvars + expanduser on AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE.
// - The JS SDK: @smithy/shared-ini-file-loader 4.x (parseIni in @smithy/core/config): a header is
//   `prefix name` only if it matches /^([\w-]+)\s(["'])?([\w-@+.%:/]+)\2$/ (one whitespace, an
//   optional matching quote, the name from a small character set), else the whole header is the
//   section's name; the config file keeps `default` and `prefix.name` keys only; a section appears
//   only once it has a key with a value; `[__proto__]` and `[profile __proto__]` throw, and the
//   loader then reads the whole file as empty; a setting other than region and credentials comes
//   from the config file first (fromSharedConfigFiles' preferredFile "config"); only a leading `~/`
//   of the file paths is expanded.
//
// Each difference below was checked by reading the same file with both (botocore 1.43 and
// @smithy/core 3.x, see sdk-reading.test.ts for the shapes). Differences already raised by the
// parser itself (ini.ts: inline comments, `:`, key case, continuation lines, two-word credentials
// sections, repeated sections, byte order mark) are not repeated here.
import { getProfile, profileSections, shlexSplit, type IniDocument, type IniSection } from "../ini.js";
import type { Env } from "./types.js";

export type SdkDifferenceCode =
  "SDK_PROTO_SECTION" | "SDK_PROFILE_NAME" | "SDK_EMPTY_PROFILE" | "SDK_SETTING_PRECEDENCE" | "SDK_FILE_PATH";

export interface SdkDifference {
  readonly code: SdkDifferenceCode;
  /** "fail" when the SDK cannot use the file at all. */
  readonly status: "warn" | "fail";
  /** The file concerned, or null for an environment variable. */
  readonly file: "credentials" | "config" | null;
  /** 1-based line, 0 when it is not about a line. */
  readonly line: number;
  /** One line; names profiles, keys and lines, never a value. */
  readonly message: string;
  readonly fix: string;
}

type Kind = "profile" | "sso-session" | "services";
interface Named {
  readonly kind: Kind;
  readonly name: string;
}
const KINDS: readonly Kind[] = ["profile", "sso-session", "services"];
const SDK_HEADER = /^([\w-]+)\s(["'])?([\w\-@+.%:/]+)\2$/;
const SDK_THROWS = new Set(["__proto__", "profile __proto__"]);
const SDK = "the AWS SDK for JavaScript (and keywarden, and Node apps)";

/** What a config-file header means to the AWS CLI (botocore build_profile_map), or null. */
export function cliConfigSection(header: string): Named | null {
  if (header === "default") return { kind: "profile", name: "default" };
  const kind = KINDS.find((k) => header.startsWith(k));
  if (kind === undefined) return null;
  const parts = shlexSplit(header);
  return parts?.length === 2 && parts[1] !== undefined ? { kind, name: parts[1] } : null;
}

/** What a config-file header means to the JS SDK (parseIni + getConfigData), null when it is ignored. */
export function sdkConfigSection(header: string): Named | null {
  const m = SDK_HEADER.exec(header);
  const key = m ? (KINDS.includes(m[1] as Kind) ? `${m[1] ?? ""}.${m[3] ?? ""}` : null) : header;
  if (key === null) return null;
  if (key === "default") return { kind: "profile", name: "default" };
  const dot = key.indexOf(".");
  const kind = KINDS.find((k) => k === key.slice(0, dot));
  return dot > 0 && kind !== undefined ? { kind, name: key.slice(dot + 1) } : null;
}

const what = (n: Named) => (n.kind === "profile" ? `profile "${n.name}"` : `[${n.kind} ${n.name}]`);

/** A name the SDK's header pattern accepts, for the fix. */
function sdkSafe(name: string): string {
  return name.replace(/[^\w\-@+.%:/]+/g, "-").replace(/^-+|-+$/g, "") || "name";
}

function protoDifference(doc: IniDocument, s: IniSection, file: "credentials" | "config"): SdkDifference {
  return {
    code: "SDK_PROTO_SECTION",
    status: "fail",
    file,
    line: s.line,
    message: `[${s.header}] (line ${s.line}): ${SDK} cannot parse a section named __proto__ and then reads none of the profiles in ${doc.path ?? `the ${file} file`}; the AWS CLI reads them all`,
    fix: `Rename [${s.header}] (e.g. [${s.header.replace("__proto__", "proto")}]).`,
  };
}

function headerDifference(s: IniSection): SdkDifference | null {
  const cli = cliConfigSection(s.header);
  const sdk = sdkConfigSection(s.header);
  if (cli?.name === "__proto__" && sdk?.name === "__proto__" && cli.kind === "profile") {
    return {
      code: "SDK_PROFILE_NAME",
      status: "warn",
      file: "config",
      line: s.line,
      message: `[${s.header}] (line ${s.line}): the AWS CLI reads profile "__proto__", ${SDK} cannot hold a profile of that name and ignores it`,
      fix: "Rename the profile.",
    };
  }
  if (cli === null && sdk === null) return null;
  if (cli !== null && sdk !== null && cli.kind === sdk.kind && cli.name === sdk.name) return null;
  const base = {
    code: "SDK_PROFILE_NAME" as const,
    status: "warn" as const,
    file: "config" as const,
    line: s.line,
  };
  if (cli !== null && sdk === null) {
    const fixed = sdkSafe(cli.name);
    return {
      ...base,
      message: `[${s.header}] (line ${s.line}): the AWS CLI reads ${what(cli)}, ${SDK} ignores the section (it takes \`${cli.kind} NAME\` with one space and a name of letters, digits and - _ @ + . % : / only)`,
      fix: `Rename it [${cli.kind === "profile" ? `profile ${fixed}` : `${cli.kind} ${fixed}`}] and use that name everywhere.`,
    };
  }
  if (cli === null && sdk !== null) {
    return {
      ...base,
      message: `[${s.header}] (line ${s.line}): ${SDK} reads ${what(sdk)}, the AWS CLI ignores the section`,
      fix: `Write it [${sdk.kind === "profile" ? `profile ${sdk.name}` : `${sdk.kind} ${sdk.name}`}] (a space after ${sdk.kind}, not a dot).`,
    };
  }
  return {
    ...base,
    message: `[${s.header}] (line ${s.line}): the AWS CLI reads ${what(cli as Named)}, ${SDK} ${what(sdk as Named)}`,
    fix: `Rename it so that both read one name, e.g. [profile ${sdkSafe((cli as Named).name)}].`,
  };
}

/** Differences within one file. */
export function sdkFileDifferences(doc: IniDocument): SdkDifference[] {
  const out: SdkDifference[] = [];
  for (const s of doc.sections) {
    if (SDK_THROWS.has(s.header)) {
      out.push(protoDifference(doc, s, doc.kind));
      continue;
    }
    if (doc.kind === "config") {
      const d = headerDifference(s);
      if (d !== null) out.push(d);
    }
  }
  return out;
}

/** Whether the SDK keeps any value of a section: it records a section only at a key with a value. */
function sdkSeesSection(s: IniSection): boolean {
  return s.entries.some(
    (e) =>
      (e.sdkValue !== undefined && e.sdkValue !== "") ||
      [...(e.nested?.values() ?? [])].some((v) => v !== ""),
  );
}

/** Settings the SDK reads from both files with the credentials file winning, as the CLI does. */
const SAME_PRECEDENCE = new Set([
  "region",
  "aws_access_key_id",
  "aws_secret_access_key",
  "aws_session_token",
  "aws_security_token",
  "aws_account_id",
  "role_arn",
  "source_profile",
  "credential_source",
  "external_id",
  "mfa_serial",
  "role_session_name",
  "duration_seconds",
  "web_identity_token_file",
  "credential_process",
  "sso_session",
  "sso_start_url",
  "sso_region",
  "sso_account_id",
  "sso_role_name",
  "login_session",
]);

function lineOfKey(doc: IniDocument, profile: string, key: string): number {
  let line = 0;
  for (const s of profileSections(doc, profile)) {
    for (const e of s.entries) if (e.key.toLowerCase() === key.split(".")[0]) line = e.line;
  }
  return line;
}

/** Differences that need both files: empty profiles, and settings the two files disagree on. */
export function sdkCrossFileDifferences(
  credentials: IniDocument | null,
  config: IniDocument | null,
): SdkDifference[] {
  const out: SdkDifference[] = [];
  const sections: { doc: IniDocument; s: IniSection; name: string }[] = [];
  for (const doc of [config, credentials]) {
    if (doc === null) continue;
    for (const s of doc.sections) {
      const name =
        doc.kind === "config" ? cliConfigSection(s.header) : { kind: "profile" as const, name: s.header };
      if (name?.kind === "profile") sections.push({ doc, s, name: name.name });
    }
  }
  const names = [...new Set(sections.map((x) => x.name))];
  for (const name of names) {
    const mine = sections.filter((x) => x.name === name);
    if (!mine.some((x) => sdkSeesSection(x.s))) {
      const first = mine[0] as (typeof mine)[number];
      out.push({
        code: "SDK_EMPTY_PROFILE",
        status: "warn",
        file: first.doc.kind,
        line: first.s.line,
        message: `profile "${name}" (line ${first.s.line}) has no setting with a value: the AWS CLI knows the profile, ${SDK} does not see it and reports it missing`,
        fix: `Give it a setting (e.g. \`aws configure set region us-east-1 --profile ${name}\`) or remove it.`,
      });
    }
  }
  if (credentials === null || config === null) return out;
  for (const name of names) {
    const inCredentials = getProfile(credentials, name);
    const inConfig = getProfile(config, name);
    if (inCredentials === undefined || inConfig === undefined) continue;
    for (const [key, value] of Object.entries(inCredentials)) {
      const other = inConfig[key];
      if (other === undefined || other === value || SAME_PRECEDENCE.has(key)) continue;
      const cLine = lineOfKey(credentials, name, key);
      out.push({
        code: "SDK_SETTING_PRECEDENCE",
        status: "warn",
        file: "credentials",
        line: cLine,
        message: `\`${key}\` of profile "${name}" differs between the credentials file (line ${cLine}) and the config file (line ${lineOfKey(config, name, key)}): the AWS CLI uses the credentials file's, ${SDK} the config file's`,
        fix: `Keep \`${key}\` in one file only (the config file is its usual place).`,
      });
    }
  }
  return out;
}

/** botocore's os.path.expandvars + expanduser, as far as they can be known from the environment. */
function cliPath(path: string, env: Env): string {
  const vars = path.replace(/\$(\w+|\{[^}]*\})/g, (all: string, name: string) => {
    const v = env[name.replace(/^\{|\}$/g, "")];
    return v ?? all;
  });
  const home = env.HOME ?? "~";
  return vars === "~" ? home : vars.startsWith("~/") ? `${home}${vars.slice(1)}` : vars;
}

/** The SDK's reading: only a leading `~/`. */
function sdkPath(path: string, env: Env): string {
  return path.startsWith("~/") ? `${env.HOME ?? "~"}${path.slice(1)}` : path;
}

/** AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE values the two read as different files. */
export function sdkPathDifferences(env: Env): SdkDifference[] {
  const out: SdkDifference[] = [];
  for (const name of ["AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE"] as const) {
    const value = env[name];
    if (value === undefined || value.trim() === "") continue;
    const cli = cliPath(value, env);
    const unknownUser = /^~[^/]/.test(value);
    if (cli === sdkPath(value, env) && !unknownUser) continue;
    out.push({
      code: "SDK_FILE_PATH",
      status: "warn",
      file: null,
      line: 0,
      message: `${name}=${value}: the AWS CLI expands it to ${unknownUser ? "that user's home folder" : cli}, ${SDK} expands only a leading ~/ and looks for ${sdkPath(value, env)}`,
      fix: `Set the expanded path: \`export ${name}="${unknownUser ? "/home/USER/..." : cli}"\`.`,
    });
  }
  return out;
}
