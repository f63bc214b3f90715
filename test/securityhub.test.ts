// `keywarden audit --to securityhub` against the emulator's Security Hub, through the real SDK:
// findings imported in batches of at most 100, a re-run updates them (same ids, no copies), a fixed
// check resolves its finding (Compliance PASSED, Workflow RESOLVED) and a finding whose key is gone
// is archived. Throttling and refused findings cannot be produced by the emulator: they are
// injected at the SDK layer (AwsTarget.configureClient adds middleware to every client the session
// makes) and the retry and per-finding report are checked.
import {
  CreateVirtualMFADeviceCommand,
  DeleteAccessKeyCommand,
  EnableMFADeviceCommand,
  ListAccessKeysCommand,
} from "@aws-sdk/client-iam";
import {
  GetFindingsCommand,
  SecurityHubClient,
  SecurityHubServiceException,
  type AwsSecurityFinding,
} from "@aws-sdk/client-securityhub";
import type { DeserializeMiddleware, InitializeMiddleware } from "@smithy/types";
import { beforeAll, describe, expect, it } from "vitest";
import type { SdkClient } from "../src/aws/clients.js";
import type { AwsTarget } from "../src/aws/session.js";
import { executeAudit, type AuditFlags } from "../src/cli/commands/audit.js";
import type { CliIO } from "../src/cli/io.js";
import type { AuditReport } from "../src/domain/audit-report.js";
import type { BulkUserSpec } from "../src/emulator/client.js";
import { demoAccount } from "../src/emulator/demo-account.js";
import { DEFAULT_THRESHOLDS } from "../src/rules/rule.js";
import { ACCOUNT_ID, DUMMY_CREDENTIALS, REGION, useEmulator } from "./emulator/harness.js";

const emu = useEmulator();
const d = DEFAULT_THRESHOLDS;
const FLAGS: AuditFlags = {
  format: "json",
  failOn: "none",
  lastUsed: "auto",
  concurrency: 8,
  rotationDays: d.rotationDays,
  expiringDays: d.expiringWithinDays,
  unusedDays: d.unusedDays,
  inactiveDays: d.inactiveLingeringDays,
  graceDays: d.newKeyGraceDays,
  to: "securityhub",
};
/** Extra service users with stale keys, so the import takes more than one batch of 100. */
const EXTRA_USERS = 60;

interface Run {
  code: number;
  report: AuditReport;
  stderr: string;
  counts: { imported: number; updated: number; resolved: number; calls: number } | null;
}

async function audit(configureClient?: (c: SdkClient) => void, maxAttempts = 3): Promise<Run> {
  let out = "";
  let err = "";
  const io: CliIO = {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    env: {},
    cwd: process.cwd(),
  };
  const target: AwsTarget = {
    endpointUrl: emu.endpoint,
    region: REGION,
    credentials: DUMMY_CREDENTIALS,
    maxAttempts,
    configureClient,
  };
  const code = await executeAudit(FLAGS, io, target);
  const m = /(\d+) imported, (\d+) updated, (\d+) resolved.* in (\d+) BatchImportFindings call/.exec(err);
  return {
    code,
    report: JSON.parse(out) as AuditReport,
    stderr: err,
    counts: m
      ? { imported: Number(m[1]), updated: Number(m[2]), resolved: Number(m[3]), calls: Number(m[4]) }
      : null,
  };
}

function hub(): SecurityHubClient {
  return new SecurityHubClient({ endpoint: emu.endpoint, region: REGION, credentials: DUMMY_CREDENTIALS });
}

async function held(): Promise<AwsSecurityFinding[]> {
  const out: AwsSecurityFinding[] = [];
  let token: string | undefined;
  do {
    const r = await hub().send(new GetFindingsCommand({ MaxResults: 100, NextToken: token }));
    out.push(...(r.Findings ?? []));
    token = r.NextToken || undefined;
  } while (token);
  return out;
}

function open(report: AuditReport) {
  return report.findings.filter((f) => f.result !== "PASS");
}

/** Records the number of findings of every BatchImportFindings request the session's clients send. */
function batchRecorder(sizes: number[]) {
  return (client: SdkClient) => {
    const mw: InitializeMiddleware<object, object> = (next, context) => (args) => {
      if (context.commandName === "BatchImportFindingsCommand") {
        sizes.push(((args.input as { Findings?: unknown[] }).Findings ?? []).length);
      }
      return next(args);
    };
    client.middlewareStack.add(mw, { step: "initialize", name: "testBatchRecorder" });
  };
}

