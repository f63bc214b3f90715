// `keywarden doctor` against the emulator with signature and permission checks on, through the real
// CLI (runCli), one test per diagnosis the emulator can produce; then the diagnoses it cannot
// (clock skew, expired sessions, MFA conditions) with AWS's real error and response shapes
// injected at the SDK layer, in process, through the real probe (src/aws/doctor-probe.ts).
// Every run is checked for the seeded secrets and session tokens: none may appear anywhere.
import {
  AttachUserPolicyCommand,
  DeleteAccessKeyCommand,
  GetAccessKeyLastUsedCommand,
  IAMClient,
} from "@aws-sdk/client-iam";
import { STSClient } from "@aws-sdk/client-sts";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DeserializeMiddleware } from "@smithy/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsDoctorProbe } from "../src/aws/doctor-probe.js";
import { runDoctor } from "../src/credentials/doctor/run.js";
import type { DoctorOptions, DoctorReport } from "../src/credentials/doctor/types.js";
import { ACCOUNT_ID, useEmulator, type CreatedKey } from "./emulator/harness.js";
import { lines, runCli, type CliResult } from "./helpers/cli.js";

const emu = useEmulator();

let tmp = "";
let admin: CreatedKey;
/** No permissions at all. */
let alice: CreatedKey;
/** Inactive. */
let bob: CreatedKey;
/** Deleted. */
let carol: CreatedKey;
/** AdministratorAccess, a fresh key. */
let dave: CreatedKey;
/** AdministratorAccess, a key created 120 days ago. */
let erin: CreatedKey;
const secrets: string[] = [];
/** 40 characters like a real secret, but not the one that belongs to the key. */
const WRONG_SECRET = "Wr0ngSecretWr0ngSecretWr0ngSecretWr0ng12";
const FAKE_TOKEN = `IQoJb3JpZ2luX2VjEK${"x".repeat(200)}SESSIONTOKEN`;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "keywarden-doctor-test-"));
  // Seed while auth checks are off (the harness signs with dummy credentials).
  admin = await emu.createAdmin();
  await emu.createUser("alice");
  alice = await emu.createKey("alice");
  await emu.createUser("bob");
  bob = await emu.createKey("bob", { status: "Inactive" });
  await emu.createUser("carol");
  carol = await emu.createKey("carol");
  await emu.iam().send(new DeleteAccessKeyCommand({ UserName: "carol", AccessKeyId: carol.accessKeyId }));
  for (const name of ["dave", "erin"]) {
    await emu.createUser(name);
    await emu.iam().send(
      new AttachUserPolicyCommand({
        UserName: name,
        PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess",
      }),
    );
  }
  dave = await emu.createKey("dave");
  erin = await emu.createKey("erin", { createdDaysAgo: 120 });
  for (const k of [admin, alice, bob, carol, dave, erin]) secrets.push(k.secretAccessKey);
  secrets.push(WRONG_SECRET, FAKE_TOKEN);
  await emu.client.setAuth(true);
});

afterAll(async () => {
  await emu.client.setAuth(false);
  await rm(tmp, { recursive: true, force: true });
});

function section(name: string, key: { accessKeyId: string; secretAccessKey: string }, extra = ""): string {
  return `[${name}]\naws_access_key_id = ${key.accessKeyId}\naws_secret_access_key = ${key.secretAccessKey}\n${extra}\n`;
}

async function awsDir(credentials: string, config = ""): Promise<Record<string, string>> {
  const dir = await mkdtemp(join(tmp, "aws-"));
  const env = { AWS_SHARED_CREDENTIALS_FILE: join(dir, "credentials"), AWS_CONFIG_FILE: join(dir, "config") };
  await writeFile(env.AWS_SHARED_CREDENTIALS_FILE, credentials, { mode: 0o600 });
  await writeFile(env.AWS_CONFIG_FILE, config, { mode: 0o600 });
  return env;
}

function expectNoSecrets(text: string): void {
  for (const s of secrets) expect(text).not.toContain(s);
}

interface Run {
  r: CliResult;
  report: DoctorReport;
}

