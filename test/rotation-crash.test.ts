import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { DeleteAccessKeyCommand } from "@aws-sdk/client-iam";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.js";
import { jobIdOf, useRotationHarness } from "./helpers/rotation.js";
import { REGION, useEmulator, type CreatedKey } from "./emulator/harness.js";

// A real `kill -9` (SIGKILL sent by the process to itself at a named step boundary, through
// KEYWARDEN_CRASH_AT) at every boundary of the rotation job, then `keywarden rotate --resume`.
// After the resume: the user has one key, it is the one every target holds, it signs in, the old
// key does not, nothing was orphaned, and the history is complete.

const emu = useEmulator();
const h = useRotationHarness(emu);
const { env, asAdmin, keysOf, signsIn } = h;

async function dotenvKey(path: string): Promise<{ id: string; secret: string }> {
  const text = await readFile(path, "utf8");
  return {
    id: /AWS_ACCESS_KEY_ID=(\S+)/.exec(text)?.[1] ?? "",
    secret: /AWS_SECRET_ACCESS_KEY=(\S+)/.exec(text)?.[1] ?? "",
  };
}

async function secretKeyId(): Promise<string> {
  const sm = new SecretsManagerClient({ endpoint: emu.endpoint, region: REGION, credentials: asAdmin() });
  const v = JSON.parse(
    (await sm.send(new GetSecretValueCommand({ SecretId: "svc/aws", VersionStage: "AWSCURRENT" })))
      .SecretString ?? "{}",
  ) as {
    AccessKeyId?: string;
  };
  return v.AccessKeyId ?? "";
}

async function setup(): Promise<{ old: CreatedKey; dotenv: string }> {
  await emu.createUser("svc");
  const old = await emu.createKey("svc");
  const dir = await mkdtemp(join(tmpdir(), "kw-crash-"));
  const dotenv = join(dir, ".env");
  await writeFile(
    dotenv,
    `AWS_ACCESS_KEY_ID=${old.accessKeyId}\nAWS_SECRET_ACCESS_KEY=${old.secretAccessKey}\n`,
  );
  const sm = new SecretsManagerClient({ endpoint: emu.endpoint, region: REGION, credentials: asAdmin() });
  await sm.send(
    new CreateSecretCommand({
      Name: "svc/aws",
      SecretString: JSON.stringify({ AccessKeyId: old.accessKeyId, SecretAccessKey: old.secretAccessKey }),
    }),
  );
  await emu.client.setAuth(true); // seeded: from here on, signatures and keys are checked
  return { old, dotenv };
}

const rotateArgs = (dotenv: string) => [
  "rotate",
  "--user",
  "svc",
  "--to",
  `dotenv:${dotenv}`,
  "--to",
  "secretsmanager:svc/aws",
  "--observe",
  "0",
  "--soak",
  "0",
  "--yes",
];

// The boundaries of the job, in order, and what has happened when the process dies there.
const CRASH_POINTS = [
  ["after-create-saved", "key id saved, secret not delivered"],
  ["mid-deliver", "secret delivered to the first target only"],
  ["after-deliver", "secret delivered everywhere, not recorded"],
  ["after-deactivate", "old key deactivated, job not saved"],
  ["after-delete", "old key deleted, job not saved"],
] as const;

