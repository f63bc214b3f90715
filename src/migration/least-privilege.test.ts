import { describe, expect, it } from "vitest";
import { actionsOf } from "./actions.js";
import { observedActions } from "./evidence.js";
import { leastPrivilege } from "./least-privilege.js";
import { buildPlan, plannedClasses } from "./plan.js";
import { ACCOUNT, evidence, event } from "./test-builders.js";

// From CloudTrail events to the IAM actions they need, and from those to the policy.

describe("event -> IAM action", () => {
  it.each([
    ["ec2.amazonaws.com", "RunInstances", ["ec2:RunInstances"], true],
    ["s3.amazonaws.com", "ListObjectsV2", ["s3:ListBucket"], true],
    ["s3.amazonaws.com", "HeadObject", ["s3:GetObject"], true],
    ["s3.amazonaws.com", "CompleteMultipartUpload", ["s3:PutObject"], true],
    ["s3.amazonaws.com", "ListBuckets", ["s3:ListAllMyBuckets"], true],
    ["s3.amazonaws.com", "CopyObject", ["s3:GetObject", "s3:PutObject"], true],
    ["lambda.amazonaws.com", "CreateFunction20150331", ["lambda:CreateFunction"], true],
    ["lambda.amazonaws.com", "UpdateFunctionCode20150331v2", ["lambda:UpdateFunctionCode"], true],
    ["lambda.amazonaws.com", "Invoke", ["lambda:InvokeFunction"], true],
    ["monitoring.amazonaws.com", "PutMetricData", ["cloudwatch:PutMetricData"], true],
    ["email.amazonaws.com", "SendEmail", ["ses:SendEmail"], true],
    ["sts.amazonaws.com", "GetCallerIdentity", [], true],
    ["sts.amazonaws.com", "GetSessionToken", [], true],
    ["apigateway.amazonaws.com", "GetRestApis", ["apigateway:GET"], false],
    ["quicksight.amazonaws.com", "DescribeDashboard", ["quicksight:DescribeDashboard"], false],
  ] as const)("%s %s -> %j (certain: %s)", (source, name, actions, certain) => {
    const m = actionsOf(source, name);
    expect(m.actions).toEqual(actions);
    expect(m.certain).toBe(certain);
    if (!certain || actions.length === 0) expect(m.note).toBeTruthy();
  });
});

describe("the policy of the observed actions", () => {
  const events = [
    event({
      eventSource: "s3.amazonaws.com",
      eventName: "ListObjectsV2",
      requestParameters: { bucketName: "site" },
    }),
    event({
      eventSource: "s3.amazonaws.com",
      eventName: "PutObject",
      requestParameters: { bucketName: "site", key: "a.html" },
    }),
    event({
      eventSource: "s3.amazonaws.com",
      eventName: "PutObject",
      requestParameters: { bucketName: "site", key: "b.html" },
    }),
    event({
      eventSource: "dynamodb.amazonaws.com",
      eventName: "PutItem",
      region: "eu-west-1",
      requestParameters: { tableName: "orders" },
    }),
    event({ eventSource: "cloudfront.amazonaws.com", eventName: "CreateInvalidation" }),
    event({ eventSource: "sts.amazonaws.com", eventName: "GetCallerIdentity" }),
    event({
      eventSource: "secretsmanager.amazonaws.com",
      eventName: "GetSecretValue",
      errorCode: "AccessDenied",
      requestParameters: { secretId: "prod/token" },
    }),
    event({ eventSource: "apigateway.amazonaws.com", eventName: "GetRestApis" }),
  ];
  const actions = observedActions(events, ACCOUNT);
  const lp = leastPrivilege(actions, { trailRead: true });

  it("groups by service, with the resources CloudTrail named and '*' (said) where it named none", () => {
    expect(lp.policy?.Statement).toEqual([
      { Sid: "ObservedApigateway", Effect: "Allow", Action: "apigateway:GET", Resource: "*" },
      { Sid: "ObservedCloudfront", Effect: "Allow", Action: "cloudfront:CreateInvalidation", Resource: "*" },
      {
        Sid: "ObservedDynamodb",
        Effect: "Allow",
        Action: "dynamodb:PutItem",
        Resource: "arn:aws:dynamodb:eu-west-1:123456789012:table/orders",
      },
      { Sid: "ObservedS3", Effect: "Allow", Action: "s3:ListBucket", Resource: "arn:aws:s3:::site" },
      { Sid: "ObservedS32", Effect: "Allow", Action: "s3:PutObject", Resource: "arn:aws:s3:::site/*" },
    ]);
    expect(lp.notes.join("\n")).toMatch(
      /cloudfront:CreateInvalidation on "\*": CloudTrail named no resource/,
    );
  });

  it("grants nothing AWS refused, nothing that needs no permission, and flags a guessed mapping", () => {
    const granted = JSON.stringify(lp.policy);
    expect(granted).not.toContain("secretsmanager");
    expect(granted).not.toContain("GetCallerIdentity");
    expect(lp.notes.join("\n")).toMatch(/Not granted: secretsmanager:GetSecretValue/);
    expect(lp.notes.join("\n")).toMatch(/Check apigateway:GET/);
    expect(actions.find((a) => a.action === "secretsmanager:GetSecretValue")).toMatchObject({
      count: 0,
      denied: 1,
    });
  });

  it("no events: no policy, no planned blast radius, and the note says how to get evidence", () => {
    expect(leastPrivilege([], { trailRead: false })).toMatchObject({ policy: null });
    expect(leastPrivilege([], { trailRead: false }).notes[0]).toMatch(/--logs PATH/);
    expect(plannedClasses(null, evidence(null), "aws")).toEqual([]);
  });

  it("the planned policy's blast radius is far smaller than an administrator's", () => {
    expect(plannedClasses(lp.policy, evidence(events), "aws")).toEqual(["limited-write"]);
    const plan = buildPlan(evidence(events), {
      now: new Date("2026-12-01T00:00:00Z"),
      region: "us-east-1",
      partition: "aws",
      watch: "7d",
      soak: "14d",
      blastRadius: {
        classes: ["administrator-equivalent"],
        grants: [],
        conditional: false,
        unreadablePolicies: [],
      },
    });
    expect(plan.blastRadius?.now?.classes).toEqual(["administrator-equivalent"]);
    expect(plan.blastRadius?.planned).toEqual(["limited-write"]);
  });

  it("secrets and parameters named by id become ARNs in the event's region", () => {
    const a = observedActions(
      [
        event({
          eventSource: "secretsmanager.amazonaws.com",
          eventName: "GetSecretValue",
          region: "eu-west-1",
          requestParameters: { secretId: "prod/db" },
        }),
        event({
          eventSource: "ssm.amazonaws.com",
          eventName: "GetParameter",
          region: "eu-west-1",
          requestParameters: { name: "/app/url" },
        }),
        event({
          eventSource: "sqs.amazonaws.com",
          eventName: "SendMessage",
          region: "eu-west-1",
          requestParameters: { queueUrl: "https://sqs.eu-west-1.amazonaws.com/123456789012/jobs" },
        }),
      ],
      ACCOUNT,
    );
    expect(a.map((x) => x.resources[0])).toEqual([
      "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-??????",
      "arn:aws:sqs:eu-west-1:123456789012:jobs",
      "arn:aws:ssm:eu-west-1:123456789012:parameter/app/url",
    ]);
  });
});