/** Runs `keywarden doctor --format json` against the emulator; no secret may appear on either stream. */
async function doctor(
  args: string[],
  files: { credentials?: string; config?: string },
  env: Record<string, string> = {},
): Promise<Run> {
  const aws = await awsDir(files.credentials ?? "", files.config ?? "");
  const r = await runCli(["doctor", "--format", "json", ...args], {
    env: { AWS_ENDPOINT_URL: emu.endpoint, ...aws, ...env },
  });
  expectNoSecrets(r.stdout);
  expectNoSecrets(r.stderr);
  expect(r.stderr).toBe("");
  const report = JSON.parse(r.stdout) as DoctorReport;
  expect(report.schemaVersion).toBe(1);
  expect(r.code).toBe(report.diagnosis.code === "OK" ? 0 : 1);
  return { r, report };
}

function check(report: DoctorReport, id: string) {
  const c = report.checks.find((x) => x.id === id);
  if (c === undefined) throw new Error(`no check ${id}: ${report.checks.map((x) => x.id).join(", ")}`);
  return c;
}

const ADMIN_PROFILE = () => section("admin", admin);

describe("keywarden doctor on the emulator (signature checks on)", () => {
  it("OK: the key works, its status, age and permissions check out; exit 0", async () => {
    const { r, report } = await doctor(["--profile", "dave", "--admin-profile", "admin"], {
      credentials: section("dave", dave) + ADMIN_PROFILE(),
    });
    expect(r.code).toBe(0);
    expect(report.diagnosis.code).toBe("OK");
    expect(report.diagnosis.message).toContain(`arn:aws:iam::${ACCOUNT_ID}:user/dave`);
    expect(report.profile).toBe("dave");
    expect(report.source).toEqual({ kind: "credentials-file", name: "dave", shadowed: [] });
    expect(report.accessKeyId).toBe(
      `${dave.accessKeyId.slice(0, 4)}************${dave.accessKeyId.slice(-4)}`,
    );
    expect(r.stdout).not.toContain(dave.accessKeyId);
    expect(check(report, "identity").status).toBe("ok");
    expect(check(report, "clock").status).toBe("ok");
    expect(check(report, "key")).toMatchObject({ status: "ok" });
    expect(check(report, "key").message).toContain("IAM user dave, status Active");
    expect(check(report, "key.age")).toMatchObject({ status: "ok" });
    const perms = report.checks.filter((c) => c.id.startsWith("permission."));
    expect(perms.map((c) => [c.id, c.status])).toEqual([
      ["permission.iam:ListAccessKeys", "ok"],
      ["permission.iam:CreateAccessKey", "ok"],
      ["permission.iam:UpdateAccessKey", "ok"],
      ["permission.iam:DeleteAccessKey", "ok"],
      ["permission.sts:GetSessionToken", "ok"],
    ]);
    // The key under test signed sts:GetCallerIdentity and nothing else (the emulator records
    // the service of the last request signed with a key, even a rejected one).
    const used = await emu
      .iam(admin)
      .send(new GetAccessKeyLastUsedCommand({ AccessKeyId: dave.accessKeyId }));
    expect(used.AccessKeyLastUsed?.ServiceName).toBe("sts");
  });

  it("KEY_NOT_FOUND: a deleted key, confirmed with --admin-profile", async () => {
    const { report } = await doctor(["--profile", "carol", "--admin-profile", "admin"], {
      credentials: section("carol", carol) + ADMIN_PROFILE(),
    });
    expect(report.diagnosis.code).toBe("KEY_NOT_FOUND");
    expect(report.diagnosis.message).toContain(`no IAM user of account ${ACCOUNT_ID} has it`);
    expect(report.diagnosis.fix).toContain("aws iam create-access-key");
    expect(check(report, "identity")).toMatchObject({ status: "fail" });
    expect(check(report, "identity").message).toContain("InvalidClientTokenId");
  });

  it("KEY_INACTIVE: confirmed with --admin-profile (ListAccessKeys says Inactive)", async () => {
    const { report } = await doctor(["--profile", "bob", "--admin-profile", "admin"], {
      credentials: section("bob", bob) + ADMIN_PROFILE(),
    });
    expect(report.diagnosis.code).toBe("KEY_INACTIVE");
    expect(report.diagnosis.message).toContain("of IAM user bob is inactive");
    expect(report.diagnosis.fix).toContain(
      'aws iam update-access-key --user-name bob --access-key-id "$(aws configure get aws_access_key_id --profile bob)" --status Active --profile admin',
    );
    expect(check(report, "key")).toMatchObject({ status: "fail" });
  });

  it("an inactive key without --admin-profile: 'deleted or inactive', and how to tell", async () => {
    const { report } = await doctor(["--profile", "bob"], { credentials: section("bob", bob) });
    expect(report.diagnosis.code).toBe("KEY_NOT_VALID");
    expect(report.diagnosis.message).toContain("deleted or inactive");
    expect(report.diagnosis.fix).toContain("keywarden doctor --profile bob --admin-profile ADMIN");
    expect(check(report, "admin").status).toBe("skip");
  });

  it("SIGNATURE_MISMATCH: the key exists, the secret is wrong", async () => {
    const { report } = await doctor(["--profile", "dev"], {
      credentials: section("dev", { accessKeyId: dave.accessKeyId, secretAccessKey: WRONG_SECRET }),
    });
    expect(report.diagnosis.code).toBe("SIGNATURE_MISMATCH");
    expect(report.diagnosis.message).toContain("the secret access key does not match it");
    expect(report.diagnosis.fix).toContain("aws configure --profile dev");
    expect(check(report, "clock").status).toBe("ok");
  });

  it("ACCESS_DENIED: the key works, but the user may not rotate it or start an MFA session", async () => {
    const { r, report } = await doctor(["--profile", "alice", "--admin-profile", "admin"], {
      credentials: section("alice", alice) + ADMIN_PROFILE(),
    });
    expect(r.code).toBe(1);
    expect(check(report, "identity").status).toBe("ok");
    expect(check(report, "permission.iam:CreateAccessKey")).toMatchObject({ status: "warn" });
    expect(check(report, "permission.iam:CreateAccessKey").message).toContain(
      "`keywarden rotate --profile alice` will fail",
    );
    expect(check(report, "permission.sts:GetSessionToken")).toMatchObject({ status: "warn" });
    // The emulator's launcher answers SimulatePrincipalPolicy with moto's own evaluator: doctor
    // says it checked with it (the local evaluation, when simulation fails: diagnose.test.ts).
    expect(check(report, "permissions").message).toContain("checked with iam:SimulatePrincipalPolicy");
    expect(report.diagnosis.code).toBe("ACCESS_DENIED");
    expect(report.diagnosis.message).toContain(`arn:aws:iam::${ACCOUNT_ID}:user/alice may not call`);
    expect(report.diagnosis.fix).toContain('"iam:CreateAccessKey"');
    expect(report.diagnosis.fix).toContain("${aws:username}");
  });

  it("ENV_OVERRIDES_PROFILE (warn): environment keys that work still override a different key in the file", async () => {
    const { r, report } = await doctor(
      [],
      { credentials: section("default", dave) },
      { AWS_ACCESS_KEY_ID: alice.accessKeyId, AWS_SECRET_ACCESS_KEY: alice.secretAccessKey },
    );
    expect(r.code).toBe(1);
    expect(check(report, "identity").status).toBe("ok");
    expect(check(report, "env-override").status).toBe("warn");
    expect(report.profile).toBeNull();
    expect(report.source.kind).toBe("environment");
    expect(report.source.shadowed).toEqual([
      expect.objectContaining({ kind: "credentials-file", name: "default" }),
    ]);
    expect(report.diagnosis.code).toBe("ENV_OVERRIDES_PROFILE");
    expect(report.diagnosis.fix).toContain("unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN");
  });

  it("ENV_OVERRIDES_PROFILE (fail): the environment still holds the old, inactive key; the file's key is Active", async () => {
    const { report } = await doctor(
      ["--admin-profile", "admin"],
      { credentials: section("default", dave) + ADMIN_PROFILE() },
      { AWS_ACCESS_KEY_ID: bob.accessKeyId, AWS_SECRET_ACCESS_KEY: bob.secretAccessKey },
    );
    expect(check(report, "identity")).toMatchObject({ status: "fail" });
    expect(check(report, "env-override")).toMatchObject({ status: "fail" });
    expect(report.diagnosis.code).toBe("ENV_OVERRIDES_PROFILE");
    expect(report.diagnosis.message).toContain("the environment still holds the old key");
    expect(report.diagnosis.message).toContain("IAM lists it as Active (user dave)");
  });

  it("CONFIG_INVALID: a file that does not parse, named by its line", async () => {
    const { report } = await doctor([], {
      credentials: `${section("default", dave)}[broken\naws_access_key_id = x\n`,
    });
    expect(report.diagnosis.code).toBe("CONFIG_INVALID");
    expect(report.diagnosis.message).toMatch(
      /credentials: line 5: a section header `\[` without its closing `\]`/,
    );
    expect(report.diagnosis.fix).toContain("Fix line 5");
    expect(check(report, "identity").status).toBe("skip");
  });

  it("CONFIG_INVALID: a profile defined twice (the AWS CLI refuses the file)", async () => {
    const { report } = await doctor(["--profile", "dave"], {
      credentials: section("dave", dave) + section("dave", dave),
    });
    expect(report.diagnosis.code).toBe("CONFIG_INVALID");
    expect(report.diagnosis.message).toContain("appears again at line 5 (first at line 1)");
  });

  it("NO_CREDENTIALS: nothing in the environment or the files", async () => {
    const { report } = await doctor([], {});
    expect(report.diagnosis.code).toBe("NO_CREDENTIALS");
    expect(report.source).toEqual({ kind: "none", name: "", shadowed: [] });
    expect(report.accessKeyId).toBeNull();
    expect(check(report, "instance-metadata").message).toContain("AWS_EC2_METADATA_DISABLED=true");
  });

  it("PROFILE_NOT_FOUND: lists the profiles that exist", async () => {
    const { report } = await doctor(["--profile", "nope"], {
      credentials: section("dave", dave),
      config: "[profile ops]\nregion = eu-west-1\n",
    });
    expect(report.diagnosis.code).toBe("PROFILE_NOT_FOUND");
    expect(report.diagnosis.message).toContain("profiles found: dave, ops");
  });

  it("ENDPOINT_UNREACHABLE: nothing listens at the endpoint", async () => {
    const { report } = await doctor(
      ["--profile", "dave", "--max-attempts", "1"],
      { credentials: section("dave", dave) },
      { AWS_ENDPOINT_URL: "http://127.0.0.1:1" },
    );
    expect(report.diagnosis.code).toBe("ENDPOINT_UNREACHABLE");
    expect(report.diagnosis.message).toContain("http://127.0.0.1:1 (ECONNREFUSED)");
  });

  it("a key older than 90 days: OK (exit 0) with a warning and the exact rotate command", async () => {
    const { r, report } = await doctor(["--profile", "erin", "--admin-profile", "admin"], {
      credentials: section("erin", erin) + ADMIN_PROFILE(),
    });
    expect(r.code).toBe(0);
    expect(report.diagnosis.code).toBe("OK");
    expect(check(report, "key.age")).toMatchObject({
      status: "warn",
      fix: "`keywarden rotate --profile erin`",
    });
    expect(check(report, "key.age").message).toMatch(/is 120 days old/);
  });

  it("the table: one line per check, then the diagnosis and its fix; no colour without a TTY", async () => {
    const aws = await awsDir(section("bob", bob) + ADMIN_PROFILE());
    const r = await runCli(["doctor", "--profile", "bob", "--admin-profile", "admin", "--format", "table"], {
      env: { AWS_ENDPOINT_URL: emu.endpoint, ...aws },
    });
    expectNoSecrets(r.stdout + r.stderr);
    expect(r.code).toBe(1);
    const out = lines(r.stdout);
    expect(
      out.filter((l) =>
        /^fail +identity +the access key AKIA\*{12}\w{4} of IAM user bob is inactive/.test(l),
      ),
    ).toHaveLength(1);
    expect(out.filter((l) => /^(ok|warn|fail|skip) /.test(l)).length).toBeGreaterThanOrEqual(8);
    expect(out.at(-2)).toMatch(/^diagnosis KEY_INACTIVE: /);
    expect(out.at(-1)).toMatch(/^fix +Re-activate it .*`aws iam update-access-key --user-name bob /);
    expect(r.stdout).not.toContain("\u001b[");
  });

  it("a bad --region is a usage error (exit 2)", async () => {
    const aws = await awsDir(section("dave", dave));
    const r = await runCli(["doctor", "--region", "moon"], {
      env: { AWS_ENDPOINT_URL: emu.endpoint, ...aws },
    });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(lines(r.stderr)).toEqual([expect.stringMatching(/^keywarden: "moon" is not an AWS region name/)]);
  });
});

// ---- What the emulator cannot show: AWS's own responses injected below the SDK's deserializer ----

const STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/";
const IAM_NS = "https://iam.amazonaws.com/doc/2010-05-08/";
const MINUTE = 60_000;

interface FakeResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

function response(status: number, xml: string, dateOffsetMs: number | null): FakeResponse {
  const headers: Record<string, string> = {
    "content-type": "text/xml",
    "x-amzn-requestid": "00000000-0000-0000-0000-000000000000",
  };
  if (dateOffsetMs !== null) headers.date = new Date(Date.now() + dateOffsetMs).toUTCString();
  return { statusCode: status, headers, body: Buffer.from(xml) };
}

function stsError(code: string, message: string): string {
  return `<ErrorResponse xmlns="${STS_NS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>`;
}

function callerIdentityXml(user: string): string {
  return `<GetCallerIdentityResponse xmlns="${STS_NS}"><GetCallerIdentityResult><Arn>arn:aws:iam::${ACCOUNT_ID}:user/${user}</Arn><UserId>AIDAEXAMPLEUSERID</UserId><Account>${ACCOUNT_ID}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ResponseMetadata></GetCallerIdentityResponse>`;
}

function simulationXml(results: { action: string; decision: string }[]): string {
  const members = results
    .map(
      (r) =>
        `<member><EvalActionName>${r.action}</EvalActionName><EvalResourceName>*</EvalResourceName><EvalDecision>${r.decision}</EvalDecision><MatchedStatements/><MissingContextValues/></member>`,
    )
    .join("");
  return `<SimulatePrincipalPolicyResponse xmlns="${IAM_NS}"><SimulatePrincipalPolicyResult><IsTruncated>false</IsTruncated><EvaluationResults>${members}</EvaluationResults></SimulatePrincipalPolicyResult><ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ResponseMetadata></SimulatePrincipalPolicyResponse>`;
}

interface Injection {
  /** The command to answer, e.g. "GetCallerIdentityCommand". */
  command: string;
  answer: (input: Record<string, unknown>) => FakeResponse;
}

/**
 * A deserialize-step middleware with low priority: inside the SDK's deserializer, so the SDK parses
 * the injected HTTP response exactly as it would parse AWS's (errors, retries, clock correction).
 */
function injector(injection: Injection, calls: { n: number }) {
  return <I extends object, O extends object>(): DeserializeMiddleware<I, O> =>
    (next, context) =>
    (args) => {
      if (context.commandName !== injection.command) return next(args);
      calls.n++;
      return Promise.resolve({ response: injection.answer(args.input as Record<string, unknown>) } as never);
    };
}

async function inProcess(
  credentials: string,
  options: DoctorOptions,
  injection: Injection,
): Promise<{ report: DoctorReport; calls: { n: number } }> {
  const aws = await awsDir(credentials);
  const env: Record<string, string> = {
    ...aws,
    AWS_ENDPOINT_URL: emu.endpoint,
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_REGION: "us-east-1",
  };
  const calls = { n: 0 };
  const make = injector(injection, calls);
  const probe = awsDoctorProbe({
    env,
    configureClient: (client) => {
      const at = { step: "deserialize" as const, priority: "low" as const, name: "keywardenTestResponse" };
      if (client instanceof STSClient) client.middlewareStack.add(make(), at);
      if (client instanceof IAMClient) client.middlewareStack.add(make(), at);
    },
  });
  // The SDK's credential chain reads the files process.env names (the CLI passes process.env as
  // its env): point it at this test's files while doctor runs, and put everything back after.
  const keys = [
    ...Object.keys(env),
    "AWS_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
  ];
  const saved = new Map(keys.map((k) => [k, process.env[k]]));
  for (const k of keys) Reflect.deleteProperty(process.env, k);
  Object.assign(process.env, env);
  let report: DoctorReport;
  try {
    report = await runDoctor({ env, options, probe, now: new Date(), platform: "linux" });
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) Reflect.deleteProperty(process.env, k);
      else process.env[k] = v;
    }
  }
  const text = JSON.stringify(report);
  expectNoSecrets(text);
  return { report, calls };
}

describe("AWS answers the emulator cannot give, injected at the SDK layer", () => {
  it("CLOCK_SKEW: RequestTimeTooSkewed with a Date header 20 minutes ahead", async () => {
    const { report, calls } = await inProcess(
      section("dev", dave),
      { profile: "dev" },
      {
        command: "GetCallerIdentityCommand",
        answer: () =>
          response(
            403,
            stsError(
              "RequestTimeTooSkewed",
              "The difference between the request time and the current time is too large.",
            ),
            20 * MINUTE,
          ),
      },
    );
    expect(calls.n).toBeGreaterThanOrEqual(1);
    expect(report.diagnosis.code).toBe("CLOCK_SKEW");
    const clock = check(report, "clock");
    expect(clock.status).toBe("fail");
    expect(clock.message).toMatch(/this machine's clock is (19 min 5\d s|20 min( \d s)?) behind AWS/);
    expect(check(report, "identity").message).toContain("RequestTimeTooSkewed");
    expect(report.diagnosis.fix).toContain("sudo chronyc makestep");
    expect(report.diagnosis.fix).toContain("sudo timedatectl set-ntp true");
  });

  it("CLOCK_SKEW even when the call succeeds (the JavaScript SDK corrects its own clock; the AWS CLI does not)", async () => {
    const { report } = await inProcess(
      section("dev", dave),
      { profile: "dev" },
      {
        command: "GetCallerIdentityCommand",
        answer: () => response(200, callerIdentityXml("dave"), -20 * MINUTE),
      },
    );
    expect(check(report, "identity").status).toBe("ok");
    expect(check(report, "clock").message).toMatch(/ahead of AWS/);
    expect(check(report, "clock").message).toContain("the AWS CLI and most tools do not");
    expect(report.diagnosis.code).toBe("CLOCK_SKEW");
  });

  it("CLOCK_SKEW from STS's own wording (SignatureDoesNotMatch: Signature expired), no Date header", async () => {
    const { report } = await inProcess(
      section("dev", dave),
      { profile: "dev" },
      {
        command: "GetCallerIdentityCommand",
        answer: () =>
          response(
            403,
            stsError(
              "SignatureDoesNotMatch",
              "Signature expired: 20250101T000000Z is now earlier than 20250101T001500Z (20250101T002000Z - 5 min.)",
            ),
            null,
          ),
      },
    );
    expect(check(report, "clock").status).toBe("skip");
    expect(report.diagnosis.code).toBe("CLOCK_SKEW");
  });

  it("SESSION_EXPIRED: ExpiredToken for a session key; the token is never printed", async () => {
    const session = {
      accessKeyId: "ASIAIOSFODNN7EXAMPLE",
      secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    };
    secrets.push(session.secretAccessKey);
    const { report } = await inProcess(
      section("dev", session, `aws_session_token = ${FAKE_TOKEN}`),
      { profile: "dev" },
      {
        command: "GetCallerIdentityCommand",
        answer: () =>
          response(403, stsError("ExpiredToken", "The security token included in the request is expired"), 0),
      },
    );
    expect(report.diagnosis.code).toBe("SESSION_EXPIRED");
    expect(report.accessKeyId).toBe("ASIA************MPLE");
    expect(report.diagnosis.fix).toContain("keywarden mfa --profile dev");
  });

  it("MFA_REQUIRED: an AccessDenied that says MFA is missing", async () => {
    const { report } = await inProcess(
      section("dev", dave),
      { profile: "dev" },
      {
        command: "GetCallerIdentityCommand",
        answer: () =>
          response(
            403,
            stsError(
              "AccessDenied",
              "MultiFactorAuthentication failed, must provide both MFA serial number and one time pass code.",
            ),
            0,
          ),
      },
    );
    expect(report.diagnosis.code).toBe("MFA_REQUIRED");
    expect(report.diagnosis.fix).toContain("keywarden mfa --profile dev");
  });

  it("MFA_REQUIRED: SimulatePrincipalPolicy denies the next step without MFA and allows it with MFA", async () => {
    // The live call reaches the emulator for real; only the admin's simulation is answered here.
    const { report, calls } = await inProcess(
      section("alice", alice) + ADMIN_PROFILE(),
      { profile: "alice", adminProfile: "admin" },
      {
        command: "SimulatePrincipalPolicyCommand",
        answer: (input) => {
          const withMfa = Array.isArray(input.ContextEntries) && input.ContextEntries.length > 0;
          const actions = (input.ActionNames as string[] | undefined) ?? [];
          return response(
            200,
            simulationXml(
              actions.map((action) => ({
                action,
                decision: action.startsWith("iam:") && !withMfa ? "explicitDeny" : "allowed",
              })),
            ),
            0,
          );
        },
      },
    );
    expect(calls.n).toBe(3); // iam actions without MFA, sts action, iam actions again with MFA
    expect(check(report, "identity").status).toBe("ok");
    expect(check(report, "permissions").message).toContain("checked with iam:SimulatePrincipalPolicy");
    expect(check(report, "permission.iam:CreateAccessKey")).toMatchObject({ status: "warn" });
    expect(check(report, "permission.sts:GetSessionToken")).toMatchObject({ status: "ok" });
    expect(report.diagnosis.code).toBe("MFA_REQUIRED");
    expect(report.diagnosis.message).toContain("without MFA");
    expect(report.diagnosis.fix).toBe("Get an MFA session first: `keywarden mfa --profile alice`.");
  });
});
