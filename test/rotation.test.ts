import { execFile } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { AttachUserPolicyCommand } from "@aws-sdk/client-iam";
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.js";
import { jobIdOf, useRotationHarness } from "./helpers/rotation.js";
import { REGION, useEmulator } from "./emulator/harness.js";

// keywarden rotate end to end: the real CLI in a child process, the real SDK, the emulator with
// signature checking ON, so a deactivated or deleted key really stops working.

const emu = useEmulator();
const h = useRotationHarness(emu);
const { env, asAdmin, keysOf, signsIn, storeBytes } = h;
const execFileP = promisify(execFile);
const secrets = () =>
  new SecretsManagerClient({ endpoint: emu.endpoint, region: REGION, credentials: asAdmin() });
const ssm = () => new SSMClient({ endpoint: emu.endpoint, region: REGION, credentials: asAdmin() });

async function readDotenvFile(path: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const line of (await readFile(path, "utf8")).split("\n")) {
    const m = /^(\w+)=(.*)$/.exec(line);
    if (m?.[1]) out[m[1]] = m[2] ?? "";
  }
  return out;
}

describe("keywarden rotate --user (administrator)", () => {
  it("rotates to a dotenv file, Secrets Manager and SSM; the old key stops working", async () => {
    await emu.createUser("app");
    const old = await emu.createKey("app");
    const dir = await mkdtemp(join(tmpdir(), "kw-rot-"));
    const dotenv = join(dir, ".env");
    await writeFile(
      dotenv,
      `# app\nAPP_NAME=demo\nAWS_ACCESS_KEY_ID=${old.accessKeyId}\nAWS_SECRET_ACCESS_KEY=${old.secretAccessKey}\n`,
    );
    await secrets().send(
      new CreateSecretCommand({ Name: "app/aws", SecretString: JSON.stringify({ note: "keep me" }) }),
    );

    await emu.client.setAuth(true); // seeded: from here on, signatures and keys are checked
    const r = await runCli(
      [
        "rotate",
        "--user",
        "app",
        "--to",
        `dotenv:${dotenv}`,
        "--to",
        "secretsmanager:app/aws",
        "--to",
        "ssm:/app/aws",
        "--observe",
        "0",
        "--delete-now",
        "--yes",
      ],
      { env: env() },
    );
    expect(r.stderr).toContain("is done");
    expect(r.code).toBe(0);

    const keys = await keysOf("app");
    expect(keys).toHaveLength(1);
    const newId = keys[0]?.id ?? "";
    expect(newId).not.toBe(old.accessKeyId);

    const file = await readDotenvFile(dotenv);
    expect(file.APP_NAME).toBe("demo");
    expect(file.AWS_ACCESS_KEY_ID).toBe(newId);
    const newSecret = file.AWS_SECRET_ACCESS_KEY ?? "";
    expect(await signsIn(newId, newSecret)).toBe(true);
    expect(await signsIn(old.accessKeyId, old.secretAccessKey)).toBe(false);

    const sm = JSON.parse(
      (await secrets().send(new GetSecretValueCommand({ SecretId: "app/aws" }))).SecretString ?? "{}",
    ) as Record<string, string>;
    expect(sm).toEqual({ note: "keep me", AccessKeyId: newId, SecretAccessKey: newSecret });
    const p = await ssm().send(new GetParameterCommand({ Name: "/app/aws", WithDecryption: true }));
    expect(p.Parameter?.Type).toBe("SecureString");
    expect(JSON.parse(p.Parameter?.Value ?? "{}")).toEqual({
      AccessKeyId: newId,
      SecretAccessKey: newSecret,
    });

    // The secret lives in AWS and the targets only: not in output, not in the database.
    expect(r.stdout + r.stderr).not.toContain(newSecret);
    expect(await storeBytes()).not.toContain(newSecret);
    expect(await storeBytes()).not.toContain(old.secretAccessKey);

    const list = await runCli(["rotations", "--format", "json"], { env: env() });
    const jobs = JSON.parse(list.stdout) as Record<string, unknown>[];
    expect(jobs).toHaveLength(1);
    expect(Object.keys(jobs[0] ?? {}).sort()).toEqual(
      [
        "accountId",
        "createdAt",
        "id",
        "newAccessKeyId",
        "nextAt",
        "oldAccessKeyId",
        "rollbackFrom",
        "state",
        "step",
        "targets",
        "updatedAt",
        "userName",
      ].sort(),
    );
    expect(jobs[0]).toMatchObject({
      userName: "app",
      oldAccessKeyId: old.accessKeyId,
      newAccessKeyId: newId,
      state: "done",
      step: "done",
    });
  });

  it("prints the plan with --dry-run and changes nothing", async () => {
    await emu.createUser("app");
    const old = await emu.createKey("app");
    await emu.client.setAuth(true); // seeded: from here on, signatures and keys are checked
    const r = await runCli(["rotate", "--user", "app", "--to", "ssm:/app/aws", "--dry-run"], { env: env() });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("iam:CreateAccessKey --user-name app");
    expect(r.stdout).toContain(`iam:UpdateAccessKey ${old.accessKeyId} Inactive`);
    expect(r.stdout).toContain("Nothing was changed");
    expect(await keysOf("app")).toEqual([{ id: old.accessKeyId, status: "Active" }]);
    const list = await runCli(["rotations", "--format", "json"], { env: env() });
    expect(JSON.parse(list.stdout)).toEqual([]);
  });

  it("refuses a user with two keys before creating anything; --replace-inactive makes room", async () => {
    await emu.createUser("busy");
    const active = await emu.createKey("busy");
    const inactive = await emu.createKey("busy", { status: "Inactive" });
    const dir = await mkdtemp(join(tmpdir(), "kw-rot-"));
    const dotenv = join(dir, ".env");

    await emu.client.setAuth(true); // seeded: from here on, signatures and keys are checked
    const refused = await runCli(["rotate", "--user", "busy", "--to", `dotenv:${dotenv}`, "--yes"], {
      env: env(),
    });
    expect(refused.code).toBe(7);
    expect(refused.stderr).toContain("already has two access keys");
    expect(await keysOf("busy")).toHaveLength(2);

    const wrong = await runCli(
      [
        "rotate",
        "--user",
        "busy",
        "--to",
        `dotenv:${dotenv}`,
        "--replace-inactive",
        active.accessKeyId,
        "--key",
        active.accessKeyId,
      ],
      { env: env() },
    );
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("never deletes an active key");

    const ok = await runCli(
      [
        "rotate",
        "--user",
        "busy",
        "--key",
        active.accessKeyId,
        "--replace-inactive",
        inactive.accessKeyId,
        "--to",
        `dotenv:${dotenv}`,
        "--observe",
        "0",
        "--soak",
        "0",
        "--yes",
      ],
      { env: env() },
    );
    expect(ok.code).toBe(0);
    const keys = await keysOf("busy");
    expect(keys).toHaveLength(1);
    expect(keys[0]?.id).toBe((await readDotenvFile(dotenv)).AWS_ACCESS_KEY_ID);
  });

  it("lets only one of two concurrent rotations of a user run", async () => {
    await emu.createUser("race");
    await emu.createKey("race");
    const dir = await mkdtemp(join(tmpdir(), "kw-rot-"));
    const args = (n: number) => [
      "rotate",
      "--user",
      "race",
      "--to",
      `dotenv:${join(dir, `${n}.env`)}`,
      "--observe",
      "7d",
      "--yes",
    ];
    await emu.client.setAuth(true); // seeded: from here on, signatures and keys are checked
    const [a, b] = await Promise.all([runCli(args(1), { env: env() }), runCli(args(2), { env: env() })]);
    const codes = [a.code, b.code].sort();
    expect(codes).toEqual([0, 7]);
    const loser = a.code === 7 ? a : b;
    expect(loser.stderr).toMatch(/already has rotation|already has two/);
    expect(await keysOf("race")).toHaveLength(2); // old + new, nothing lost, nothing extra
  });

  it("waits while the old key is still used, and rolls back to the old key and old targets", async () => {
    await emu.createUser("svc");
    const old = await emu.createKey("svc");
    const dir = await mkdtemp(join(tmpdir(), "kw-rot-"));
    const dotenv = join(dir, ".env");
    const before = `AWS_ACCESS_KEY_ID=${old.accessKeyId}\nAWS_SECRET_ACCESS_KEY=${old.secretAccessKey}\n`;
    await writeFile(dotenv, before);

    await emu.client.setAuth(true); // seeded: from here on, signatures and keys are checked
    const started = await runCli(
      ["rotate", "--user", "svc", "--to", `dotenv:${dotenv}`, "--observe", "7d", "--yes"],
      { env: env() },
    );
    expect(started.code).toBe(0);
    const id = jobIdOf(started);
    expect(started.stderr).toContain("waiting at step observe");
    expect(await keysOf("svc")).toHaveLength(2);

    const rolled = await runCli(["rotate", "--rollback", id, "--yes"], { env: env() });
    expect(rolled.code).toBe(0);
    expect(await keysOf("svc")).toEqual([{ id: old.accessKeyId, status: "Active" }]);
    expect(await readFile(dotenv, "utf8")).toBe(before);
    expect(await signsIn(old.accessKeyId, old.secretAccessKey)).toBe(true);

    const show = await runCli(["rotations", "show", id, "--format", "json"], { env: env() });
    const job = JSON.parse(show.stdout) as { state: string; events: { action: string }[] };
    expect(job.state).toBe("rolled-back");
    expect(job.events.map((e) => e.action)).toEqual(
      expect.arrayContaining([
        "job-created",
        "backed-up-targets",
        "created-key",
        "delivered",
        "verified",
        "rollback-started",
        "rolled-back",
      ]),
    );
  });
});

