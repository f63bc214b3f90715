// Issue 13: a legal IAM user name of 40 mixed-case letters and digits is shaped like a secret access
// key, and the store's secret guard refused the audit that names it (`audit --save` exited 70, and
// `serve`, which saves an audit at start, served without one). The real CLI, on the emulator.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { latestAudit } from "../src/server/audit-records.js";
import { openStore } from "../src/store/open.js";
import { DUMMY_CREDENTIALS, REGION, useEmulator } from "./emulator/harness.js";
import { startServe } from "./e2e/serve.js";
import { runCli } from "./helpers/cli.js";

const emu = useEmulator();
const NAME = "SvcDeployPipelineProd2024Account01Worker";
let home: string;

const env = (db: string) => ({
  AWS_ENDPOINT_URL: emu.endpoint,
  AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey,
  AWS_REGION: REGION,
  KEYWARDEN_HOME: home,
  KEYWARDEN_STORE: join(home, db),
});

/** The user names of the newest audit in the store at `db`. */
async function storedUsers(db: string): Promise<string[]> {
  const store = await openStore({ env: { KEYWARDEN_STORE: join(home, db) } });
  try {
    return (await latestAudit(store))?.report.keys.map((k) => k.userName) ?? [];
  } finally {
    await store.close();
  }
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "keywarden-guard-"));
  expect(NAME).toMatch(/^[A-Za-z0-9]{40}$/);
  await emu.createUser(NAME);
  await emu.createKey(NAME);
});

afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe("a 40-character IAM user name", () => {
  it("audit --save stores the audit (no exit 70), and the stored audit names the user", async () => {
    const r = await runCli(["audit", "--save", "--format", "json", "--fail-on", "none"], {
      env: env("audit.db"),
    });
    expect(r.stderr).not.toContain("internal error");
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/audit saved as aud-/);
    expect(await storedUsers("audit.db")).toEqual([NAME]);
  });

  it("serve audits at start and saves it", async () => {
    const served = await startServe(["--port", "0"], env("serve.db"));
    try {
      await expect.poll(() => served.stderr(), { timeout: 30_000 }).toMatch(/audit saved|audit failed/);
      expect(served.stderr()).toContain("keywarden: audit saved (1 keys)");
    } finally {
      await served.stop("SIGTERM");
    }
    expect(await storedUsers("serve.db")).toEqual([NAME]);
  });
});
