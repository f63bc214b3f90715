import { mkdir, mkdtemp, readFile, readdir, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  DeleteAccessKeyCommand,
  ListUserTagsCommand,
  PutUserPolicyCommand,
} from "@aws-sdk/client-iam";
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.js";
import { jobIdOf, useRotationHarness } from "./helpers/rotation.js";
import { REGION, useEmulator } from "./emulator/harness.js";

// The cases of "rotation you can trust", each through the real CLI against the emulator with
// signature checks on. Each failed on keywarden 0.1, but the two-worker race, which is a race and
// fails there only sometimes; rotation-explore.test.ts recovers from a stale list after every
// boundary, which shows it every time, and explores the schedules around all of them.

const emu = useEmulator();
const h = useRotationHarness(emu);
const { env, asAdmin, keysOf, signsIn } = h;

const sm = () => new SecretsManagerClient({ endpoint: emu.endpoint, region: REGION, credentials: asAdmin() });

async function secretKeyId(id: string): Promise<string | null> {
  const r = await sm()
    .send(new GetSecretValueCommand({ SecretId: id, VersionStage: "AWSCURRENT" }))
    .catch(() => null);
  return r ? ((JSON.parse(r.SecretString ?? "{}") as { AccessKeyId?: string }).AccessKeyId ?? null) : null;
}

async function user(name: string) {
  await emu.createUser(name);
  return emu.createKey(name);
}

const fast = ["--observe", "0", "--soak", "0", "--yes"];

describe("recovery never touches a key the job did not create", () => {
  it("a person's new key survives `rotations advance` after a crash; --rollback closes the job", async () => {
    const old = await user("svc");
    await emu.client.setAuth(true);
    // SIGKILL right after "started rotation", before the job's first write.
    const crashed = await runCli(["rotate", "--user", "svc", "--to", "secretsmanager:a/aws", ...fast], {
      env: env({ KEYWARDEN_CRASH_AT: "before:iam.tagUser" }),
    });
    expect(crashed.signal).toBe("SIGKILL");
    const id = jobIdOf(crashed);
    // A person rotates by hand: a new key into another secret, the old key deleted.
    const iam = emu.iam(asAdmin());
    const mine = (await iam.send(new CreateAccessKeyCommand({ UserName: "svc" }))).AccessKey;
    await sm().send(
      new CreateSecretCommand({
        Name: "b/aws",
        SecretString: JSON.stringify({
          AccessKeyId: mine?.AccessKeyId,
          SecretAccessKey: mine?.SecretAccessKey,
        }),
      }),
    );
    await iam.send(new DeleteAccessKeyCommand({ UserName: "svc", AccessKeyId: old.accessKeyId }));

    const advanced = await runCli(["rotations", "advance", "--yes"], { env: env() });
    expect(advanced.code).toBe(1);
    expect(advanced.stderr).toContain(
      "was deleted by someone else before a new key was made; nothing was created",
    );
    expect(advanced.stderr).not.toContain("Deleted key");
    expect(await keysOf("svc")).toEqual([{ id: mine?.AccessKeyId, status: "Active" }]);
    expect(await signsIn(mine?.AccessKeyId ?? "", mine?.SecretAccessKey ?? "")).toBe(true);

    const closed = await runCli(["rotate", "--rollback", id, "--yes"], { env: env() });
    expect(closed.code, closed.stderr).toBe(0);
    expect(closed.stderr).toContain("is rolled-back");
    expect(await keysOf("svc")).toEqual([{ id: mine?.AccessKeyId, status: "Active" }]);
  });
});

