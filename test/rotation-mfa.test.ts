// keywarden rotate for a user whose policies require MFA, end to end: the real CLI in a child
// process (stdin is not a terminal), the real SDK, the emulator with signature and permission
// checks ON after seeding.
//
// What the emulator cannot show by itself, and how it is made to (test/emulator/launcher.py,
// POST /_test/iam/mfa, see its comment): moto's GetSessionToken checks neither serial nor code and
// returns a fake key its own auth rejects, and moto evaluates no aws:MultiFactorAuthPresent
// condition. With the switch on, GetSessionToken signed with a user's long-term key returns a
// session that acts as that user (with MFA when the serial is the user's device and the six-digit
// code has not been used by that user before), the condition key is evaluated, an explicit Deny is
// worded as AWS words it, and every GetSessionToken is logged so a test can count them per run.
// Everything else (the policies, the keys, the denial itself) is moto's own.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  IAMClient,
  ListAccessKeysCommand,
  PutUserPolicyCommand,
} from "@aws-sdk/client-iam";
import {
  CreateAccountCommand,
  CreateOrganizationCommand,
  ListAccountsCommand,
  OrganizationsClient,
} from "@aws-sdk/client-organizations";
import { GetCallerIdentityCommand, GetSessionTokenCommand, STSClient } from "@aws-sdk/client-sts";
import { afterAll, describe, expect, it } from "vitest";
import { RotationMfa, signsWithOneMfaSession } from "../src/cli/rotation-mfa.js";
import { UsageError } from "../src/domain/errors.js";
import { DUMMY_CREDENTIALS, REGION, useEmulator, type CreatedKey } from "./emulator/harness.js";
import { lines, runCli, type CliResult } from "./helpers/cli.js";
import { jobIdOf, useRotationHarness } from "./helpers/rotation.js";

const emu = useEmulator();
const h = useRotationHarness(emu);

/**
 * The statement AWS's IAM User Guide example for "MFA-authenticated IAM users manage their own
 * credentials" is built around (written here from its documented shape, not copied): deny all but
 * the calls needed to set up MFA and get a session, unless the request was made with MFA.
 * BoolIfExists, so that a long-term key (which carries no MFA key at all) is denied too.
 */
const DENY_WITHOUT_MFA = {
  Sid: "BlockMostAccessUnlessSignedInWithMFA",
  Effect: "Deny",
  NotAction: [
    "iam:CreateVirtualMFADevice",
    "iam:EnableMFADevice",
    "iam:ListMFADevices",
    "iam:ListVirtualMFADevices",
    "iam:ResyncMFADevice",
    "sts:GetSessionToken",
    "iam:GetUser",
    "iam:ChangePassword",
  ],
  Resource: "*",
  Condition: { BoolIfExists: { "aws:MultiFactorAuthPresent": "false" } },
};

/** moto (unlike AWS) asks for an Allow on sts:GetSessionToken, and the user manages its own keys. */
const SELF_SERVICE = { Effect: "Allow", Action: ["iam:*", "sts:*"], Resource: "*" };

const dirs: string[] = [];
const secrets = new Set<string>();
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

interface SessionTokenCall {
  user: string;
  serial: string | null;
  mfa: boolean;
  outcome: string;
}

async function mfaSwitch(body: { enabled?: boolean } = {}): Promise<SessionTokenCall[]> {
  const res = await fetch(`${emu.endpoint}/_test/iam/mfa`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { get_session_token_calls: SessionTokenCall[] }).get_session_token_calls;
}
const sessionTokenCalls = () => mfaSwitch();

/** A user with a virtual MFA device and the deny-without-MFA policy; `admin` adds AdministratorAccess. */
async function mfaUser(
  name: string,
  opts: { admin?: boolean } = {},
): Promise<CreatedKey & { serial: string }> {
  const user = await emu.createUser(name, { mfa: "virtual" });
  const iam = emu.iam(h.asAdmin());
  const statements = opts.admin ? [DENY_WITHOUT_MFA] : [SELF_SERVICE, DENY_WITHOUT_MFA];
  if (opts.admin) {
    await iam.send(
      new AttachUserPolicyCommand({
        UserName: name,
        PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess",
      }),
    );
  }
  await iam.send(
    new PutUserPolicyCommand({
      UserName: name,
      PolicyName: "require-mfa",
      PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: statements }),
    }),
  );
  const key = await emu.createKey(name);
  secrets.add(key.secretAccessKey);
  return { ...key, serial: user.mfaSerial ?? "" };
}

