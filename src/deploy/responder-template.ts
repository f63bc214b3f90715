// The responder's deployment as one CloudFormation template, built as a plain object so tests and
// `--dry-run` read exactly what --apply creates. The function's respond policy is generated from
// the list `keywarden permissions respond` prints (never a copy of it); what the function needs to
// run (its logs, the dead-letter queue, the topic, the store's secret, the organization role) is a
// second inline policy, scoped to those resources.
import { leastPrivilegePolicy } from "../cli/commands/permissions.js";
import { RESPONDER_EVENT_KINDS } from "./event-rules.js";
import { RESPONDER_ENV } from "./responder-env.js";

export interface ResponderSettings {
  stackName: string;
  /** postgres://... without a password (else storeSecretArn), the function's incident store. */
  store?: string | undefined;
  storeSecretArn?: string | undefined;
  /** The policy file's content (keywarden.yaml), parsed and checked. */
  config?: unknown;
  /** An existing topic for team notifications; without it the stack creates one. */
  snsTopicArn?: string | undefined;
  /** With an organization: the role the function assumes in member accounts (as `audit --org`). */
  orgRoleName?: string | undefined;
  externalId?: string | undefined;
  regions?: readonly string[] | undefined;
}

export { RESPONDER_ENV };

export const RESPONDER_HANDLER = "index.handler";
export const RESPONDER_RUNTIME = "nodejs20.x";
export const RESPOND_POLICY_NAME = "keywarden-respond";
export const RUNTIME_POLICY_NAME = "keywarden-responder-runtime";
/** Lambda's limit on all environment variables together. */
export const LAMBDA_ENV_LIMIT_BYTES = 4096;

type Json = Record<string, unknown>;
const getAtt = (id: string, attr: string) => ({ "Fn::GetAtt": [id, attr] });
const ref = (id: string) => ({ Ref: id });

export function functionName(stackName: string): string {
  // The stack's own name, which says what it is; Lambda names are at most 64 characters.
  return stackName.slice(0, 64);
}

/** The environment the function gets: only the names that have a value. */
export function responderEnvironment(s: ResponderSettings): Record<string, unknown> {
  const env: Record<string, unknown> = {};
  if (s.store !== undefined) env[RESPONDER_ENV.store] = s.store;
  if (s.storeSecretArn !== undefined) env[RESPONDER_ENV.storeSecretArn] = s.storeSecretArn;
  if (s.config !== undefined) env[RESPONDER_ENV.config] = JSON.stringify(s.config);
  if (s.orgRoleName !== undefined) env[RESPONDER_ENV.orgRoleName] = s.orgRoleName;
  if (s.externalId !== undefined) env[RESPONDER_ENV.externalId] = s.externalId;
  env[RESPONDER_ENV.snsTopicArn] = s.snsTopicArn ?? ref("NotificationTopic");
  if (s.regions !== undefined && s.regions.length > 0) env[RESPONDER_ENV.regions] = s.regions.join(",");
  return env;
}

/** The size Lambda counts for the environment (names and values), with a topic ARN's worst case. */
export function environmentBytes(env: Record<string, unknown>): number {
  return Object.entries(env).reduce(
    (n, [k, v]) => n + Buffer.byteLength(k) + (typeof v === "string" ? Buffer.byteLength(v) : 256),
    0,
  );
}

export const ruleLogicalId = (kindId: string) => `Rule${kindId}`;