beforeAll(async () => {
  const now = new Date();
  const account = demoAccount(now);
  const day = 86_400_000;
  const ago = (n: number) => new Date(now.getTime() - n * day);
  const extra: BulkUserSpec[] = Array.from({ length: EXTRA_USERS }, (_, i) => ({
    name: `svc-batch-${String(i).padStart(2, "0")}`,
    create_date: ago(400),
    access_keys: [{ create_date: ago(300), last_used: { date: ago(2), service: "s3" } }],
  }));
  await emu.client.bulkSeed({ users: [...account.users, ...extra] });
  await emu.client.setRoot(account.root);
}, 60_000);

describe("audit --to securityhub", () => {
  it("imports every failing finding in batches of at most 100, and a re-run updates them", async () => {
    const sizes: number[] = [];
    const first = await audit(batchRecorder(sizes));
    expect(first.code, first.stderr).toBe(0);
    const failing = open(first.report);
    expect(failing.length).toBeGreaterThan(100);
    expect(first.counts).toEqual({ imported: failing.length, updated: 0, resolved: 0, calls: 2 });
    expect(sizes).toEqual([100, failing.length - 100]);
    expect(first.stderr).toMatch(/passing checks not sent/);

    const inHub = await held();
    expect(inHub).toHaveLength(failing.length);
    expect(new Set(inHub.map((f) => f.Id)).size).toBe(failing.length);
    const root = inHub.find((f) => f.GeneratorId === "keywarden/root-access-key");
    expect(root).toMatchObject({
      AwsAccountId: ACCOUNT_ID,
      ProductArn: `arn:aws:securityhub:${REGION}:${ACCOUNT_ID}:product/${ACCOUNT_ID}/default`,
      Severity: { Label: "CRITICAL" },
      Compliance: { Status: "FAILED" },
      Workflow: { Status: "NEW" },
      RecordState: "ACTIVE",
      Resources: [{ Type: "AwsAccount", Id: `AWS::::Account:${ACCOUNT_ID}` }],
    });
    expect(root?.Compliance?.RelatedRequirements).toContain("CIS AWS Foundations Benchmark v7.0.0/2.4");
    expect(root?.Remediation?.Recommendation?.Text).toContain("aws iam delete-access-key");

    // Same account, nothing changed: every finding updated in place, none added.
    const second = await audit();
    expect(second.counts).toEqual({ imported: 0, updated: failing.length, resolved: 0, calls: 2 });
    const again = await held();
    expect(again).toHaveLength(failing.length);
    // Security Hub's first sight of a finding stays its creation time.
    const rootAgain = again.find((f) => f.Id === root?.Id);
    expect(rootAgain?.CreatedAt).toBe(root?.CreatedAt);
    expect(rootAgain?.UpdatedAt).toBe(second.report.generatedAt);
  }, 120_000);

  it("resolves the finding of a check that now passes, and archives the findings of a deleted key", async () => {
    const iam = emu.iam();
    // bob gets an MFA device: console-user-mfa passes for him.
    const device = await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: "bob" }));
    await iam.send(
      new EnableMFADeviceCommand({
        UserName: "bob",
        SerialNumber: device.VirtualMFADevice?.SerialNumber,
        AuthenticationCode1: "123456",
        AuthenticationCode2: "654321",
      }),
    );
    // One stale batch user's key is deleted: its findings have no subject any more.
    const keys = await iam.send(new ListAccessKeysCommand({ UserName: "svc-batch-00" }));
    const gone = keys.AccessKeyMetadata?.[0]?.AccessKeyId ?? "";
    await iam.send(new DeleteAccessKeyCommand({ UserName: "svc-batch-00", AccessKeyId: gone }));
    // The credential report (where MFA status comes from) is a snapshot; AWS renews it after 4 hours.
    await emu.client.credentialReport({ expire: true });
    const goneHeld = (await held()).filter((f) => f.Id?.endsWith(`/${gone}`));
    expect(goneHeld.length).toBeGreaterThan(0);

    const run = await audit();
    expect(run.code, run.stderr).toBe(0);
    expect(run.counts?.resolved, run.stderr).toBe(1 + goneHeld.length);
    expect(run.counts?.imported).toBe(0);

    const inHub = await held();
    const bob = inHub.find((f) => f.Id === `keywarden/${ACCOUNT_ID}/console-user-mfa/user/bob`);
    expect(bob).toMatchObject({
      Compliance: { Status: "PASSED" },
      Workflow: { Status: "RESOLVED" },
      RecordState: "ACTIVE",
    });
    for (const f of inHub.filter((x) => x.Id?.endsWith(`/${gone}`))) {
      expect(f).toMatchObject({ RecordState: "ARCHIVED", Workflow: { Status: "RESOLVED" } });
    }
    // Nothing else moved to RESOLVED.
    const resolved = inHub.filter((f) => f.Workflow?.Status === "RESOLVED");
    expect(resolved).toHaveLength(1 + goneHeld.length);

    // Once resolved, a re-run leaves them be.
    const after = await audit();
    expect(after.counts?.resolved).toBe(0);
    expect(after.stderr).toMatch(/1 already resolved/);
  }, 120_000);

  it("retries a throttled BatchImportFindings (TooManyRequestsException) and then succeeds", async () => {
    const attempts = { n: 0, throttled: 0 };
    const inject = (client: SdkClient) => {
      // Inside the SDK's retry loop (deserialize step): each attempt passes here.
      const mw: DeserializeMiddleware<object, object> = (next, context) => (args) => {
        if (context.commandName !== "BatchImportFindingsCommand") return next(args);
        attempts.n++;
        if (attempts.throttled < 2) {
          attempts.throttled++;
          return Promise.reject(
            new SecurityHubServiceException({
              name: "TooManyRequestsException",
              message: "Rate exceeded",
              $fault: "client",
              $metadata: { httpStatusCode: 429 },
            }),
          );
        }
        return next(args);
      };
      client.middlewareStack.add(mw, { step: "deserialize", priority: "low", name: "testThrottle" });
    };
    const run = await audit(inject, 5);
    expect(run.code, run.stderr).toBe(0);
    expect(attempts.throttled).toBe(2);
    // Two throttled attempts, then the first batch went through; then the second batch.
    expect(run.counts?.calls).toBe(2);
    expect(attempts.n).toBe(2 + 2);
    expect(run.counts?.updated).toBe(open(run.report).length);
  }, 120_000);

  it("exits 5 with the fix when throttling outlasts the retries", async () => {
    const inject = (client: SdkClient) => {
      const mw: DeserializeMiddleware<object, object> = (next, context) => (args) =>
        context.commandName === "BatchImportFindingsCommand"
          ? Promise.reject(
              new SecurityHubServiceException({
                name: "TooManyRequestsException",
                message: "Rate exceeded",
                $fault: "client",
                $metadata: { httpStatusCode: 429 },
              }),
            )
          : next(args);
      client.middlewareStack.add(mw, { step: "deserialize", priority: "low", name: "testThrottleAlways" });
    };
    const failure = await audit(inject, 2).then(
      () => null,
      (e: unknown) => e as { exitCode: number; message: string; fix: string },
    );
    expect(failure?.exitCode).toBe(5);
    expect(failure?.message).toMatch(
      /^BatchImportFindings failed: AWS kept throttling the request after every retry/,
    );
    expect(failure?.fix).toMatch(/--max-attempts/);
  }, 120_000);

  it("reports each finding Security Hub refuses (FailedFindings) and imports the rest, exit 5", async () => {
    // Two findings lose their Resources on the way out: the emulator refuses exactly those.
    const refused: string[] = [];
    const inject = (client: SdkClient) => {
      const mw: InitializeMiddleware<object, object> = (next, context) => (args) => {
        if (context.commandName === "BatchImportFindingsCommand") {
          const findings = (args.input as { Findings: { Id: string; Resources: unknown[] }[] }).Findings;
          for (const f of findings.slice(0, 2)) {
            f.Resources = [];
            refused.push(f.Id);
          }
        }
        return next(args);
      };
      client.middlewareStack.add(mw, { step: "initialize", name: "testRefuse" });
    };
    const run = await audit(inject);
    expect(run.code).toBe(5);
    expect(refused).toHaveLength(4); // two per batch
    for (const id of refused) expect(run.stderr).toContain(`Security Hub refused ${id}: InvalidInput`);
    expect(run.stderr).toMatch(/, 4 refused/);
    expect(run.counts?.updated).toBe(open(run.report).length - 4);
  }, 120_000);
});
