import type { AccessKeyRecord, Finding } from "../domain/types.js";
import type { Rule, RuleMeta } from "./rule.js";
import { cmd, code, describeLastUse, finding, keyLabel, keySubject, knownService } from "./support.js";

const meta: RuleMeta = {
  id: "long-term-key-alternative",
  title: "Long-term access keys that a role or federation could replace",
  severity: "info",
  level: "key",
  cis: { v3: "1.18", v5: null, v7: "2.16" },
  securityHub: [],
  risk:
    "A long-term key works until someone deletes it; roles, OIDC federation, IAM Identity Center and " +
    "IAM Roles Anywhere hand out short-lived credentials instead, so there is nothing to leak or rotate.",
  remediation:
    "Move the workload or person to short-term credentials (EC2: `aws ec2 associate-iam-instance-profile`; CI: an OIDC role " +
    "via `aws iam create-open-id-connect-provider`; people: `aws configure sso`; on-premises: IAM Roles Anywhere), then when " +
    "`keywarden keys` shows the key's last use has stopped advancing, deactivate it: " +
    "`aws iam update-access-key --user-name <user> --access-key-id <access-key-id> --status Inactive`.",
  thresholds: [],
  permissions: ["iam:ListAccessKeys", "iam:GetAccessKeyLastUsed"],
};

interface Advice {
  /** What the key's use suggests, e.g. "code running on EC2". */
  why: string;
  /** The replacement, one sentence. */
  instead: string;
  /** The exact AWS CLI commands that set the replacement up. */
  commands: string[];
}

/** Services whose workloads get credentials from a role the service itself provides. */
const ROLE_SERVICES = new Map<string, Advice>(
  Object.entries({
    ec2: {
      why: "If the code using it runs on EC2",
      instead: "give the instance an instance profile (an IAM role for EC2)",
      commands: [
        "aws ec2 associate-iam-instance-profile --instance-id <instance-id> --iam-instance-profile Name=<instance-profile>",
      ],
    },
    lambda: {
      why: "If the code using it runs in Lambda",
      instead: "let the function use its execution role",
      commands: ["aws lambda update-function-configuration --function-name <function> --role <role-arn>"],
    },
    ecs: {
      why: "If the code using it runs in ECS tasks",
      instead: "give the task definition a task role",
      commands: [
        "aws ecs register-task-definition --family <family> --task-role-arn <role-arn> --container-definitions file://containers.json",
      ],
    },
    eks: {
      why: "If the code using it runs in EKS pods",
      instead: "use EKS Pod Identity (or IAM roles for service accounts)",
      commands: [
        "aws eks create-pod-identity-association --cluster-name <cluster> --namespace <namespace> --service-account <service-account> --role-arn <role-arn>",
      ],
    },
    codebuild: {
      why: "If it is used from CodeBuild",
      instead: "let the project use its service role",
      commands: ["aws codebuild update-project --name <project> --service-role <role-arn>"],
    },
    batch: {
      why: "If the code using it runs in AWS Batch jobs",
      instead: "give the job definition a job role (jobRoleArn in its container properties)",
      commands: [
        "aws batch register-job-definition --job-definition-name <name> --type container --container-properties file://container.json",
      ],
    },
    sagemaker: {
      why: "If it is used from SageMaker",
      instead: "use the notebook's or job's execution role",
      commands: [
        "aws sagemaker update-notebook-instance --notebook-instance-name <name> --role-arn <role-arn>",
      ],
    },
    apprunner: {
      why: "If the code using it runs in App Runner",
      instead: "give the service an instance role",
      commands: [
        "aws apprunner update-service --service-arn <service-arn> --instance-configuration InstanceRoleArn=<role-arn>",
      ],
    },
  }),
);

/** Services a CI/CD pipeline typically calls to ship software. */
const DEPLOY_SERVICES = new Set([
  "ecr",
  "ecr-public",
  "cloudformation",
  "codeartifact",
  "codedeploy",
  "codepipeline",
]);

/** Words in a user name, path or tag value that say "this is a CI/CD identity". */
const CI_WORDS = new Set([
  "ci",
  "cd",
  "cicd",
  "github",
  "gitlab",
  "jenkins",
  "circleci",
  "bitbucket",
  "travis",
  "buildkite",
  "teamcity",
  "drone",
  "deploy",
  "deployer",
  "pipeline",
]);

function ciWords(key: AccessKeyRecord): string[] {
  const text = [key.userName, key.userPath, ...Object.values(key.userTags)].join(" ").toLowerCase();
  return text.split(/[^a-z0-9]+/).filter((w) => CI_WORDS.has(w));
}

function oidcAdvice(words: string[]): Advice {
  const issuer = words.includes("github")
    ? "https://token.actions.githubusercontent.com"
    : words.includes("gitlab")
      ? "https://gitlab.com"
      : "<oidc-issuer-url>";
  return {
    why: "It looks like a CI/CD pipeline",
    instead:
      "let the pipeline assume a role through OIDC federation, so each job gets short-lived credentials",
    commands: [`aws iam create-open-id-connect-provider --url ${issuer} --client-id-list sts.amazonaws.com`],
  };
}

const PERSON: Advice = {
  why: "Its user also signs in to the console, so a person uses it",
  instead: "give people short-lived CLI credentials through IAM Identity Center",
  commands: ["aws configure sso"],
};

const WORKLOAD: Advice = {
  why: "A program uses it",
  instead:
    "if the program runs on AWS, give it a role from its compute service; if it runs outside AWS (on-premises, another cloud), use IAM Roles Anywhere with a certificate",
  commands: [
    "aws rolesanywhere create-trust-anchor --name <name> --source 'sourceType=AWS_ACM_PCA,sourceData={acmPcaArn=<ca-arn>}'",
    "aws rolesanywhere create-profile --name <name> --role-arns <role-arn>",
  ],
};

function adviseFor(key: AccessKeyRecord, service: string): Advice {
  const words = ciWords(key);
  if (words.length > 0) return oidcAdvice(words);
  const role = ROLE_SERVICES.get(service);
  if (role !== undefined) return role;
  if (DEPLOY_SERVICES.has(service)) return oidcAdvice([]);
  if (key.passwordEnabled) return PERSON;
  return WORKLOAD;
}

/**
 * Advice, from observed use, to replace an active long-term key with short-term credentials:
 * CI -> OIDC roles, AWS compute -> the service's role, people -> IAM Identity Center, other
 * workloads -> a role, or IAM Roles Anywhere outside AWS. Without last-use data there is no advice (PASS).
 */
export const longTermKeyAlternative: Rule = {
  meta,
  evaluate(inventory): Finding[] {
    const out: Finding[] = [];
    for (const key of inventory.keys) {
      if (key.status !== "Active") continue;
      const service = key.lastUsedAt === null ? null : knownService(key.lastUsedService);
      if (service === null) {
        out.push(
          finding(
            meta,
            keySubject(key),
            "PASS",
            `Active ${keyLabel(key)} has no recorded service use (${describeLastUse(key)}), so there is no advice on what could replace it.`,
          ),
        );
        continue;
      }
      const advice = adviseFor(key, service);
      out.push(
        finding(
          meta,
          keySubject(key),
          "WARN",
          `Active ${keyLabel(key)} is a long-term key (${describeLastUse(key)}). ${advice.why}: ${advice.instead}.`,
          `Set up the replacement: ${advice.commands.map(code).join(" and ")}. When \`keywarden keys\` shows this key's last use has stopped ` +
            `advancing, deactivate it: ${code(cmd.deactivate(key.userName, key.accessKeyId))}.`,
        ),
      );
    }
    return out;
  },
};