export function responderTemplate(s: ResponderSettings): Json {
  const fn = functionName(s.stackName);
  const topicArn = s.snsTopicArn ?? ref("NotificationTopic");
  const resources: Json = {
    DeadLetterQueue: {
      Type: "AWS::SQS::Queue",
      // Events the function could not take stay 14 days (SQS's longest) for `aws sqs receive-message`.
      Properties: { MessageRetentionPeriod: 1_209_600, SqsManagedSseEnabled: true },
    },
    DeadLetterQueuePolicy: {
      Type: "AWS::SQS::QueuePolicy",
      Properties: {
        Queues: [ref("DeadLetterQueue")],
        PolicyDocument: {
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "EventBridgeDeadLetters",
              Effect: "Allow",
              Principal: { Service: "events.amazonaws.com" },
              Action: "sqs:SendMessage",
              Resource: getAtt("DeadLetterQueue", "Arn"),
              Condition: {
                ArnEquals: {
                  "aws:SourceArn": RESPONDER_EVENT_KINDS.map((k) => getAtt(ruleLogicalId(k.id), "Arn")),
                },
              },
            },
          ],
        },
      },
    },
    LogGroup: {
      Type: "AWS::Logs::LogGroup",
      Properties: { LogGroupName: `/aws/lambda/${fn}`, RetentionInDays: 90 },
    },
    FunctionRole: {
      Type: "AWS::IAM::Role",
      Properties: {
        Description: "keywarden responder: contains exposed access keys",
        AssumeRolePolicyDocument: {
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Service: "lambda.amazonaws.com" },
              Action: "sts:AssumeRole",
            },
          ],
        },
        Policies: [
          { PolicyName: RESPOND_POLICY_NAME, PolicyDocument: leastPrivilegePolicy(["respond"]) },
          { PolicyName: RUNTIME_POLICY_NAME, PolicyDocument: runtimePolicy(s, fn, topicArn) },
        ],
      },
    },
    Function: {
      Type: "AWS::Lambda::Function",
      DependsOn: ["LogGroup"],
      Properties: {
        FunctionName: fn,
        Description: "keywarden responder: contains an exposed access key when AWS reports it",
        Runtime: RESPONDER_RUNTIME,
        Handler: RESPONDER_HANDLER,
        Architectures: ["arm64"],
        MemorySize: 512,
        // Containment is a handful of IAM calls; the investigation after it may page CloudTrail.
        Timeout: 300,
        Role: getAtt("FunctionRole", "Arn"),
        Code: { S3Bucket: ref("CodeBucket"), S3Key: ref("CodeKey") },
        Environment: { Variables: responderEnvironment(s) },
        // A run that fails after Lambda's own retries lands here too, beside undeliverable events.
        DeadLetterConfig: { TargetArn: getAtt("DeadLetterQueue", "Arn") },
      },
    },
  };
  if (s.snsTopicArn === undefined) {
    resources.NotificationTopic = {
      Type: "AWS::SNS::Topic",
      Properties: { DisplayName: "keywarden responder" },
    };
  }
  for (const kind of RESPONDER_EVENT_KINDS) {
    const id = ruleLogicalId(kind.id);
    resources[id] = {
      Type: "AWS::Events::Rule",
      Properties: {
        Description: kind.description,
        State: "ENABLED",
        EventPattern: kind.pattern,
        Targets: [
          {
            Id: "responder",
            Arn: getAtt("Function", "Arn"),
            // EventBridge retries a failed delivery for a day by default; an exposed key cannot wait.
            RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 3600 },
            DeadLetterConfig: { Arn: getAtt("DeadLetterQueue", "Arn") },
          },
        ],
      },
    };
    resources[`Permission${kind.id}`] = {
      Type: "AWS::Lambda::Permission",
      Properties: {
        Action: "lambda:InvokeFunction",
        FunctionName: ref("Function"),
        Principal: "events.amazonaws.com",
        SourceArn: getAtt(id, "Arn"),
      },
    };
  }
  return {
    AWSTemplateFormatVersion: "2010-09-09",
    Description:
      "keywarden responder: contains exposed AWS access keys on AWS Health, GuardDuty and scan events",
    Parameters: {
      CodeBucket: { Type: "String", Description: "S3 bucket holding the function's zip" },
      CodeKey: { Type: "String", Description: "S3 key of the function's zip" },
    },
    Resources: resources,
    Outputs: outputs(s),
  };
}

function runtimePolicy(s: ResponderSettings, fn: string, topicArn: unknown): Json {
  const statements: Json[] = [
    {
      Sid: "Logs",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: {
        "Fn::Sub": `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${fn}:*`,
      },
    },
    {
      Sid: "DeadLetters",
      Effect: "Allow",
      Action: "sqs:SendMessage",
      Resource: getAtt("DeadLetterQueue", "Arn"),
    },
    { Sid: "Notify", Effect: "Allow", Action: "sns:Publish", Resource: topicArn },
  ];
  if (s.storeSecretArn !== undefined) {
    statements.push({
      Sid: "StoreSecret",
      Effect: "Allow",
      Action: "secretsmanager:GetSecretValue",
      Resource: s.storeSecretArn,
    });
  }
  if (s.orgRoleName !== undefined) {
    statements.push({
      Sid: "MemberAccounts",
      Effect: "Allow",
      Action: "sts:AssumeRole",
      Resource: { "Fn::Sub": `arn:\${AWS::Partition}:iam::*:role/${s.orgRoleName}` },
    });
  }
  return { Version: "2012-10-17", Statement: statements };
}

function outputs(s: ResponderSettings): Json {
  const out: Json = {
    FunctionArn: { Value: getAtt("Function", "Arn") },
    FunctionRoleArn: { Value: getAtt("FunctionRole", "Arn") },
    DeadLetterQueueUrl: { Value: ref("DeadLetterQueue") },
    NotificationTopicArn: { Value: s.snsTopicArn ?? ref("NotificationTopic") },
  };
  for (const kind of RESPONDER_EVENT_KINDS)
    out[`${ruleLogicalId(kind.id)}Name`] = { Value: ref(ruleLogicalId(kind.id)) };
  return out;
}

/** One line per resource the template creates, for --dry-run. */
export function describeResources(template: Json): string[] {
  const resources = template.Resources as Record<string, { Type: string; Properties?: Json }>;
  return Object.entries(resources).map(([id, r]) => {
    const what = typeof r.Properties?.Description === "string" ? `: ${r.Properties.Description}` : "";
    return `${r.Type.padEnd(24)} ${id}${what}`;
  });
}
