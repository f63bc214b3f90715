import { describe, expect, it } from "vitest";
import {
  KEY_A,
  KEY_B,
  KEY_C,
  SECRET_A,
  SECRET_B,
  SECRET_C,
  SESSION_KEY,
  SESSION_TOKEN,
  creds,
  file,
} from "./fixtures.js";
import { analyzeLocal, isRegionName, type LocalInput } from "./local.js";
import type { Finding } from "./types.js";

type AnalyzeInput = Partial<Omit<LocalInput, "credentials" | "config">> & {
  creds?: string | null;
  config?: string | null;
  mode?: number;
};

function analyze(over: AnalyzeInput) {
  return analyzeLocal({
    env: over.env ?? {},
    credentials: file("credentials", over.creds ?? null, over.mode),
    config: file("config", over.config ?? null),
    profile: over.profile,
    region: over.region,
    endpointUrl: over.endpointUrl,
  });
}

function finding(findings: readonly Finding[], id: string): Finding {
  const f = findings.find((x) => x.id === id);
  if (f === undefined) throw new Error(`no finding ${id} in ${findings.map((x) => x.id).join(", ")}`);
  return f;
}

const ENV_A = { AWS_ACCESS_KEY_ID: KEY_A, AWS_SECRET_ACCESS_KEY: SECRET_A };

