import { describe, expect, it } from "vitest";
import { diagnose, formatDuration, type DiagnoseContext, type PermissionResult } from "./diagnose.js";
import {
  ACCOUNT,
  KEY_A,
  KEY_B,
  SECRET_A,
  SECRET_B,
  SESSION_KEY,
  SESSION_TOKEN,
  adminResults,
  creds,
  err,
  file,
  liveFail,
  liveOk,
  lookup,
  ok,
  probes,
} from "./fixtures.js";
import { analyzeLocal, type LocalAnalysis } from "./local.js";
import type { SimDecision } from "./ports.js";
import type { DiagnosisCode, DoctorReport, Env } from "./types.js";

const NOW = new Date("2025-06-01T12:00:00Z");
const CTX: DiagnoseContext = { now: NOW, platform: "linux", rotationDays: 90, adminProfile: undefined };
const WITH_ADMIN: DiagnoseContext = { ...CTX, adminProfile: "admin" };

function local(
  opts: { env?: Env; creds?: string | null; config?: string | null; profile?: string } = {},
): LocalAnalysis {
  return analyzeLocal({
    env: opts.env ?? {},
    credentials: file("credentials", opts.creds === undefined ? creds("dev", KEY_A, SECRET_A) : opts.creds),
    config: file("config", opts.config ?? null),
    // --profile dev by default, unless environment keys are meant to win.
    profile:
      opts.profile ??
      (opts.env?.AWS_ACCESS_KEY_ID === undefined &&
      (opts.creds === undefined || opts.creds?.includes("[dev]") === true)
        ? "dev"
        : undefined),
  });
}

function check(r: DoctorReport, id: string) {
  const c = r.checks.find((x) => x.id === id);
  if (c === undefined) throw new Error(`no check ${id}: ${r.checks.map((x) => x.id).join(", ")}`);
  return c;
}

function perms(results: PermissionResult[], method: "simulation" | "local" = "simulation") {
  return {
    method,
    simulationError: null,
    principalArn: `arn:aws:iam::${ACCOUNT}:user/alice`,
    results: ok(results),
  };
}

function perm(action: string, withoutMfa: SimDecision, withMfa: SimDecision | null = null): PermissionResult {
  return {
    action,
    resource: action.startsWith("sts:") ? "*" : `arn:aws:iam::${ACCOUNT}:user/alice`,
    withoutMfa,
    withMfa,
    detail: null,
  };
}

const ALL_ALLOWED = [
  "iam:ListAccessKeys",
  "iam:CreateAccessKey",
  "iam:UpdateAccessKey",
  "iam:DeleteAccessKey",
  "sts:GetSessionToken",
].map((a) => perm(a, "allowed"));

