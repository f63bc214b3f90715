import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCOUNT, KEY_A, KEY_B, SECRET_A, SECRET_B, creds, err, identity, liveOk, ok } from "./fixtures.js";
import type {
  AdminProbe,
  DoctorProbe,
  LiveResult,
  LiveTarget,
  Outcome,
  PolicySource,
  SimDecision,
} from "./ports.js";
import { readFileSnapshot, runDoctor } from "./run.js";

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "keywarden-doctor-run-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function files(name: string, credentials: string, config = ""): Promise<Record<string, string>> {
  const c = join(dir, `${name}-credentials`);
  const f = join(dir, `${name}-config`);
  await writeFile(c, credentials, { mode: 0o600 });
  await writeFile(f, config, { mode: 0o600 });
  return { AWS_SHARED_CREDENTIALS_FILE: c, AWS_CONFIG_FILE: f };
}

interface Script {
  live?: LiveResult;
  adminAccount?: string;
  simulate?: (
    actions: readonly string[],
    withMfa: boolean,
  ) => Outcome<{ action: string; decision: SimDecision }[]>;
  policies?: Outcome<PolicySource[]>;
  owner?: (id: string) => Outcome<{ userName: string; lastUse: { date: null; service: null; region: null } }>;
}

/** A probe that records every call, in order. */
function scripted(script: Script): { probe: DoctorProbe; calls: string[]; targets: LiveTarget[] } {
  const calls: string[] = [];
  const targets: LiveTarget[] = [];
  const admin: AdminProbe = {
    identity: ok({ ...identity("admin"), account: script.adminAccount ?? ACCOUNT }),
    keyOwner: (id) => {
      calls.push(`keyOwner ${id}`);
      return Promise.resolve(
        script.owner?.(id) ?? ok({ userName: "alice", lastUse: { date: null, service: null, region: null } }),
      );
    },
    listKeys: (user) => {
      calls.push(`listKeys ${user}`);
      return Promise.resolve(
        ok([{ accessKeyId: KEY_A, status: "Active", createDate: new Date("2025-05-01") }]),
      );
    },
    keyAccount: (id) => {
      calls.push(`keyAccount ${id}`);
      return Promise.resolve(ok(ACCOUNT));
    },
    simulate: (arn, actions, resource, withMfa) => {
      calls.push(`simulate ${withMfa ? "mfa" : "plain"} ${resource} ${actions.join(",")}`);
      return Promise.resolve(
        script.simulate?.(actions, withMfa) ??
          ok(actions.map((action) => ({ action, decision: "allowed" as const }))),
      );
    },
    userPolicies: (user) => {
      calls.push(`userPolicies ${user}`);
      return Promise.resolve(script.policies ?? ok([]));
    },
  };
  return {
    calls,
    targets,
    probe: {
      live: (target) => {
        calls.push("live");
        targets.push(target);
        return Promise.resolve(script.live ?? liveOk());
      },
      admin: (profile) => {
        calls.push(`admin ${profile}`);
        return Promise.resolve(admin);
      },
    },
  };
}

const NOW = new Date("2025-06-01T00:00:00Z");

