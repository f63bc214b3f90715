import { describe, expect, it } from "vitest";
import type { PolicySource } from "./ports.js";
import { evaluatePolicies, parsePolicy } from "./policy.js";

const USER_ARN = "arn:aws:iam::123456789012:user/alice";

function policy(name: string, statements: object[], boundary = false): PolicySource {
  return { name, boundary, document: JSON.stringify({ Version: "2012-10-17", Statement: statements }) };
}

/** The AWS-documented "force MFA" policy (abridged): deny everything but MFA setup without MFA. */
const FORCE_MFA = policy("inline policy force-mfa of group users", [
  {
    Effect: "Allow",
    Action: ["iam:CreateAccessKey", "iam:ListAccessKeys"],
    Resource: "arn:aws:iam::*:user/${aws:username}",
  },
  {
    Effect: "Deny",
    NotAction: [
      "iam:CreateVirtualMFADevice",
      "iam:EnableMFADevice",
      "iam:ListMFADevices",
      "sts:GetSessionToken",
    ],
    Resource: "*",
    Condition: { BoolIfExists: { "aws:MultiFactorAuthPresent": "false" } },
  },
]);

const eval_ = (policies: PolicySource[], action: string, mfa = false, resource = USER_ARN) =>
  evaluatePolicies(policies, { action, resource, userName: "alice", mfa });

describe("evaluatePolicies", () => {
  it("no policy: implicit deny", () => {
    expect(eval_([], "iam:CreateAccessKey")).toMatchObject({ decision: "implicitDeny", mfaCondition: false });
  });

  it("AdministratorAccess allows everything", () => {
    const admin = policy("managed policy arn:aws:iam::aws:policy/AdministratorAccess", [
      { Effect: "Allow", Action: "*", Resource: "*" },
    ]);
    expect(eval_([admin], "iam:DeleteAccessKey")).toMatchObject({
      decision: "allowed",
      detail: "allowed by managed policy arn:aws:iam::aws:policy/AdministratorAccess",
    });
  });

  it("the force-MFA policy: denied without MFA (a condition on MFA), allowed with it", () => {
    expect(eval_([FORCE_MFA], "iam:CreateAccessKey")).toMatchObject({
      decision: "explicitDeny",
      mfaCondition: true,
    });
    expect(eval_([FORCE_MFA], "iam:CreateAccessKey", true)).toMatchObject({ decision: "allowed" });
    // GetSessionToken is exempt (NotAction), but nothing allows it here.
    expect(eval_([FORCE_MFA], "sts:GetSessionToken", false, "*")).toMatchObject({ decision: "implicitDeny" });
  });

  it("${aws:username} matches only the user's own ARN; actions match case-insensitively with wildcards", () => {
    const own = policy("p", [
      { Effect: "Allow", Action: "IAM:*AccessKey*", Resource: "arn:aws:iam::*:user/${aws:username}" },
    ]);
    expect(eval_([own], "iam:UpdateAccessKey").decision).toBe("allowed");
    expect(eval_([own], "iam:UpdateAccessKey", false, "arn:aws:iam::123456789012:user/bob").decision).toBe(
      "implicitDeny",
    );
    expect(eval_([own], "iam:DeleteUser").decision).toBe("implicitDeny");
  });

  it("an explicit Deny wins over any Allow", () => {
    const p = [
      policy("allow", [{ Effect: "Allow", Action: "*", Resource: "*" }]),
      policy("deny", [{ Effect: "Deny", Action: "iam:CreateAccessKey", Resource: "*" }]),
    ];
    expect(eval_(p, "iam:CreateAccessKey")).toMatchObject({
      decision: "explicitDeny",
      detail: "explicitly denied by deny",
    });
  });

  it("a permissions boundary must allow too", () => {
    const p = [
      policy("allow", [{ Effect: "Allow", Action: "*", Resource: "*" }]),
      policy("boundary", [{ Effect: "Allow", Action: "s3:*", Resource: "*" }], true),
    ];
    expect(eval_(p, "iam:CreateAccessKey")).toMatchObject({
      decision: "implicitDeny",
      detail: "the permissions boundary does not allow it",
    });
    expect(eval_(p, "s3:GetObject", false, "*").decision).toBe("allowed");
  });

  it("conditions it cannot evaluate give unknown, never allowed", () => {
    const p = policy("ip", [
      {
        Effect: "Allow",
        Action: "*",
        Resource: "*",
        Condition: { IpAddress: { "aws:SourceIp": "10.0.0.0/8" } },
      },
    ]);
    expect(eval_([p], "iam:CreateAccessKey").decision).toBe("unknown");
    const deny = [
      policy("allow", [{ Effect: "Allow", Action: "*", Resource: "*" }]),
      policy("vpc", [
        {
          Effect: "Deny",
          Action: "*",
          Resource: "*",
          Condition: { StringNotEquals: { "aws:SourceVpc": "vpc-1" } },
        },
      ]),
    ];
    expect(eval_(deny, "iam:CreateAccessKey").decision).toBe("unknown");
  });

  it("Bool without IfExists does not match a long-term key (the MFA key is absent)", () => {
    const p = [
      policy("allow", [{ Effect: "Allow", Action: "*", Resource: "*" }]),
      policy("deny", [
        {
          Effect: "Deny",
          Action: "*",
          Resource: "*",
          Condition: { Bool: { "aws:MultiFactorAuthPresent": "false" } },
        },
      ]),
    ];
    expect(eval_(p, "iam:CreateAccessKey").decision).toBe("allowed");
    const age = policy("age", [
      {
        Effect: "Allow",
        Action: "*",
        Resource: "*",
        Condition: { NumericLessThan: { "aws:MultiFactorAuthAge": "3600" } },
      },
    ]);
    expect(eval_([age], "iam:CreateAccessKey")).toMatchObject({
      decision: "implicitDeny",
      mfaCondition: true,
    });
    expect(eval_([age], "iam:CreateAccessKey", true).decision).toBe("allowed");
    const nullCheck = policy("null", [
      {
        Effect: "Deny",
        Action: "*",
        Resource: "*",
        Condition: { Null: { "aws:MultiFactorAuthAge": "true" } },
      },
    ]);
    expect(eval_([nullCheck], "iam:CreateAccessKey").decision).toBe("explicitDeny");
  });

  it("a document that is not a policy is unknown", () => {
    expect(
      eval_([{ name: "junk", boundary: false, document: "{not json" }], "iam:CreateAccessKey"),
    ).toMatchObject({
      decision: "unknown",
      detail: "junk could not be read as a policy",
    });
    expect(parsePolicy('{"Statement": {"Effect": "Maybe"}}', "x")).toBeNull();
    expect(
      parsePolicy('{"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}', "x"),
    ).toHaveLength(1);
  });
});