/** One scenario per diagnosis code; the Record type makes a new code without a scenario a compile error. */
const CASES: Record<DiagnosisCode, () => DoctorReport> = {
  OK: () => diagnose(local(), probes(liveOk()), CTX),
  CONFIG_INVALID: () => diagnose(local({ creds: "[default]\naws_access_key_id\n" }), probes(null), CTX),
  PROFILE_NOT_FOUND: () => diagnose(local({ profile: "nope" }), probes(null), CTX),
  REGION_INVALID: () => diagnose(local({ env: { AWS_REGION: "moon" } }), probes(null), CTX),
  NO_CREDENTIALS: () => diagnose(local({ creds: null }), probes(null), CTX),
  ENV_OVERRIDES_PROFILE: () =>
    diagnose(
      local({
        env: { AWS_ACCESS_KEY_ID: KEY_B, AWS_SECRET_ACCESS_KEY: SECRET_B },
        creds: creds("default", KEY_A, SECRET_A),
      }),
      probes(liveOk(KEY_B)),
      CTX,
    ),
  CLOCK_SKEW: () => diagnose(local(), probes(liveOk(KEY_A, "alice", 20 * 60_000)), CTX),
  SESSION_EXPIRED: () =>
    diagnose(
      local({ creds: creds("dev", SESSION_KEY, SECRET_A, `aws_session_token = ${SESSION_TOKEN}\n`) }),
      probes(
        liveFail(
          "SESSION_EXPIRED",
          "ExpiredToken",
          "The security token included in the request is expired",
          SESSION_KEY,
        ),
      ),
      CTX,
    ),
  KEY_INACTIVE: () =>
    diagnose(
      local(),
      probes(
        liveFail(
          "KEY_NOT_VALID",
          "InvalidClientTokenId",
          "The security token included in the request is invalid.",
        ),
        adminResults({ key: lookup(KEY_A, "alice", [{ id: KEY_A, status: "Inactive" }], NOW) }),
      ),
      WITH_ADMIN,
    ),
  KEY_NOT_FOUND: () =>
    diagnose(
      local(),
      probes(
        liveFail("KEY_NOT_VALID", "InvalidClientTokenId"),
        adminResults({
          key: {
            accessKeyId: KEY_A,
            owner: err(
              "AWS_ERROR",
              "NoSuchEntityException",
              "The Access Key cannot be found",
              "iam:GetAccessKeyLastUsed",
            ),
            keys: null,
            account: ok(ACCOUNT),
          },
        }),
      ),
      WITH_ADMIN,
    ),
  KEY_NOT_VALID: () => diagnose(local(), probes(liveFail("KEY_NOT_VALID", "InvalidClientTokenId")), CTX),
  SIGNATURE_MISMATCH: () =>
    diagnose(local(), probes(liveFail("SIGNATURE_MISMATCH", "SignatureDoesNotMatch")), CTX),
  MFA_REQUIRED: () =>
    diagnose(
      local(),
      probes(
        liveOk(),
        adminResults({
          key: lookup(KEY_A, "alice", [{ id: KEY_A, status: "Active" }], NOW),
          permissions: perms([
            perm("iam:CreateAccessKey", "explicitDeny", "allowed"),
            perm("sts:GetSessionToken", "allowed"),
          ]),
        }),
      ),
      WITH_ADMIN,
    ),
  ACCESS_DENIED: () =>
    diagnose(
      local(),
      probes(
        liveOk(),
        adminResults({
          key: lookup(KEY_A, "alice", [{ id: KEY_A, status: "Active" }], NOW),
          permissions: perms([
            perm("iam:CreateAccessKey", "implicitDeny", "implicitDeny"),
            perm("sts:GetSessionToken", "allowed"),
          ]),
        }),
      ),
      WITH_ADMIN,
    ),
  ENDPOINT_UNREACHABLE: () =>
    diagnose(local(), probes(liveFail("ENDPOINT_UNREACHABLE", "ECONNREFUSED")), CTX),
  AWS_ERROR: () => diagnose(local(), probes(liveFail("THROTTLED", "Throttling", "Rate exceeded")), CTX),
};

describe("every diagnosis code has a scenario that produces it", () => {
  it.each(Object.keys(CASES) as DiagnosisCode[])("%s", (code) => {
    const report = CASES[code]();
    expect(report.diagnosis.code).toBe(code);
    expect(report.diagnosis.message).not.toBe("");
    if (code === "OK") expect(report.diagnosis.fix).toBeNull();
    else expect(report.diagnosis.fix).toMatch(/\S/);
    expect(report.schemaVersion).toBe(1);
  });
});

