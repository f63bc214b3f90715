import type { PolicyOut, ReplacementKind, TrustPlan } from "./types.js";

// The trust policy of the role that replaces the key, one shape per kind, as AWS documents it:
// - GitHub Actions: the IAM OIDC provider token.actions.githubusercontent.com, audience
//   sts.amazonaws.com (what aws-actions/configure-aws-credentials requests), and a `sub` condition
//   (IAM recommends always evaluating it, or any repository's workflow could assume the role):
//   `repo:OWNER/NAME:ref:refs/heads/BRANCH`, `repo:OWNER/NAME:environment:ENV`, or
//   `repo:OWNER/NAME:*` with StringLike. A job that names an environment gets the environment form.
// - GitLab CI: the provider gitlab.com (or a self-managed host), audience as the job's id_tokens
//   asks (the instance URL by convention), `sub` = `project_path:GROUP/PROJECT:ref_type:branch:ref:BRANCH`.
// - EC2, ECS tasks, Lambda: the service principal; for ECS tasks the documented confused-deputy
//   conditions on aws:SourceAccount and aws:SourceArn.
// - IAM Roles Anywhere: rolesanywhere.amazonaws.com with sts:AssumeRole, sts:TagSession and
//   sts:SetSourceIdentity (all three are required), the certificate's subject via the
//   aws:PrincipalTag/x509Subject/CN session tag, and the trust anchor via aws:SourceArn.
// - Identity Center: no role to trust; a permission set carries the policy (steps.ts).

export interface TrustInputs {
  accountId: string;
  partition: string;
  region: string;
  /** GitHub owner/name or GitLab group/project. */
  repo?: string | undefined;
  branch?: string | undefined;
  environment?: string | undefined;
  /** GitLab: the instance host (default gitlab.com). */
  gitlabHost?: string | undefined;
  /** Roles Anywhere: the CN of the server's certificate. */
  certCn?: string | undefined;
  /** Roles Anywhere: the trust anchor's id. */
  trustAnchor?: string | undefined;
}

const allow = (
  principal: Record<string, string>,
  action: string | string[],
  condition?: Record<string, Record<string, string | string[]>>,
): PolicyOut => ({
  Version: "2012-10-17",
  Statement: [
    { Effect: "Allow", Principal: principal, Action: action, ...(condition ? { Condition: condition } : {}) },
  ],
});

export function trustPlan(kind: ReplacementKind, i: TrustInputs): TrustPlan {
  const placeholders: TrustPlan["placeholders"] = [];
  const notes: string[] = [];
  const fill = (given: string | undefined, value: string, flag: string, what: string) => {
    if (given) return given;
    placeholders.push({ value, flag, what });
    return value;
  };
  const { accountId, partition } = i;
  switch (kind) {
    case "oidc-github": {
      const host = "token.actions.githubusercontent.com";
      const repo = fill(i.repo, "OWNER/REPO", "--repo", "the repository whose workflows assume the role");
      const exact = i.environment
        ? `repo:${repo}:environment:${i.environment}`
        : i.branch
          ? `repo:${repo}:ref:refs/heads/${i.branch}`
          : null;
      if (!exact)
        notes.push(
          "Any branch, tag, pull request or environment of the repository can assume the role: pass --branch or --environment to narrow it.",
        );
      if (i.branch && i.environment)
        notes.push(
          "A job that names an environment presents the environment, not the branch: the condition uses the environment.",
        );
      return {
        kind,
        trustPolicy: allow(
          { Federated: `arn:${partition}:iam::${accountId}:oidc-provider/${host}` },
          "sts:AssumeRoleWithWebIdentity",
          {
            StringEquals: {
              [`${host}:aud`]: "sts.amazonaws.com",
              ...(exact ? { [`${host}:sub`]: exact } : {}),
            },
            ...(exact ? {} : { StringLike: { [`${host}:sub`]: `repo:${repo}:*` } }),
          },
        ),
        placeholders,
        notes,
      };
    }
    case "oidc-gitlab": {
      const host = i.gitlabHost ?? "gitlab.com";
      const project = fill(
        i.repo,
        "GROUP/PROJECT",
        "--repo",
        "the GitLab project (group/project) whose jobs assume the role",
      );
      const exact = i.branch ? `project_path:${project}:ref_type:branch:ref:${i.branch}` : null;
      if (!exact)
        notes.push("Any branch or tag of the project can assume the role: pass --branch to narrow it.");
      if (i.environment)
        notes.push(
          "GitLab's sub claim names the ref, not the environment: protect the branch the environment deploys from.",
        );
      return {
        kind,
        trustPolicy: allow(
          { Federated: `arn:${partition}:iam::${accountId}:oidc-provider/${host}` },
          "sts:AssumeRoleWithWebIdentity",
          {
            StringEquals: {
              [`${host}:aud`]: `https://${host}`,
              ...(exact ? { [`${host}:sub`]: exact } : {}),
            },
            ...(exact ? {} : { StringLike: { [`${host}:sub`]: `project_path:${project}:*` } }),
          },
        ),
        placeholders,
        notes: [
          ...notes,
          `The job requests its token with id_tokens: { AWS_TOKEN: { aud: "https://${host}" } }.`,
        ],
      };
    }
    case "instance-profile":
      return {
        kind,
        trustPolicy: allow({ Service: "ec2.amazonaws.com" }, "sts:AssumeRole"),
        placeholders,
        notes,
      };
    case "ecs-task":
      return {
        kind,
        trustPolicy: allow({ Service: "ecs-tasks.amazonaws.com" }, "sts:AssumeRole", {
          ArnLike: { "aws:SourceArn": `arn:${partition}:ecs:${i.region}:${accountId}:*` },
          StringEquals: { "aws:SourceAccount": accountId },
        }),
        placeholders,
        notes,
      };
    case "lambda":
      return {
        kind,
        trustPolicy: allow({ Service: "lambda.amazonaws.com" }, "sts:AssumeRole"),
        placeholders,
        notes,
      };
    case "roles-anywhere": {
      const cn = fill(i.certCn, "SERVER_CERT_CN", "--cert-cn", "the common name in the server's certificate");
      const anchor = fill(
        i.trustAnchor,
        "TRUST_ANCHOR_ID",
        "--trust-anchor",
        "the Roles Anywhere trust anchor's id (created in the steps)",
      );
      return {
        kind,
        trustPolicy: allow(
          { Service: "rolesanywhere.amazonaws.com" },
          ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"],
          {
            StringEquals: { "aws:PrincipalTag/x509Subject/CN": cn },
            ArnEquals: {
              "aws:SourceArn": `arn:${partition}:rolesanywhere:${i.region}:${accountId}:trust-anchor/${anchor}`,
            },
          },
        ),
        placeholders,
        notes,
      };
    }
    case "identity-center":
      return {
        kind,
        trustPolicy: null,
        placeholders: [
          {
            value: "SSO_INSTANCE_ARN",
            flag: "",
            what: "the Identity Center instance (aws sso-admin list-instances)",
          },
          {
            value: "PRINCIPAL_ID",
            flag: "",
            what: "the person's Identity Center user id (aws identitystore list-users)",
          },
        ],
        notes: [
          "People get no role trust policy: a permission set holds the policy and Identity Center assigns it to the person in this account; they sign in with `aws sso login` and get short-lived credentials.",
        ],
      };
  }
}
