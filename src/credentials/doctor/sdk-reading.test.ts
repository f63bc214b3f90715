import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadFiles } from "../../aws/session.js";
import { parseIni } from "../ini.js";
import { file } from "./fixtures.js";
import { analyzeLocal } from "./local.js";
import {
  cliConfigSection,
  sdkConfigSection,
  sdkCrossFileDifferences,
  sdkFileDifferences,
  sdkPathDifferences,
} from "./sdk-reading.js";

// Each fixture (sdk-fixtures/, see its README) is read three ways: by doctor, by the installed JS
// SDK (loadSharedConfigFiles, what keywarden and Node apps use), and, where python3 has botocore
// (it comes with moto), by the AWS CLI's loader. The last two are the ground truth doctor explains.

const DIR = fileURLToPath(new URL("./sdk-fixtures/", import.meta.url));
const EMPTY = join(DIR, "no-such-file"); // a missing file reads as empty to both
const text = (name: string) => readFileSync(join(DIR, name), "utf8");
const config = (name: string) => parseIni(text(name), { kind: "config", path: join(DIR, name) });
const credentials = (name: string) => parseIni(text(name), { kind: "credentials", path: join(DIR, name) });

/** Profile names as the JS SDK reads the two files. */
async function sdkProfiles(configName: string | null, credentialsName: string | null) {
  const files = await loadFiles({
    AWS_CONFIG_FILE: configName ? join(DIR, configName) : EMPTY,
    AWS_SHARED_CREDENTIALS_FILE: credentialsName ? join(DIR, credentialsName) : EMPTY,
  });
  return {
    config: Object.keys(files.configFile).filter(
      (k) => !k.includes(".") || !/^(services|sso-session)\./.test(k),
    ),
    credentials: Object.keys(files.credentialsFile),
    files,
  };
}

const BOTOCORE = `
import json, sys, botocore.session
config, credentials, profile = sys.argv[1:4]
s = botocore.session.Session()
s.set_config_variable("config_file", config)
s.set_config_variable("credentials_file", credentials)
out = {"profiles": sorted(s.available_profiles)}
if profile:
    s.set_config_variable("profile", profile)
    out["endpoint_url"] = s.get_scoped_config().get("endpoint_url")
print(json.dumps(out))
`;
const hasBotocore = spawnSync("python3", ["-c", "import botocore"]).status === 0;

/** The AWS CLI's reading (botocore), or null where python3 has no botocore. */
function cliProfiles(configName: string | null, credentialsName: string | null, profile = "") {
  const r = spawnSync("python3", [
    "-c",
    BOTOCORE,
    configName ? join(DIR, configName) : EMPTY,
    credentialsName ? join(DIR, credentialsName) : EMPTY,
    profile,
  ]);
  if (r.status !== 0) throw new Error(r.stderr.toString());
  return JSON.parse(r.stdout.toString()) as { profiles: string[]; endpoint_url?: string | null };
}

describe("config section headers: what each reader makes of them", () => {
  // In the JS SDK's spec style: one header under test, then a key.
  it.each([
    ["default", "default", "default"],
    ["profile dev", "dev", "dev"],
    ['profile "quoted"', "quoted", "quoted"],
    ["profile 'single'", "single", "single"],
    ['profile "my profile"', "my profile", null],
    ["profile dev~1", "dev~1", null],
    ["profile  two-spaces", "two-spaces", null],
    ["profiles typo", "typo", null],
    ["profile.dotted", null, "dotted"],
    ['profile "unclosed', null, null],
    ["preview", null, null],
  ])("[%s]: the AWS CLI reads %s, the JS SDK %s", (header, cli, sdk) => {
    expect(cliConfigSection(header)?.name ?? null).toBe(cli);
    expect(sdkConfigSection(header)?.name ?? null).toBe(sdk);
  });
});