/** Seeding done: MFA emulation and signature/permission checks on. */
async function checksOn(): Promise<void> {
  await mfaSwitch({ enabled: true });
  await emu.client.setAuth(true);
}

/** A credentials file holding `key` in [dev], and a config file (empty unless given). */
async function laptop(key: CreatedKey, config = "") {
  const dir = await mkdtemp(join(tmpdir(), "kw-rot-mfa-"));
  dirs.push(dir);
  const credentials = join(dir, "credentials");
  const text = `# laptop\n[dev]\naws_access_key_id = ${key.accessKeyId}\naws_secret_access_key = ${key.secretAccessKey}\n`;
  await writeFile(credentials, text, { mode: 0o600 });
  await writeFile(join(dir, "config"), config, { mode: 0o600 });
  const env = {
    KEYWARDEN_HOME: h.home(),
    AWS_ENDPOINT_URL: emu.endpoint,
    AWS_REGION: REGION,
    KEYWARDEN_VERIFY_ATTEMPTS: "3",
    // One process writes the user's lock tag here: no need to wait out Fischer's delay.
    KEYWARDEN_LOCK_SETTLE_MS: "20",
    AWS_SHARED_CREDENTIALS_FILE: credentials,
    AWS_CONFIG_FILE: join(dir, "config"),
  };
  return { dir, credentials, text, env };
}

async function kw(args: string[], env: Record<string, string>): Promise<CliResult> {
  const r = await runCli(args, { env });
  for (const s of secrets) expect(r.stdout + r.stderr).not.toContain(s);
  return r;
}

/** The error contract: one stderr line "keywarden: ...", the exit code, nothing on stdout. */
function oneLine(r: CliResult, code: number, ...mentions: string[]): string {
  const all = lines(r.stderr);
  expect(all, r.stderr).toHaveLength(1);
  const line = all[0] ?? "";
  expect(line).toMatch(/^keywarden: \S/);
  for (const m of mentions) expect(line).toContain(m);
  expect(r.stdout).toBe("");
  expect(r.code, line).toBe(code);
  return line;
}

async function keysOf(user: string) {
  const r = await emu.iam(h.asAdmin()).send(new ListAccessKeysCommand({ UserName: user }));
  return (r.AccessKeyMetadata ?? []).map((k) => ({ id: k.AccessKeyId ?? "", status: k.Status ?? "" }));
}

describe("the emulator's MFA switch (what the CLI tests below rely on)", () => {
  it("denies a long-term key explicitly, allows the user's MFA session, and logs GetSessionToken", async () => {
    const alice = await mfaUser("alice");
    await checksOn();
    const client = { endpoint: emu.endpoint, region: REGION };
    const longTerm = { accessKeyId: alice.accessKeyId, secretAccessKey: alice.secretAccessKey };
    await expect(
      new IAMClient({ ...client, credentials: longTerm }).send(
        new ListAccessKeysCommand({ UserName: "alice" }),
      ),
    ).rejects.toThrow(/iam:ListAccessKeys on resource: user alice with an explicit deny/);

    const sts = new STSClient({ ...client, credentials: longTerm });
    const plain = (await sts.send(new GetSessionTokenCommand({}))).Credentials;
    const withMfa = (
      await sts.send(new GetSessionTokenCommand({ SerialNumber: alice.serial, TokenCode: "123456" }))
    ).Credentials;
    const as = (c: typeof plain) => ({
      accessKeyId: c?.AccessKeyId ?? "",
      secretAccessKey: c?.SecretAccessKey ?? "",
      sessionToken: c?.SessionToken ?? "",
    });
    expect(as(withMfa).accessKeyId).toMatch(/^ASIA/);
    // A session without MFA is denied like the key; one with MFA acts as the user.
    await expect(
      new IAMClient({ ...client, credentials: as(plain) }).send(
        new ListAccessKeysCommand({ UserName: "alice" }),
      ),
    ).rejects.toThrow(/explicit deny/);
    const listed = await new IAMClient({ ...client, credentials: as(withMfa) }).send(
      new ListAccessKeysCommand({ UserName: "alice" }),
    );
    expect(listed.AccessKeyMetadata?.map((k) => k.AccessKeyId)).toEqual([alice.accessKeyId]);
    const who = await new STSClient({ ...client, credentials: as(withMfa) }).send(
      new GetCallerIdentityCommand({}),
    );
    expect(who.Arn).toMatch(/:user\/alice$/);
    // A code works once.
    await expect(
      sts.send(new GetSessionTokenCommand({ SerialNumber: alice.serial, TokenCode: "123456" })),
    ).rejects.toThrow(/invalid MFA one time pass code/);

    expect(await sessionTokenCalls()).toEqual([
      { user: "alice", serial: null, mfa: false, outcome: "issued" },
      { user: "alice", serial: alice.serial, mfa: true, outcome: "issued" },
      { user: "alice", serial: alice.serial, mfa: false, outcome: "denied" },
    ]);
  });
});

