// `keywarden deploy responder` on the emulator through the real SDK: the stack reaches
// CREATE_COMPLETE, its role carries the policy `permissions respond` prints, and each rule's
// pattern is tested by the emulator's own matching (PutEvents of the sample events, a test queue as
// the rule's second target: moto's TestEventPattern answers nothing). The function's code is the
// real handler's bundle (src/responder/lambda.ts); test/responder-bundle.test.ts runs it.
import { readFileSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CloudFormationClient,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
} from "@aws-sdk/client-cloudformation";
import {
  EventBridgeClient,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  PutTargetsCommand,
} from "@aws-sdk/client-eventbridge";
import { GetRolePolicyCommand } from "@aws-sdk/client-iam";
import { GetFunctionCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { GetObjectCommand, ListBucketsCommand, S3Client } from "@aws-sdk/client-s3";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { beforeAll, describe, expect, it } from "vitest";
import { VERB_PERMISSIONS } from "../src/cli/commands/permissions.js";
import { buildResponderBundle } from "../src/deploy/bundle.js";
import { DEPLOY_PERMISSIONS } from "../src/deploy/permissions.js";
import { RESPONDER_EVENT_KINDS } from "../src/deploy/event-rules.js";
import { RESPOND_POLICY_NAME } from "../src/deploy/responder-template.js";
import { DUMMY_CREDENTIALS, REGION, useEmulator } from "./emulator/harness.js";
import { REPO_ROOT, runCli } from "./helpers/cli.js";

const emu = useEmulator();
const clientOpts = () => ({ endpoint: emu.endpoint, region: REGION, credentials: DUMMY_CREDENTIALS });
const cfn = () => new CloudFormationClient(clientOpts());
const events = () => new EventBridgeClient(clientOpts());
const sqs = () => new SQSClient(clientOpts());
const s3 = () => new S3Client({ ...clientOpts(), forcePathStyle: true });

const SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:kw-store-AbCdEf";
const fixture = (name: string) =>
  JSON.parse(readFileSync(join(REPO_ROOT, "test", "fixtures", "events", `${name}.json`), "utf8")) as {
    source: string;
    "detail-type": string;
    detail: Record<string, unknown>;
  };

let bundleZip = "";
const env = () => ({
  AWS_ENDPOINT_URL: emu.endpoint,
  AWS_ACCESS_KEY_ID: "testing",
  AWS_SECRET_ACCESS_KEY: "testing",
  AWS_REGION: REGION,
});
const deploy = (args: string[]) =>
  runCli(["deploy", "responder", "--bundle", bundleZip, ...args], { env: env() });

async function stackExists(name: string): Promise<boolean> {
  try {
    await cfn().send(new DescribeStacksCommand({ StackName: name }));
    return true;
  } catch (e) {
    if (/does not exist/.test((e as Error).message)) return false;
    throw e;
  }
}

async function bucketNames(): Promise<string[]> {
  return ((await s3().send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name ?? "");
}

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), "kw-responder-bundle-"));
  const built = await buildResponderBundle(join(REPO_ROOT, "src", "responder", "lambda.ts"), dir);
  bundleZip = built.zip;
}, 120_000);