describe("keywarden rotate (your own key)", () => {
  it("rewrites every profile holding the key; the AWS CLI works with the new file and the old key is dead", async () => {
    await emu.createUser("alice");
    await emu.iam(asAdmin()).send(
      new AttachUserPolicyCommand({
        UserName: "alice",
        PolicyArn: "arn:aws:iam::aws:policy/IAMFullAccess",
      }),
    );
    const old = await emu.createKey("alice");
    const dir = await mkdtemp(join(tmpdir(), "kw-self-"));
    const credentials = join(dir, "credentials");
    const original = [
      "# my laptop",
      "[dev]",
      `aws_access_key_id = ${old.accessKeyId}`,
      `aws_secret_access_key = ${old.secretAccessKey}`,
      "region = us-east-1",
      "",
      "[dev-copy]",
      `aws_access_key_id=${old.accessKeyId}`,
      `aws_secret_access_key=${old.secretAccessKey}`,
      "",
      "[unrelated]",
      "aws_access_key_id = AKIAI44QH8DHBEXAMPLE",
      "aws_secret_access_key = je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
      "",
    ].join("\n");
    await writeFile(credentials, original, { mode: 0o600 });
    const fileEnv = { AWS_SHARED_CREDENTIALS_FILE: credentials, AWS_CONFIG_FILE: join(dir, "config") };
    await writeFile(fileEnv.AWS_CONFIG_FILE, "");
    const selfEnv = {
      KEYWARDEN_HOME: h.home(),
      AWS_ENDPOINT_URL: emu.endpoint,
      AWS_REGION: REGION,
      KEYWARDEN_VERIFY_ATTEMPTS: "3",
      KEYWARDEN_LOCK_SETTLE_MS: "20",
      ...fileEnv,
    };

    await emu.client.setAuth(true); // seeded: from here on, signatures and keys are checked
    const r = await runCli(["rotate", "--profile", "dev", "--delete-now", "--yes"], { env: selfEnv });
    expect(r.stderr).toContain("is done");
    expect(r.code).toBe(0);

    const text = await readFile(credentials, "utf8");
    const keys = await keysOf("alice");
    expect(keys).toHaveLength(1);
    const newId = keys[0]?.id ?? "";
    expect(text).not.toContain(old.accessKeyId);
    expect(text.split("\n").filter((l) => l.includes(newId))).toHaveLength(2);
    expect(text).toContain("# my laptop");
    expect(text).toContain("aws_access_key_id = AKIAI44QH8DHBEXAMPLE"); // untouched profile
    expect(text).toContain(`aws_access_key_id=${newId}`); // spacing kept

    const aws = (profile: string) =>
      execFileP(
        "aws",
        [
          "sts",
          "get-caller-identity",
          "--profile",
          profile,
          "--endpoint-url",
          emu.endpoint,
          "--region",
          REGION,
          "--output",
          "json",
        ],
        {
          env: { PATH: process.env.PATH ?? "", HOME: dir, ...fileEnv },
        },
      );
    const who = JSON.parse((await aws("dev")).stdout) as { Arn: string };
    expect(who.Arn).toContain(":user/alice");

    // The old key no longer works for the AWS CLI either.
    await writeFile(credentials, original);
    await expect(aws("dev")).rejects.toThrow(/InvalidClientTokenId|security token/);
  });
});