describe("differences doctor reports, each checked against the SDK (and botocore)", () => {
  it('[profile "my profile"]: the CLI reads it, the SDK drops it', async () => {
    const d = sdkFileDifferences(config("aws_config_quoted_profile"));
    expect(d).toEqual([
      expect.objectContaining({ code: "SDK_PROFILE_NAME", status: "warn", line: 6, file: "config" }),
    ]);
    expect(d[0]?.message).toBe(
      '[profile "my profile"] (line 6): the AWS CLI reads profile "my profile", the AWS SDK for JavaScript (and keywarden, and Node apps) ignores the section (it takes `profile NAME` with one space and a name of letters, digits and - _ @ + . % : / only)',
    );
    expect(d[0]?.fix).toBe("Rename it [profile my-profile] and use that name everywhere.");
    expect((await sdkProfiles("aws_config_quoted_profile", null)).config).toEqual(["default"]);
    if (hasBotocore) expect(cliProfiles("aws_config_quoted_profile", null).profiles).toContain("my profile");
  });

  it("names outside the SDK's character set, and two spaces after `profile`", async () => {
    const d = sdkFileDifferences(config("aws_config_profile_charset"));
    expect(d.map((x) => x.line)).toEqual([3, 6]);
    expect(d[0]?.fix).toBe("Rename it [profile dev-1] and use that name everywhere.");
    expect((await sdkProfiles("aws_config_profile_charset", null)).config).toEqual(["quoted-ok"]);
    if (hasBotocore) {
      expect(cliProfiles("aws_config_profile_charset", null).profiles).toEqual([
        "dev~1",
        "quoted-ok",
        "two-spaces",
      ]);
    }
  });

  it("header typos one reader accepts: [profiles typo] (CLI) and [profile.dotted] (SDK)", async () => {
    const doc = config("aws_config_prefix_typo");
    const d = sdkFileDifferences(doc);
    expect(d.map((x) => x.message)).toEqual([
      '[profiles typo] (line 3): the AWS CLI reads profile "typo", the AWS SDK for JavaScript (and keywarden, and Node apps) ignores the section (it takes `profile NAME` with one space and a name of letters, digits and - _ @ + . % : / only)',
      '[profile.dotted] (line 6): the AWS SDK for JavaScript (and keywarden, and Node apps) reads profile "dotted", the AWS CLI ignores the section',
    ]);
    expect((await sdkProfiles("aws_config_prefix_typo", null)).config).toEqual(["dotted"]);
    if (hasBotocore) expect(cliProfiles("aws_config_prefix_typo", null).profiles).toEqual(["typo"]);
  });

  it("[profile __proto__] in the config file: the SDK reads none of the file (a failure)", async () => {
    const d = sdkFileDifferences(config("aws_config_proto"));
    expect(d).toEqual([expect.objectContaining({ code: "SDK_PROTO_SECTION", status: "fail", line: 3 })]);
    expect(d[0]?.message).toContain("reads none of the profiles in");
    expect((await sdkProfiles("aws_config_proto", null)).config).toEqual([]);
    if (hasBotocore) expect(cliProfiles("aws_config_proto", null).profiles).toEqual(["__proto__", "ok"]);
  });

  it("[__proto__] in the credentials file: the same", async () => {
    const d = sdkFileDifferences(credentials("aws_credentials_proto"));
    expect(d).toEqual([
      expect.objectContaining({ code: "SDK_PROTO_SECTION", status: "fail", line: 2, file: "credentials" }),
    ]);
    expect((await sdkProfiles(null, "aws_credentials_proto")).credentials).toEqual([]);
    if (hasBotocore) expect(cliProfiles(null, "aws_credentials_proto").profiles).toEqual(["__proto__", "ok"]);
  });

  it("a profile with no setting exists for the CLI only", async () => {
    const d = sdkCrossFileDifferences(null, config("aws_config_empty_profile"));
    expect(d).toEqual([expect.objectContaining({ code: "SDK_EMPTY_PROFILE", line: 3, file: "config" })]);
    expect(d[0]?.message).toContain('profile "empty" (line 3) has no setting with a value');
    expect((await sdkProfiles("aws_config_empty_profile", null)).config).toEqual(["full"]);
    if (hasBotocore)
      expect(cliProfiles("aws_config_empty_profile", null).profiles).toEqual(["empty", "full"]);
  });

  it("endpoint_url in both files: the CLI takes the credentials file's, the SDK the config file's; region agrees", async () => {
    const d = sdkCrossFileDifferences(
      credentials("aws_credentials_precedence"),
      config("aws_config_precedence"),
    );
    expect(d).toEqual([
      expect.objectContaining({
        code: "SDK_SETTING_PRECEDENCE",
        message:
          "`endpoint_url` of profile \"both\" differs between the credentials file (line 4) and the config file (line 6): the AWS CLI uses the credentials file's, the AWS SDK for JavaScript (and keywarden, and Node apps) the config file's",
      }),
    ]);
    expect(d[0]?.message).not.toContain("example");
    // The SDK's endpoint lookup reads the config file first (preferredFile "config").
    const { files } = await sdkProfiles("aws_config_precedence", "aws_credentials_precedence");
    expect(files.configFile.both?.endpoint_url).toBe("http://config.example:4566");
    if (hasBotocore) {
      expect(cliProfiles("aws_config_precedence", "aws_credentials_precedence", "both").endpoint_url).toBe(
        "http://credentials.example:4566",
      );
    }
  });

  it("a file both read alike draws nothing", async () => {
    expect(sdkFileDifferences(config("aws_config_same"))).toEqual([]);
    expect(sdkCrossFileDifferences(null, config("aws_config_same"))).toEqual([]);
    const names = ["default", "dev.team@example+1", "quoted"];
    expect(
      (await sdkProfiles("aws_config_same", null)).config.filter((k) => !k.includes("services.")).sort(),
    ).toEqual(names);
    if (hasBotocore) expect(cliProfiles("aws_config_same", null).profiles).toEqual(names);
  });
});

