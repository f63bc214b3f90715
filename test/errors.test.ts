// Bad input and failing AWS, as a user meets them: one line on stderr that names the problem and
// the fix, the documented exit code, no stack trace. The CLI runs as a child process
// (test/helpers/cli.ts); the AWS errors the emulator cannot produce (throttling, expired
// sessions, clock skew) are injected at the SDK layer as middleware, in process.
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IAMClient, IAMServiceException } from "@aws-sdk/client-iam";
import { STSClient, STSServiceException } from "@aws-sdk/client-sts";
import type { DeserializeMiddleware } from "@smithy/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runAudit } from "../src/audit/run.js";
import { iamInventoryPort } from "../src/aws/iam-inventory.js";
import { openSession, type AwsSession } from "../src/aws/session.js";
import { reportError } from "../src/cli/errors.js";
import type { CliIO } from "../src/cli/io.js";
import { CredentialsError, ExitCode } from "../src/domain/errors.js";
import type { BulkSeedResult, BulkUserSpec } from "../src/emulator/client.js";
import { DEFAULT_THRESHOLDS } from "../src/rules/rule.js";
import { ACCOUNT_ID, DUMMY_CREDENTIALS, REGION, useEmulator } from "./emulator/harness.js";
import { awsFiles, lines, runCli, type CliResult } from "./helpers/cli.js";

const emu = useEmulator();

const DAY = 86_400_000;
const NOW = new Date();
const ago = (days: number) => new Date(NOW.getTime() - days * DAY);
/** Keys used recently, so the audit reads last use from the report and makes no per-key calls. */
const used = (days: number) => ({ date: ago(days), service: "s3", region: "eu-west-1" });

const USERS: BulkUserSpec[] = [
  // Holds no permissions at all: an Active key and an Inactive one.
  {
    name: "weak",
    create_date: ago(50),
    access_keys: [
      { create_date: ago(40), last_used: used(1) },
      { status: "Inactive", create_date: ago(20), last_used: null },
    ],
  },
  { name: "victim", create_date: ago(300), access_keys: [{ create_date: ago(200), last_used: used(2) }] },
  { name: "bystander", create_date: ago(300), access_keys: [{ create_date: ago(150), last_used: used(3) }] },
  { name: "keyless", create_date: ago(10) },
];

let seeded: BulkSeedResult;
let tmp = "";
const secrets: string[] = [];

