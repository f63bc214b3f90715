import { describe, expect, it } from "vitest";
import { classify } from "./classify.js";
import { parseCidr, type IpRange } from "./ip.js";
import { calls, event, evidence } from "./test-builders.js";
import type { KeyEvidence, ReplacementKind } from "./types.js";

// The replacement chosen for a table of evidence: one row per kind, the thin cases, two workloads
// on one key, and --kind. Each row says what keywarden must answer and why.

const CLI_LINUX =
  "aws-cli/2.15.30 md/awscrt#0.19.19 ua/2.0 os/linux#6.5.0-1025-azure md/arch#x86_64 lang/python#3.11.8 md/prompt#off md/command#s3.sync";
const BOTO_LINUX =
  "Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux#5.10.210 md/arch#x86_64 lang/python#3.9.16";
const CLI_MAC = "aws-cli/2.15.30 md/awscrt#0.19.19 ua/2.0 os/macos#23.4.0 md/arch#arm64 lang/python#3.11.8";
const AWS_RANGES: IpRange[] = [parseCidr("3.120.0.0/14", "eu-central-1")].filter(
  (r): r is IpRange => r !== null,
);

interface Row {
  name: string;
  evidence: KeyEvidence;
  awsRanges?: IpRange[];
  kind: ReplacementKind | null;
  confidence: "high" | "low" | "none";
  /** A word the summary or the top candidate's reasons must contain. */
  because: RegExp;
  candidates?: ReplacementKind[];
}

const ROWS: Row[] = [
  {
    name: "GitHub Actions: the configure-aws-credentials action's user agent",
    evidence: evidence([
      ...calls(
        2,
        "configure-aws-credentials-for-github-actions",
        {},
        { eventSource: "sts.amazonaws.com", eventName: "GetCallerIdentity" },
      ),
      ...calls(6, CLI_LINUX, { sourceIPAddress: "20.42.11.7" }),
    ]),
    kind: "oidc-github",
    confidence: "high",
    because: /GitHub Actions user agent/,
  },
  {
    name: "GitLab CI: a user agent naming GitLab",
    evidence: evidence(calls(3, `${CLI_LINUX} app/gitlab-ci-deploy`)),
    kind: "oidc-gitlab",
    confidence: "high",
    because: /GitLab user agent/,
  },
  {
    name: "Lambda: the SDK reports exec-env/AWS_Lambda_*",
    evidence: evidence(
      calls(
        4,
        "aws-sdk-js/3.600.0 ua/2.1 os/linux#5.10 lang/js md/nodejs#20.11.1 exec-env/AWS_Lambda_nodejs20.x api/dynamodb#3.600.0",
      ),
    ),
    kind: "lambda",
    confidence: "high",
    because: /Lambda function/,
  },
  {
    name: "ECS: the SDK reports exec-env/AWS_ECS_FARGATE",
    evidence: evidence(calls(4, `${BOTO_LINUX} exec-env/AWS_ECS_FARGATE`, { sourceIPAddress: "10.1.2.3" })),
    kind: "ecs-task",
    confidence: "high",
    because: /ECS task/,
  },
  {
    name: "EC2: calls through a VPC endpoint with no execution environment",
    evidence: evidence(
      calls(5, BOTO_LINUX, { sourceIPAddress: "10.0.12.34", vpcEndpointId: "vpce-0a1b2c3d" }),
    ),
    kind: "instance-profile",
    confidence: "high",
    because: /VPC endpoint vpce-0a1b2c3d/,
  },
  {
    name: "EC2: a source address in AWS's published EC2 ranges (--aws-ip-ranges)",
    evidence: evidence(calls(5, BOTO_LINUX, { sourceIPAddress: "3.121.4.5" })),
    awsRanges: AWS_RANGES,
    kind: "instance-profile",
    confidence: "high",
    because: /AWS's published ranges/,
  },
  {
    name: "On-premises: one fixed public address outside AWS's ranges, a Linux agent",
    evidence: evidence(calls(5, BOTO_LINUX, { sourceIPAddress: "198.51.100.40" })),
    awsRanges: AWS_RANGES,
    kind: "roles-anywhere",
    confidence: "high",
    because: /server outside AWS/,
  },
  {
    name: "A person: the AWS CLI on macOS",
    evidence: evidence(calls(2, CLI_MAC, { sourceIPAddress: "198.51.100.23" })),
    kind: "identity-center",
    confidence: "high",
    because: /person's workstation/,
  },
  {
    name: "A person: no CloudTrail read, but the user signs in to the console with MFA",
    evidence: evidence(null, {
      userName: "jane.doe",
      console: true,
      passwordLastUsed: "2026-11-19T08:00:00Z",
      mfa: true,
    }),
    kind: "identity-center",
    confidence: "high",
    because: /console password \(last used 2026-11-19\) and an MFA device/,
  },
  {
    name: "On-premises without AWS's ranges: only a hint, so candidates rather than a choice",
    evidence: evidence(calls(5, BOTO_LINUX, { sourceIPAddress: "198.51.100.40" })),
    kind: null,
    confidence: "low",
    because: /too thin/,
    candidates: ["roles-anywhere"],
  },
  {
    name: "Thin: no CloudTrail events read, nothing known of the owner",
    evidence: evidence(null),
    kind: null,
    confidence: "none",
    because: /no CloudTrail events were read/,
    candidates: [
      "oidc-github",
      "oidc-gitlab",
      "instance-profile",
      "ecs-task",
      "lambda",
      "roles-anywhere",
      "identity-center",
    ],
  },
  {
    name: "Thin: CloudTrail has no event, the last use names only a service",
    evidence: evidence([], {}, { date: "2026-10-01T00:00:00Z", service: "s3", region: "eu-west-1" }),
    kind: null,
    confidence: "none",
    because: /last use was s3 in eu-west-1 on 2026-10-01/,
  },
  {
    name: "Thin: only the user's name hints at GitHub",
    evidence: evidence(null, { userName: "github-deployer" }),
    kind: null,
    confidence: "low",
    because: /too thin/,
    candidates: ["oidc-github"],
  },
  {
    name: "Two workloads on one key: GitHub Actions and a laptop",
    evidence: evidence([
      ...calls(2, "configure-aws-credentials-for-github-actions"),
      ...calls(2, CLI_MAC, { sourceIPAddress: "198.51.100.23" }),
    ]),
    kind: null,
    confidence: "low",
    because: /more than one workload \(oidc-github, identity-center\)/,
    candidates: ["oidc-github", "identity-center"],
  },
];

