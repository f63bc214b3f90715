import type { Arns } from "./probes.js";

// Published IAM privilege-escalation paths: each entry is a set of requests that, all allowed,
// let the key's holder gain permissions it does not have. Sources (read, not copied):
// - RHINO: Spencer Gietzen, Rhino Security Labs, "AWS IAM Privilege Escalation – Methods and
//   Mitigation" (2018), https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/
//   and github.com/RhinoSecurityLabs/AWS-IAM-Privilege-Escalation (methods numbered as there).
// - RHINO2: Rhino Security Labs, "AWS IAM Privilege Escalation – Methods and Mitigation – Part 2"
//   (2019), https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation-part-2/
// - BISHOP: Bishop Fox, "IAM Vulnerable" (2021), github.com/BishopFox/iam-vulnerable: the same
//   paths as deployable test cases, plus sts:AssumeRole on every role.

export interface Requirement {
  action: string;
  /** Any of these resources is enough (e.g. another user, or one of the user's own groups). */
  resources: (a: Arns) => string[];
}

export interface EscalationPath {
  id: string;
  title: string;
  source: string;
  requires: Requirement[];
}

const on =
  (...pick: ((a: Arns) => string | string[])[]) =>
  (a: Arns) =>
    pick.flatMap((p) => p(a));
const passAnyRole: Requirement = { action: "iam:PassRole", resources: on((a) => a.anyRole) };