function keyOf(user: string, i: number): { accessKeyId: string; secretAccessKey: string } {
  const k = seeded.users.find((u) => u.name === user)?.access_keys[i];
  if (k === undefined) throw new Error(`no seeded key ${i} for ${user}`);
  return { accessKeyId: k.access_key_id, secretAccessKey: k.secret_access_key };
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "keywarden-errors-test-"));
  seeded = await emu.client.bulkSeed({ users: USERS });
  for (const u of seeded.users) for (const k of u.access_keys) secrets.push(k.secret_access_key);
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const DUMMY = { AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing" };

/**
 * The error contract: exactly one non-empty stderr line, starting "keywarden: ", naming the
 * problem and the fix; the documented exit code; no stack trace; nothing on stdout.
 */
function expectOneLineError(r: CliResult, code: number, ...mentions: (string | RegExp)[]): string {
  const stderr = lines(r.stderr);
  expect(stderr, r.stderr).toHaveLength(1);
  const line = stderr[0] ?? "";
  expect(line).toMatch(/^keywarden: \S/);
  expect(r.stderr).not.toMatch(/^\s*at /m);
  expect(line).not.toMatch(/\b\w*Error: |\.\./);
  for (const m of mentions) {
    if (typeof m === "string") expect(line).toContain(m);
    else expect(line).toMatch(m);
  }
  expect(r.stdout).toBe("");
  expect(r.code, line).toBe(code);
  for (const s of secrets) expect(r.stderr).not.toContain(s);
  return line;
}

describe("bad input on the command line", () => {
  // None of these reaches a working AWS endpoint, so they can run side by side.
  describe.concurrent("usage errors exit 2 before any AWS call", () => {
    const audit = (...args: string[]) =>
      runCli(["audit", "--endpoint-url", emu.endpoint, ...args], { env: DUMMY });

    it("--endpoint-url notaurl", async () => {
      expectOneLineError(
        await audit("--endpoint-url", "notaurl"),
        2,
        '"notaurl"',
        "--endpoint-url",
        "http://",
      );
    });

    it("--region moon", async () => {
      expectOneLineError(await audit("--region", "moon"), 2, '"moon"', "--region", "us-east-1");
    });

    it("--rotation-days abc", async () => {
      expectOneLineError(
        await audit("--rotation-days", "abc"),
        2,
        "--rotation-days",
        '"abc"',
        "whole number",
      );
    });

    it("--rotation-days 0", async () => {
      expectOneLineError(await audit("--rotation-days", "0"), 2, "--rotation-days", '"0"', "from 1");
    });

    it("--format xml", async () => {
      expectOneLineError(await audit("--format", "xml"), 2, "--format", '"xml"', "json");
    });

    it("--fail-on severe", async () => {
      expectOneLineError(await audit("--fail-on", "severe"), 2, "--fail-on", '"severe"', "critical", "none");
    });

    it("an unknown option", async () => {
      expectOneLineError(await audit("--bogus"), 2, "--bogus", "keywarden audit --help");
    });

    it("an unknown verb", async () => {
      expectOneLineError(await runCli(["audt"]), 2, "audt", "keywarden --help");
    });

    it("--expiring-days 100 with --rotation-days 90", async () => {
      expectOneLineError(
        await audit("--expiring-days", "100", "--rotation-days", "90"),
        2,
        /expiring.*100.*90/i,
        "--*-days",
      );
    });

    it("--max-attempts 0", async () => {
      expectOneLineError(await audit("--max-attempts", "0"), 2, "--max-attempts");
    });
  });

  describe("credentials problems exit 3", () => {
    it("an unknown profile names the profile and the profiles that exist", async () => {
      const files = await awsFiles(await mkdtemp(join(tmp, "profiles-")), {
        credentials:
          "[alpha]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = x\n\n[beta]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = y\n",
        config: "[profile gamma]\nregion = eu-west-1\n",
      });
      const r = await runCli(["audit", "--profile", "nope", "--endpoint-url", emu.endpoint], { env: files });
      expectOneLineError(r, 3, '"nope"', "alpha, beta, gamma", "aws configure --profile nope");
    });

    it("an unknown AWS_PROFILE is named the same way", async () => {
      const files = await awsFiles(await mkdtemp(join(tmp, "aws-profile-")), {
        credentials: "[alpha]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = x\n",
      });
      const r = await runCli(["audit", "--endpoint-url", emu.endpoint], {
        env: { ...files, AWS_PROFILE: "ghost" },
      });
      expectOneLineError(r, 3, '"ghost"', "profiles found: alpha");
    });

    it("no credentials anywhere", async () => {
      const files = await awsFiles(await mkdtemp(join(tmp, "empty-")));
      const r = await runCli(["audit", "--endpoint-url", emu.endpoint], { env: files });
      expectOneLineError(r, 3, "no AWS credentials", "aws configure", "--profile", "AWS_ACCESS_KEY_ID");
    });
  });

  describe("AWS unreachable exits 5", () => {
    it("--endpoint-url http://127.0.0.1:1", async () => {
      const r = await runCli(["audit", "--endpoint-url", "http://127.0.0.1:1", "--max-attempts", "1"], {
        env: DUMMY,
      });
      expectOneLineError(r, 5, "could not reach AWS at http://127.0.0.1:1", "ECONNREFUSED", "--endpoint-url");
    });

    it("--debug adds the cause on further lines; without it there is exactly one", async () => {
      const args = ["audit", "--endpoint-url", "http://127.0.0.1:1", "--max-attempts", "1"];
      const plain = await runCli(args, { env: DUMMY });
      expectOneLineError(plain, 5);
      const debug = await runCli([...args, "--debug"], { env: DUMMY });
      expect(debug.code).toBe(5);
      const debugLines = lines(debug.stderr);
      expect(debugLines.length).toBeGreaterThan(1);
      expect(debugLines[0]).toBe(lines(plain.stderr)[0]);
      expect(debug.stderr).toContain("caused by:");
      expect(debug.stderr).toContain("ECONNREFUSED");
    });
  });

  describe("local environment problems exit 6", () => {
    it("--output into a folder that does not exist: no file, no report on stdout", async () => {
      const r = await runCli(
        ["audit", "--endpoint-url", emu.endpoint, "--output", "/nonexistent/dir/x.json"],
        {
          env: DUMMY,
        },
      );
      expectOneLineError(r, 6, "/nonexistent/dir/x.json", "does not exist", "folder that exists");
      expect(existsSync("/nonexistent")).toBe(false);

      const parent = await mkdtemp(join(tmp, "out-"));
      const target = join(parent, "missing", "x.json");
      const r2 = await runCli(["audit", "--endpoint-url", emu.endpoint, "--output", target], { env: DUMMY });
      expectOneLineError(r2, 6, target);
      expect(await readdir(parent)).toEqual([]);
    });
  });
});

describe("with the emulator's auth checks on", () => {
  beforeAll(async () => {
    await emu.client.setAuth(true);
  });
  afterAll(async () => {
    await emu.client.setAuth(false);
  });

  const auditWith = (key: { accessKeyId: string; secretAccessKey: string }, ...args: string[]) =>
    runCli(["audit", "--endpoint-url", emu.endpoint, "--format", "json", ...args], {
      env: { AWS_ACCESS_KEY_ID: key.accessKeyId, AWS_SECRET_ACCESS_KEY: key.secretAccessKey },
    });

  it("a key without permissions still audits: identity works, each denied read is an ERROR finding", async () => {
    const r = await auditWith(keyOf("weak", 0));
    expect(r.stderr).toBe("");
    for (const s of secrets) expect(r.stdout).not.toContain(s);
    const report = JSON.parse(r.stdout) as {
      accounts: { accountId: string }[];
      findings: {
        ruleId: string;
        result: string;
        severity: string;
        accessKeyId: string | null;
        message: string;
        remediation: string;
      }[];
    };
    // sts:GetCallerIdentity needs no permission: the account is known.
    expect(report.accounts[0]?.accountId).toBe(ACCOUNT_ID);
    const collection = report.findings.filter((f) => f.ruleId === "collection");
    expect(collection.length).toBeGreaterThanOrEqual(4);
    for (const f of collection) {
      expect(f).toMatchObject({ result: "ERROR", severity: "high", accessKeyId: null });
      expect(f.message).toMatch(/AccessDenied/);
      expect(f.remediation).toMatch(/Grant iam:\w+/);
    }
    const text = collection.map((f) => f.message).join("\n");
    expect(text).toContain("iam:GenerateCredentialReport");
    expect(text).toContain("iam:GetAccountAuthorizationDetails");
    expect(text).toContain("iam:GetAccountSummary");
    // Nothing was judged clean on data that could not be read.
    expect(report.findings.filter((f) => f.result === "PASS" && f.ruleId.startsWith("root-"))).toEqual([]);
    // Collection ERRORs are high, and --fail-on defaults to high.
    expect(r.code).toBe(1);
  });

  it("an inactive key exits 3 and points to `keywarden doctor`", async () => {
    expectOneLineError(await auditWith(keyOf("weak", 1)), 3, "keywarden doctor", /inactive/);
  });

  it("a wrong secret exits 3: the secret does not match the key id", async () => {
    const wrong = { accessKeyId: keyOf("weak", 0).accessKeyId, secretAccessKey: "not-the-secret-0123456789" };
    const line = expectOneLineError(
      await auditWith(wrong),
      3,
      "secret access key does not match",
      "keywarden doctor",
    );
    expect(line).not.toContain(wrong.secretAccessKey);
    const debug = await auditWith(wrong, "--debug");
    expect(debug.code).toBe(3);
    expect(lines(debug.stderr).length).toBeGreaterThan(1);
    expect(debug.stderr).toContain("SignatureDoesNotMatch");
    expect(debug.stderr).not.toContain(wrong.secretAccessKey);
    for (const s of secrets) expect(debug.stderr).not.toContain(s);
  });
});

// ---- AWS errors the emulator cannot produce, injected as SDK middleware (in process) ----

/** An error shaped exactly like the ones the SDK's deserializers throw for an AWS error response. */
function serviceError(service: "iam" | "sts", name: string, message: string, status = 400): Error {
  const options = {
    name,
    message,
    $fault: "client" as const,
    $metadata: { httpStatusCode: status, requestId: "00000000-0000-0000-0000-000000000000" },
  };
  return service === "iam" ? new IAMServiceException(options) : new STSServiceException(options);
}

interface Injection {
  /** Which client, which command (e.g. "ListAccessKeysCommand") and which input to fail. */
  service: "iam" | "sts";
  command: string;
  when?: (input: Record<string, unknown>) => boolean;
  error: () => Error;
}

/**
 * A deserialize-step middleware, after keywarden's attempt counter and inside the SDK's retry
 * loop, that fails the matching requests before they are sent: every attempt, retries included.
 */
function injector(injection: Injection, attempts: { n: number }) {
  return <I extends object, O extends object>(): DeserializeMiddleware<I, O> =>
    (next, context) =>
    (args) => {
      const input = args.input as Record<string, unknown>;
      if (context.commandName === injection.command && (injection.when?.(input) ?? true)) {
        attempts.n++;
        return Promise.reject(injection.error());
      }
      return next(args);
    };
}

async function injectedSession(
  injection: Injection,
  maxAttempts = 3,
): Promise<{ session: AwsSession; attempts: { n: number } }> {
  const attempts = { n: 0 };
  const make = injector(injection, attempts);
  const opts = { step: "deserialize" as const, priority: "low" as const, name: "keywardenTestInjection" };
  const session = await openSession(
    {
      endpointUrl: emu.endpoint,
      region: REGION,
      credentials: DUMMY_CREDENTIALS,
      maxAttempts,
      configureClient: (client) => {
        if (injection.service === "iam" && client instanceof IAMClient)
          client.middlewareStack.add(make(), opts);
        if (injection.service === "sts" && client instanceof STSClient)
          client.middlewareStack.add(make(), opts);
      },
    },
    {},
  );
  return { session, attempts };
}

function auditOn(session: AwsSession) {
  return runAudit({
    port: iamInventoryPort(session),
    apiCalls: () => session.counter.snapshot(),
    now: new Date(),
    thresholds: DEFAULT_THRESHOLDS,
    clock: () => 0,
  });
}

function captureIO(): { io: CliIO; stderr: () => string; stdout: () => string } {
  let out = "";
  let err = "";
  return {
    io: {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: (s: string) => (err += s) },
      env: {},
      cwd: tmpdir(),
    },
    stdout: () => out,
    stderr: () => err,
  };
}

