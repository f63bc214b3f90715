import { describe, expect, it } from "vitest";
import { trustPlan, type TrustInputs } from "./trust-policy.js";
import type { PolicyOut } from "./types.js";

// The trust policy of each replacement, against the shapes AWS and the CI vendors document.

const BASE: TrustInputs = { accountId: "123456789012", partition: "aws", region: "eu-west-1" };
const only = (p: PolicyOut | null) => {
  expect(p?.Version).toBe("2012-10-17");
  expect(p?.Statement).toHaveLength(1);
  return p?.Statement[0];
};

describe("trust policies", () => {
  it("GitHub Actions: the OIDC provider, audience sts.amazonaws.com, sub pinned to the branch", () => {
    const t = trustPlan("oidc-github", { ...BASE, repo: "octo-org/site", branch: "main" });
    expect(only(t.trustPolicy)).toEqual({
      Effect: "Allow",
      Principal: { Federated: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: {
        StringEquals: {
          "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
          "token.actions.githubusercontent.com:sub": "repo:octo-org/site:ref:refs/heads/main",
        },
      },
    });
    expect(t.placeholders).toEqual([]);
  });

  it("GitHub Actions: an environment wins over a branch (a job naming one presents it)", () => {
    const t = trustPlan("oidc-github", {
      ...BASE,
      repo: "octo-org/site",
      branch: "main",
      environment: "prod",
    });
    expect(only(t.trustPolicy)?.Condition?.StringEquals?.["token.actions.githubusercontent.com:sub"]).toBe(
      "repo:octo-org/site:environment:prod",
    );
    expect(t.notes.join(" ")).toMatch(/presents the environment/);
  });

  it("GitHub Actions without a branch: StringLike on the repository, never an unconditioned sub", () => {
    const t = trustPlan("oidc-github", { ...BASE, repo: "octo-org/site" });
    const c = only(t.trustPolicy)?.Condition;
    expect(c?.StringLike).toEqual({ "token.actions.githubusercontent.com:sub": "repo:octo-org/site:*" });
    expect(c?.StringEquals).toEqual({ "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" });
    expect(t.notes.join(" ")).toMatch(/--branch or --environment/);
  });

  it("GitHub Actions without --repo: a named placeholder and the flag that fills it", () => {
    const t = trustPlan("oidc-github", BASE);
    expect(JSON.stringify(t.trustPolicy)).toContain("repo:OWNER/REPO:*");
    expect(t.placeholders).toEqual([expect.objectContaining({ value: "OWNER/REPO", flag: "--repo" })]);
  });

  it("GitLab CI: the gitlab.com provider, its audience, and project_path/ref in sub", () => {
    const t = trustPlan("oidc-gitlab", { ...BASE, repo: "group/sub/project", branch: "main" });
    expect(only(t.trustPolicy)).toMatchObject({
      Principal: { Federated: "arn:aws:iam::123456789012:oidc-provider/gitlab.com" },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: {
        StringEquals: {
          "gitlab.com:aud": "https://gitlab.com",
          "gitlab.com:sub": "project_path:group/sub/project:ref_type:branch:ref:main",
        },
      },
    });
    const selfManaged = trustPlan("oidc-gitlab", { ...BASE, repo: "a/b", gitlabHost: "gitlab.example.com" });
    expect(JSON.stringify(selfManaged.trustPolicy)).toContain("oidc-provider/gitlab.example.com");
    expect(only(selfManaged.trustPolicy)?.Condition?.StringLike).toEqual({
      "gitlab.example.com:sub": "project_path:a/b:*",
    });
  });

  it.each([
    ["instance-profile", "ec2.amazonaws.com"],
    ["ecs-task", "ecs-tasks.amazonaws.com"],
    ["lambda", "lambda.amazonaws.com"],
  ] as const)("%s: the service principal %s with sts:AssumeRole", (kind, service) => {
    const s = only(trustPlan(kind, BASE).trustPolicy);
    expect(s?.Principal).toEqual({ Service: service });
    expect(s?.Action).toBe("sts:AssumeRole");
  });

  it("ECS tasks: the confused-deputy conditions on the account and the ECS source ARN", () => {
    expect(only(trustPlan("ecs-task", BASE).trustPolicy)?.Condition).toEqual({
      ArnLike: { "aws:SourceArn": "arn:aws:ecs:eu-west-1:123456789012:*" },
      StringEquals: { "aws:SourceAccount": "123456789012" },
    });
  });

  it("Roles Anywhere: the three actions it needs, the certificate's CN and the trust anchor", () => {
    const t = trustPlan("roles-anywhere", { ...BASE, certCn: "app01.example.com", trustAnchor: "ta-123" });
    expect(only(t.trustPolicy)).toEqual({
      Effect: "Allow",
      Principal: { Service: "rolesanywhere.amazonaws.com" },
      Action: ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"],
      Condition: {
        StringEquals: { "aws:PrincipalTag/x509Subject/CN": "app01.example.com" },
        ArnEquals: { "aws:SourceArn": "arn:aws:rolesanywhere:eu-west-1:123456789012:trust-anchor/ta-123" },
      },
    });
    expect(trustPlan("roles-anywhere", BASE).placeholders.map((p) => p.flag)).toEqual([
      "--cert-cn",
      "--trust-anchor",
    ]);
  });

  it("Identity Center: no role trust policy, a permission set instead", () => {
    const t = trustPlan("identity-center", BASE);
    expect(t.trustPolicy).toBeNull();
    expect(t.notes.join(" ")).toMatch(/permission set/);
  });

  it("another partition's ARNs", () => {
    const t = trustPlan("oidc-github", { ...BASE, partition: "aws-us-gov", repo: "o/r" });
    expect(JSON.stringify(t.trustPolicy)).toContain("arn:aws-us-gov:iam::123456789012:oidc-provider/");
  });
});
