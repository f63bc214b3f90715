// Representative requests keywarden asks the evaluator about. The resources are made-up names in
// the principal's own account, so only a statement broad enough to cover any resource of that kind
// (`*`, `arn:aws:iam::*:user/*`, ...) allows them: that breadth is what a blast radius measures. A
// grant limited to one named bucket, secret or role is not "broad", and is not reported as such.

export interface ProbeContext {
  accountId: string;
  partition: string;
  userName: string;
  userPath: string;
  /** The user's groups, by name: some escalations only need to reach a group the user is in. */
  groups: string[];
  /** Customer managed policies attached to the user or its groups (their ARNs). */
  managedPolicyArns: string[];
}

export const PROBE = "keywarden-probe";
const REGION = "us-east-1";

export function arns(c: ProbeContext) {
  const iam = (rest: string) => `arn:${c.partition}:iam::${c.accountId}:${rest}`;
  const regional = (service: string, rest: string) =>
    `arn:${c.partition}:${service}:${REGION}:${c.accountId}:${rest}`;
  return {
    self: iam(`user${c.userPath}${c.userName}`),
    otherUser: iam(`user/${PROBE}-other-user`),
    anyRole: iam(`role/${PROBE}-role`),
    anyGroup: iam(`group/${PROBE}-group`),
    ownGroups: c.groups.map((g) => iam(`group/${g}`)),
    anyPolicy: iam(`policy/${PROBE}-policy`),
    ownPolicies: c.managedPolicyArns,
    iamAny: iam(`${PROBE}/anything`),
    secret: regional("secretsmanager", `secret:${PROBE}-AbCdEf`),
    parameter: regional("ssm", `parameter/${PROBE}`),
    kmsKey: regional("kms", `key/${PROBE}`),
    s3Object: `arn:${c.partition}:s3:::${PROBE}-bucket/${PROBE}-object`,
    instance: regional("ec2", `instance/*`),
    lambda: regional("lambda", `function:${PROBE}`),
    stack: regional("cloudformation", `stack/${PROBE}/*`),
    devEndpoint: regional("glue", `devEndpoint/${PROBE}`),
    pipeline: regional("datapipeline", `pipeline/${PROBE}`),
    notebook: regional("sagemaker", `notebook-instance/${PROBE}`),
    codebuild: regional("codebuild", `project/${PROBE}`),
    ecsTask: regional("ecs", `task-definition/${PROBE}:1`),
    unknown: `arn:${c.partition}:${PROBE}:${REGION}:${c.accountId}:${PROBE}/anything`,
  };
}

export type Arns = ReturnType<typeof arns>;