describe("the report", () => {
  it("keeps the JSON contract: exactly these keys, key ids masked", () => {
    const r = CASES.ENV_OVERRIDES_PROFILE();
    expect(Object.keys(r).sort()).toEqual([
      "accessKeyId",
      "checks",
      "diagnosis",
      "profile",
      "schemaVersion",
      "source",
    ]);
    expect(Object.keys(r.source).sort()).toEqual(["kind", "name", "shadowed"]);
    expect(Object.keys(r.diagnosis).sort()).toEqual(["code", "fix", "message"]);
    for (const c of r.checks) expect(Object.keys(c).sort()).toEqual(["fix", "id", "message", "status"]);
    expect(r.accessKeyId).toBe("AKIA************MPLE");
    expect(r.source).toEqual({
      kind: "environment",
      name: "AWS_ACCESS_KEY_ID",
      shadowed: [{ kind: "credentials-file", name: "default", accessKeyId: "AKIA************MPLE" }],
    });
    const text = JSON.stringify(r);
    expect(text).not.toContain(KEY_A);
    expect(text).not.toContain(KEY_B);
    expect(text).not.toContain(SECRET_A);
    expect(text).not.toContain(SECRET_B);
  });

  it("never carries a secret or session token, even when AWS's error text echoes one", () => {
    const l = local({ creds: creds("dev", SESSION_KEY, SECRET_A, `aws_session_token = ${SESSION_TOKEN}\n`) });
    const r = diagnose(
      l,
      probes(liveFail("AWS_ERROR", "Weird", `echo ${SECRET_A} and ${SESSION_TOKEN}`, SESSION_KEY)),
      CTX,
    );
    const text = JSON.stringify(r);
    expect(text).toContain("echo **** and ****");
    expect(text).not.toContain(SECRET_A);
    expect(text).not.toContain(SESSION_TOKEN);
  });

  it("OK lists the identity; warnings keep OK but are counted, and the first warning's fix is offered", () => {
    const r = diagnose(local({ creds: creds("dev", KEY_A, SECRET_A) }), probes(liveOk()), CTX);
    expect(r.diagnosis.message).toContain(`arn:aws:iam::${ACCOUNT}:user/alice`);
    const loose = analyzeLocal({
      env: {},
      credentials: file("credentials", creds("dev", KEY_A, SECRET_A), 0o644),
      config: file("config", null),
      profile: "dev",
    });
    const w = diagnose(loose, probes(liveOk()), CTX);
    expect(w.diagnosis.code).toBe("OK");
    expect(w.diagnosis.message).toContain("1 warning above");
    expect(w.diagnosis.fix).toBe("chmod 600 /home/u/.aws/credentials");
  });

  it("a root access key works but is a warning", () => {
    const live = {
      ...liveOk(),
      identity: ok({ account: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:root`, userId: ACCOUNT }),
    };
    const r = diagnose(local(), probes(live), CTX);
    expect(check(r, "identity")).toMatchObject({ status: "warn" });
    expect(check(r, "identity").message).toContain("root user access key");
  });
});

describe("KEY_NOT_VALID: deleted or inactive, and how --admin-profile tells which", () => {
  it("without --admin-profile: 'deleted or inactive', and the fix suggests --admin-profile", () => {
    const r = CASES.KEY_NOT_VALID();
    expect(r.diagnosis.message).toContain("deleted or inactive");
    expect(r.diagnosis.fix).toContain("keywarden doctor --profile dev --admin-profile ADMIN");
    expect(check(r, "admin").status).toBe("skip");
  });

  it("inactive: the fix re-activates it without printing the key id; another active key is named", () => {
    const r = diagnose(
      local(),
      probes(
        liveFail("KEY_NOT_VALID", "InvalidClientTokenId"),
        adminResults({
          key: lookup(
            KEY_A,
            "alice",
            [
              { id: KEY_A, status: "Inactive" },
              { id: KEY_B, status: "Active" },
            ],
            NOW,
          ),
        }),
      ),
      WITH_ADMIN,
    );
    expect(r.diagnosis.code).toBe("KEY_INACTIVE");
    expect(r.diagnosis.message).toContain("--admin-profile admin confirms: ListAccessKeys says Inactive");
    expect(r.diagnosis.message).toContain("the user's active key is AKIA************MPLE");
    expect(r.diagnosis.fix).toContain(
      '--access-key-id "$(aws configure get aws_access_key_id --profile dev)"',
    );
    expect(r.diagnosis.fix).toContain("--profile admin");
    expect(check(r, "key")).toMatchObject({ status: "fail" });
    expect(check(r, "key").message).toContain("status Inactive");
  });

  it("deleted: the owner lookup finds no user (NoSuchEntity) in the admin's account", () => {
    const r = CASES.KEY_NOT_FOUND();
    expect(r.diagnosis.message).toContain(`no IAM user of account ${ACCOUNT} has it`);
    expect(r.diagnosis.fix).toContain("aws iam create-access-key");
  });

  it("a key of another account cannot be confirmed", () => {
    const r = diagnose(
      local(),
      probes(
        liveFail("KEY_NOT_VALID", "InvalidClientTokenId"),
        adminResults({
          key: {
            accessKeyId: KEY_A,
            owner: err("AWS_ERROR", "NoSuchEntityException"),
            keys: null,
            account: ok("999999999999"),
          },
        }),
      ),
      WITH_ADMIN,
    );
    expect(r.diagnosis.code).toBe("KEY_NOT_VALID");
    expect(r.diagnosis.message).toContain("belongs to account 999999999999");
  });

  it("the admin lacks iam:GetAccessKeyLastUsed: unconfirmed, and says what to grant", () => {
    const r = diagnose(
      local(),
      probes(
        liveFail("KEY_NOT_VALID", "InvalidClientTokenId"),
        adminResults({
          key: {
            accessKeyId: KEY_A,
            owner: err("ACCESS_DENIED", "AccessDenied", "no", "iam:GetAccessKeyLastUsed"),
            keys: null,
            account: ok(ACCOUNT),
          },
        }),
      ),
      WITH_ADMIN,
    );
    expect(r.diagnosis.code).toBe("KEY_NOT_VALID");
    expect(r.diagnosis.fix).toContain("iam:GetAccessKeyLastUsed");
    expect(check(r, "key")).toMatchObject({ status: "warn" });
  });

  it("temporary credentials rejected: get a new session", () => {
    const l = local({ creds: creds("dev", SESSION_KEY, SECRET_A, `aws_session_token = ${SESSION_TOKEN}\n`) });
    const r = diagnose(l, probes(liveFail("KEY_NOT_VALID", "InvalidClientTokenId", "x", SESSION_KEY)), CTX);
    expect(r.diagnosis.code).toBe("KEY_NOT_VALID");
    expect(r.diagnosis.message).toContain("temporary credentials");
  });
});

describe("ENV_OVERRIDES_PROFILE", () => {
  const env = { AWS_ACCESS_KEY_ID: KEY_B, AWS_SECRET_ACCESS_KEY: SECRET_B };

  it("warns while the environment key works (and still is the diagnosis)", () => {
    const r = CASES.ENV_OVERRIDES_PROFILE();
    expect(check(r, "env-override")).toMatchObject({ status: "warn" });
    expect(r.diagnosis.message).toContain("every AWS CLI and SDK call uses the environment key");
    expect(r.diagnosis.fix).toContain("unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN");
  });

  it("fails when the environment key fails and the profile's key is Active: it outranks the key failure", () => {
    const r = diagnose(
      local({ env, creds: creds("default", KEY_A, SECRET_A) }),
      probes(
        liveFail("KEY_NOT_VALID", "InvalidClientTokenId", "x", KEY_B),
        adminResults({
          key: lookup(
            KEY_B,
            "alice",
            [
              { id: KEY_B, status: "Inactive" },
              { id: KEY_A, status: "Active" },
            ],
            NOW,
          ),
          overriddenKey: lookup(
            KEY_A,
            "alice",
            [
              { id: KEY_B, status: "Inactive" },
              { id: KEY_A, status: "Active" },
            ],
            NOW,
          ),
        }),
      ),
      WITH_ADMIN,
    );
    expect(check(r, "env-override")).toMatchObject({ status: "fail" });
    expect(check(r, "identity")).toMatchObject({ status: "fail" });
    expect(r.diagnosis.code).toBe("ENV_OVERRIDES_PROFILE");
    expect(r.diagnosis.message).toContain("the environment still holds the old key");
    expect(r.diagnosis.message).toContain("IAM lists it as Active (user alice)");
  });

  it("both keys dead: the key's own failure is the diagnosis", () => {
    const r = diagnose(
      local({ env, creds: creds("default", KEY_A, SECRET_A) }),
      probes(
        liveFail("KEY_NOT_VALID", "InvalidClientTokenId", "x", KEY_B),
        adminResults({
          key: lookup(KEY_B, "alice", [{ id: KEY_B, status: "Inactive" }], NOW),
          overriddenKey: {
            accessKeyId: KEY_A,
            owner: err("AWS_ERROR", "NoSuchEntityException"),
            keys: null,
            account: ok(ACCOUNT),
          },
        }),
      ),
      WITH_ADMIN,
    );
    expect(check(r, "env-override").status).toBe("warn");
    expect(r.diagnosis.code).toBe("KEY_INACTIVE");
  });

  it("AWS_PROFILE with environment keys: says the JavaScript SDK disagrees", () => {
    const r = diagnose(local({ env: { ...env, AWS_PROFILE: "dev" } }), probes(liveOk(KEY_B)), CTX);
    expect(r.diagnosis.code).toBe("ENV_OVERRIDES_PROFILE");
    expect(r.diagnosis.message).toContain("AWS_PROFILE=dev");
    expect(r.diagnosis.message).toContain("AWS SDK for JavaScript v3 picks AWS_PROFILE");
  });

  it("a clock problem with the environment key is the clock's, not an override failure", () => {
    const r = diagnose(
      local({ env, creds: creds("default", KEY_A, SECRET_A) }),
      probes(liveFail("SIGNATURE_MISMATCH", "SignatureDoesNotMatch", "x", KEY_B, 30 * 60_000)),
      CTX,
    );
    expect(r.diagnosis.code).toBe("CLOCK_SKEW");
  });
});

describe("CLOCK_SKEW", () => {
  it("measures the offset from the server's Date header, says which way, and how to sync", () => {
    const r = CASES.CLOCK_SKEW();
    const c = check(r, "clock");
    expect(c.status).toBe("fail");
    expect(c.message).toContain("20 min behind AWS");
    expect(r.diagnosis.fix).toContain("sudo chronyc makestep");
    expect(r.diagnosis.fix).toContain("sudo timedatectl set-ntp true");
  });

  it("beats the signature error it causes", () => {
    const r = diagnose(
      local(),
      probes(liveFail("SIGNATURE_MISMATCH", "SignatureDoesNotMatch", "x", KEY_A, -7 * 60_000)),
      CTX,
    );
    expect(r.diagnosis.code).toBe("CLOCK_SKEW");
    expect(check(r, "clock").message).toContain("7 min ahead of AWS");
    expect(check(r, "identity").status).toBe("fail");
  });

  it("between 1 and 5 minutes: a warning, still OK", () => {
    const r = diagnose(local(), probes(liveOk(KEY_A, "alice", 3 * 60_000)), CTX);
    expect(check(r, "clock").status).toBe("warn");
    expect(r.diagnosis.code).toBe("OK");
  });

  it("without a Date header, the error alone is enough; macOS gets its own command", () => {
    const live = { ...liveFail("CLOCK_SKEW", "RequestTimeTooSkewed"), clock: null };
    const r = diagnose(local(), probes(live), { ...CTX, platform: "darwin" });
    expect(r.diagnosis.code).toBe("CLOCK_SKEW");
    expect(check(r, "clock").status).toBe("skip");
    expect(r.diagnosis.fix).toContain("sntp");
  });

  it("formatDuration", () => {
    expect(formatDuration(20 * 60_000 + 3_000)).toBe("20 min 3 s");
    expect(formatDuration(-45_000)).toBe("45 s");
    expect(formatDuration(3 * 3_600_000)).toBe("3 h");
    expect(formatDuration(5 * 86_400_000)).toBe("5 days");
  });
});

describe("SESSION_EXPIRED, MFA_REQUIRED, ACCESS_DENIED", () => {
  it("an expired MFA session points to keywarden mfa; SSO to aws sso login", () => {
    const r = CASES.SESSION_EXPIRED();
    expect(r.diagnosis.fix).toContain("keywarden mfa --profile dev");
    const sso = analyzeLocal({
      env: {},
      credentials: file("credentials", null),
      config: file(
        "config",
        "[profile dev]\nsso_start_url = https://x.awsapps.com/start\nsso_region = eu-west-1\nsso_account_id = 1\nsso_role_name = r\n",
      ),
      profile: "dev",
    });
    const s = diagnose(
      sso,
      probes(liveFail("NO_CREDENTIALS", "CredentialsProviderError", "Token is expired", null)),
      CTX,
    );
    expect(s.diagnosis.code).toBe("SESSION_EXPIRED");
    expect(s.diagnosis.fix).toContain("aws sso login --profile dev");
  });

  it("an AccessDenied that mentions MFA is MFA_REQUIRED", () => {
    const r = diagnose(
      local(),
      probes(
        liveFail(
          "ACCESS_DENIED",
          "AccessDenied",
          "MultiFactorAuthentication failed, must provide both MFA serial number and one time pass code.",
        ),
      ),
      CTX,
    );
    expect(r.diagnosis.code).toBe("MFA_REQUIRED");
    expect(r.diagnosis.fix).toContain("keywarden mfa --profile dev");
    const plain = diagnose(
      local(),
      probes(liveFail("ACCESS_DENIED", "AccessDenied", "not authorized to perform: sts:AssumeRole")),
      CTX,
    );
    expect(plain.diagnosis.code).toBe("ACCESS_DENIED");
  });

  it("a policy that denies the next step without MFA: warn per action, MFA_REQUIRED when all else is fine", () => {
    const r = CASES.MFA_REQUIRED();
    expect(check(r, "permission.iam:CreateAccessKey")).toMatchObject({ status: "warn" });
    expect(check(r, "permission.sts:GetSessionToken")).toMatchObject({ status: "ok" });
    expect(r.diagnosis.message).toContain("iam:CreateAccessKey without MFA");
    expect(r.diagnosis.fix).toContain("keywarden mfa --profile dev");
  });

  it("a denied next step is a warn check and the diagnosis only when all else is fine", () => {
    const r = CASES.ACCESS_DENIED();
    expect(check(r, "identity").status).toBe("ok");
    expect(check(r, "permission.iam:CreateAccessKey")).toMatchObject({ status: "warn" });
    expect(r.diagnosis.message).toContain("may not call iam:CreateAccessKey");
    expect(r.diagnosis.message).toContain("`keywarden rotate --profile dev` will fail");
    expect(r.diagnosis.fix).toContain("arn:aws:iam::*:user/${aws:username}");
    // With a failing key, the key's failure is the diagnosis, the permission stays a warning.
    const failing = diagnose(
      local(),
      probes(
        liveFail("SIGNATURE_MISMATCH", "SignatureDoesNotMatch"),
        adminResults({ permissions: perms([perm("iam:CreateAccessKey", "implicitDeny")]) }),
      ),
      WITH_ADMIN,
    );
    expect(failing.diagnosis.code).toBe("SIGNATURE_MISMATCH");
  });

  it("all allowed: ok checks and OK", () => {
    const r = diagnose(
      local(),
      probes(
        liveOk(),
        adminResults({
          key: lookup(KEY_A, "alice", [{ id: KEY_A, status: "Active" }], NOW),
          permissions: perms(ALL_ALLOWED),
        }),
      ),
      WITH_ADMIN,
    );
    expect(r.diagnosis.code).toBe("OK");
    expect(r.checks.filter((c) => c.id.startsWith("permission.")).map((c) => c.status)).toEqual([
      "ok",
      "ok",
      "ok",
      "ok",
      "ok",
    ]);
    expect(check(r, "permissions").message).toContain("iam:SimulatePrincipalPolicy");
  });

  it("the local evaluation says so, with why the simulation was not used", () => {
    const r = diagnose(
      local(),
      probes(
        liveOk(),
        adminResults({
          permissions: {
            ...perms([perm("iam:CreateAccessKey", "implicitDeny")], "local"),
            simulationError: {
              code: "AWS_ERROR",
              awsCode: "Error",
              message: "x",
              httpStatus: 500,
              permission: "iam:SimulatePrincipalPolicy",
            },
          },
        }),
      ),
      WITH_ADMIN,
    );
    expect(check(r, "permissions").message).toContain("HTTP 500");
    expect(check(r, "permissions").message).toContain("evaluated locally");
  });
});

describe("the key's age and slots (with --admin-profile)", () => {
  it("older than 90 days: warn with the exact rotate command; the diagnosis stays OK", () => {
    const r = diagnose(
      local(),
      probes(
        liveOk(),
        adminResults({ key: lookup(KEY_A, "alice", [{ id: KEY_A, status: "Active", daysOld: 120 }], NOW) }),
      ),
      WITH_ADMIN,
    );
    expect(check(r, "key.age")).toEqual({
      id: "key.age",
      status: "warn",
      message:
        "the key AKIA************MPLE is 120 days old (created 2025-02-01); rotate keys at least every 90 days",
      fix: "`keywarden rotate --profile dev`",
    });
    expect(r.diagnosis.code).toBe("OK");
    const young = diagnose(
      local(),
      probes(
        liveOk(),
        adminResults({ key: lookup(KEY_A, "alice", [{ id: KEY_A, status: "Active", daysOld: 30 }], NOW) }),
      ),
      WITH_ADMIN,
    );
    expect(check(young, "key.age").status).toBe("ok");
  });

  it("two keys: rotation has no room; an inactive one can be replaced", () => {
    const r = diagnose(
      local(),
      probes(
        liveOk(),
        adminResults({
          key: lookup(
            KEY_A,
            "alice",
            [
              { id: KEY_A, status: "Active" },
              { id: KEY_B, status: "Inactive" },
            ],
            NOW,
          ),
        }),
      ),
      WITH_ADMIN,
    );
    expect(check(r, "key.slots").status).toBe("warn");
    expect(check(r, "key.slots").fix).toContain("--replace-inactive");
    expect(JSON.stringify(r)).not.toContain(KEY_B);
  });

  it("a broken admin profile is a warning, not the diagnosis", () => {
    const r = diagnose(
      local(),
      probes(
        liveOk(),
        adminResults({ identity: err("UNKNOWN_PROFILE", "CredentialsError", "profile nope") }),
      ),
      WITH_ADMIN,
    );
    expect(check(r, "admin").status).toBe("warn");
    expect(r.diagnosis.code).toBe("OK");
  });

  it("temporary credentials have no key to age", () => {
    const l = local({ creds: creds("dev", SESSION_KEY, SECRET_A, `aws_session_token = ${SESSION_TOKEN}\n`) });
    const r = diagnose(l, probes(liveOk(SESSION_KEY), adminResults()), WITH_ADMIN);
    expect(check(r, "key").status).toBe("skip");
  });
});