describe("file paths in the environment", () => {
  it("$HOME in AWS_CONFIG_FILE: the CLI expands it, the SDK does not", () => {
    const d = sdkPathDifferences({ HOME: "/home/u", AWS_CONFIG_FILE: "$HOME/.aws/config-work" });
    expect(d).toEqual([expect.objectContaining({ code: "SDK_FILE_PATH", file: null })]);
    expect(d[0]?.message).toBe(
      "AWS_CONFIG_FILE=$HOME/.aws/config-work: the AWS CLI expands it to /home/u/.aws/config-work, the AWS SDK for JavaScript (and keywarden, and Node apps) expands only a leading ~/ and looks for $HOME/.aws/config-work",
    );
    expect(d[0]?.fix).toBe('Set the expanded path: `export AWS_CONFIG_FILE="/home/u/.aws/config-work"`.');
  });

  it("a leading ~/ or a plain path is read alike", () => {
    expect(
      sdkPathDifferences({
        HOME: "/home/u",
        AWS_CONFIG_FILE: "~/.aws/config",
        AWS_SHARED_CREDENTIALS_FILE: "/etc/aws/credentials",
      }),
    ).toEqual([]);
  });
});

describe("keywarden doctor: one line each", () => {
  it("the differences become their own checks, and the parser's wrong 'the AWS tools ignore it' goes", () => {
    const a = analyzeLocal({
      env: { HOME: "/home/u", AWS_SHARED_CREDENTIALS_FILE: "${HOME}/creds" },
      credentials: file("credentials", text("aws_credentials_precedence")),
      config: file("config", `${text("aws_config_prefix_typo")}\n${text("aws_config_precedence")}`),
    });
    const sdk = a.findings.filter((f) => f.id.endsWith(".sdk"));
    expect(sdk.map((f) => [f.id, f.status])).toEqual([
      ["config-file.sdk", "warn"],
      ["config-file.sdk", "warn"],
      ["credentials-file.sdk", "warn"],
      ["env.sdk", "warn"],
    ]);
    for (const f of sdk) expect(f.message).not.toContain("\n");
    expect(sdk[0]?.message).toMatch(/^\/home\/u\/\.aws\/config: \[profiles typo\] \(line 3\)/);
    const configCheck = a.findings.find((f) => f.id === "config-file");
    expect(configCheck?.message ?? "").not.toContain("the AWS tools ignore it");
  });

  it("[__proto__] fails the check and holds back the live probe", () => {
    const a = analyzeLocal({
      env: {},
      credentials: file("credentials", text("aws_credentials_proto")),
      config: file("config", null),
      profile: "ok",
    });
    expect(a.findings.find((f) => f.id === "credentials-file.sdk")).toMatchObject({
      status: "fail",
      code: "CONFIG_INVALID",
    });
    expect(a.live.run).toBe(false);
  });
});

describe("doctor's endpoint line follows the services section too", () => {
  it("[services NAME] sts endpoint_url ranks above the profile's endpoint_url and below AWS_ENDPOINT_URL", () => {
    const cfg = `[default]\nregion = us-east-1\nservices = local\nendpoint_url = http://profile.example:1\n\n[services local]\nsts =\n  endpoint_url = http://sts.example:2\n`;
    const a = analyzeLocal({ env: {}, credentials: file("credentials", null), config: file("config", cfg) });
    expect(a.endpointUrl).toBe("http://sts.example:2");
    expect(a.findings.find((f) => f.id === "endpoint")?.message).toBe(
      "AWS calls go to http://sts.example:2 (from [services local] sts endpoint_url, /home/u/.aws/config line 7)",
    );
    const b = analyzeLocal({
      env: { AWS_ENDPOINT_URL: "http://env.example:3" },
      credentials: file("credentials", null),
      config: file("config", cfg),
    });
    expect(b.endpointUrl).toBe("http://env.example:3");
  });
});
