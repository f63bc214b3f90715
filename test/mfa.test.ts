// keywarden mfa end to end: the real CLI in a child process (stdin is not a terminal), the real SDK,
// the emulator with signature and permission checks ON after seeding, and the real AWS CLI reading
// the file keywarden wrote.
//
// What moto 5.2.1 can and cannot show (see ../shared/emulator/README.md):
// - GetSessionToken checks neither the serial nor the code and always returns the same fake
//   credentials (AKIAIOSFODNN7EXAMPLE / AQoEXAMPLE... token); with auth checks on, moto itself
//   rejects them (InvalidClientTokenId). So for that path the tests prove what the AWS CLI and the
//   JS SDK READ from [dev] and that the AWS CLI SENDS the session token, not that AWS accepts it.
// - AssumeRole returns real session credentials that moto accepts: the --role-arn path is proven
//   end to end (`aws sts get-caller-identity --profile dev` is the assumed role).
// - With auth on, moto requires sts:GetSessionToken / iam:ListMFADevices permissions (AWS needs
//   none for GetSessionToken), ListMFADevices needs UserName, and AssumeRole checks the role's
//   trust policy principal (not its conditions).
// - Not emulated: MFA codes, MFA conditions (aws:MultiFactorAuthPresent), the role's
//   MaxSessionDuration, expired tokens. Those AWS errors are injected at the SDK layer (last block).
import { execFile } from "node:child_process";
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  CreateRoleCommand,
  EnableMFADeviceCommand,
  IAMClient,
  IAMServiceException,
  PutUserPolicyCommand,
} from "@aws-sdk/client-iam";
import { GetCallerIdentityCommand, STSClient, STSServiceException } from "@aws-sdk/client-sts";
import { fromIni } from "@aws-sdk/credential-providers";
import type { DeserializeMiddleware, InitializeMiddleware } from "@smithy/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mfaCommand, type MfaFlags, type MfaHooks } from "../src/cli/commands/mfa.js";
import { reportError } from "../src/cli/errors.js";
import type { CliIO } from "../src/cli/io.js";
import { getProfile, parseIni } from "../src/credentials/ini.js";
import { maskKeyId } from "../src/domain/key-id.js";
import { ACCOUNT_ID, REGION, useEmulator, type CreatedKey } from "./emulator/harness.js";
import { awsFiles, lines, runCli, type AwsFiles, type CliResult } from "./helpers/cli.js";

const emu = useEmulator();
const execFileP = promisify(execFile);

/** What moto's GetSessionToken always returns. */
const MOTO_SESSION_KEY_ID = "AKIAIOSFODNN7EXAMPLE";
const ROLE_ARN = `arn:aws:iam::${ACCOUNT_ID}:role/ops`;
const HARDWARE_SERIAL = "GAHT12345678";
/** Nothing listens here: a run that reaches for AWS fails with exit 5 instead of passing. */
const DEAD_ENDPOINT = "http://127.0.0.1:9";
const HOUR = 3_600_000;
const OTHER_PROFILE =
  "[default]\naws_access_key_id = AKIAI44QH8DHBEXAMPLE\naws_secret_access_key = je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY\n";

let alice: CreatedKey;
let bob: CreatedKey;
let carol: CreatedKey;
let dave: CreatedKey;
let aliceSerial = "";
let bobSerial = "";
/** Every secret and token the tests meet; none may appear in any output of keywarden. */
const secrets = new Set<string>();
/** Whole key ids: keywarden shows them masked. */
const wholeKeyIds = new Set<string>([MOTO_SESSION_KEY_ID]);
const outputs: { args: string; text: string }[] = [];
const dirs: string[] = [];

const ALLOW = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Action: ["iam:ListMFADevices", "sts:GetSessionToken", "sts:AssumeRole"],
      Resource: "*",
    },
  ],
});

async function seedUser(name: string, mfa: "virtual" | "hardware" | null): Promise<CreatedKey> {
  const user = await emu.createUser(name, { mfa });
  if (name === "alice") aliceSerial = user.mfaSerial ?? "";
  if (name === "bob") bobSerial = user.mfaSerial ?? "";
  await emu
    .iam()
    .send(new PutUserPolicyCommand({ UserName: name, PolicyName: "mfa", PolicyDocument: ALLOW }));
  const key = await emu.createKey(name);
  secrets.add(key.secretAccessKey);
  wholeKeyIds.add(key.accessKeyId);
  return key;
}

