import type { PlanStep, ReplacementKind } from "./types.js";

// The cut-over, in the order that never leaves the workload without credentials: create the role
// (or permission set), switch the workload to it, watch the key go quiet (`keywarden trail`),
// deactivate it (reversible), and delete it after a soak. Every AWS command is printed for the
// person to run: plan-migration itself changes nothing.

export interface StepInputs {
  kind: ReplacementKind | null;
  accessKeyId: string;
  userName: string;
  accountId: string;
  partition: string;
  region: string;
  roleName: string;
  repo?: string | undefined;
  gitlabHost?: string | undefined;
  /** The watch and soak periods, as typed (7d, 2w). */
  watch: string;
  soak: string;
  /** The user has other keys or a console password: keep the user, delete only the key. */
  userHasOtherCredentials: boolean;
  /** The flags this plan was made with (evidence and trust inputs), to save it again as JSON. */
  replayArgs?: string[] | undefined;
}

/** Shell-quotes one argument when it needs it. */
const sh = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`);

/** The plan saved once as JSON (the same flags, the kind fixed), and the two policies cut from it. */
function savePolicies(i: StepInputs, kind: ReplacementKind): string[] {
  const args = [i.accessKeyId, ...(i.replayArgs ?? []), "--kind", kind].map(sh).join(" ");
  return [
    `keywarden plan-migration ${args} --format json -o plan.json`,
    ...(kind === "identity-center" ? [] : ["jq .trust.trustPolicy plan.json > trust-policy.json"]),
    "jq .leastPrivilege.policy plan.json > permissions-policy.json",
  ];
}

function createRole(i: StepInputs): string[] {
  return [
    `aws iam create-role --role-name ${i.roleName} --assume-role-policy-document file://trust-policy.json`,
    `aws iam put-role-policy --role-name ${i.roleName} --policy-name observed-use --policy-document file://permissions-policy.json`,
  ];
}

function create(i: StepInputs, roleArn: string): PlanStep {
  switch (i.kind) {
    case "oidc-github":
      return {
        title: "Create the OIDC provider (once per account) and the role",
        detail:
          "Skip the provider if `aws iam list-open-id-connect-providers` already lists token.actions.githubusercontent.com.",
        commands: [
          "aws iam create-open-id-connect-provider --url https://token.actions.githubusercontent.com --client-id-list sts.amazonaws.com",
          ...createRole(i),
        ],
      };
    case "oidc-gitlab": {
      const host = i.gitlabHost ?? "gitlab.com";
      return {
        title: "Create the OIDC provider (once per account) and the role",
        detail: `Skip the provider if \`aws iam list-open-id-connect-providers\` already lists ${host}.`,
        commands: [
          `aws iam create-open-id-connect-provider --url https://${host} --client-id-list https://${host}`,
          ...createRole(i),
        ],
      };
    }
    case "instance-profile":
      return {
        title: "Create the role and its instance profile, and attach it to the instance",
        commands: [
          ...createRole(i),
          `aws iam create-instance-profile --instance-profile-name ${i.roleName}`,
          `aws iam add-role-to-instance-profile --instance-profile-name ${i.roleName} --role-name ${i.roleName}`,
          `aws ec2 associate-iam-instance-profile --region ${i.region} --instance-id INSTANCE_ID --iam-instance-profile Name=${i.roleName}`,
        ],
      };
    case "ecs-task":
      return {
        title: "Create the task role and name it in the task definition",
        detail: `Register a new revision of the task definition with "taskRoleArn": "${roleArn}", then roll the service onto it.`,
        commands: [
          ...createRole(i),
          `aws ecs register-task-definition --region ${i.region} --cli-input-json file://task-definition.json`,
          `aws ecs update-service --region ${i.region} --cluster CLUSTER --service SERVICE --task-definition FAMILY`,
        ],
      };
    case "lambda":
      return {
        title: "Create the execution role and give it to the function",
        commands: [
          ...createRole(i),
          `aws iam attach-role-policy --role-name ${i.roleName} --policy-arn arn:${i.partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole`,
          `aws lambda update-function-configuration --region ${i.region} --function-name FUNCTION --role ${roleArn}`,
        ],
      };
    case "roles-anywhere":
      return {
        title: "Create the trust anchor (your CA), the role and a Roles Anywhere profile",
        detail:
          "The trust anchor's id goes into the trust policy (--trust-anchor); the server keeps its certificate and private key, never an AWS key.",
        commands: [
          `aws rolesanywhere create-trust-anchor --region ${i.region} --name ${i.roleName}-ca --enabled --source "sourceType=CERTIFICATE_BUNDLE,sourceData={x509CertificateData=$(cat ca.pem)}"`,
          ...createRole(i),
          `aws rolesanywhere create-profile --region ${i.region} --name ${i.roleName} --role-arns ${roleArn} --enabled`,
        ],
      };
    case "identity-center":
      return {
        title: "Create a permission set with the observed policy and assign it to the person",
        commands: [
          `aws sso-admin create-permission-set --instance-arn SSO_INSTANCE_ARN --name ${i.roleName} --session-duration PT8H`,
          "aws sso-admin put-inline-policy-to-permission-set --instance-arn SSO_INSTANCE_ARN --permission-set-arn PERMISSION_SET_ARN --inline-policy file://permissions-policy.json",
          `aws sso-admin create-account-assignment --instance-arn SSO_INSTANCE_ARN --target-id ${i.accountId} --target-type AWS_ACCOUNT --permission-set-arn PERMISSION_SET_ARN --principal-type USER --principal-id PRINCIPAL_ID`,
        ],
      };
    case null:
      return {
        title: "Choose the replacement",
        detail:
          "The evidence does not settle which replacement fits: run again with --kind for the workload you know, for the trust policy and the commands.",
        commands: [
          `keywarden plan-migration ${[i.accessKeyId, ...(i.replayArgs ?? [])].map(sh).join(" ")} --kind KIND`,
        ],
      };
  }
}