export const ESCALATION_PATHS: EscalationPath[] = [
  {
    // RHINO #1: a new default version of a policy the attacker already has, with "*" in it.
    id: "create-policy-version",
    title: "iam:CreatePolicyVersion on a managed policy",
    source: "RHINO #1",
    requires: [
      {
        action: "iam:CreatePolicyVersion",
        resources: on(
          (a) => a.ownPolicies,
          (a) => a.anyPolicy,
        ),
      },
    ],
  },
  {
    // RHINO #2: switch a policy back to an older, broader version.
    id: "set-default-policy-version",
    title: "iam:SetDefaultPolicyVersion on a managed policy",
    source: "RHINO #2",
    requires: [
      {
        action: "iam:SetDefaultPolicyVersion",
        resources: on(
          (a) => a.ownPolicies,
          (a) => a.anyPolicy,
        ),
      },
    ],
  },
  {
    // RHINO #3: launch an instance with a privileged instance profile and read its credentials.
    id: "passrole-ec2",
    title: "iam:PassRole + ec2:RunInstances",
    source: "RHINO #3",
    requires: [passAnyRole, { action: "ec2:RunInstances", resources: on((a) => a.instance) }],
  },
  {
    // RHINO #4: a key for a more privileged user.
    id: "create-access-key",
    title: "iam:CreateAccessKey on other users",
    source: "RHINO #4",
    requires: [{ action: "iam:CreateAccessKey", resources: on((a) => a.otherUser) }],
  },
  {
    // RHINO #5: a console password for a user that has none.
    id: "create-login-profile",
    title: "iam:CreateLoginProfile on other users",
    source: "RHINO #5",
    requires: [{ action: "iam:CreateLoginProfile", resources: on((a) => a.otherUser) }],
  },
  {
    // RHINO #6: change another user's console password.
    id: "update-login-profile",
    title: "iam:UpdateLoginProfile on other users",
    source: "RHINO #6",
    requires: [{ action: "iam:UpdateLoginProfile", resources: on((a) => a.otherUser) }],
  },
  {
    // RHINO #7: attach AdministratorAccess to oneself.
    id: "attach-user-policy",
    title: "iam:AttachUserPolicy",
    source: "RHINO #7",
    requires: [
      {
        action: "iam:AttachUserPolicy",
        resources: on(
          (a) => a.self,
          (a) => a.otherUser,
        ),
      },
    ],
  },
  {
    // RHINO #8: attach a policy to a group one is in.
    id: "attach-group-policy",
    title: "iam:AttachGroupPolicy",
    source: "RHINO #8",
    requires: [
      {
        action: "iam:AttachGroupPolicy",
        resources: on(
          (a) => a.ownGroups,
          (a) => a.anyGroup,
        ),
      },
    ],
  },
  {
    // RHINO #9: attach a policy to a role one can assume.
    id: "attach-role-policy",
    title: "iam:AttachRolePolicy + sts:AssumeRole",
    source: "RHINO #9",
    requires: [
      { action: "iam:AttachRolePolicy", resources: on((a) => a.anyRole) },
      { action: "sts:AssumeRole", resources: on((a) => a.anyRole) },
    ],
  },
  {
    // RHINO #10: write an inline policy on oneself.
    id: "put-user-policy",
    title: "iam:PutUserPolicy",
    source: "RHINO #10",
    requires: [
      {
        action: "iam:PutUserPolicy",
        resources: on(
          (a) => a.self,
          (a) => a.otherUser,
        ),
      },
    ],
  },
  {
    // RHINO #11: write an inline policy on a group one is in.
    id: "put-group-policy",
    title: "iam:PutGroupPolicy",
    source: "RHINO #11",
    requires: [
      {
        action: "iam:PutGroupPolicy",
        resources: on(
          (a) => a.ownGroups,
          (a) => a.anyGroup,
        ),
      },
    ],
  },
  {
    // RHINO #12: write an inline policy on a role one can assume.
    id: "put-role-policy",
    title: "iam:PutRolePolicy + sts:AssumeRole",
    source: "RHINO #12",
    requires: [
      { action: "iam:PutRolePolicy", resources: on((a) => a.anyRole) },
      { action: "sts:AssumeRole", resources: on((a) => a.anyRole) },
    ],
  },
  {
    // RHINO #13: join a more privileged group.
    id: "add-user-to-group",
    title: "iam:AddUserToGroup",
    source: "RHINO #13",
    requires: [{ action: "iam:AddUserToGroup", resources: on((a) => a.anyGroup) }],
  },
  {
    // RHINO #14: rewrite a privileged role's trust policy to trust oneself, then assume it.
    id: "update-assume-role-policy",
    title: "iam:UpdateAssumeRolePolicy + sts:AssumeRole",
    source: "RHINO #14",
    requires: [
      { action: "iam:UpdateAssumeRolePolicy", resources: on((a) => a.anyRole) },
      { action: "sts:AssumeRole", resources: on((a) => a.anyRole) },
    ],
  },
  {
    // RHINO #15: a function running as a privileged role, invoked directly.
    id: "passrole-lambda-invoke",
    title: "iam:PassRole + lambda:CreateFunction + lambda:InvokeFunction",
    source: "RHINO #15",
    requires: [
      passAnyRole,
      { action: "lambda:CreateFunction", resources: on((a) => a.lambda) },
      { action: "lambda:InvokeFunction", resources: on((a) => a.lambda) },
    ],
  },
  {
    // RHINO #16: the same function, triggered by a DynamoDB stream instead of an invoke.
    id: "passrole-lambda-event-source",
    title: "iam:PassRole + lambda:CreateFunction + lambda:CreateEventSourceMapping",
    source: "RHINO #16",
    requires: [
      passAnyRole,
      { action: "lambda:CreateFunction", resources: on((a) => a.lambda) },
      { action: "lambda:CreateEventSourceMapping", resources: on(() => "*") },
    ],
  },
  {
    // RHINO #17: replace the code of a function that already runs as a privileged role.
    id: "lambda-update-code",
    title: "lambda:UpdateFunctionCode",
    source: "RHINO #17",
    requires: [{ action: "lambda:UpdateFunctionCode", resources: on((a) => a.lambda) }],
  },
  {
    // RHINO #18: a Glue development endpoint with a privileged role, reached over SSH.
    id: "passrole-glue",
    title: "iam:PassRole + glue:CreateDevEndpoint",
    source: "RHINO #18",
    requires: [passAnyRole, { action: "glue:CreateDevEndpoint", resources: on((a) => a.devEndpoint) }],
  },
  {
    // RHINO #19: add one's SSH key to an existing Glue endpoint.
    id: "glue-update-dev-endpoint",
    title: "glue:UpdateDevEndpoint",
    source: "RHINO #19",
    requires: [{ action: "glue:UpdateDevEndpoint", resources: on((a) => a.devEndpoint) }],
  },
  {
    // RHINO #20: a stack that creates resources as a privileged role.
    id: "passrole-cloudformation",
    title: "iam:PassRole + cloudformation:CreateStack",
    source: "RHINO #20",
    requires: [passAnyRole, { action: "cloudformation:CreateStack", resources: on((a) => a.stack) }],
  },
  {
    // RHINO #21: a pipeline that runs commands as a privileged role.
    id: "passrole-datapipeline",
    title: "iam:PassRole + datapipeline:CreatePipeline + PutPipelineDefinition",
    source: "RHINO #21",
    requires: [
      passAnyRole,
      { action: "datapipeline:CreatePipeline", resources: on(() => "*") },
      { action: "datapipeline:PutPipelineDefinition", resources: on((a) => a.pipeline) },
    ],
  },
  {
    // RHINO2: a notebook instance with a privileged role, opened through a presigned URL.
    id: "passrole-sagemaker",
    title: "iam:PassRole + sagemaker:CreateNotebookInstance + CreatePresignedNotebookInstanceUrl",
    source: "RHINO2",
    requires: [
      passAnyRole,
      { action: "sagemaker:CreateNotebookInstance", resources: on((a) => a.notebook) },
      { action: "sagemaker:CreatePresignedNotebookInstanceUrl", resources: on((a) => a.notebook) },
    ],
  },
  {
    // BISHOP (sts-AssumeRole): assume any role whose trust policy trusts the account.
    id: "assume-any-role",
    title: "sts:AssumeRole on every role",
    source: "BISHOP",
    requires: [{ action: "sts:AssumeRole", resources: on((a) => a.anyRole) }],
  },
];
