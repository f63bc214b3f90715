// Shared set-up for the rotation tests: a fresh emulator account with an administrator, a private
// KEYWARDEN_HOME per test, the CLI environment that signs as that administrator, and checks on
// keys (list, sign in) and on what keywarden keeps (the database bytes).
import { mkdtemp, readFile, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ListAccessKeysCommand } from "@aws-sdk/client-iam";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { beforeEach } from "vitest";
import { REGION, type CreatedKey, type EmulatorHarness } from "../emulator/harness.js";
import type { CliResult } from "./cli.js";

export interface RotationHarness {
  admin: () => CreatedKey;
  home: () => string;
  /** The CLI environment: signs as the administrator against the emulator. */
  env: (extra?: Record<string, string>) => Record<string, string>;
  asAdmin: () => { accessKeyId: string; secretAccessKey: string };
  keysOf: (user: string) => Promise<{ id: string; status: string }[]>;
  signsIn: (accessKeyId: string, secretAccessKey: string) => Promise<boolean>;
  /** Every byte of keywarden's database files (backups excepted). */
  storeBytes: () => Promise<string>;
}

/** Call at the top of a rotation test file, after useEmulator(). Resets the emulator before each test. */
export function useRotationHarness(emu: EmulatorHarness): RotationHarness {
  let admin: CreatedKey | undefined;
  let home = "";
  beforeEach(async () => {
    await emu.client.reset();
    admin = await emu.createAdmin();
    home = await mkdtemp(join(tmpdir(), "keywarden-home-"));
  });
  const theAdmin = (): CreatedKey => {
    if (!admin) throw new Error("the rotation harness runs in beforeEach");
    return admin;
  };
  const asAdmin = () => ({
    accessKeyId: theAdmin().accessKeyId,
    secretAccessKey: theAdmin().secretAccessKey,
  });
  return {
    admin: theAdmin,
    home: () => home,
    asAdmin,
    env: (extra = {}) => ({
      KEYWARDEN_HOME: home,
      AWS_ENDPOINT_URL: emu.endpoint,
      AWS_ACCESS_KEY_ID: theAdmin().accessKeyId,
      AWS_SECRET_ACCESS_KEY: theAdmin().secretAccessKey,
      AWS_REGION: REGION,
      KEYWARDEN_VERIFY_ATTEMPTS: "3",
      // Fischer's delay of the user lock (user-lock.ts): one process writes the tag here.
      KEYWARDEN_LOCK_SETTLE_MS: "20",
      ...extra,
    }),
    keysOf: async (user) => {
      const r = await emu.iam(asAdmin()).send(new ListAccessKeysCommand({ UserName: user }));
      return (r.AccessKeyMetadata ?? []).map((k) => ({ id: k.AccessKeyId ?? "", status: k.Status ?? "" }));
    },
    signsIn: async (accessKeyId, secretAccessKey) => {
      try {
        await emu.sts({ accessKeyId, secretAccessKey }).send(new GetCallerIdentityCommand({}));
        return true;
      } catch {
        return false;
      }
    },
    storeBytes: async () => {
      let all = "";
      for (const f of await readdir(home)) {
        if (f.startsWith("keywarden.db")) all += await readFile(join(home, f), "latin1");
      }
      return all;
    },
  };
}

export function jobIdOf(r: CliResult): string {
  const m = /started rotation (rot-[\w-]+)/.exec(r.stderr);
  if (!m?.[1]) throw new Error(`no job id in: ${r.stderr}`);
  return m[1];
}