describe("AWS errors injected at the SDK layer", () => {
  it("throttling on one user's ListAccessKeys: retried, then an ERROR for that user; the others are judged", async () => {
    const maxAttempts = 3;
    const { session, attempts } = await injectedSession(
      {
        service: "iam",
        command: "ListAccessKeysCommand",
        when: (input) => input.UserName === "victim",
        error: () => serviceError("iam", "Throttling", "Rate exceeded"),
      },
      maxAttempts,
    );
    const { report, inventory } = await auditOn(session);

    // The SDK's adaptive retry classified it as throttling and spent the whole budget on it.
    expect(attempts.n).toBe(maxAttempts);
    expect(session.counter.httpAttempts).toBeGreaterThan(session.counter.total);
    expect(session.counter.httpAttempts - session.counter.total).toBe(maxAttempts - 1);
    // One logical call per user with keys, however many attempts it took.
    expect(report.stats.apiCalls.ListAccessKeys).toBe(3);

    // Everything unknown about the victim is an ERROR, never a silent PASS; nobody else has one.
    const errors = report.findings.filter((f) => f.result === "ERROR");
    expect(errors.every((f) => f.userName === "victim")).toBe(true);
    expect(report.findings.filter((f) => f.userName === "victim" && f.result === "PASS")).toEqual([]);
    expect(errors.filter((f) => f.ruleId === "user-two-active-keys")).toHaveLength(1);
    const collection = errors.filter((f) => f.ruleId === "collection");
    expect(collection).toHaveLength(1);
    expect(collection[0]).toMatchObject({
      ruleId: "collection",
      severity: "high",
      accountId: ACCOUNT_ID,
      userName: "victim",
      accessKeyId: null,
    });
    expect(collection[0]?.message).toContain("ListAccessKeys (iam:ListAccessKeys)");
    expect(collection[0]?.message).toContain("THROTTLED");
    expect(collection[0]?.remediation).toMatch(/throttled ListAccessKeys/i);
    expect(inventory.errors).toEqual([expect.objectContaining({ userName: "victim", code: "THROTTLED" })]);

    // The others are collected and judged as usual.
    expect(inventory.keys.map((k) => k.userName).sort()).toEqual(["bystander", "weak", "weak"]);
    const bystander = keyOf("bystander", 0).accessKeyId;
    expect(report.findings).toContainEqual(
      expect.objectContaining({ ruleId: "access-key-rotation", result: "FAIL", accessKeyId: bystander }),
    );
    expect(
      report.findings.some(
        (f) => f.userName === "victim" && f.ruleId !== "collection" && f.accessKeyId !== null,
      ),
    ).toBe(false);
  });

  it("an expired session on GetCallerIdentity ends the audit with SESSION_EXPIRED (exit 3), without retrying", async () => {
    const { session, attempts } = await injectedSession({
      service: "sts",
      command: "GetCallerIdentityCommand",
      error: () =>
        serviceError("sts", "ExpiredToken", "The security token included in the request is expired"),
    });
    const err = await auditOn(session).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CredentialsError);
    expect((err as CredentialsError).code).toBe("SESSION_EXPIRED");
    expect(attempts.n).toBe(1);
    // Nothing else was attempted once the identity failed.
    expect(session.counter.snapshot()).toEqual({ GetCallerIdentity: 1 });

    const out = captureIO();
    expect(reportError(err, out.io, false)).toBe(ExitCode.CREDENTIALS);
    expect(lines(out.stderr())).toHaveLength(1);
    expect(out.stderr()).toMatch(
      /^keywarden: GetCallerIdentity failed: the session credentials have expired\. /,
    );
    expect(out.stderr()).toContain("aws sso login");
    expect(out.stdout()).toBe("");

    const debug = captureIO();
    expect(reportError(err, debug.io, true)).toBe(ExitCode.CREDENTIALS);
    expect(lines(debug.stderr()).length).toBeGreaterThan(1);
    expect(debug.stderr()).toContain("ExpiredToken");
  });

  it("clock skew on GetCallerIdentity ends the audit with CLOCK_SKEW (exit 3)", async () => {
    const { session } = await injectedSession({
      service: "sts",
      command: "GetCallerIdentityCommand",
      error: () =>
        serviceError(
          "sts",
          "RequestTimeTooSkewed",
          "The difference between the request time and the current time is too large.",
          403,
        ),
    });
    const err = await auditOn(session).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CredentialsError);
    expect((err as CredentialsError).code).toBe("CLOCK_SKEW");

    const out = captureIO();
    expect(reportError(err, out.io, false)).toBe(ExitCode.CREDENTIALS);
    expect(lines(out.stderr())).toHaveLength(1);
    expect(out.stderr()).toMatch(/clock/i);
    expect(out.stderr()).toMatch(/timedatectl|chronyc/);
  });

  it("the same session without an injection audits cleanly (the control)", async () => {
    const { session, attempts } = await injectedSession({
      service: "iam",
      command: "NoSuchCommand",
      error: () => serviceError("iam", "Throttling", "Rate exceeded"),
    });
    const { report } = await auditOn(session);
    expect(attempts.n).toBe(0);
    expect(report.findings.filter((f) => f.result === "ERROR")).toEqual([]);
    expect(session.counter.httpAttempts).toBe(session.counter.total);
  });
});