beforeAll(async () => {
  alice = await seedUser("alice", "virtual");
  bob = await seedUser("bob", "virtual");
  // bob holds a second TOTP device (a hardware token): keywarden must not guess between them.
  await emu.iam().send(
    new EnableMFADeviceCommand({
      UserName: "bob",
      SerialNumber: HARDWARE_SERIAL,
      AuthenticationCode1: "123456",
      AuthenticationCode2: "654321",
    }),
  );
  carol = await seedUser("carol", "hardware"); // only a FIDO security key (u2f/)
  dave = await seedUser("dave", null);
  await emu.iam().send(
    new CreateRoleCommand({
      RoleName: "ops",
      AssumeRolePolicyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${ACCOUNT_ID}:user/alice` },
            Action: "sts:AssumeRole",
          },
        ],
      }),
    }),
  );
  await emu.client.setAuth(true); // seeded: from here on, signatures, keys and permissions are checked
});

afterAll(async () => {
  // Checked once more over every output, now that the role sessions' secrets are known too.
  for (const { args, text } of outputs) {
    for (const s of secrets) expect(text, args).not.toContain(s);
    for (const id of wholeKeyIds) expect(text, args).not.toContain(id);
  }
  await emu.client.setAuth(false);
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function longTerm(profile: string, key: { accessKeyId: string; secretAccessKey: string }): string {
  return `[${profile}]\naws_access_key_id = ${key.accessKeyId}\naws_secret_access_key = ${key.secretAccessKey}\n`;
}

async function setup(credentials: string, config = ""): Promise<{ dir: string; env: AwsFiles }> {
  const dir = await mkdtemp(join(tmpdir(), "keywarden-mfa-"));
  dirs.push(dir);
  return { dir, env: await awsFiles(dir, { credentials, config }) };
}

/** Runs keywarden, keeps its output for the secret checks, and checks the ones known so far now. */
async function kw(args: string[], env: AwsFiles, endpoint = emu.endpoint): Promise<CliResult> {
  const full = [...args, "--endpoint-url", endpoint];
  const r = await runCli(full, { env });
  const text = r.stdout + r.stderr;
  outputs.push({ args: full.join(" "), text });
  for (const s of secrets) expect(text).not.toContain(s);
  for (const id of wholeKeyIds) expect(text).not.toContain(id);
  return r;
}

/** The error contract: one stderr line "keywarden: ...", the exit code, nothing on stdout. */
function expectOneLineError(r: CliResult, code: number, ...mentions: (string | RegExp)[]): string {
  const stderr = lines(r.stderr);
  expect(stderr, r.stderr).toHaveLength(1);
  const line = stderr[0] ?? "";
  expect(line).toMatch(/^keywarden: \S/);
  expect(r.stderr).not.toMatch(/^\s*at /m);
  for (const m of mentions) {
    if (typeof m === "string") expect(line).toContain(m);
    else expect(line).toMatch(m);
  }
  expect(r.stdout).toBe("");
  expect(r.code, line).toBe(code);
  return line;
}

async function profileOf(env: AwsFiles, profile: string): Promise<Record<string, string>> {
  const doc = parseIni(await readFile(env.AWS_SHARED_CREDENTIALS_FILE, "utf8"));
  return { ...(getProfile(doc, profile) ?? {}) };
}

/** The session written to a profile; its secret and token join the ones no output may show. */
async function sessionOf(env: AwsFiles, profile = "dev") {
  const p = await profileOf(env, profile);
  const s = {
    accessKeyId: p.aws_access_key_id ?? "",
    secretAccessKey: p.aws_secret_access_key ?? "",
    sessionToken: p.aws_session_token ?? "",
    expiration: p.expiration ?? "",
    assumedRoleArn: p.assumed_role_arn,
  };
  expect(s.sessionToken).not.toBe("");
  secrets.add(s.secretAccessKey);
  secrets.add(s.sessionToken);
  wholeKeyIds.add(s.accessKeyId);
  return s;
}

function expectExpirationAbout(expiration: string, fromMs: number, toMs: number, durationMs: number): void {
  expect(expiration).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  const t = Date.parse(expiration);
  // Whole seconds in the file; a minute of slack either side for the two processes' clocks.
  expect(t).toBeGreaterThanOrEqual(fromMs + durationMs - 60_000);
  expect(t).toBeLessThanOrEqual(toMs + durationMs + 60_000);
}

/** The real AWS CLI (v1, botocore) with the test's files and a throwaway HOME. */
function aws(env: AwsFiles, dir: string, args: string[]) {
  return execFileP("aws", args, { env: { PATH: process.env.PATH ?? "", HOME: dir, ...env } });
}

describe("keywarden mfa: a session from [dev-long-term] into [dev]", () => {
  const original =
    "# keywarden mfa test: comments, blank lines and other profiles stay as they are\n" +
    OTHER_PROFILE +
    "\n; the long-term key of dev, as aws-mfa keeps it\n";
  let files: { dir: string; env: AwsFiles };
  let firstExpiration = "";

  it("writes the session to [dev]; every other byte of the file stays; mode 0600", async () => {
    const before = original + longTerm("dev-long-term", alice);
    files = await setup(before);
    await chmod(files.env.AWS_SHARED_CREDENTIALS_FILE, 0o644);
    const from = Date.now();
    const r = await kw(["mfa", "--profile", "dev", "--code", "123456"], files.env);
    const to = Date.now();
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);

    const s = await sessionOf(files.env);
    expect(s.accessKeyId).toBe(MOTO_SESSION_KEY_ID); // moto's fixed fake session
    expect(s.assumedRoleArn).toBeUndefined();
    expectExpirationAbout(s.expiration, from, to, 12 * HOUR); // the default duration
    firstExpiration = s.expiration;
    const after = await readFile(files.env.AWS_SHARED_CREDENTIALS_FILE, "utf8");
    expect(after).toBe(
      before +
        "\n[dev]\n" +
        `aws_access_key_id = ${s.accessKeyId}\n` +
        `aws_secret_access_key = ${s.secretAccessKey}\n` +
        `aws_session_token = ${s.sessionToken}\n` +
        `expiration = ${s.expiration}\n`,
    );
    expect((await stat(files.env.AWS_SHARED_CREDENTIALS_FILE)).mode & 0o777).toBe(0o600);

    // What it says: the profile, the masked key, the device, the expiration; no secret (kw checks).
    expect(r.stdout).toContain(`Wrote an MFA session to [dev] in ${files.env.AWS_SHARED_CREDENTIALS_FILE}`);
    expect(r.stdout).toContain(`key ${maskKeyId(MOTO_SESSION_KEY_ID)}`);
    expect(r.stdout).toContain(`MFA device ${aliceSerial}`);
    expect(r.stdout).toContain(`valid until ${s.expiration}`);
    expect(r.stdout).toContain("mode 0600 now");
    expect(r.stdout).toContain("the long-term key stays in [dev-long-term]");
  });

  it("the AWS CLI and the JS SDK read the session from [dev]; the AWS CLI sends its token", async () => {
    const s = await sessionOf(files.env);
    const get = async (key: string) =>
      (await aws(files.env, files.dir, ["configure", "get", key, "--profile", "dev"])).stdout.trim();
    expect(await get("aws_access_key_id")).toBe(s.accessKeyId);
    expect(await get("aws_session_token")).toBe(s.sessionToken);
    expect(await get("expiration")).toBe(s.expiration);
    const list = (await aws(files.env, files.dir, ["configure", "list", "--profile", "dev"])).stdout;
    expect(list).toMatch(/access_key\s+\*+MPLE\s+shared-credentials-file/);
    expect(list).toMatch(/secret_key\s+\*+\S+\s+shared-credentials-file/);

    const sdk = await fromIni({
      profile: "dev",
      filepath: files.env.AWS_SHARED_CREDENTIALS_FILE,
      configFilepath: files.env.AWS_CONFIG_FILE,
      ignoreCache: true,
    })();
    expect(sdk).toMatchObject({
      accessKeyId: s.accessKeyId,
      secretAccessKey: s.secretAccessKey,
      sessionToken: s.sessionToken,
    });

    // moto does not accept its own GetSessionToken credentials, but the request the AWS CLI makes
    // with --profile dev carries the session token keywarden wrote.
    const call = aws(files.env, files.dir, [
      "sts",
      "get-caller-identity",
      "--profile",
      "dev",
      "--endpoint-url",
      emu.endpoint,
      "--region",
      REGION,
      "--debug",
    ]);
    const failed = await call.then(
      () => ({ stderr: "" }),
      (e: unknown) => e as { stderr: string },
    );
    expect(failed.stderr).toContain("InvalidClientTokenId");
    expect(failed.stderr).toMatch(/X-Amz-Security-Token/i);
    expect(failed.stderr).toContain(s.sessionToken.slice(0, 40));
  });

  it("a second run reuses the session: no AWS call (a dead endpoint), no code, the file unchanged", async () => {
    const before = await readFile(files.env.AWS_SHARED_CREDENTIALS_FILE);
    const r = await kw(["mfa", "--profile", "dev"], files.env, DEAD_ENDPOINT);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `Reusing the MFA session in [dev] (key ${maskKeyId(MOTO_SESSION_KEY_ID)}), valid until ${firstExpiration}`,
    );
    expect(r.stdout).toContain("Pass --force for a new one.");
    expect((await readFile(files.env.AWS_SHARED_CREDENTIALS_FILE)).equals(before)).toBe(true);
  });

  it("--force gets a new session: only the expiration line changes (moto's keys are fixed)", async () => {
    const before = await readFile(files.env.AWS_SHARED_CREDENTIALS_FILE, "utf8");
    // With --force a dead endpoint is reached for: exit 5, the file untouched.
    const dead = await kw(
      ["mfa", "--profile", "dev", "--code", "123456", "--force"],
      files.env,
      DEAD_ENDPOINT,
    );
    expectOneLineError(dead, 5, "could not reach AWS");
    expect(await readFile(files.env.AWS_SHARED_CREDENTIALS_FILE, "utf8")).toBe(before);

    const from = Date.now();
    const r = await kw(
      ["mfa", "--profile", "dev", "--code", "123456", "--force", "--duration", "1h"],
      files.env,
    );
    const to = Date.now();
    expect(r.code).toBe(0);
    const s = await sessionOf(files.env);
    expectExpirationAbout(s.expiration, from, to, HOUR);
    expect(Date.parse(s.expiration)).toBeLessThan(Date.parse(firstExpiration));
    expect(await readFile(files.env.AWS_SHARED_CREDENTIALS_FILE, "utf8")).toBe(
      before.replace(`expiration = ${firstExpiration}\n`, `expiration = ${s.expiration}\n`),
    );
  });

  it("an expired session is replaced without --force, saying why", async () => {
    const text = await readFile(files.env.AWS_SHARED_CREDENTIALS_FILE, "utf8");
    await writeFile(
      files.env.AWS_SHARED_CREDENTIALS_FILE,
      text.replace(/^expiration = .*$/m, "expiration = 2020-01-01T00:00:00Z"),
    );
    const r = await kw(["mfa", "--profile", "dev", "--code", "123456"], files.env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      "Not reusing the session in [dev]: the session expired at 2020-01-01T00:00:00Z.",
    );
    expect(Date.parse((await sessionOf(files.env)).expiration)).toBeGreaterThan(Date.now());
  });
});

describe("keywarden mfa: first run with the long-term key still in [dev]", () => {
  it("moves the key to a new [dev-long-term], then writes the session to [dev]", async () => {
    const before =
      "# laptop\n[dev]\n" + longTerm("dev", alice).split("\n").slice(1).join("\n") + "\n" + OTHER_PROFILE;
    const { dir, env } = await setup(before);
    const r = await kw(["mfa", "--profile", "dev", "--code", "123456"], env);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `Moved the long-term key ${maskKeyId(alice.accessKeyId)} from [dev] to the new profile [dev-long-term] in ${env.AWS_SHARED_CREDENTIALS_FILE}.`,
    );
    const s = await sessionOf(env);
    expect(await readFile(env.AWS_SHARED_CREDENTIALS_FILE, "utf8")).toBe(
      "# laptop\n[dev]\n" +
        `aws_access_key_id = ${s.accessKeyId}\n` +
        `aws_secret_access_key = ${s.secretAccessKey}\n` +
        `aws_session_token = ${s.sessionToken}\n` +
        `expiration = ${s.expiration}\n` +
        "\n" +
        OTHER_PROFILE +
        "\n" +
        longTerm("dev-long-term", alice),
    );

    // The long-term key still works where it now lives (the AWS CLI, auth checks on).
    const who = await aws(env, dir, [
      "sts",
      "get-caller-identity",
      "--profile",
      "dev-long-term",
      "--endpoint-url",
      emu.endpoint,
      "--region",
      REGION,
      "--output",
      "json",
    ]);
    expect((JSON.parse(who.stdout) as { Arn: string }).Arn).toBe(`arn:aws:iam::${ACCOUNT_ID}:user/alice`);

    // The next forced run takes the key from [dev-long-term]: no second move.
    const again = await kw(["mfa", "--profile", "dev", "--code", "123456", "--force"], env);
    expect(again.code).toBe(0);
    expect(again.stdout).not.toContain("Moved");
    expect((await readFile(env.AWS_SHARED_CREDENTIALS_FILE, "utf8")).split("[dev-long-term]")).toHaveLength(
      2,
    );
  });

  it("refuses to overwrite a different long-term key in [dev] (exit 7), writing nothing", async () => {
    const before = longTerm("dev", bob) + longTerm("dev-long-term", alice);
    const { env } = await setup(before);
    expectOneLineError(
      await kw(["mfa", "--profile", "dev", "--code", "123456"], env, DEAD_ENDPOINT),
      7,
      maskKeyId(bob.accessKeyId),
      maskKeyId(alice.accessKeyId),
      "nothing was written",
    );
    expect(await readFile(env.AWS_SHARED_CREDENTIALS_FILE, "utf8")).toBe(before);
  });

  it("--long-term-profile and --long-term-suffix name where the keys live", async () => {
    const { env } = await setup(longTerm("alice-keys", alice) + longTerm("work-mfa", alice));
    const named = await kw(
      ["mfa", "--profile", "dev", "--long-term-profile", "alice-keys", "--code", "123456"],
      env,
    );
    expect(named.code).toBe(0);
    expect(named.stdout).toContain("the long-term key stays in [alice-keys]");
    const suffixed = await kw(
      ["mfa", "--profile", "work", "--long-term-suffix", "mfa", "--code", "123456"],
      env,
    );
    expect(suffixed.code).toBe(0);
    expect((await sessionOf(env, "work")).accessKeyId).toBe(MOTO_SESSION_KEY_ID);
  });
});

describe("keywarden mfa: input checked before any call", () => {
  let env: AwsFiles;
  let before = "";
  beforeAll(async () => {
    before = longTerm("dev-long-term", alice);
    env = (await setup(before)).env;
  });

  // A dead endpoint: had keywarden called AWS, these would exit 5, not 2.
  it.each([
    [
      ["--code", "12ab"],
      ["--code", "6 digits", "not all digits"],
    ],
    [
      ["--code", "12345"],
      ["--code", "6 digits"],
    ],
    [
      ["--code", "123456", "--duration", "40h"],
      ["--duration", "15m to 36h", '"40h"'],
    ],
    [
      ["--code", "123456", "--duration", "10m"],
      ["--duration", '"10m"'],
    ],
    [
      ["--code", "123456", "--role-arn", ROLE_ARN, "--duration", "13h"],
      ["--duration", "15m to 12h", "AssumeRole"],
    ],
    [["--code", "123456", "--serial", "x"], ["--serial"]],
    [["--code", "123456", "--role-arn", "arn:aws:iam::123456789012:user/alice"], ["--role-arn"]],
    [["--code", "123456", "--role-session-name", "x y"], ["--role-session-name"]],
  ])("%j: exit 2 with one line", async (args, mentions) => {
    const r = await kw(["mfa", "--profile", "dev", ...args], env, DEAD_ENDPOINT);
    expectOneLineError(r, 2, ...mentions);
    if (args[1] === "12ab") expect(r.stderr).not.toContain("12ab");
    expect(await readFile(env.AWS_SHARED_CREDENTIALS_FILE, "utf8")).toBe(before);
  });

  it("no terminal and no --code: exit 2, one line saying to pass --code", async () => {
    const r = await kw(["mfa", "--profile", "dev"], env, DEAD_ENDPOINT);
    expectOneLineError(r, 2, "no terminal", "--code 123456");
    expect(await readFile(env.AWS_SHARED_CREDENTIALS_FILE, "utf8")).toBe(before);
  });

  it("no long-term key anywhere: exit 3 saying how to add one", async () => {
    const { env: empty } = await setup(OTHER_PROFILE);
    expectOneLineError(
      await kw(["mfa", "--profile", "dev", "--code", "123456"], empty, DEAD_ENDPOINT),
      3,
      "[dev-long-term]",
      "aws configure --profile dev-long-term",
    );
  });
});

describe("keywarden mfa: finding the MFA device", () => {
  it("several devices: exit 2 listing them; --serial or mfa_serial in the config picks one", async () => {
    const { env } = await setup(longTerm("dev-long-term", bob));
    const line = expectOneLineError(
      await kw(["mfa", "--profile", "dev", "--code", "123456"], env),
      2,
      "user bob has 2 MFA devices",
      bobSerial,
      HARDWARE_SERIAL,
      "--serial",
    );
    expect(line).toContain("mfa_serial");

    const picked = await kw(
      ["mfa", "--profile", "dev", "--code", "123456", "--serial", HARDWARE_SERIAL],
      env,
    );
    expect(picked.code).toBe(0);
    expect(picked.stdout).toContain(`MFA device ${HARDWARE_SERIAL}`);

    const { env: configured } = await setup(
      longTerm("dev-long-term", bob),
      `[profile dev]\nregion = ${REGION}\nmfa_serial = ${bobSerial}\n`,
    );
    const fromConfig = await kw(["mfa", "--profile", "dev", "--code", "123456"], configured);
    expect(fromConfig.code).toBe(0);
    expect(fromConfig.stdout).toContain(`MFA device ${bobSerial}`);
  });

  it("only a FIDO security key, or no device: exit 3 with what to do", async () => {
    const { env: fido } = await setup(longTerm("dev-long-term", carol));
    expectOneLineError(
      await kw(["mfa", "--profile", "dev", "--code", "123456"], fido),
      3,
      "user carol has only FIDO security keys",
      "u2f/",
    );
    const { env: none } = await setup(longTerm("dev-long-term", dave));
    expectOneLineError(
      await kw(["mfa", "--profile", "dev", "--code", "123456"], none),
      3,
      "user dave has no MFA device",
      "--serial",
    );
  });

  it("a long-term key AWS does not know: exit 3 naming the profile to fix (the emulator's own InvalidClientTokenId)", async () => {
    const made = {
      accessKeyId: "AKIAZZZZZZZZZZZZZZZZ",
      secretAccessKey: "notARealSecret/0123456789abcdefghijklmn",
    };
    secrets.add(made.secretAccessKey);
    wholeKeyIds.add(made.accessKeyId);
    const { env } = await setup(longTerm("dev-long-term", made));
    expectOneLineError(
      await kw(["mfa", "--profile", "dev", "--code", "123456"], env),
      3,
      `AWS does not accept the long-term key ${maskKeyId(made.accessKeyId)} from [dev-long-term]`,
      "[dev-long-term] of",
    );
  });
});

describe("keywarden mfa --role-arn", () => {
  it("assumes the role with MFA and writes the role session to [dev]; the AWS CLI and SDK act as the role", async () => {
    const before = longTerm("dev-long-term", alice);
    const { dir, env } = await setup(before);
    const from = Date.now();
    const r = await kw(["mfa", "--profile", "dev", "--code", "123456", "--role-arn", ROLE_ARN], env);
    const to = Date.now();
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const s = await sessionOf(env);
    expect(s.accessKeyId).toMatch(/^ASIA/);
    expect(s.assumedRoleArn).toBe(ROLE_ARN);
    expectExpirationAbout(s.expiration, from, to, HOUR); // a role session's default: 1h
    expect(await readFile(env.AWS_SHARED_CREDENTIALS_FILE, "utf8")).toBe(
      before +
        "\n[dev]\n" +
        `aws_access_key_id = ${s.accessKeyId}\n` +
        `aws_secret_access_key = ${s.secretAccessKey}\n` +
        `aws_session_token = ${s.sessionToken}\n` +
        `expiration = ${s.expiration}\n` +
        `assumed_role_arn = ${ROLE_ARN}\n`,
    );
    const assumed = `arn:aws:sts::${ACCOUNT_ID}:assumed-role/ops/keywarden-alice`;
    expect(r.stdout).toContain(`Wrote a session of role ${ROLE_ARN} (${assumed}) to [dev]`);
    expect(r.stdout).toContain(`--role-arn ${ROLE_ARN}`);

    const who = await aws(env, dir, [
      "sts",
      "get-caller-identity",
      "--profile",
      "dev",
      "--endpoint-url",
      emu.endpoint,
      "--region",
      REGION,
      "--output",
      "json",
    ]);
    expect((JSON.parse(who.stdout) as { Arn: string }).Arn).toBe(assumed);
    const sts = new STSClient({
      endpoint: emu.endpoint,
      region: REGION,
      credentials: fromIni({
        profile: "dev",
        filepath: env.AWS_SHARED_CREDENTIALS_FILE,
        configFilepath: env.AWS_CONFIG_FILE,
        ignoreCache: true,
      }),
    });
    expect((await sts.send(new GetCallerIdentityCommand({}))).Arn).toBe(assumed);

    // A following `keywarden doctor` finds the session keywarden wrote and says OK.
    const doctor = await kw(["doctor", "--profile", "dev", "--format", "json"], env);
    const report = JSON.parse(doctor.stdout) as { diagnosis: { code: string }; source: { kind: string } };
    expect(report.diagnosis.code, doctor.stdout).toBe("OK");
    expect(doctor.code).toBe(0);

    // The same role again: reused. No role: a role session is not what was asked for.
    const reuse = await kw(["mfa", "--profile", "dev", "--role-arn", ROLE_ARN], env, DEAD_ENDPOINT);
    expect(reuse.code).toBe(0);
    expect(reuse.stdout).toContain("Reusing the MFA session in [dev]");
    const plain = await kw(["mfa", "--profile", "dev", "--code", "123456"], env);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain(
      `Not reusing the session in [dev]: the session is for the role ${ROLE_ARN}.`,
    );
    const after = await sessionOf(env);
    expect(after.accessKeyId).toBe(MOTO_SESSION_KEY_ID);
    expect(after.assumedRoleArn).toBeUndefined();
  });

  it("--role-session-name names the session", async () => {
    const { env } = await setup(longTerm("dev-long-term", alice));
    const r = await kw(
      [
        "mfa",
        "--profile",
        "dev",
        "--code",
        "123456",
        "--role-arn",
        ROLE_ARN,
        "--role-session-name",
        "alice-laptop",
      ],
      env,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`assumed-role/ops/alice-laptop`);
    await sessionOf(env);
  });

  it("a role whose trust policy does not name the user: exit 4 (the emulator's own AccessDenied)", async () => {
    const { env } = await setup(longTerm("dev-long-term", bob));
    expectOneLineError(
      await kw(
        ["mfa", "--profile", "dev", "--code", "123456", "--serial", bobSerial, "--role-arn", ROLE_ARN],
        env,
      ),
      4,
      `user bob may not assume ${ROLE_ARN}`,
      "trust policy",
    );
  });
});

// ---- AWS errors the emulator cannot produce, injected as SDK middleware (in process) ----

function serviceError(service: "iam" | "sts", name: string, message: string, status = 403): Error {
  const options = {
    name,
    message,
    $fault: "client" as const,
    $metadata: { httpStatusCode: status, requestId: "00000000-0000-0000-0000-000000000000" },
  };
  return service === "iam" ? new IAMServiceException(options) : new STSServiceException(options);
}

interface Injection {
  command: string;
  error: () => Error;
}

/** Counts the commands each client sends and fails the injected one before it is sent. */
function hooks(injection: Injection | null, calls: string[], readCode?: MfaHooks["readCode"]): MfaHooks {
  const count =
    <I extends object, O extends object>(): InitializeMiddleware<I, O> =>
    (next, context) =>
    (args) => {
      calls.push(context.commandName ?? "?");
      return next(args);
    };
  const fail =
    <I extends object, O extends object>(): DeserializeMiddleware<I, O> =>
    (next, context) =>
    (args) => {
      if (injection !== null && context.commandName === injection.command)
        return Promise.reject(injection.error());
      return next(args);
    };
  const countAt = { step: "initialize" as const, name: "mfaTestCount" };
  const failAt = { step: "deserialize" as const, priority: "low" as const, name: "mfaTestInjection" };
  return {
    readCode,
    configureClient: (client) => {
      if (client instanceof IAMClient) {
        client.middlewareStack.add(count(), countAt);
        client.middlewareStack.add(fail(), failAt);
      } else if (client instanceof STSClient) {
        client.middlewareStack.add(count(), countAt);
        client.middlewareStack.add(fail(), failAt);
      }
    },
  };
}

async function inProcess(
  flags: MfaFlags,
  env: AwsFiles,
  h: MfaHooks,
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const io: CliIO = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: { ...env },
    cwd: tmpdir(),
  };
  let code: number;
  try {
    code = await mfaCommand({ endpointUrl: emu.endpoint, maxAttempts: 2, ...flags }, io, h);
  } catch (err) {
    code = reportError(err, io, false);
  }
  outputs.push({ args: JSON.stringify(flags), text: stdout + stderr });
  return { code, stdout, stderr };
}

function oneLine(r: { code: number; stdout: string; stderr: string }, code: number, ...mentions: string[]) {
  expectOneLineError({ ...r, signal: null }, code, ...mentions);
}

describe("AWS errors injected at the SDK layer", () => {
  const MFA_FAILED = "MultiFactorAuthentication failed with invalid MFA one time pass code. ";
  let env: AwsFiles;
  let before = "";
  beforeAll(async () => {
    before = longTerm("dev-long-term", alice);
    env = (await setup(before)).env;
  });

  it("a wrong or expired code on GetSessionToken: exit 3, wait for the next code; nothing written", async () => {
    const calls: string[] = [];
    const r = await inProcess(
      { profile: "dev", code: "123456" },
      env,
      hooks(
        { command: "GetSessionTokenCommand", error: () => serviceError("sts", "AccessDenied", MFA_FAILED) },
        calls,
      ),
    );
    oneLine(r, 3, "GetSessionToken failed", `rejected the MFA code for ${aliceSerial}`, "next code");
    expect(calls).toEqual(["GetCallerIdentityCommand", "ListMFADevicesCommand", "GetSessionTokenCommand"]);
    expect(await readFile(env.AWS_SHARED_CREDENTIALS_FILE, "utf8")).toBe(before);
  });

  it("a code typed at the prompt is used, and a rejected one on AssumeRole is exit 3 too", async () => {
    const asked: string[] = [];
    const r = await inProcess(
      { profile: "dev", roleArn: ROLE_ARN },
      env,
      hooks(
        {
          command: "AssumeRoleCommand",
          error: () =>
            serviceError(
              "sts",
              "AccessDenied",
              "MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid and associated with this user.",
            ),
        },
        [],
        (device) => {
          asked.push(device);
          return Promise.resolve(" 654321\n");
        },
      ),
    );
    expect(asked).toEqual([aliceSerial]);
    oneLine(r, 3, "AssumeRole failed", "could not validate the MFA code", "--serial");
  });

  it("a typed code that is not six digits: exit 2, no STS call", async () => {
    const calls: string[] = [];
    const r = await inProcess(
      { profile: "dev" },
      env,
      hooks(null, calls, () => Promise.resolve("12ab")),
    );
    oneLine(r, 2, "the MFA code typed", "6 digits");
    expect(calls.filter((c) => c === "GetSessionTokenCommand" || c === "AssumeRoleCommand")).toEqual([]);
  });

  it("a policy that requires MFA denies ListMFADevices: exit 4 saying to name the device; mfa_serial then works", async () => {
    const denied: Injection = {
      command: "ListMFADevicesCommand",
      error: () =>
        serviceError(
          "iam",
          "AccessDenied",
          `User: arn:aws:iam::${ACCOUNT_ID}:user/alice is not authorized to perform: iam:ListMFADevices on resource: user alice with an explicit deny in an identity-based policy`,
        ),
    };
    const r = await inProcess({ profile: "dev", code: "123456" }, env, hooks(denied, []));
    oneLine(r, 4, "ListMFADevices failed", "iam:ListMFADevices", "requires MFA", "--serial", "mfa_serial");

    await writeFile(env.AWS_CONFIG_FILE, `[profile dev]\nmfa_serial = ${aliceSerial}\n`);
    const calls: string[] = [];
    const ok = await inProcess({ profile: "dev", code: "123456" }, env, hooks(denied, calls));
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
    expect(calls).toEqual(["GetCallerIdentityCommand", "GetSessionTokenCommand"]);
    await writeFile(env.AWS_CONFIG_FILE, "");
  });

  it("a reused session makes no AWS call at all", async () => {
    const calls: string[] = [];
    const r = await inProcess({ profile: "dev" }, env, hooks(null, calls, undefined));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Reusing the MFA session in [dev]");
    expect(calls).toEqual([]);
    await sessionOf(env);
  });

  it("ExpiredToken: exit 3; a role that allows shorter sessions: exit 2", async () => {
    const expired = await inProcess(
      { profile: "dev", code: "123456", force: true },
      env,
      hooks(
        {
          command: "GetSessionTokenCommand",
          error: () =>
            serviceError("sts", "ExpiredToken", "The security token included in the request is expired"),
        },
        [],
      ),
    );
    oneLine(expired, 3, "GetSessionToken failed", "expired", "current code");

    const tooLong = await inProcess(
      { profile: "dev", code: "123456", roleArn: ROLE_ARN, duration: "12h" },
      env,
      hooks(
        {
          command: "AssumeRoleCommand",
          error: () =>
            serviceError(
              "sts",
              "ValidationError",
              "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
              400,
            ),
        },
        [],
      ),
    );
    oneLine(tooLong, 2, "AssumeRole failed", "MaxSessionDuration", "--duration 1h");
  });

  it("session credentials in the long-term profile: exit 3 before any call", async () => {
    const { env: bad } = await setup(
      "[dev-long-term]\naws_access_key_id = ASIAIOSFODNN7EXAMPLE\naws_secret_access_key = x\naws_session_token = y\n",
    );
    const calls: string[] = [];
    const r = await inProcess({ profile: "dev", code: "123456" }, bad, hooks(null, calls));
    oneLine(r, 3, "[dev-long-term]", "holds a session token");
    expect(calls).toEqual([]);
  });
});