describe("which source wins (the AWS CLI's order)", () => {
  it("--profile beats environment keys; the environment key is shadowed", () => {
    const a = analyze({ env: ENV_A, creds: creds("dev", KEY_B, SECRET_B), profile: "dev" });
    expect(a.source).toMatchObject({ kind: "credentials-file", name: "dev", accessKeyId: KEY_B });
    expect(a.keyUnderTest?.accessKeyId).toBe(KEY_B);
    expect(a.shadowed).toEqual([expect.objectContaining({ kind: "environment", accessKeyId: KEY_A })]);
    expect(a.override).toBeNull();
    expect(a.live).toEqual({
      run: true,
      target: { profile: "dev", region: "us-east-1", endpointUrl: undefined },
    });
    expect(a.profile).toBe("dev");
  });

  it("environment keys beat AWS_PROFILE, and the profile the user named is an override", () => {
    const a = analyze({ env: { ...ENV_A, AWS_PROFILE: "dev" }, creds: creds("dev", KEY_B, SECRET_B) });
    expect(a.source).toMatchObject({ kind: "environment", accessKeyId: KEY_A });
    expect(a.profile).toBeNull();
    expect(a.shadowed).toEqual([
      expect.objectContaining({ kind: "credentials-file", name: "dev", accessKeyId: KEY_B }),
    ]);
    expect(a.override).toMatchObject({
      profile: "dev",
      origin: "AWS_PROFILE",
      profileKey: { accessKeyId: KEY_B },
    });
    expect(a.live).toMatchObject({ run: true, target: { profile: null } });
  });

  it("environment keys beat the default profile: an override only when default holds another key", () => {
    const other = analyze({ env: ENV_A, creds: creds("default", KEY_B, SECRET_B) });
    expect(other.override).toMatchObject({ profile: "default", origin: "default" });
    const same = analyze({ env: ENV_A, creds: creds("default", KEY_A, SECRET_A) });
    expect(same.override).toBeNull();
    expect(same.source.kind).toBe("environment");
  });

  it("AWS_PROFILE beats default", () => {
    const a = analyze({
      env: { AWS_PROFILE: "dev" },
      creds: `${creds("default", KEY_A, SECRET_A)}\n${creds("dev", KEY_B, SECRET_B)}`,
    });
    expect(a.source).toMatchObject({ kind: "credentials-file", name: "dev" });
    expect(a.profileOrigin).toBe("AWS_PROFILE");
    expect(a.keyUnderTest?.accessKeyId).toBe(KEY_B);
  });

  it("then default", () => {
    const a = analyze({ creds: creds("default", KEY_A, SECRET_A) });
    expect(a.source).toMatchObject({ kind: "credentials-file", name: "default" });
    expect(a.commandProfile).toBe("default");
    expect(finding(a.findings, "source").message).toContain("/home/u/.aws/credentials line 2");
  });

  it("keys in the credentials file beat credential_process, which beats keys in the config file", () => {
    const a = analyze({
      creds: creds("dev", KEY_A, SECRET_A),
      config: `[profile dev]\ncredential_process = /bin/get-creds\naws_access_key_id = ${KEY_B}\naws_secret_access_key = ${SECRET_B}\n`,
      profile: "dev",
    });
    expect(a.source.kind).toBe("credentials-file");
    expect(a.shadowed.map((s) => s.kind)).toEqual(["credential-process", "config-file"]);
    const b = analyze({
      config: `[profile dev]\ncredential_process = /bin/get-creds\naws_access_key_id = ${KEY_B}\naws_secret_access_key = ${SECRET_B}\n`,
      profile: "dev",
    });
    expect(b.source.kind).toBe("credential-process");
    expect(b.keyUnderTest).toBeNull();
    expect(b.live).toMatchObject({ run: true, target: { profile: "dev" } });
  });

  it("SSO beats keys in the credentials file; a missing [sso-session] is CONFIG_INVALID", () => {
    const config = "[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Dev\n";
    const broken = analyze({ creds: creds("dev", KEY_A, SECRET_A), config, profile: "dev" });
    expect(broken.source.kind).toBe("sso");
    expect(finding(broken.findings, "profile")).toMatchObject({ status: "fail", code: "CONFIG_INVALID" });
    expect(finding(broken.findings, "profile").message).toContain("no [sso-session corp] section");
    expect(broken.live.run).toBe(false);
    const fine = analyze({
      config: `${config}\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n`,
      profile: "dev",
    });
    expect(fine.source.kind).toBe("sso");
    expect(fine.live).toMatchObject({ run: true, target: { profile: "dev" } });
  });

  it("container credentials come after the profile; instance metadata is never probed", () => {
    const container = analyze({ env: { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/v2/credentials/x" } });
    expect(container.source).toMatchObject({
      kind: "container",
      name: "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    });
    expect(container.live.run).toBe(true);

    const shadowedContainer = analyze({
      env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: "http://169.254.170.23/v1/credentials" },
      creds: creds("default", KEY_A, SECRET_A),
    });
    expect(shadowedContainer.source.kind).toBe("credentials-file");
    expect(shadowedContainer.shadowed.map((s) => s.kind)).toEqual(["container"]);

    const nothing = analyze({});
    expect(nothing.source.kind).toBe("none");
    expect(nothing.live.run).toBe(false);
    expect(finding(nothing.findings, "source")).toMatchObject({ status: "fail", code: "NO_CREDENTIALS" });
    expect(finding(nothing.findings, "instance-metadata").message).toMatch(/doctor does not probe it/);
    const disabled = analyze({ env: { AWS_EC2_METADATA_DISABLED: "TRUE" } });
    expect(finding(disabled.findings, "instance-metadata").message).toContain(
      "AWS_EC2_METADATA_DISABLED=true",
    );
  });

  it("NO_CREDENTIALS names the profiles that do exist", () => {
    const a = analyze({ creds: creds("work", KEY_A, SECRET_A) });
    const f = finding(a.findings, "source");
    expect(f.code).toBe("NO_CREDENTIALS");
    expect(f.fix).toContain("--profile work");
  });
});

describe("role chains", () => {
  const base = creds("base", KEY_A, SECRET_A);

  it("role_arn -> source_profile -> keys: the source key is the key under test, the profile's own keys are shadowed", () => {
    const a = analyze({
      creds: `${base}\n${creds("app", KEY_B, SECRET_B)}`,
      config: "[profile app]\nrole_arn = arn:aws:iam::123456789012:role/app\nsource_profile = base\n",
      profile: "app",
    });
    expect(a.source.kind).toBe("assume-role");
    expect(a.source.describe).toContain("arn:aws:iam::123456789012:role/app");
    expect(a.keyUnderTest?.accessKeyId).toBe(KEY_A);
    expect(a.shadowed).toEqual([expect.objectContaining({ kind: "credentials-file", accessKeyId: KEY_B })]);
    expect(a.live).toMatchObject({ run: true, target: { profile: "app" } });
  });

  it("a chain of two roles reaches the base key", () => {
    const a = analyze({
      creds: base,
      config:
        "[profile mid]\nrole_arn = arn:aws:iam::1:role/mid\nsource_profile = base\n[profile top]\nrole_arn = arn:aws:iam::1:role/top\nsource_profile = mid\n",
      profile: "top",
    });
    expect(a.keyUnderTest?.accessKeyId).toBe(KEY_A);
    expect(a.source.describe).toContain("mid -> base");
  });

  it("mfa_serial: doctor does not prompt, it checks the source key and says so", () => {
    const a = analyze({
      creds: base,
      config:
        "[profile app]\nrole_arn = arn:aws:iam::1:role/app\nsource_profile = base\nmfa_serial = arn:aws:iam::1:mfa/u\n",
      profile: "app",
    });
    expect(a.live).toMatchObject({ run: true, target: { profile: "base" } });
    expect(finding(a.findings, "assume-role")).toMatchObject({ status: "skip" });
    expect(finding(a.findings, "assume-role").fix).toContain("aws sts get-caller-identity --profile app");
  });

  it.each([
    [
      "a loop",
      "[profile a]\nrole_arn = r\nsource_profile = b\n[profile b]\nrole_arn = r\nsource_profile = a\n",
      "a",
      /loop: a -> b -> a/,
    ],
    [
      "a missing source_profile",
      "[profile a]\nrole_arn = r\nsource_profile = ghost\n",
      "a",
      /"ghost".*neither file/,
    ],
    [
      "both source_profile and credential_source",
      "[profile a]\nrole_arn = r\nsource_profile = base\ncredential_source = Environment\n",
      "a",
      /both source_profile/,
    ],
    ["neither", "[profile a]\nrole_arn = r\n", "a", /neither source_profile nor credential_source/],
    [
      "a bad credential_source",
      "[profile a]\nrole_arn = r\ncredential_source = Laptop\n",
      "a",
      /must be one of/,
    ],
    [
      "a source without credentials",
      "[profile a]\nrole_arn = r\nsource_profile = empty\n[profile empty]\nregion = eu-west-1\n",
      "a",
      /holds no credentials/,
    ],
  ])("%s is CONFIG_INVALID with the line", (_name, config, profile, message) => {
    const a = analyze({ creds: base, config, profile });
    const f = finding(a.findings, "profile");
    expect(f).toMatchObject({ status: "fail", code: "CONFIG_INVALID" });
    expect(f.message).toMatch(message);
    expect(a.live.run).toBe(false);
  });

  it("credential_source = Ec2InstanceMetadata is not checked live (IMDS is never probed)", () => {
    const a = analyze({
      config: "[profile a]\nrole_arn = r\ncredential_source = Ec2InstanceMetadata\n",
      profile: "a",
    });
    expect(a.source.kind).toBe("assume-role");
    expect(a.live.run).toBe(false);
  });
});

describe("profiles that do not exist", () => {
  it("--profile names a missing profile: PROFILE_NOT_FOUND lists the ones found", () => {
    const a = analyze({
      creds: `${creds("alpha", KEY_A, SECRET_A)}\n${creds("beta", KEY_B, SECRET_B)}`,
      profile: "nope",
    });
    const f = finding(a.findings, "profile");
    expect(f).toMatchObject({ status: "fail", code: "PROFILE_NOT_FOUND" });
    expect(f.message).toContain('profile "nope" (from --profile)');
    expect(f.message).toContain("profiles found: alpha, beta");
    expect(f.fix).toContain("aws configure --profile nope");
    expect(a.live.run).toBe(false);
  });

  it("[dev] in the config file (without `profile `) is pointed out", () => {
    const a = analyze({ config: "[dev]\nregion = eu-west-1\n", env: { AWS_PROFILE: "dev" } });
    expect(finding(a.findings, "profile").message).toContain("must be [profile dev]");
  });

  it("[profile dev] in the credentials file is pointed out", () => {
    const a = analyze({ creds: creds("profile dev", KEY_A, SECRET_A), profile: "dev" });
    expect(finding(a.findings, "profile").message).toContain("the header is just [dev]");
  });
});

describe("the environment", () => {
  it("only one of the two key variables: the AWS CLI stops (CONFIG_INVALID)", () => {
    const a = analyze({ env: { AWS_ACCESS_KEY_ID: KEY_A }, creds: creds("default", KEY_B, SECRET_B) });
    expect(finding(a.findings, "env")).toMatchObject({ status: "fail", code: "CONFIG_INVALID" });
    expect(finding(a.findings, "env").message).toContain("AWS_SECRET_ACCESS_KEY is not");
    expect(a.live.run).toBe(false);
  });

  it("a long-term key with a leftover session token fails; a session key without its token fails", () => {
    const stale = analyze({ env: { ...ENV_A, AWS_SESSION_TOKEN: SESSION_TOKEN } });
    expect(finding(stale.findings, "env")).toMatchObject({ status: "fail", code: "CONFIG_INVALID" });
    expect(finding(stale.findings, "env").fix).toContain("unset AWS_SESSION_TOKEN");
    const bare = analyze({ env: { AWS_ACCESS_KEY_ID: SESSION_KEY, AWS_SECRET_ACCESS_KEY: SECRET_A } });
    expect(finding(bare.findings, "env").message).toContain("temporary key (ASIA) but no session token");
  });

  it("AWS_DEFAULT_PROFILE (read by the AWS CLI only) draws a warning", () => {
    const a = analyze({
      env: { AWS_DEFAULT_PROFILE: "old", AWS_PROFILE: "new" },
      creds: creds("new", KEY_A, SECRET_A),
    });
    expect(finding(a.findings, "env")).toMatchObject({ status: "warn" });
    expect(finding(a.findings, "env").message).toContain("AWS_DEFAULT_PROFILE=old");
  });

  it("collects every secret and token for redaction, never a key id", () => {
    const a = analyze({
      env: { ...ENV_A, AWS_SESSION_TOKEN: SESSION_TOKEN },
      creds: `${creds("b", KEY_B, SECRET_B)}\n${creds("c", KEY_C, SECRET_C)}`,
    });
    expect([...a.secrets].sort()).toEqual([SECRET_A, SECRET_B, SECRET_C, SESSION_TOKEN].sort());
  });
});

describe("the files", () => {
  it("a file that does not parse is CONFIG_INVALID naming the line, and nothing is checked live", () => {
    const a = analyze({ creds: `${creds("default", KEY_A, SECRET_A)}[broken\n` });
    const f = finding(a.findings, "credentials-file");
    expect(f).toMatchObject({ status: "fail", code: "CONFIG_INVALID" });
    expect(f.message).toContain("line 4");
    expect(f.fix).toContain("line 4");
    expect(a.live.run).toBe(false);
  });

  it("a profile defined twice fails (the AWS CLI refuses the file)", () => {
    const a = analyze({
      creds: `${creds("dev", KEY_A, SECRET_A)}\n${creds("dev", KEY_B, SECRET_B)}`,
      profile: "dev",
    });
    const f = a.findings.find((x) => x.id === "credentials-file" && x.status === "fail");
    expect(f?.code).toBe("CONFIG_INVALID");
    expect(f?.message).toMatch(/appears again at line 5 \(first at line 1\)/);
  });

  it("group/world-readable credentials: warn with chmod 600; the config file only when it holds secrets", () => {
    const loose = analyze({ creds: creds("default", KEY_A, SECRET_A), mode: 0o644 });
    expect(finding(loose.findings, "credentials-file.mode")).toMatchObject({
      status: "warn",
      fix: "chmod 600 /home/u/.aws/credentials",
    });
    expect(finding(loose.findings, "credentials-file.mode").message).toContain("0644");
    const tight = analyze({ creds: creds("default", KEY_A, SECRET_A), mode: 0o600 });
    expect(finding(tight.findings, "credentials-file.mode").status).toBe("ok");
    const plainConfig = analyze({
      creds: creds("default", KEY_A, SECRET_A),
      config: "[default]\nregion = eu-west-1\n",
    });
    expect(plainConfig.findings.some((f) => f.id === "config-file.mode")).toBe(false);
  });

  it("a key id that is not an access key id: fail for the profile in use, warn for another", () => {
    const a = analyze({
      creds: `${creds("default", "AKIA-not-a-key", SECRET_A)}\n${creds("other", "nope", SECRET_B)}`,
    });
    const fails = a.findings.filter((f) => f.id === "credentials-file" && f.status === "fail");
    const warns = a.findings.filter((f) => f.id === "credentials-file" && f.status === "warn");
    expect(fails.map((f) => f.message).join()).toContain('profile "default"');
    expect(warns.map((f) => f.message).join()).toContain('profile "other"');
    expect(fails[0]?.code).toBe("CONFIG_INVALID");
    expect(warns[0]?.code).toBeUndefined();
  });

  it("a secret of the wrong length says the length, never the secret", () => {
    const secret = `${SECRET_A}x`;
    const a = analyze({ creds: creds("default", KEY_A, secret) });
    const f = a.findings.find((x) => x.id === "credentials-file" && x.status === "fail");
    expect(f?.message).toContain("41 characters long; AWS secrets are 40");
    expect(JSON.stringify(a.findings)).not.toContain(secret);
  });

  it("an inline comment after the secret: the AWS CLI reads a 43-character secret", () => {
    const a = analyze({ creds: creds("default", KEY_A, `${SECRET_A} #x`) });
    const text = a.findings.map((f) => f.message).join("\n");
    expect(text).toContain("43 characters long");
    expect(text).toContain("` #` or ` ;`");
  });

  it("keys with no secret", () => {
    const a = analyze({ creds: `[default]\naws_access_key_id = ${KEY_A}\n` });
    expect(a.findings.map((f) => f.message).join()).toContain("no secret access key");
  });
});

describe("region and endpoint", () => {
  it("an invalid region from the environment is REGION_INVALID, from the profile names the line", () => {
    const env = analyze({ env: { AWS_REGION: "us-east-l" }, creds: creds("default", KEY_A, SECRET_A) });
    expect(finding(env.findings, "region")).toMatchObject({ status: "fail", code: "REGION_INVALID" });
    expect(finding(env.findings, "region").message).toContain('"us-east-l" from AWS_REGION');
    expect(env.live.run).toBe(false);
    const prof = analyze({
      creds: creds("default", KEY_A, SECRET_A),
      config: "[default]\nregion = europe\n",
    });
    expect(finding(prof.findings, "region").message).toContain("/home/u/.aws/config line 2");
  });

  it("the region comes from --region, AWS_REGION, AWS_DEFAULT_REGION, the profile, then us-east-1", () => {
    const c = creds("default", KEY_A, SECRET_A);
    const config = "[default]\nregion = ap-south-1\n";
    expect(analyze({ creds: c, config, region: "eu-west-3", env: { AWS_REGION: "eu-west-1" } }).region).toBe(
      "eu-west-3",
    );
    expect(
      analyze({ creds: c, config, env: { AWS_REGION: "eu-west-1", AWS_DEFAULT_REGION: "eu-west-2" } }).region,
    ).toBe("eu-west-1");
    expect(analyze({ creds: c, config, env: { AWS_DEFAULT_REGION: "eu-west-2" } }).region).toBe("eu-west-2");
    expect(analyze({ creds: c, config }).region).toBe("ap-south-1");
    expect(analyze({ creds: c }).region).toBe("us-east-1");
  });

  it("an endpoint that is not a URL is CONFIG_INVALID; AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ignores it", () => {
    const bad = analyze({
      env: { AWS_ENDPOINT_URL: "localhost:5000" },
      creds: creds("default", KEY_A, SECRET_A),
    });
    expect(finding(bad.findings, "endpoint")).toMatchObject({ status: "fail", code: "CONFIG_INVALID" });
    const ignored = analyze({
      env: { AWS_ENDPOINT_URL: "localhost:5000", AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true" },
      creds: creds("default", KEY_A, SECRET_A),
    });
    expect(ignored.findings.some((f) => f.id === "endpoint")).toBe(false);
    expect(ignored.live.run).toBe(true);
  });

  it("isRegionName", () => {
    expect(isRegionName("us-gov-west-1")).toBe(true);
    expect(isRegionName("eu-central-2")).toBe(true);
    expect(isRegionName("moon")).toBe(false);
    expect(isRegionName("US-EAST-1")).toBe(false);
  });
});