describe("keywarden rotate (your own key) when a policy requires MFA", () => {
  it("without MFA: refused before any key is created, with one line that says to pass --mfa-serial", async () => {
    const alice = await mfaUser("alice");
    const box = await laptop(alice);
    await checksOn();
    const r = await kw(["rotate", "--profile", "dev", "--delete-now", "--yes"], box.env);
    const line = oneLine(
      r,
      4,
      "a policy denies this without MFA",
      `--mfa-serial ${alice.serial} --token-code CODE`,
      "explicit deny",
    );
    expect(line).toContain("or set mfa_serial in [profile dev] of");
    expect(await keysOf("alice")).toEqual([{ id: alice.accessKeyId, status: "Active" }]);
    expect(await readFile(box.credentials, "utf8")).toBe(box.text);
    expect(await sessionTokenCalls()).toEqual([]);
  });

  it("with --mfa-serial and --token-code: one session signs the whole run, the old key is retired", async () => {
    const alice = await mfaUser("alice");
    const box = await laptop(alice);
    await checksOn();
    const r = await kw(
      [
        "rotate",
        "--profile",
        "dev",
        "--mfa-serial",
        alice.serial,
        "--token-code",
        "246810",
        "--delete-now",
        "--yes",
      ],
      box.env,
    );
    expect(r.stderr).toContain("is done");
    expect(r.stderr).toContain(`one MFA session (device ${alice.serial}`);
    expect(r.code, r.stderr).toBe(0);

    const keys = await keysOf("alice");
    expect(keys).toHaveLength(1);
    const newId = keys[0]?.id ?? "";
    expect(newId).not.toBe(alice.accessKeyId);
    const text = await readFile(box.credentials, "utf8");
    expect(text).toContain(`aws_access_key_id = ${newId}`);
    expect(text).toContain("# laptop");
    // Deactivate and delete came after verify: signed with the new key alone they would have been
    // denied (no MFA), so the one session signed them. Exactly one GetSessionToken for the run.
    expect(await sessionTokenCalls()).toEqual([
      { user: "alice", serial: alice.serial, mfa: true, outcome: "issued" },
    ]);
  });

  it("uses the profile's mfa_serial; without --token-code and no terminal it is a usage error", async () => {
    const alice = await mfaUser("alice");
    // ~/.aws/config as the AWS CLI and aws-vault read it: mfa_serial in the profile's section.
    const box = await laptop(alice, `[profile dev]\nregion = ${REGION}\nmfa_serial = ${alice.serial}\n`);
    await checksOn();

    const noCode = await kw(["rotate", "--profile", "dev", "--delete-now", "--yes"], box.env);
    oneLine(noCode, 2, `MFA device ${alice.serial}`, "mfa_serial in [profile dev]", "--token-code 123456");
    expect(await sessionTokenCalls()).toEqual([]);
    expect(await keysOf("alice")).toEqual([{ id: alice.accessKeyId, status: "Active" }]);

    const r = await kw(
      ["rotate", "--profile", "dev", "--token-code", "135790", "--delete-now", "--yes"],
      box.env,
    );
    expect(r.stderr).toContain("is done");
    expect(r.code, r.stderr).toBe(0);
    expect((await keysOf("alice")).map((k) => k.id)).not.toContain(alice.accessKeyId);
    expect(await sessionTokenCalls()).toEqual([
      { user: "alice", serial: alice.serial, mfa: true, outcome: "issued" },
    ]);
  });

  it("a code AWS rejects (already used) stops the run before any key is created", async () => {
    const alice = await mfaUser("alice");
    const box = await laptop(alice);
    await checksOn();
    // The code was used by another session a moment ago (e.g. `keywarden mfa` in the same window).
    const sts = new STSClient({
      endpoint: emu.endpoint,
      region: REGION,
      credentials: { accessKeyId: alice.accessKeyId, secretAccessKey: alice.secretAccessKey },
    });
    await sts.send(new GetSessionTokenCommand({ SerialNumber: alice.serial, TokenCode: "112233" }));
    const r = await kw(
      ["rotate", "--profile", "dev", "--mfa-serial", alice.serial, "--token-code", "112233", "--yes"],
      box.env,
    );
    oneLine(r, 3, "GetSessionToken failed", `rejected the MFA code for ${alice.serial}`, "next code");
    expect(await keysOf("alice")).toEqual([{ id: alice.accessKeyId, status: "Active" }]);
    expect(await readFile(box.credentials, "utf8")).toBe(box.text);
    expect((await sessionTokenCalls()).map((c) => c.outcome)).toEqual(["issued", "denied"]);
  });

  it("--rollback is a new run: refused without MFA, done with a new code and one new session", async () => {
    const alice = await mfaUser("alice");
    const box = await laptop(alice);
    await checksOn();
    // Self default: no observe, deactivate, then soak for a day: the job waits with two keys.
    const started = await kw(
      ["rotate", "--profile", "dev", "--mfa-serial", alice.serial, "--token-code", "100001", "--yes"],
      box.env,
    );
    expect(started.code, started.stderr).toBe(0);
    const id = jobIdOf(started);
    expect(await keysOf("alice")).toContainEqual({ id: alice.accessKeyId, status: "Inactive" });
    const delivered = await readFile(box.credentials, "utf8");
    expect(delivered).not.toContain(alice.accessKeyId);

    const denied = await kw(["rotate", "--rollback", id, "--profile", "dev", "--yes"], box.env);
    // The engine may warn first (e.g. that it cannot hold the user's lock tag); the error is the last line.
    const last = lines(denied.stderr).at(-1) ?? "";
    expect(last).toMatch(/^keywarden: .*a policy denies this without MFA/);
    expect(last).toContain(`--mfa-serial ${alice.serial}`);
    expect(denied.code, denied.stderr).toBe(4);
    expect(await keysOf("alice")).toContainEqual({ id: alice.accessKeyId, status: "Inactive" });

    const rolled = await kw(
      [
        "rotate",
        "--rollback",
        id,
        "--profile",
        "dev",
        "--mfa-serial",
        alice.serial,
        "--token-code",
        "100002",
        "--yes",
      ],
      box.env,
    );
    expect(rolled.code, rolled.stderr).toBe(0);
    expect(await keysOf("alice")).toEqual([{ id: alice.accessKeyId, status: "Active" }]);
    expect(await readFile(box.credentials, "utf8")).toBe(box.text);
    // One session per run: the start and the rollback; the refused run made none.
    expect((await sessionTokenCalls()).map((c) => [c.serial, c.outcome])).toEqual([
      [alice.serial, "issued"],
      [alice.serial, "issued"],
    ]);
  });
});

