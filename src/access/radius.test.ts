import { describe, expect, it } from "vitest";
import { blastRadius, type RadiusClass } from "./radius.js";
import type { ProbeContext } from "./probes.js";
import { ACCOUNT, ADMIN, allow, deny, policy, principal } from "./test-builders.js";
import type { PrincipalPolicies } from "./types.js";

const ctx: ProbeContext = {
  accountId: ACCOUNT,
  partition: "aws",
  userName: "alice",
  userPath: "/",
  groups: [],
  managedPolicyArns: [],
};
const POWER_USER = policy(
  "PowerUserAccess",
  [{ Effect: "Allow", NotAction: ["iam:*", "organizations:*", "account:*"], Resource: "*" }],
  "user-managed",
);

const cases: [string, PrincipalPolicies, RadiusClass[]][] = [
  ["no policy", principal([]), ["nothing"]],
  [
    "* on *",
    principal([ADMIN]),
    ["administrator-equivalent", "can-escalate", "reads-secrets-or-data", "can-launch-compute"],
  ],
  ["iam:* on *", principal([policy("iam", [allow("iam:*")])]), ["administrator-equivalent", "can-escalate"]],
  [
    "PowerUser (NotAction iam:*) is not admin but escalates through Lambda",
    principal([POWER_USER]),
    ["can-escalate", "reads-secrets-or-data", "can-launch-compute"],
  ],
  [
    "a boundary that removes admin",
    principal([ADMIN], { boundary: policy("b", [allow("s3:List*")], "boundary") }),
    ["read-only"],
  ],
  [
    "an SCP that denies IAM",
    principal([ADMIN], {
      scpLevels: [[policy("Full", [allow("*")], "scp"), policy("NoIam", [deny("iam:*")], "scp")]],
    }),
    ["can-escalate", "reads-secrets-or-data", "can-launch-compute"],
  ],
  [
    "an SCP that denies IAM takes admin and escalation from an IAM administrator",
    principal([policy("iam", [allow("iam:*")])], {
      scpLevels: [[policy("Full", [allow("*")], "scp")], [policy("NoIam", [deny("iam:*")], "scp")]],
    }),
    ["nothing"],
  ],
  [
    "an allow-list SCP at an OU (S3 and EC2 describes) cuts an administrator to what it lists",
    principal([ADMIN], {
      scpLevels: [
        [policy("FullAWSAccess", [allow("*")], "scp")],
        [policy("OnlyS3AndDescribe", [allow(["s3:*", "ec2:Describe*"])], "scp")],
        [policy("FullAWSAccess", [allow("*")], "scp")],
      ],
    }),
    // s3:* reads every bucket (and writes some): the strongest class is the broad read.
    ["reads-secrets-or-data"],
  ],
  [
    "an allow-list SCP on the account alone still cuts: every level must allow",
    principal([ADMIN], {
      scpLevels: [
        [policy("FullAWSAccess", [allow("*")], "scp")],
        [policy("FullAWSAccess", [allow("*")], "scp")],
        [policy("OnlyDescribe", [allow("ec2:Describe*")], "scp")],
      ],
    }),
    ["read-only"],
  ],
  [
    "an SCP never grants: FullAWSAccess on a user with no policy is still nothing",
    principal([], { scpLevels: [[policy("FullAWSAccess", [allow("*")], "scp")]] }),
    ["nothing"],
  ],
  ["quarantined admin", principal([ADMIN, policy("Quarantine", [deny("*")])]), ["nothing"]],
  [
    "secrets reader (still only reads)",
    principal([policy("s", [allow("secretsmanager:GetSecretValue")])]),
    ["reads-secrets-or-data", "read-only"],
  ],
  [
    "one bucket is not broad",
    principal([policy("s", [allow("s3:GetObject", "arn:aws:s3:::app/*")])]),
    ["read-only"],
  ],
  [
    "ec2 launcher",
    principal([policy("e", [allow(["ec2:RunInstances", "ec2:Describe*"])])]),
    ["can-launch-compute"],
  ],
  [
    "describe only",
    principal([policy("d", [allow(["ec2:Describe*", "s3:ListAllMyBuckets"])])]),
    ["read-only"],
  ],
  [
    "one queue writer",
    principal([policy("q", [allow("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:q")])]),
    ["limited-write"],
  ],
];

describe("blastRadius", () => {
  it.each(cases)("%s", (_name, p, classes) => {
    expect(blastRadius(p, ctx).classes).toEqual(classes);
  });

  it("names the statement that makes a key admin, with its group", () => {
    const p = principal([policy("Admins", [{ Sid: "Everything", ...allow("*") }], "group-inline", "admins")]);
    expect(blastRadius(p, ctx).grants.filter((g) => g.class === "administrator-equivalent")).toEqual([
      {
        class: "administrator-equivalent",
        policy: "admins/Admins",
        statement: "Everything",
        via: "iam:*",
        conditional: false,
      },
    ]);
  });

  it("is conditional when the only grant sits under a condition", () => {
    const p = principal([
      policy("mfa", [{ ...allow("*"), Condition: { Bool: { "aws:MultiFactorAuthPresent": "true" } } }]),
    ]);
    const r = blastRadius(p, ctx);
    expect(r.classes[0]).toBe("administrator-equivalent");
    expect(r.conditional).toBe(true);
  });
});