describe("deploy responder --apply", () => {
  let outputs: Record<string, string> = {};

  it("one command deploys the stack to CREATE_COMPLETE: function, role, rules, dead-letter queue, topic", async () => {
    const config = join(REPO_ROOT, "test", "fixtures", "policy", "valid.yaml");
    const r = await deploy([
      "--apply",
      "--yes",
      "--config",
      config,
      "--store-secret-arn",
      SECRET_ARN,
      "--role-name",
      "OrganizationAccountAccessRole",
      "--external-id",
      "kw-test-2026",
      "--regions",
      "us-east-1,eu-west-1",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const printed = JSON.parse(r.stdout) as { action: string; outputs: Record<string, string> };
    expect(printed.action).toBe("created");
    outputs = printed.outputs;

    const stack = (await cfn().send(new DescribeStacksCommand({ StackName: "keywarden-responder" })))
      .Stacks?.[0];
    expect(stack?.StackStatus).toBe("CREATE_COMPLETE");
    const resources = (
      await cfn().send(new DescribeStackResourcesCommand({ StackName: "keywarden-responder" }))
    ).StackResources;
    const types = (resources ?? []).map((x) => x.ResourceType).sort();
    expect(types).toEqual(
      [
        "AWS::Events::Rule",
        "AWS::Events::Rule",
        "AWS::Events::Rule",
        "AWS::IAM::Role",
        "AWS::Lambda::Function",
        "AWS::Lambda::Permission",
        "AWS::Lambda::Permission",
        "AWS::Lambda::Permission",
        "AWS::Logs::LogGroup",
        "AWS::SNS::Topic",
        "AWS::SQS::Queue",
        "AWS::SQS::QueuePolicy",
      ].sort(),
    );
    expect((resources ?? []).every((x) => x.ResourceStatus === "CREATE_COMPLETE")).toBe(true);

    const fn = await new LambdaClient(clientOpts()).send(
      new GetFunctionCommand({ FunctionName: "keywarden-responder" }),
    );
    expect(fn.Configuration?.Runtime).toBe("nodejs20.x");
    expect(fn.Configuration?.Handler).toBe("index.handler");
    const vars = fn.Configuration?.Environment?.Variables ?? {};
    expect(Object.keys(vars).sort()).toEqual(
      [
        "KEYWARDEN_CONFIG_JSON",
        "KEYWARDEN_EXTERNAL_ID",
        "KEYWARDEN_ORG_ROLE_NAME",
        "KEYWARDEN_REGIONS",
        "KEYWARDEN_SNS_TOPIC_ARN",
        "KEYWARDEN_STORE_SECRET_ARN",
      ].sort(),
    );
    expect(vars.KEYWARDEN_STORE_SECRET_ARN).toBe(SECRET_ARN);
    expect(vars.KEYWARDEN_ORG_ROLE_NAME).toBe("OrganizationAccountAccessRole");
    expect(vars.KEYWARDEN_EXTERNAL_ID).toBe("kw-test-2026");
    expect(vars.KEYWARDEN_REGIONS).toBe("us-east-1,eu-west-1");
    expect(vars.KEYWARDEN_SNS_TOPIC_ARN).toBe(outputs.NotificationTopicArn);
    expect(vars.KEYWARDEN_SNS_TOPIC_ARN).toMatch(/^arn:aws:sns:us-east-1:123456789012:/);
    const functionConfig = JSON.parse(vars.KEYWARDEN_CONFIG_JSON ?? "{}") as {
      thresholds?: { rotationDays?: number };
    };
    expect(functionConfig.thresholds?.rotationDays).toBe(60);

    // The code in S3 is the bundle that was given, byte for byte.
    const loc = stack?.Parameters?.find((p) => p.ParameterKey === "CodeKey")?.ParameterValue ?? "";
    const bucket = stack?.Parameters?.find((p) => p.ParameterKey === "CodeBucket")?.ParameterValue ?? "";
    expect(bucket).toBe("keywarden-responder-123456789012-us-east-1");
    const object = await s3().send(new GetObjectCommand({ Bucket: bucket, Key: loc }));
    expect(
      Buffer.from((await object.Body?.transformToByteArray()) ?? []).equals(readFileSync(bundleZip)),
    ).toBe(true);
  });

  it("the role's respond policy is exactly what `keywarden permissions respond` lists", async () => {
    const roleName = outputs.FunctionRoleArn?.split("/").pop() ?? "";
    const policy = await emu
      .iam()
      .send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: RESPOND_POLICY_NAME }));
    const doc = JSON.parse(decodeURIComponent(policy.PolicyDocument ?? "{}")) as {
      Statement: { Action: string[]; Resource: string; Effect: string }[];
    };
    const actions = doc.Statement.flatMap((s) => s.Action).sort();
    expect(actions).toEqual([...new Set(VERB_PERMISSIONS.respond)].sort());
    const printed = await runCli(["permissions", "respond"]);
    expect(JSON.parse(printed.stdout)).toEqual(doc);
  });

  it("each rule targets the function with the dead-letter queue and a retry policy", async () => {
    for (const kind of RESPONDER_EVENT_KINDS) {
      const rule = outputs[`Rule${kind.id}Name`] ?? "";
      const targets = (await events().send(new ListTargetsByRuleCommand({ Rule: rule }))).Targets ?? [];
      expect(targets).toHaveLength(1);
      expect(targets[0]?.Arn).toBe(outputs.FunctionArn);
      expect(targets[0]?.DeadLetterConfig?.Arn).toMatch(
        /^arn:aws:sqs:us-east-1:123456789012:keywarden-responder-DeadLetterQueue-/,
      );
      expect(targets[0]?.RetryPolicy?.MaximumRetryAttempts).toBe(8);
    }
    // EventBridge may write to the dead-letter queue: its policy names the service and the rules.
    const attrs = await sqs().send(
      new GetQueueAttributesCommand({ QueueUrl: outputs.DeadLetterQueueUrl, AttributeNames: ["Policy"] }),
    );
    const policy = JSON.parse(attrs.Attributes?.Policy ?? "{}") as {
      Statement: {
        Principal: { Service: string };
        Condition: { ArnEquals: { "aws:SourceArn": string[] } };
      }[];
    };
    expect(policy.Statement[0]?.Principal.Service).toBe("events.amazonaws.com");
    expect(policy.Statement[0]?.Condition.ArnEquals["aws:SourceArn"]).toHaveLength(
      RESPONDER_EVENT_KINDS.length,
    );
  });

  it("the emulator's own matching sends each sample event to its rule only, and the others to none", async () => {
    const queues: Record<string, string> = {};
    for (const kind of RESPONDER_EVENT_KINDS) {
      const url =
        (await sqs().send(new CreateQueueCommand({ QueueName: `kw-test-${kind.id}` }))).QueueUrl ?? "";
      const arn = (
        await sqs().send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] }))
      ).Attributes?.QueueArn;
      await events().send(
        new PutTargetsCommand({
          Rule: outputs[`Rule${kind.id}Name`],
          Targets: [{ Id: "test-queue", Arn: arn }],
        }),
      );
      queues[kind.id] = url;
    }
    const health = fixture("health-credentials-exposed");
    const scan = fixture("keywarden-scan-hit");
    const cases: [string, ReturnType<typeof fixture>, string | null][] = [
      ["health credentials exposed", health, "HealthCredentialsExposed"],
      ["guardduty IAM user key", fixture("guardduty-iam-user"), "GuardDutyIamUserKey"],
      ["keywarden scan hit", scan, "KeywardenScanHit"],
      ["guardduty session credentials", fixture("guardduty-session-credentials"), null],
      [
        "another AWS Health event",
        {
          ...health,
          detail: { ...health.detail, eventTypeCode: "AWS_EC2_OPERATIONAL_ISSUE", service: "EC2" },
        },
        null,
      ],
      [
        "a scan hit on a temporary key id",
        { ...scan, detail: { ...scan.detail, accessKeyId: "ASIAIOSFODNN7EXAMPLE" } },
        null,
      ],
    ];
    for (const [name, event, expected] of cases) {
      const put = await events().send(
        new PutEventsCommand({
          Entries: [
            { Source: event.source, DetailType: event["detail-type"], Detail: JSON.stringify(event.detail) },
          ],
        }),
      );
      expect(put.FailedEntryCount, name).toBe(0);
      for (const kind of RESPONDER_EVENT_KINDS) {
        const got = await sqs().send(
          new ReceiveMessageCommand({
            QueueUrl: queues[kind.id],
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 0,
          }),
        );
        const bodies = (got.Messages ?? []).map((m) => JSON.parse(m.Body ?? "{}") as { source: string });
        expect(bodies.length, `${name} -> ${kind.id}`).toBe(kind.id === expected ? 1 : 0);
        if (kind.id === expected) expect(bodies[0]?.source).toBe(event.source);
      }
    }
  });

  it("deploying the same again updates the stack in place", async () => {
    const r = await deploy(["--apply", "--yes", "--store-secret-arn", SECRET_ARN]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("stack keywarden-responder: updating");
    const stack = (await cfn().send(new DescribeStacksCommand({ StackName: "keywarden-responder" })))
      .Stacks?.[0];
    expect(stack?.StackStatus).toMatch(/^UPDATE_COMPLETE$|^CREATE_COMPLETE$/);
  });
});