describe("keywarden rotate --user (administrator) when the administrator's policy requires MFA", () => {
  async function seedApp() {
    const ops = await mfaUser("ops", { admin: true });
    await emu.createUser("app");
    const app = await emu.createKey("app");
    secrets.add(app.secretAccessKey);
    const dir = await mkdtemp(join(tmpdir(), "kw-rot-mfa-"));
    dirs.push(dir);
    const dotenv = join(dir, ".env");
    const before = `AWS_ACCESS_KEY_ID=${app.accessKeyId}\nAWS_SECRET_ACCESS_KEY=${app.secretAccessKey}\n`;
    await writeFile(dotenv, before);
    const env = {
      KEYWARDEN_HOME: h.home(),
      AWS_ENDPOINT_URL: emu.endpoint,
      AWS_REGION: REGION,
      KEYWARDEN_VERIFY_ATTEMPTS: "3",
      KEYWARDEN_LOCK_SETTLE_MS: "20",
      AWS_ACCESS_KEY_ID: ops.accessKeyId,
      AWS_SECRET_ACCESS_KEY: ops.secretAccessKey,
    };
    const args = [
      "rotate",
      "--user",
      "app",
      "--to",
      `dotenv:${dotenv}`,
      "--observe",
      "0",
      "--delete-now",
      "--yes",
    ];
    return { ops, app, dotenv, before, env, args };
  }

  it("without MFA: refused before any key is created; with --mfa-serial/--token-code: done", async () => {
    const { ops, app, dotenv, before, env, args } = await seedApp();
    await checksOn();

    const refused = await kw(args, env);
    oneLine(refused, 4, "a policy denies this without MFA", `--mfa-serial ${ops.serial} --token-code CODE`);
    expect(await keysOf("app")).toEqual([{ id: app.accessKeyId, status: "Active" }]);
    expect(await readFile(dotenv, "utf8")).toBe(before);

    const r = await kw([...args, "--mfa-serial", ops.serial, "--token-code", "975310"], env);
    expect(r.stderr).toContain("is done");
    expect(r.code, r.stderr).toBe(0);
    const keys = await keysOf("app");
    expect(keys).toHaveLength(1);
    expect(keys[0]?.id).not.toBe(app.accessKeyId);
    expect(await readFile(dotenv, "utf8")).toContain(`AWS_ACCESS_KEY_ID=${keys[0]?.id ?? "?"}`);
    expect(await sessionTokenCalls()).toEqual([
      { user: "ops", serial: ops.serial, mfa: true, outcome: "issued" },
    ]);
  });

  it.each([
    [["--token-code", "98765"], "--token-code must be the 6 digits", "got 5 characters"],
    [["--token-code", "98a765"], "--token-code must be the 6 digits", "not all digits"],
    [
      ["--mfa-serial", "short", "--token-code", "654321"],
      "--mfa-serial must be an MFA device ARN",
      '"short"',
    ],
    [
      ["--mfa-serial", "arn:aws:iam::123456789012:mfa/ops"],
      "--mfa-serial needs the code",
      "--token-code 123456",
    ],
  ])("%j is a usage error (exit 2) that changes nothing", async (extra, ...mentions) => {
    const { app, dotenv, before, env, args } = await seedApp();
    await checksOn();
    const r = await kw([...args, ...extra], env);
    const line = oneLine(r, 2, ...mentions);
    // A code is never quoted back.
    if (extra.includes("--token-code"))
      expect(line).not.toContain(extra[extra.indexOf("--token-code") + 1] ?? "?");
    expect(await keysOf("app")).toEqual([{ id: app.accessKeyId, status: "Active" }]);
    expect(await readFile(dotenv, "utf8")).toBe(before);
    expect(await sessionTokenCalls()).toEqual([]);
  });
});