describe("runDoctor", () => {
  it("reads the key's owner and last use with the admin BEFORE the live call, then checks permissions", async () => {
    const env = await files("order", creds("dev", KEY_A, SECRET_A));
    const s = scripted({});
    const r = await runDoctor({
      env,
      options: { profile: "dev", adminProfile: "admin" },
      probe: s.probe,
      now: NOW,
      platform: "linux",
    });
    expect(s.calls).toEqual([
      "admin admin",
      `keyOwner ${KEY_A}`,
      "listKeys alice",
      "live",
      `simulate plain arn:aws:iam::${ACCOUNT}:user/alice iam:ListAccessKeys,iam:CreateAccessKey,iam:UpdateAccessKey,iam:DeleteAccessKey`,
      "simulate plain * sts:GetSessionToken",
    ]);
    expect(s.targets).toEqual([{ profile: "dev", region: "us-east-1", endpointUrl: undefined }]);
    expect(r.diagnosis.code).toBe("OK");
  });

  it("without --admin-profile only the live call is made", async () => {
    const env = await files("noadmin", creds("dev", KEY_A, SECRET_A));
    const s = scripted({});
    await runDoctor({ env, options: { profile: "dev" }, probe: s.probe, now: NOW, platform: "linux" });
    expect(s.calls).toEqual(["live"]);
  });

  it("nothing is called live when the files are broken", async () => {
    const env = await files("broken", "[dev\n");
    const s = scripted({});
    const r = await runDoctor({
      env,
      options: { profile: "dev" },
      probe: s.probe,
      now: NOW,
      platform: "linux",
    });
    expect(s.calls).toEqual([]);
    expect(r.diagnosis.code).toBe("CONFIG_INVALID");
    expect(r.diagnosis.message).toContain("line 1");
  });

  it("asks again with MFA only for the denied actions", async () => {
    const env = await files("mfa", creds("dev", KEY_A, SECRET_A));
    const s = scripted({
      simulate: (actions, withMfa) =>
        ok(
          actions.map((action) => ({
            action,
            decision: action === "iam:CreateAccessKey" && !withMfa ? "explicitDeny" : "allowed",
          })),
        ),
    });
    const r = await runDoctor({
      env,
      options: { profile: "dev", adminProfile: "admin" },
      probe: s.probe,
      now: NOW,
      platform: "linux",
    });
    expect(s.calls).toContain(`simulate mfa arn:aws:iam::${ACCOUNT}:user/alice iam:CreateAccessKey`);
    expect(s.calls.filter((c) => c.startsWith("simulate mfa"))).toHaveLength(1);
    expect(r.diagnosis.code).toBe("MFA_REQUIRED");
  });

  it("falls back to the user's own policies when the simulation fails", async () => {
    const env = await files("fallback", creds("dev", KEY_A, SECRET_A));
    const forceMfa: PolicySource = {
      name: "inline policy force-mfa of user alice",
      boundary: false,
      document: JSON.stringify({
        Statement: [
          { Effect: "Allow", Action: "*", Resource: "*" },
          {
            Effect: "Deny",
            NotAction: "sts:GetSessionToken",
            Resource: "*",
            Condition: { BoolIfExists: { "aws:MultiFactorAuthPresent": "false" } },
          },
        ],
      }),
    };
    const s = scripted({
      simulate: () => err("AWS_ERROR", "Error", "not implemented", "iam:SimulatePrincipalPolicy"),
      policies: ok([forceMfa]),
    });
    const r = await runDoctor({
      env,
      options: { profile: "dev", adminProfile: "admin" },
      probe: s.probe,
      now: NOW,
      platform: "linux",
    });
    expect(s.calls).toContain("userPolicies alice");
    expect(r.checks.find((c) => c.id === "permissions")?.message).toContain("evaluated locally");
    expect(r.checks.find((c) => c.id === "permission.iam:CreateAccessKey")).toMatchObject({ status: "warn" });
    expect(r.checks.find((c) => c.id === "permission.sts:GetSessionToken")).toMatchObject({ status: "ok" });
    expect(r.diagnosis.code).toBe("MFA_REQUIRED");
  });

  it("a key only known once resolved is looked up after the live call", async () => {
    const env = await files("process", "", "[profile dev]\ncredential_process = /bin/creds\n");
    const s = scripted({ live: liveOk(KEY_B) });
    await runDoctor({
      env,
      options: { profile: "dev", adminProfile: "admin" },
      probe: s.probe,
      now: NOW,
      platform: "linux",
    });
    expect(s.calls.slice(0, 4)).toEqual(["admin admin", "live", `keyOwner ${KEY_B}`, "listKeys alice"]);
  });

  it("the overridden profile's key is looked up too (never signed with)", async () => {
    const env = {
      ...(await files("override", creds("default", KEY_A, SECRET_A))),
      AWS_ACCESS_KEY_ID: KEY_B,
      AWS_SECRET_ACCESS_KEY: SECRET_B,
    };
    const s = scripted({});
    const r = await runDoctor({
      env,
      options: { adminProfile: "admin" },
      probe: s.probe,
      now: NOW,
      platform: "linux",
    });
    expect(s.calls.slice(0, 6)).toEqual([
      "admin admin",
      `keyOwner ${KEY_B}`,
      "listKeys alice",
      `keyOwner ${KEY_A}`,
      "listKeys alice",
      "live",
    ]);
    expect(s.targets).toEqual([{ profile: null, region: "us-east-1", endpointUrl: undefined }]);
    expect(r.diagnosis.code).toBe("ENV_OVERRIDES_PROFILE");
  });

  it("no permission check for a caller of another account than the admin", async () => {
    const env = await files("foreign", creds("dev", KEY_A, SECRET_A));
    const s = scripted({ adminAccount: "999999999999" });
    await runDoctor({
      env,
      options: { profile: "dev", adminProfile: "admin" },
      probe: s.probe,
      now: NOW,
      platform: "linux",
    });
    expect(s.calls.some((c) => c.startsWith("simulate"))).toBe(false);
  });
});

describe("readFileSnapshot", () => {
  it("missing, ok with its mode, invalid with the line", async () => {
    expect((await readFileSnapshot(join(dir, "nope"), "credentials")).state).toBe("missing");
    const good = join(dir, "good");
    await writeFile(good, creds("dev", KEY_A, SECRET_A));
    await chmod(good, 0o640);
    expect(await readFileSnapshot(good, "credentials")).toMatchObject({ state: "ok", mode: 0o640 });
    const bad = join(dir, "bad");
    await writeFile(bad, "[dev]\nok = 1\nnot a key line\n");
    expect(await readFileSnapshot(bad, "credentials")).toMatchObject({
      state: "invalid",
      error: { line: 3 },
    });
  });
});