describe("classify: which replacement the evidence supports", () => {
  it.each(ROWS)("$name", (row) => {
    const { classification } = classify(row.evidence, row.awsRanges ? { awsRanges: row.awsRanges } : {});
    expect(classification.kind).toBe(row.kind);
    expect(classification.confidence).toBe(row.confidence);
    const words = [classification.summary, ...(classification.candidates[0]?.reasons ?? [])].join(" | ");
    expect(words).toMatch(row.because);
    if (row.candidates) expect(classification.candidates.map((c) => c.kind)).toEqual(row.candidates);
  });

  it("--kind forces the kind, and says when the evidence points elsewhere", () => {
    const e = evidence(calls(2, "configure-aws-credentials-for-github-actions"));
    const forced = classify(e, { force: "lambda" }).classification;
    expect(forced).toMatchObject({ kind: "lambda", confidence: "forced" });
    expect(forced.summary).toMatch(/evidence points at oidc-github/);
    const agreeing = classify(e, { force: "oidc-github" }).classification;
    expect(agreeing.summary).toMatch(/as the evidence shows/);
  });

  it("names another CI system in a note without pretending it is GitHub or GitLab", () => {
    const e = evidence(calls(3, `${CLI_LINUX} jenkins/2.440`));
    const { classification, notes } = classify(e);
    expect(classification.candidates.map((c) => c.kind)).not.toContain("oidc-github");
    expect(notes.join(" ")).toMatch(/another CI system .*jenkins/);
  });

  it("a service acting for the caller is not where the caller ran", () => {
    const e = evidence([
      event({
        eventSource: "s3.amazonaws.com",
        eventName: "GetObject",
        sourceIPAddress: "lambda.amazonaws.com",
        userAgent: BOTO_LINUX,
      }),
    ]);
    // No fixed address outside AWS: nothing points at Roles Anywhere (or anything else).
    expect(classify(e).classification.confidence).toBe("none");
  });
});