describe("how rotate tells a denial that MFA would fix from one that it would not", () => {
  /** A self-service user that may not list access keys at all: an implicit deny (no Allow). */
  async function noListUser(name: string, mfa: boolean) {
    await emu.createUser(name, mfa ? { mfa: "virtual" } : {});
    await emu.iam(h.asAdmin()).send(
      new PutUserPolicyCommand({
        UserName: name,
        PolicyName: "mfa-only",
        PolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Action: ["iam:ListMFADevices", "sts:GetSessionToken"], Resource: "*" },
          ],
        }),
      }),
    );
    const key = await emu.createKey(name);
    secrets.add(key.secretAccessKey);
    return key;
  }

  it("no Allow but an MFA device: says MFA may be it, or the permission; no device: the usual message", async () => {
    const bob = await noListUser("bob", true);
    const carol = await noListUser("carol", false);
    const bobBox = await laptop(bob);
    const carolBox = await laptop(carol);
    await checksOn();

    const withDevice = await kw(["rotate", "--profile", "dev", "--yes"], bobBox.env);
    const line = oneLine(withDevice, 4, "ListAccessKeys failed", "the caller has an MFA device");
    expect(line).toContain("If so, pass --mfa-serial arn:aws:iam::123456789012:mfa/bob --token-code CODE");
    expect(line).toContain("otherwise grant iam:ListAccessKeys");
    expect(line).not.toContain("explicit deny");

    const noDevice = await kw(["rotate", "--profile", "dev", "--yes"], carolBox.env);
    const plain = oneLine(noDevice, 4, "ListAccessKeys failed", "Grant iam:ListAccessKeys");
    expect(plain).not.toContain("MFA");
    expect(await keysOf("bob")).toEqual([{ id: bob.accessKeyId, status: "Active" }]);
    expect(await keysOf("carol")).toEqual([{ id: carol.accessKeyId, status: "Active" }]);
  });
});

