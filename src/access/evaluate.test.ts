import { describe, expect, it } from "vitest";
import { evaluate } from "./evaluate.js";
import { ACCOUNT, ADMIN, allow, deny, policy, principal } from "./test-builders.js";
import type { Decision, PrincipalPolicies } from "./types.js";

// Outcomes as AWS's "Policy evaluation logic" and "IAM JSON policy elements" pages document them.
const S3_OBJ = "arn:aws:s3:::reports/q1.csv";
const IAM_USER = `arn:aws:iam::${ACCOUNT}:user/bob`;

const cases: [string, PrincipalPolicies, string, string, Decision][] = [
  ["no policy: implicit deny", principal([]), "s3:GetObject", S3_OBJ, "implicit-deny"],
  ["* on * allows anything", principal([ADMIN]), "iam:CreateUser", IAM_USER, "allow"],
  [
    "actions match case-insensitively",
    principal([policy("p", [allow("S3:getobject")])]),
    "s3:GetObject",
    S3_OBJ,
    "allow",
  ],
  [
    "? matches one character",
    principal([policy("p", [allow("s3:Get?bject")])]),
    "s3:GetObject",
    S3_OBJ,
    "allow",
  ],
  ["prefix wildcard", principal([policy("p", [allow("s3:Get*")])]), "s3:PutObject", S3_OBJ, "implicit-deny"],
  [
    "resources match case-sensitively",
    principal([policy("p", [allow("s3:GetObject", "arn:aws:s3:::Reports/*")])]),
    "s3:GetObject",
    S3_OBJ,
    "implicit-deny",
  ],
  [
    "explicit deny wins over allow",
    principal([ADMIN, policy("p", [deny("s3:*")])]),
    "s3:GetObject",
    S3_OBJ,
    "explicit-deny",
  ],
  [
    "NotAction with Allow grants everything except the listed actions",
    principal([
      policy("PowerUser", [{ Effect: "Allow", NotAction: ["iam:*", "organizations:*"], Resource: "*" }]),
    ]),
    "ec2:RunInstances",
    "*",
    "allow",
  ],
  [
    "NotAction with Allow does not grant the listed actions",
    principal([
      policy("PowerUser", [{ Effect: "Allow", NotAction: ["iam:*", "organizations:*"], Resource: "*" }]),
    ]),
    "iam:CreateAccessKey",
    IAM_USER,
    "implicit-deny",
  ],
  [
    "NotAction with Deny denies everything but the listed actions",
    principal([ADMIN, policy("p", [{ Effect: "Deny", NotAction: "iam:ChangePassword", Resource: "*" }])]),
    "s3:GetObject",
    S3_OBJ,
    "explicit-deny",
  ],
  [
    "a Deny in a group policy removes the user's allow",
    principal([ADMIN, policy("NoIam", [deny("iam:*")], "group-inline", "contractors")]),
    "iam:CreateAccessKey",
    IAM_USER,
    "explicit-deny",
  ],
  [
    "an Allow in a group's managed policy is unioned with the user's",
    principal([policy("ReadS3", [allow("s3:GetObject")], "group-managed", "readers")]),
    "s3:GetObject",
    S3_OBJ,
    "allow",
  ],
  [
    "a boundary removes admin outside it",
    principal([ADMIN], { boundary: policy("OnlyS3", [allow("s3:*")], "boundary") }),
    "iam:CreateAccessKey",
    IAM_USER,
    "implicit-deny",
  ],
  [
    "a boundary keeps what both allow",
    principal([ADMIN], { boundary: policy("OnlyS3", [allow("s3:*")], "boundary") }),
    "s3:GetObject",
    S3_OBJ,
    "allow",
  ],
  [
    "a boundary alone grants nothing",
    principal([], { boundary: policy("All", [allow("*")], "boundary") }),
    "s3:GetObject",
    S3_OBJ,
    "implicit-deny",
  ],
  [
    "an SCP that denies IAM wins over admin",
    principal([ADMIN], {
      scpLevels: [[policy("FullAWSAccess", [allow("*")], "scp"), policy("DenyIam", [deny("iam:*")], "scp")]],
    }),
    "iam:CreateAccessKey",
    IAM_USER,
    "explicit-deny",
  ],
  [
    "every SCP level must allow",
    principal([ADMIN], {
      scpLevels: [
        [policy("FullAWSAccess", [allow("*")], "scp")],
        [policy("OnlyEc2", [allow("ec2:*")], "scp")],
      ],
    }),
    "s3:GetObject",
    S3_OBJ,
    "implicit-deny",
  ],
  [
    "NotResource with Allow: every resource but the listed",
    principal([
      policy("p", [{ Effect: "Allow", Action: "s3:GetObject", NotResource: "arn:aws:s3:::secret/*" }]),
    ]),
    "s3:GetObject",
    S3_OBJ,
    "allow",
  ],
  [
    "NotResource with Allow: not the listed resource",
    principal([
      policy("p", [{ Effect: "Allow", Action: "s3:GetObject", NotResource: "arn:aws:s3:::reports/*" }]),
    ]),
    "s3:GetObject",
    S3_OBJ,
    "implicit-deny",
  ],
  [
    "NotResource with Deny denies all other resources",
    principal([
      ADMIN,
      policy("p", [{ Effect: "Deny", Action: "s3:*", NotResource: "arn:aws:s3:::public/*" }]),
    ]),
    "s3:GetObject",
    S3_OBJ,
    "explicit-deny",
  ],
  [
    "${aws:username} resolves to the user",
    principal([
      policy("self", [allow("iam:CreateAccessKey", `arn:aws:iam::${ACCOUNT}:user/\${aws:username}`)]),
    ]),
    "iam:CreateAccessKey",
    `arn:aws:iam::${ACCOUNT}:user/alice`,
    "allow",
  ],
  [
    "${aws:username} does not reach another user",
    principal([
      policy("self", [allow("iam:CreateAccessKey", `arn:aws:iam::${ACCOUNT}:user/\${aws:username}`)]),
    ]),
    "iam:CreateAccessKey",
    IAM_USER,
    "implicit-deny",
  ],
  [
    "an unresolvable variable matches nothing",
    principal([policy("p", [allow("s3:GetObject", "arn:aws:s3:::${aws:PrincipalTag/team}/*")])]),
    "s3:GetObject",
    S3_OBJ,
    "implicit-deny",
  ],
  [
    "an Allow under a condition is a conditional allow",
    principal([
      policy("mfa", [{ ...allow("s3:*"), Condition: { Bool: { "aws:MultiFactorAuthPresent": "true" } } }]),
    ]),
    "s3:GetObject",
    S3_OBJ,
    "conditional-allow",
  ],
  [
    "a Deny under a condition does not remove the allow",
    principal([
      ADMIN,
      policy("ip", [{ ...deny("*"), Condition: { NotIpAddress: { "aws:SourceIp": "192.0.2.0/24" } } }]),
    ]),
    "s3:GetObject",
    S3_OBJ,
    "allow",
  ],
  [
    "a conditional boundary allow makes the allow conditional",
    principal([ADMIN], {
      boundary: policy("b", [
        { ...allow("s3:*"), Condition: { StringEquals: { "aws:RequestedRegion": "eu-west-1" } } },
      ]),
    }),
    "s3:GetObject",
    S3_OBJ,
    "conditional-allow",
  ],
];