describe("two workers", () => {
  it("two `rotations advance` at once over 8 jobs left at create: every user ends with one working key", async () => {
    const olds = [];
    for (let i = 0; i < 8; i++) olds.push(await user(`w${i}`));
    await emu.client.setAuth(true);
    for (let i = 0; i < 8; i++) {
      const r = await runCli(["rotate", "--user", `w${i}`, "--to", `secretsmanager:w${i}/aws`, ...fast], {
        env: env({ KEYWARDEN_CRASH_AT: "after-create-saved" }),
      });
      expect(r.signal).toBe("SIGKILL");
    }
    const [a, b] = await Promise.all([
      runCli(["rotations", "advance", "--yes"], { env: env() }),
      runCli(["rotations", "advance", "--yes"], { env: env() }),
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    for (let i = 0; i < 8; i++) {
      const keys = await keysOf(`w${i}`);
      expect(keys, `w${i}`).toHaveLength(1);
      expect(keys[0]?.id).not.toBe(olds[i]?.accessKeyId);
      expect(await secretKeyId(`w${i}/aws`)).toBe(keys[0]?.id);
    }
    const list = JSON.parse((await runCli(["rotations", "--format", "json"], { env: env() })).stdout) as {
      state: string;
    }[];
    expect(list.map((j) => j.state)).toEqual(Array(8).fill("done"));
  }, 120_000);
});

describe("targets are checked before a key exists", () => {
  async function broken(kind: "ini" | "loop" | "dir") {
    const old = await user("svc");
    const dir = await mkdtemp(join(tmpdir(), "kw-broken-"));
    let to: string;
    if (kind === "ini") {
      await writeFile(join(dir, "broken"), "[dev\naws_access_key_id = AKIAEXAMPLE\n");
      to = `profile:dev@${join(dir, "broken")}`;
    } else if (kind === "loop") {
      await symlink(join(dir, "b.env"), join(dir, "a.env"));
      await symlink(join(dir, "a.env"), join(dir, "b.env"));
      to = `dotenv:${join(dir, "a.env")}`;
    } else {
      await mkdir(join(dir, "app.env"));
      to = `dotenv:${join(dir, "app.env")}`;
    }
    await emu.client.setAuth(true);
    return { old, to };
  }

  for (const [kind, message] of [
    ["ini", "line 1: a section header"],
    ["loop", "is a symbolic link that loops"],
    ["dir", "is a directory, not a file"],
  ] as const) {
    it(`${kind}: --dry-run and the real run exit 6 naming the problem; no key, no job`, async () => {
      const { old, to } = await broken(kind);
      const dry = await runCli(["rotate", "--user", "svc", "--to", to, "--dry-run"], { env: env() });
      expect(dry.code, dry.stderr).toBe(6);
      expect(dry.stderr).toContain(message);
      const real = await runCli(["rotate", "--user", "svc", "--to", to, ...fast], { env: env() });
      expect(real.code, real.stderr).toBe(6);
      expect(real.stderr).toContain(message);
      expect(real.stderr.trim().split("\n")).toHaveLength(1);
      expect(await keysOf("svc")).toEqual([{ id: old.accessKeyId, status: "Active" }]);
      const jobs = await runCli(["rotations", "--format", "json"], { env: env() });
      expect(JSON.parse(jobs.stdout)).toEqual([]);
      // Nothing holds the user: a rotation to a good target runs at once.
      const ok = await runCli(["rotate", "--user", "svc", "--to", "secretsmanager:svc/aws", ...fast], {
        env: env(),
      });
      expect(ok.code, ok.stderr).toBe(0);
    });
  }
});

describe("rollback restores each target exactly, and backups go with the job", () => {
  it("a dotenv file that did not exist is removed again; a profile keeps every other line; no backup is left", async () => {
    const old = await user("svc");
    const dir = await mkdtemp(join(tmpdir(), "kw-rb-"));
    const dotenv = join(dir, "svc-app.env");
    const creds = join(dir, "credentials");
    const other = "OtherProfilesLiveSecret000000000000000000";
    const before = `[other]\naws_access_key_id = AKIAOTHER00000000000\naws_secret_access_key = ${other}\n\n[svc]\naws_access_key_id = ${old.accessKeyId}\naws_secret_access_key = ${old.secretAccessKey}\n`;
    await writeFile(creds, before, { mode: 0o600 });
    await emu.client.setAuth(true);
    const started = await runCli(
      [
        "rotate",
        "--user",
        "svc",
        "--to",
        `dotenv:${dotenv}`,
        "--to",
        `profile:svc@${creds}`,
        "--observe",
        "7d",
        "--yes",
      ],
      { env: env() },
    );
    expect(started.code, started.stderr).toBe(0);
    const id = jobIdOf(started);
    expect(await readFile(dotenv, "utf8")).toContain("AWS_ACCESS_KEY_ID=AKIA");

    // While the job waits, its backups hold only the changed values, 0600, no other secret.
    const backups = join(h.home(), "backups", id);
    const files = await readdir(backups);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      expect(await readFile(join(backups, f), "utf8")).not.toContain(other);
      expect((await stat(join(backups, f))).mode & 0o777).toBe(0o600);
    }

    const rb = await runCli(["rotate", "--rollback", id, "--yes"], { env: env() });
    expect(rb.code, rb.stderr).toBe(0);
    expect(rb.stderr).toContain(`removed ${dotenv} (it did not exist before)`);
    await expect(stat(dotenv)).rejects.toThrow(/ENOENT/);
    expect(await readFile(creds, "utf8")).toBe(before);
    expect(await keysOf("svc")).toEqual([{ id: old.accessKeyId, status: "Active" }]);
    await expect(readdir(backups)).rejects.toThrow(/ENOENT/);
  });
});

describe("two stores, one user", () => {
  it("a second store (another laptop) cannot start on a user the first store's job holds", async () => {
    await user("svc");
    await emu.client.setAuth(true);
    const first = await runCli(
      ["rotate", "--user", "svc", "--to", "secretsmanager:one/aws", "--observe", "7d", "--yes"],
      {
        env: env(),
      },
    );
    expect(first.code, first.stderr).toBe(0);
    const id = jobIdOf(first);
    const keys = await keysOf("svc");
    // The lock on the user outlives the 7-day observe wait.
    const tags = await emu.iam(asAdmin()).send(new ListUserTagsCommand({ UserName: "svc" }));
    const lock = tags.Tags?.find((t) => t.Key === "keywarden:rotation")?.Value ?? "";
    expect(lock).toMatch(new RegExp(`^${id} until \\S+ by `));
    const until = new Date(/ until (\S+)/.exec(lock)?.[1] ?? 0).getTime();
    expect(until).toBeGreaterThan(Date.now() + 7 * 86_400_000);
    const otherHome = await mkdtemp(join(tmpdir(), "kw-laptop2-"));
    const second = await runCli(
      ["rotate", "--user", "svc", "--key", keys[1]?.id ?? "", "--to", "secretsmanager:two/aws", ...fast],
      {
        env: env({ KEYWARDEN_HOME: otherHome }),
      },
    );
    expect(second.code).toBe(7);
    expect(second.stderr).toContain(`user svc is being rotated by ${id}`);
    expect(await keysOf("svc")).toEqual(keys);
  });
});

describe("a self-rotation resumed after a crash in the middle of delivering", () => {
  it("finishes with one --resume, signing its recovery with the old key", async () => {
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
    await writeFile(
      credentials,
      `[dev]\naws_access_key_id = ${old.accessKeyId}\naws_secret_access_key = ${old.secretAccessKey}\n`,
      {
        mode: 0o600,
      },
    );
    await writeFile(join(dir, "config"), "");
    const selfEnv = {
      KEYWARDEN_HOME: h.home(),
      AWS_ENDPOINT_URL: emu.endpoint,
      AWS_REGION: REGION,
      KEYWARDEN_VERIFY_ATTEMPTS: "3",
      KEYWARDEN_LOCK_SETTLE_MS: "20",
      AWS_SHARED_CREDENTIALS_FILE: credentials,
      AWS_CONFIG_FILE: join(dir, "config"),
    };
    await emu.client.setAuth(true);
    // The profile is written first; the process dies before the dotenv file gets the key.
    const crashed = await runCli(
      [
        "rotate",
        "--profile",
        "dev",
        "--to",
        `profile:dev@${credentials}`,
        "--to",
        `dotenv:${join(dir, ".env")}`,
        "--delete-now",
        "--yes",
      ],
      { env: { ...selfEnv, KEYWARDEN_CRASH_AT: "mid-deliver" } },
    );
    expect(crashed.signal).toBe("SIGKILL");
    const id = jobIdOf(crashed);
    const resumed = await runCli(["rotate", "--resume", id, "--profile", "dev", "--yes"], { env: selfEnv });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain("is done");
    const keys = await keysOf("alice");
    expect(keys).toHaveLength(1);
    expect(await readFile(credentials, "utf8")).toContain(keys[0]?.id ?? "?");
    expect(await readFile(join(dir, ".env"), "utf8")).toContain(keys[0]?.id ?? "?");
  });
});

describe("permissions are checked before a key exists", () => {
  it("an operator who may not delete keys is refused by IAM's policy simulator, and nothing is created", async () => {
    const old = await user("svc");
    const ops = await user("ops");
    await emu.iam(asAdmin()).send(
      new PutUserPolicyCommand({
        UserName: "ops",
        PolicyName: "all-but-delete",
        PolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Action: "*", Resource: "*" },
            { Effect: "Deny", Action: "iam:DeleteAccessKey", Resource: "*" },
          ],
        }),
      }),
    );
    await emu.client.setAuth(true);
    const r = await runCli(["rotate", "--user", "svc", "--to", "secretsmanager:svc/aws", ...fast], {
      env: env({ AWS_ACCESS_KEY_ID: ops.accessKeyId, AWS_SECRET_ACCESS_KEY: ops.secretAccessKey }),
    });
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toContain("may not iam:DeleteAccessKey (explicitDeny)");
    expect(await keysOf("svc")).toEqual([{ id: old.accessKeyId, status: "Active" }]);
    expect(await secretKeyId("svc/aws")).toBeNull();
  });
});

describe("bad input", () => {
  it("rotate --user nosuchuser says there is no such user in the account (exit 2)", async () => {
    await emu.client.setAuth(true);
    const r = await runCli(["rotate", "--user", "nosuchuser", "--to", "secretsmanager:x/aws", "--dry-run"], {
      env: env(),
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('there is no IAM user "nosuchuser" in account');
    expect(r.stderr).not.toContain("Health Dashboard");
  });
});