function switchOver(i: StepInputs, roleArn: string): PlanStep {
  const repo = i.repo ?? "OWNER/REPO";
  switch (i.kind) {
    case "oidc-github":
      return {
        title: "Switch the workflows to the role",
        detail: `In each workflow: \`permissions: { id-token: write, contents: read }\`, and aws-actions/configure-aws-credentials with \`role-to-assume: ${roleArn}\` and \`aws-region: ${i.region}\` instead of aws-access-key-id / aws-secret-access-key. Keep the old secrets until the key is deleted (rollback).`,
        commands: [`gh secret list --repo ${repo}`],
      };
    case "oidc-gitlab":
      return {
        title: "Switch the jobs to the role",
        detail: `In .gitlab-ci.yml: \`id_tokens: { AWS_TOKEN: { aud: "https://${i.gitlabHost ?? "gitlab.com"}" } }\`, then set AWS_ROLE_ARN=${roleArn} and write $AWS_TOKEN to the file named by AWS_WEB_IDENTITY_TOKEN_FILE (the SDKs and CLI assume the role from them). Remove AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY from the CI/CD variables only after the watch.`,
        commands: [],
      };
    case "instance-profile":
    case "ecs-task":
    case "lambda":
      return {
        title: "Remove the key from the workload's configuration",
        detail:
          "Delete AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY from its environment, secrets or ~/.aws/credentials: the SDK's default chain then finds the role's credentials by itself. Keep a copy until the key is deleted (rollback).",
        commands: [],
      };
    case "roles-anywhere":
      return {
        title: "Point the server's AWS profile at the signing helper",
        detail:
          "In the server's ~/.aws/config, replace the key with a credential_process that signs with the certificate:",
        commands: [
          `credential_process = aws_signing_helper credential-process --certificate server.pem --private-key server.key --trust-anchor-arn TRUST_ANCHOR_ARN --profile-arn PROFILE_ARN --role-arn ${roleArn}`,
        ],
      };
    case "identity-center":
      return {
        title: "Have the person sign in through Identity Center",
        detail:
          "They create a profile with `aws configure sso` once, then `aws sso login` each day; remove the key from their ~/.aws/credentials.",
        commands: ["aws configure sso", "aws sso login --profile PROFILE"],
      };
    case null:
      return { title: "Switch the workload to the replacement", commands: [] };
  }
}

export function cutOverSteps(i: StepInputs): PlanStep[] {
  const roleArn = `arn:${i.partition}:iam::${i.accountId}:role/${i.roleName}`;
  const key = i.accessKeyId;
  const steps: PlanStep[] = [];
  if (i.kind !== null) {
    steps.push({
      title: "Save the policies of this plan",
      commands: savePolicies(i, i.kind),
    });
  }
  steps.push(create(i, roleArn), switchOver(i, roleArn));
  steps.push({
    title: `Watch the key go quiet for ${i.watch}`,
    detail: `From the switch on, the key must show no new event (and its last use must stop moving) for ${i.watch}. Anything still using it appears here with its address and user agent.`,
    commands: [
      `keywarden trail ${key} --since ${i.watch}`,
      `aws iam get-access-key-last-used --access-key-id ${key}`,
    ],
  });
  steps.push({
    title: "Deactivate the key (reversible)",
    detail: `keywarden has no verb that deactivates one chosen key; \`keywarden enforce\` does it for keys idle past the access-key-unused timeline. To undo: the same command with --status Active.`,
    commands: [
      `aws iam update-access-key --user-name ${i.userName} --access-key-id ${key} --status Inactive`,
    ],
  });
  steps.push({
    title: `Soak for ${i.soak}, then delete the key`,
    detail: i.userHasOtherCredentials
      ? `${i.userName} has other credentials: delete only this key.`
      : `${i.userName} holds no other key or password: once nothing breaks, the user itself can go (detach its policies and remove it from its groups first).`,
    commands: [
      `keywarden trail ${key} --since ${i.soak}`,
      `aws iam delete-access-key --user-name ${i.userName} --access-key-id ${key}`,
      `keywarden keys --user ${i.userName}`,
    ],
  });
  return steps;
}