describe("deploy responder: nothing is created", () => {
  it("--dry-run prints the template and what it would create", async () => {
    const before = await bucketNames();
    const r = await deploy(["--dry-run", "--stack-name", "kw-dry"]);
    expect(r.code, r.stderr).toBe(0);
    const template = JSON.parse(r.stdout) as { Resources: Record<string, { Type: string }> };
    expect(Object.keys(template.Resources)).toContain("Function");
    expect(r.stderr).toContain("dry run: stack kw-dry would create 12 resources");
    expect(r.stderr).toContain("AWS::Lambda::Function");
    expect(await stackExists("kw-dry")).toBe(false);
    expect(await bucketNames()).toEqual(before);
  });

  it("the global --store names the function's store; this machine's KEYWARDEN_STORE does not", async () => {
    type T = {
      Resources: { Function: { Properties: { Environment: { Variables: Record<string, unknown> } } } };
    };
    const vars = (out: string) => (JSON.parse(out) as T).Resources.Function.Properties.Environment.Variables;
    const given = await runCli(
      ["--store", "postgres://keywarden@db.example.com:5432/kw", "deploy", "responder", "--format", "json"],
      { env: { ...env(), KEYWARDEN_STORE: "/home/me/.keywarden/store.db" } },
    );
    expect(given.code, given.stderr).toBe(0);
    expect(vars(given.stdout).KEYWARDEN_STORE).toBe("postgres://keywarden@db.example.com:5432/kw");
    const local = await runCli(["deploy", "responder"], {
      env: { ...env(), KEYWARDEN_STORE: "/home/me/.keywarden/store.db" },
    });
    expect(local.code, local.stderr).toBe(0);
    expect(vars(local.stdout)).not.toHaveProperty("KEYWARDEN_STORE");
    expect(local.stderr).toContain("keep no incident record");
  });

  it("bad input is refused (exit 2) before any bucket, upload or stack", async () => {
    const before = await bucketNames();
    const bad: [string[], string][] = [
      [["--store", "postgres://kw:hunter2-not-real@db.example.com/kw"], "--store carries a password"],
      [["--store", "/var/lib/keywarden.db"], "is not a postgres:// URL"],
      [["--role-name", "arn:aws:iam::123456789012:role/X"], "is not an IAM role name"],
      [["--external-id", "abc"], "--external-id only applies with --role-name"],
      [["--regions", "moon-1"], "is not an AWS region"],
      [["--store-secret-arn", "kw-store"], "is not a Secrets Manager secret ARN"],
      [["--stack-name", "1bad"], "is not a CloudFormation stack name"],
      [["--config", join(REPO_ROOT, "test", "fixtures", "policy", "unknown-rule.yaml")], "unknown"],
      [["--dry-run"], "--dry-run and --apply contradict each other"],
    ];
    for (const [args, message] of bad) {
      const r = await deploy(["--apply", "--yes", "--stack-name", "kw-bad", ...args]);
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(2);
      expect(r.stderr.toLowerCase()).toContain(message.toLowerCase());
      expect(r.stderr).not.toContain("hunter2");
    }
    expect(await stackExists("kw-bad")).toBe(false);
    expect(await bucketNames()).toEqual(before);
  });

  it("--apply without --yes and without a terminal asks nothing and deploys nothing (exit 2)", async () => {
    const r = await deploy(["--apply", "--stack-name", "kw-unasked"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Pass --yes");
    expect(await stackExists("kw-unasked")).toBe(false);
  });

  it("a bundle that is not there is an environment error (exit 6), before AWS", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kw-no-bundle-"));
    await writeFile(join(dir, "readme.txt"), "no zip here\n");
    const r = await runCli(
      [
        "deploy",
        "responder",
        "--apply",
        "--yes",
        "--stack-name",
        "kw-nobundle",
        "--bundle",
        join(dir, "index.zip"),
      ],
      { env: env() },
    );
    expect(r.code).toBe(6);
    expect(r.stderr).toContain("npm run build:responder");
    expect(await stackExists("kw-nobundle")).toBe(false);
  });

  it("`keywarden permissions deploy` lists what deploying needs", async () => {
    const r = await runCli(["permissions", "deploy"]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { Statement: { Action: string[] }[] };
    expect(doc.Statement[0]?.Action).toEqual([...DEPLOY_PERMISSIONS].sort());
    expect(doc.Statement[0]?.Action).toContain("cloudformation:CreateStack");
    expect(doc.Statement[0]?.Action).toContain("iam:PassRole");
  });
});