describe("evaluate (IAM's documented evaluation logic)", () => {
  it.each(cases)("%s", (_name, p, action, resource, decision) => {
    expect(evaluate(p, { action, resource }).decision).toBe(decision);
  });

  it("names the statements that grant and deny, by Sid or position", () => {
    const p = principal([
      policy("Mixed", [{ Sid: "ReadAll", ...allow("s3:Get*") }, allow("s3:*")]),
      policy("Guard", [deny("s3:DeleteObject")], "group-managed", "ops"),
    ]);
    expect(evaluate(p, { action: "s3:GetObject", resource: S3_OBJ }).grants).toEqual([
      { policy: "Mixed", source: "user-inline", statement: "ReadAll", conditional: false },
      { policy: "Mixed", source: "user-inline", statement: "#2", conditional: false },
    ]);
    expect(evaluate(p, { action: "s3:DeleteObject", resource: S3_OBJ }).deniedBy).toEqual([
      { policy: "Guard", source: "group-managed", group: "ops", statement: "#1", conditional: false },
    ]);
  });

  it("notes a conditional Deny beside the allow it may override", () => {
    const p = principal([
      ADMIN,
      policy("ip", [{ ...deny("*"), Condition: { Bool: { "aws:SecureTransport": "false" } } }]),
    ]);
    const e = evaluate(p, { action: "s3:GetObject", resource: S3_OBJ });
    expect(e.conditionalDenies).toEqual([
      { policy: "ip", source: "user-inline", statement: "#1", conditional: true },
    ]);
  });

  it("says which layer lacked the allow", () => {
    const p = principal([ADMIN], { boundary: policy("OnlyS3", [allow("s3:*")], "boundary") });
    expect(evaluate(p, { action: "iam:CreateUser", resource: IAM_USER }).missingAllowIn).toBe("boundary");
  });
});
