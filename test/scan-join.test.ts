// The owner join against the emulator, through the real SDK: a key found in a file is looked up in
// the inventory of the account the caller's credentials reach (never with the leaked secret).
import { DeleteAccessKeyCommand } from "@aws-sdk/client-iam";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCOUNT_ID, REGION, useEmulator, type CreatedKey } from "./emulator/harness.js";
import { runCli } from "./helpers/cli.js";
import { makeKeyId, makeRng, makeSecret } from "./fixtures/scan/corpus.js";
import { writeCorpus } from "./fixtures/scan/repo.js";

const emu = useEmulator();
const rng = makeRng(515);
let dir: string;
let home: string;
let alice: CreatedKey;
let bob: CreatedKey;
const deleted = makeKeyId(rng, "AKIA", ACCOUNT_ID);
const aliceSecret = makeSecret(rng);

interface Finding {
  kind: string;
  accessKeyId: string;
  accountId: string;
  path: string;
  keyStatus: string;
  severity: string;
  owner: { userName: string; userArn: string } | null;
  advice: string;
}

/** moto draws ids from A-Z0-9; AWS (and our detector) only from base32. Draw until one is base32. */
async function base32Key(user: string, status?: "Inactive"): Promise<CreatedKey> {
  for (let i = 0; i < 80; i++) {
    const k = await emu.createKey(user, status ? { status } : {});
    if (/^AKIA[A-Z2-7]{16}$/.test(k.accessKeyId)) return k;
    await emu.iam().send(new DeleteAccessKeyCommand({ UserName: user, AccessKeyId: k.accessKeyId }));
  }
  throw new Error("no base32 key id in 80 draws");
}

const awsEnv = () => ({
  KEYWARDEN_HOME: home,
  AWS_ACCESS_KEY_ID: "testing",
  AWS_SECRET_ACCESS_KEY: "testing",
  AWS_REGION: REGION,
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kw-scan-join-"));
  home = await mkdtemp(join(tmpdir(), "kw-scan-join-home-"));
  await emu.createUser("alice");
  await emu.createUser("bob");
  alice = await base32Key("alice");
  bob = await base32Key("bob", "Inactive");
  await writeCorpus(dir, [
    {
      path: "deploy/.env",
      content: Buffer.from(`AWS_ACCESS_KEY_ID=${alice.accessKeyId}\nAWS_SECRET_ACCESS_KEY=${aliceSecret}\n`),
    },
    { path: "old/bob.json", content: Buffer.from(`{ "AccessKeyId": "${bob.accessKeyId}" }\n`) },
    { path: "old/gone.ini", content: Buffer.from(`aws_access_key_id = ${deleted}\n`) },
  ]);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await rm(home, { recursive: true, force: true });
});

describe("scan joined to owners (emulator)", () => {
  it("active key: owner, critical secret, respond advice; inactive and deleted keys rank lower", async () => {
    const r = await runCli(
      ["scan", dir, "--format", "json", "--no-store", "--endpoint-url", emu.endpoint, "--verify"],
      { env: awsEnv() },
    );
    expect(r.code, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout) as { findings: Finding[]; joinNote?: string };
    expect(report.joinNote).toBeUndefined();
    const id = report.findings.find((f) => f.kind === "access-key-id" && f.path === "deploy/.env");
    expect(id?.keyStatus).toBe("Active");
    expect(id?.owner?.userName).toBe("alice");
    expect(id?.owner?.userArn).toBe(`arn:aws:iam::${ACCOUNT_ID}:user/alice`);
    expect(id?.accountId).toBe(ACCOUNT_ID);
    // Found with its secret: a leaked pair, as severe as the secret of an active key.
    expect(id?.severity).toBe("critical");
    expect(id?.advice).toMatch(/^Leaked with its secret access key \(line 2\)/);
    const secret = report.findings.find((f) => f.kind === "secret-access-key");
    expect(secret?.severity).toBe("critical");
    expect(secret?.owner?.userName).toBe("alice");
    expect(secret?.advice).toContain(`keywarden respond ${alice.accessKeyId}`);
    expect(r.stdout).not.toContain(aliceSecret);

    const b = report.findings.find((f) => f.path === "old/bob.json");
    expect([b?.keyStatus, b?.owner?.userName, b?.severity]).toEqual(["Inactive", "bob", "low"]);
    const gone = report.findings.find((f) => f.path === "old/gone.ini");
    expect([gone?.keyStatus, gone?.accountId, gone?.severity]).toEqual(["NotFound", ACCOUNT_ID, "info"]);
    expect(gone?.advice).toMatch(/no longer exists/);
  });

  it("--verify asks sts:GetAccessKeyInfo for the account instead of trusting the decoded one", async () => {
    const other = await mkdtemp(join(tmpdir(), "kw-scan-verify-"));
    try {
      // Decodes to another account; the emulator's STS answers with its own account for unknown keys.
      const foreign = makeKeyId(rng, "AKIA", "210987654321");
      await writeCorpus(other, [{ path: "k.txt", content: Buffer.from(`${foreign}\n`) }]);
      const run = async (extra: string[]) => {
        const r = await runCli(
          ["scan", other, "--format", "json", "--no-store", "--endpoint-url", emu.endpoint, ...extra],
          { env: awsEnv() },
        );
        return (JSON.parse(r.stdout) as { findings: Finding[] }).findings[0];
      };
      const decoded = await run([]);
      expect([decoded?.accountId, decoded?.keyStatus]).toEqual(["210987654321", "Unknown"]);
      const verified = await run(["--verify"]);
      expect([verified?.accountId, verified?.keyStatus]).toEqual([ACCOUNT_ID, "NotFound"]);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it("without credentials the scan still reports, with a note and unknown owners", async () => {
    const r = await runCli(["scan", dir, "--format", "json", "--no-store", "--endpoint-url", emu.endpoint], {
      env: { KEYWARDEN_HOME: home, AWS_REGION: REGION },
    });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { findings: Finding[]; joinNote?: string };
    expect(report.joinNote).toMatch(/owners not looked up/);
    expect(report.findings.every((f) => f.keyStatus === "Unknown")).toBe(true);
    expect(report.findings).toHaveLength(4);
  });
});