describe("crash at every step boundary, then --resume", () => {
  for (const [point, what] of CRASH_POINTS) {
    it(`${point}: ${what}`, async () => {
      const { old, dotenv } = await setup();
      const crashed = await runCli(rotateArgs(dotenv), { env: env({ KEYWARDEN_CRASH_AT: point }) });
      expect(crashed.signal).toBe("SIGKILL");
      expect((await keysOf("svc")).length).toBeLessThanOrEqual(2);
      const id = jobIdOf(crashed);

      const resumed = await runCli(["rotate", "--resume", id, "--yes"], { env: env() });
      expect(resumed.stderr).toContain("is done");
      expect(resumed.code, resumed.stderr).toBe(0);

      const keys = await keysOf("svc");
      expect(keys).toHaveLength(1); // no orphan, old key gone
      const only = keys[0];
      expect(only?.status).toBe("Active");
      const file = await dotenvKey(dotenv);
      expect(file.id).toBe(only?.id);
      expect(await secretKeyId()).toBe(only?.id);
      expect(await signsIn(file.id, file.secret)).toBe(true);
      expect(await signsIn(old.accessKeyId, old.secretAccessKey)).toBe(false);

      const show = await runCli(["rotations", "show", id, "--format", "json"], { env: env() });
      const job = JSON.parse(show.stdout) as {
        state: string;
        newAccessKeyId: string;
        events: { action: string }[];
      };
      expect(job.state).toBe("done");
      expect(job.newAccessKeyId).toBe(only?.id);
      const actions = job.events.map((e) => e.action);
      for (const a of [
        "job-created",
        "created-key",
        "delivered",
        "verified",
        "observed-quiet",
        "deactivated-old-key",
        "deleted-old-key",
      ]) {
        expect(actions).toContain(a);
      }
      // A secret never reaches the history, the output or the database, crash or not.
      expect(show.stdout).not.toContain(file.secret);
      expect(crashed.stdout + crashed.stderr + resumed.stdout + resumed.stderr).not.toContain(file.secret);
      expect(await h.storeBytes()).not.toContain(file.secret);
    });
  }

  it("after-create: a key whose id was never saved is left alone, with the commands that settle it", async () => {
    const { old, dotenv } = await setup();
    const crashed = await runCli(rotateArgs(dotenv), { env: env({ KEYWARDEN_CRASH_AT: "after-create" }) });
    expect(crashed.signal).toBe("SIGKILL");
    const id = jobIdOf(crashed);
    const stray = (await keysOf("svc")).find((k) => k.id !== old.accessKeyId)?.id ?? "";
    expect(stray).toMatch(/^AKIA/);

    // keywarden cannot prove the key is its own (a person may have made it): it leaves it.
    const resumed = await runCli(["rotate", "--resume", id, "--yes"], { env: env() });
    expect(resumed.code, resumed.stderr).toBe(7);
    expect(resumed.stderr).toContain(`aws iam delete-access-key --user-name svc --access-key-id ${stray}`);
    expect(resumed.stderr).toContain(`keywarden rotate --rollback ${id}`);
    expect((await keysOf("svc")).map((k) => k.id).sort()).toEqual([old.accessKeyId, stray].sort());
    expect((await dotenvKey(dotenv)).id).toBe(old.accessKeyId);

    // The operator settles it as told: the key was keywarden's, so delete it and resume.
    await emu.iam(asAdmin()).send(new DeleteAccessKeyCommand({ UserName: "svc", AccessKeyId: stray }));
    const done = await runCli(["rotate", "--resume", id, "--yes"], { env: env() });
    expect(done.code, done.stderr).toBe(0);
    const keys = await keysOf("svc");
    expect(keys).toHaveLength(1);
    expect((await dotenvKey(dotenv)).id).toBe(keys[0]?.id);
    expect(await secretKeyId()).toBe(keys[0]?.id);
  });

  it("rollback-restored: a crash inside a rollback, then --resume finishes the rollback", async () => {
    const { old, dotenv } = await setup();
    const started = await runCli([...rotateArgs(dotenv).slice(0, -5), "--observe", "7d", "--yes"], {
      env: env(),
    });
    expect(started.code).toBe(0);
    const id = jobIdOf(started);
    const crashed = await runCli(["rotate", "--rollback", id, "--yes"], {
      env: env({ KEYWARDEN_CRASH_AT: "rollback-restored" }),
    });
    expect(crashed.signal).toBe("SIGKILL");
    const resumed = await runCli(["rotate", "--resume", id, "--yes"], { env: env() });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(await keysOf("svc")).toEqual([{ id: old.accessKeyId, status: "Active" }]);
    expect((await dotenvKey(dotenv)).id).toBe(old.accessKeyId);
    expect(await secretKeyId()).toBe(old.accessKeyId);
    expect(await signsIn(old.accessKeyId, old.secretAccessKey)).toBe(true);
  });
});
