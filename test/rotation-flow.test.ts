import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetAccessKeyLastUsedCommand } from "@aws-sdk/client-iam";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.js";
import { jobIdOf, useRotationHarness } from "./helpers/rotation.js";
import { useEmulator, type CreatedKey } from "./emulator/harness.js";

// The waiting parts of a rotation (observe, confirmations, `rotations advance`), the stdout
// target, and bad input. Real CLI, real SDK, emulator with signature checks on.

const emu = useEmulator();
const h = useRotationHarness(emu);
const { env, asAdmin, keysOf } = h;

async function show(id: string): Promise<{ state: string; step: string; events: { action: string }[] }> {
  const r = await runCli(["rotations", "show", id, "--format", "json"], { env: env() });
  return JSON.parse(r.stdout) as { state: string; step: string; events: { action: string }[] };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function seeded(): Promise<{ old: CreatedKey; dotenv: string }> {
  await emu.createUser("svc");
  const old = await emu.createKey("svc");
  const dotenv = join(await mkdtemp(join(tmpdir(), "kw-flow-")), ".env");
  await writeFile(
    dotenv,
    `AWS_ACCESS_KEY_ID=${old.accessKeyId}\nAWS_SECRET_ACCESS_KEY=${old.secretAccessKey}\n`,
  );
  await emu.client.setAuth(true);
  return { old, dotenv };
}

describe("waiting steps", () => {
  it("does not deactivate while the old key is still used; `rotations advance` finishes once it is quiet", async () => {
    const { old, dotenv } = await seeded();
    const started = await runCli(
      ["rotate", "--user", "svc", "--to", `dotenv:${dotenv}`, "--observe", "2s", "--soak", "0", "--yes"],
      { env: env() },
    );
    expect(started.code).toBe(0);
    const id = jobIdOf(started);
    expect((await show(id)).step).toBe("observe");

    // Someone still uses the old key after the new one was delivered.
    await sleep(1100);
    await emu.sts(old).send(new GetCallerIdentityCommand({}));
    const lu = await emu
      .iam(asAdmin())
      .send(new GetAccessKeyLastUsedCommand({ AccessKeyId: old.accessKeyId }));
    expect(lu.AccessKeyLastUsed?.LastUsedDate).toBeDefined();
    await sleep(1100);

    const first = await runCli(["rotations", "advance", "--yes"], { env: env() });
    expect(first.code).toBe(0);
    expect(first.stderr).toContain("was used after the new one was delivered");
    const waiting = await show(id);
    expect(waiting.state).toBe("waiting");
    expect(waiting.events.map((e) => e.action)).toContain("old-key-still-used");
    expect((await keysOf("svc")).find((k) => k.id === old.accessKeyId)?.status).toBe("Active");

    // Quiet since that look: the next advance deactivates and (no soak) deletes it.
    await sleep(2100);
    const second = await runCli(["rotations", "advance", "--yes"], { env: env() });
    expect(second.code).toBe(0);
    expect((await show(id)).state).toBe("done");
    expect((await keysOf("svc")).map((k) => k.id)).not.toContain(old.accessKeyId);
  });

  it("without --yes and without a terminal, stops before deactivating; --resume --yes continues", async () => {
    const { old, dotenv } = await seeded();
    const started = await runCli(
      ["rotate", "--user", "svc", "--to", `dotenv:${dotenv}`, "--observe", "0", "--soak", "0"],
      { env: env() },
    );
    expect(started.code).toBe(0);
    expect(started.stderr).toContain("Pass --yes to allow it");
    const id = jobIdOf(started);
    expect((await show(id)).step).toBe("deactivate");
    expect((await keysOf("svc")).find((k) => k.id === old.accessKeyId)?.status).toBe("Active");

    const resumed = await runCli(["rotate", "--resume", id, "--yes"], { env: env() });
    expect(resumed.code).toBe(0);
    expect((await keysOf("svc")).map((k) => k.id)).not.toContain(old.accessKeyId);
    expect((await show(id)).state).toBe("done");

    const late = await runCli(["rotate", "--rollback", id], { env: env() });
    expect(late.code).toBe(7);
    expect(late.stderr).toContain("cannot come back");
  });
});

describe("stdout target", () => {
  it("prints the new key once as JSON and keeps it nowhere else", async () => {
    await emu.createUser("ci");
    await emu.createKey("ci");
    await emu.client.setAuth(true);
    const r = await runCli(
      ["rotate", "--user", "ci", "--to", "stdout", "--observe", "0", "--delete-now", "--yes"],
      {
        env: env(),
      },
    );
    expect(r.code).toBe(0);
    const printed = r.stdout.trim().split("\n");
    expect(printed).toHaveLength(1);
    const key = JSON.parse(printed[0] ?? "{}") as {
      UserName: string;
      AccessKeyId: string;
      SecretAccessKey: string;
    };
    expect(key.UserName).toBe("ci");
    expect(await keysOf("ci")).toEqual([{ id: key.AccessKeyId, status: "Active" }]);
    expect(r.stderr).not.toContain(key.SecretAccessKey);
    expect(await h.storeBytes()).not.toContain(key.SecretAccessKey);
    // The secret went to stdout only, and it signs in.
    await expect(
      emu
        .sts({ accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey })
        .send(new GetCallerIdentityCommand({})),
    ).resolves.toBeDefined();
  });
});

describe("bad input", () => {
  const cases: [string, string[], number, RegExp][] = [
    ["an unknown target", ["rotate", "--user", "svc", "--to", "vault:x"], 2, /is not a target/],
    [
      "no target for an administrator rotation",
      ["rotate", "--user", "svc"],
      2,
      /no target for the new secret/,
    ],
    [
      "a malformed key id",
      ["rotate", "--user", "svc", "--key", "AKIA123", "--to", "stdout"],
      2,
      /not an access key id/,
    ],
    [
      "a bad duration",
      ["rotate", "--user", "svc", "--to", "stdout", "--observe", "soon"],
      2,
      /must be a duration/,
    ],
    ["an unknown rotation", ["rotate", "--resume", "rot-nope"], 2, /there is no rotation rot-nope/],
    ["--resume with --rollback", ["rotate", "--resume", "a", "--rollback", "b"], 2, /exclude each other/],
  ];
  for (const [name, args, code, message] of cases) {
    it(name, async () => {
      await emu.createUser("svc");
      await emu.createKey("svc");
      await emu.client.setAuth(true);
      const r = await runCli(args, { env: env() });
      expect(r.stderr).toMatch(message);
      expect(r.code).toBe(code);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(await keysOf("svc")).toHaveLength(1);
    });
  }
});