describe("rotate --account with MFA: the role is assumed with the MFA session", () => {
  it("refused without MFA (AssumeRole is denied), done with one MFA session", async () => {
    const org = new OrganizationsClient({
      endpoint: emu.endpoint,
      region: REGION,
      credentials: DUMMY_CREDENTIALS,
    });
    await org.send(new CreateOrganizationCommand({ FeatureSet: "ALL" }));
    await org.send(new CreateAccountCommand({ AccountName: "member", Email: "member@example.com" }));
    const member = (await org.send(new ListAccountsCommand({}))).Accounts?.find(
      (a) => a.Name === "member",
    )?.Id;
    expect(member).toMatch(/^\d{12}$/);
    const memberId = member ?? "";
    await emu.iamIn(memberId).send(
      new AttachRolePolicyCommand({
        RoleName: "OrganizationAccountAccessRole",
        PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess",
      }),
    );
    const seeded = await emu.client.bulkSeed({
      account_id: memberId,
      users: [{ name: "app", access_keys: [{}] }],
    });
    const oldId = seeded.users[0]?.access_keys[0]?.access_key_id ?? "";
    secrets.add(seeded.users[0]?.access_keys[0]?.secret_access_key ?? "?");
    const ops = await mfaUser("ops", { admin: true });
    await checksOn();

    const env = {
      KEYWARDEN_HOME: h.home(),
      AWS_ENDPOINT_URL: emu.endpoint,
      AWS_REGION: REGION,
      KEYWARDEN_VERIFY_ATTEMPTS: "3",
      KEYWARDEN_LOCK_SETTLE_MS: "20",
      AWS_ACCESS_KEY_ID: ops.accessKeyId,
      AWS_SECRET_ACCESS_KEY: ops.secretAccessKey,
    };
    const args = [
      "rotate",
      "--user",
      "app",
      "--account",
      memberId,
      "--to",
      "stdout",
      "--observe",
      "0",
      "--delete-now",
      "--yes",
    ];
    const refused = await kw(args, env);
    oneLine(
      refused,
      4,
      "AssumeRole failed",
      "a policy denies this without MFA",
      `--mfa-serial ${ops.serial}`,
    );

    const r = await kw([...args, "--mfa-serial", ops.serial, "--token-code", "864200"], env);
    expect(r.stderr).toContain("is done");
    expect(r.code, r.stderr).toBe(0);
    const printed = JSON.parse(r.stdout.trim()) as { AccessKeyId: string; SecretAccessKey: string };
    secrets.add(printed.SecretAccessKey);
    expect(printed.AccessKeyId).not.toBe(oldId);
    expect(await sessionTokenCalls()).toEqual([
      { user: "ops", serial: ops.serial, mfa: true, outcome: "issued" },
    ]);
  });
});

describe("RotationMfa in process: the code typed at the prompt", () => {
  function io() {
    let err = "";
    return {
      io: {
        stdout: { write: () => true },
        stderr: { write: (s: string) => (err += s) },
        env: { KEYWARDEN_HOME: h.home() },
        cwd: process.cwd(),
      },
      stderr: () => err,
    };
  }

  it("asks once for the device's code, and the session signs with MFA but rotates the long-term key", async () => {
    const alice = await mfaUser("alice");
    await checksOn();
    const asked: string[] = [];
    const out = io();
    const mfa = new RotationMfa({ mfaSerial: alice.serial }, out.io, {
      readCode: (device) => {
        asked.push(device);
        return Promise.resolve(" 424242\n"); // as typed, with the newline
      },
    });
    const target = {
      endpointUrl: emu.endpoint,
      region: REGION,
      credentials: { accessKeyId: alice.accessKeyId, secretAccessKey: alice.secretAccessKey },
    };
    const session = await mfa.session(target);
    expect(asked).toEqual([alice.serial]);
    expect(signsWithOneMfaSession(session)).toBe(true);
    expect((await session.credentials()).accessKeyId).toBe(alice.accessKeyId);
    const listed = await session.iam().send(new ListAccessKeysCommand({ UserName: "alice" }));
    expect(listed.AccessKeyMetadata?.map((k) => k.AccessKeyId)).toEqual([alice.accessKeyId]);
    expect(out.stderr()).toContain(`one MFA session (device ${alice.serial}`);
    expect(await sessionTokenCalls()).toEqual([
      { user: "alice", serial: alice.serial, mfa: true, outcome: "issued" },
    ]);

    // A code typed wrong is a usage error naming the flag to pass instead; AWS is not asked.
    const again = new RotationMfa({ mfaSerial: alice.serial }, io().io, {
      readCode: () => Promise.resolve("12-456"),
    });
    const e = await again.session(target).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UsageError);
    expect((e as UsageError).message).toMatch(/^the MFA code typed must be the 6 digits/);
    expect((e as UsageError).fix).toContain("--token-code 123456");
    expect(await sessionTokenCalls()).toHaveLength(1);
  });
});
