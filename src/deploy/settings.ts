// Everything `deploy responder` is given is checked here, before a bucket, an upload or a stack:
// a bad flag costs nothing. Secrets never go into the template: a store URL carrying a password is
// refused in favour of a Secrets Manager secret the function reads at run time.
import { EXTERNAL_ID, ROLE_NAME } from "../cli/aws-names.js";
import { UsageError } from "../domain/errors.js";
import {
  LAMBDA_ENV_LIMIT_BYTES,
  environmentBytes,
  responderEnvironment,
  type ResponderSettings,
} from "./responder-template.js";

export interface DeployFlags {
  stackName?: string | undefined;
  bucket?: string | undefined;
  store?: string | undefined;
  storeSecretArn?: string | undefined;
  snsTopicArn?: string | undefined;
  roleName?: string | undefined;
  externalId?: string | undefined;
  regions?: string[] | undefined;
}

export const DEFAULT_STACK_NAME = "keywarden-responder";

const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+$/;
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/;

function fail(problem: string, fix: string): never {
  throw new UsageError(problem, fix);
}

function checkStore(raw: string): string {
  let url: URL | null = null;
  try {
    url = new URL(raw);
  } catch {
    // Not a URL: a SQLite path.
  }
  if (url === null || (url.protocol !== "postgres:" && url.protocol !== "postgresql:")) {
    fail(
      `--store "${raw}" is not a postgres:// URL; a SQLite file does not outlive a Lambda run`,
      "Pass --store postgres://USER@HOST:5432/DB (password in a secret: --store-secret-arn), or no store.",
    );
  }
  if (url.password !== "") {
    // Never echo the URL here: it holds the password.
    fail(
      "--store carries a password, which would be stored in clear in the function's configuration",
      "Put the URL in a Secrets Manager secret and pass --store-secret-arn ARN instead.",
    );
  }
  if (url.hostname === "")
    fail(`--store "${raw}" names no host`, "Pass --store postgres://USER@HOST:5432/DB.");
  return raw;
}

/** The settings the template is built from, or a usage error naming the first bad flag. */
export function settingsFrom(flags: DeployFlags, config: unknown): ResponderSettings {
  const stackName = flags.stackName ?? DEFAULT_STACK_NAME;
  if (!STACK_NAME.test(stackName)) {
    fail(
      `--stack-name "${stackName}" is not a CloudFormation stack name`,
      "Use letters, digits and hyphens, starting with a letter, e.g. --stack-name keywarden-responder.",
    );
  }
  if (flags.bucket !== undefined && (!BUCKET.test(flags.bucket) || flags.bucket.includes(".."))) {
    fail(
      `--bucket "${flags.bucket}" is not an S3 bucket name`,
      "Pass 3-63 lower-case letters, digits, dots or hyphens.",
    );
  }
  if (flags.store !== undefined && flags.storeSecretArn !== undefined) {
    fail(
      "--store and --store-secret-arn name the same thing twice",
      "Pass one: --store-secret-arn when the URL holds a password.",
    );
  }
  const store = flags.store === undefined ? undefined : checkStore(flags.store);
  if (flags.storeSecretArn !== undefined && !SECRET_ARN.test(flags.storeSecretArn)) {
    fail(
      `--store-secret-arn "${flags.storeSecretArn}" is not a Secrets Manager secret ARN`,
      "Pass arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME (aws secretsmanager describe-secret shows it).",
    );
  }
  if (flags.snsTopicArn !== undefined && !TOPIC_ARN.test(flags.snsTopicArn)) {
    fail(
      `--sns-topic-arn "${flags.snsTopicArn}" is not an SNS topic ARN`,
      "Pass arn:aws:sns:REGION:ACCOUNT:TOPIC, or leave it out to have the stack create a topic.",
    );
  }
  if (flags.externalId !== undefined && flags.roleName === undefined) {
    fail(
      "--external-id only applies with --role-name",
      "Add --role-name OrganizationAccountAccessRole (or your role).",
    );
  }
  if (
    flags.roleName !== undefined &&
    (!ROLE_NAME.test(flags.roleName) || flags.roleName.startsWith("arn:"))
  ) {
    fail(
      `--role-name "${flags.roleName}" is not an IAM role name`,
      "Pass the role's name (not its ARN), e.g. --role-name OrganizationAccountAccessRole.",
    );
  }
  if (flags.externalId !== undefined && !EXTERNAL_ID.test(flags.externalId)) {
    fail(
      "--external-id must be 2 to 1224 letters, digits or +=,.@:/-_",
      "Pass it exactly as the role's trust policy names it.",
    );
  }
  for (const r of flags.regions ?? []) {
    if (!REGION.test(r))
      fail(`--regions: "${r}" is not an AWS region`, "Pass for example --regions us-east-1,eu-west-1.");
  }
  const settings: ResponderSettings = {
    stackName,
    store,
    storeSecretArn: flags.storeSecretArn,
    config,
    snsTopicArn: flags.snsTopicArn,
    orgRoleName: flags.roleName,
    externalId: flags.externalId,
    regions: flags.regions,
  };
  const bytes = environmentBytes(responderEnvironment(settings));
  if (bytes > LAMBDA_ENV_LIMIT_BYTES) {
    fail(
      `the function's environment would take ${bytes} bytes; Lambda allows ${LAMBDA_ENV_LIMIT_BYTES}`,
      "Shorten the policy file given with --config (its owners map is not included), or split its rules.",
    );
  }
  return settings;
}
