import type { IAMClient } from "@aws-sdk/client-iam";
import type { STSClient } from "@aws-sdk/client-sts";
import { sdk } from "./sdk.js";
import {
  AWS_QUARANTINE_POLICIES,
  type KeyOwner,
  type RemediationPort,
  type ResponseIamPort,
} from "../response/ports.js";
import { IAM_REMOVABLE_TYPES, type CreatedResource } from "../response/types.js";
import { call, callSite, mapAwsError } from "./errors.js";
import type { AwsSession } from "./session.js";

// Containment of a compromised key: find its account and user, deactivate it, quarantine the user.

export const FALLBACK_POLICY_NAME = "KeywardenCompromisedKeyQuarantine";
const FALLBACK_POLICY_PATH = "/keywarden/";

/**
 * keywarden's own stand-in for AWSCompromisedKeyQuarantineV4/V3/V2, for accounts or partitions
 * without any of them: deny what an attacker does next with a user's rights (new principals and credentials, policy
 * changes, compute, functions, data exposure, turning off logging and detection).
 */
export const FALLBACK_POLICY_DOCUMENT = {
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "KeywardenQuarantineDenyEscalationAndAbuse",
      Effect: "Deny",
      Action: [
        "iam:Create*",
        "iam:Attach*",
        "iam:Put*",
        "iam:Update*",
        "iam:Add*",
        "iam:Delete*",
        "iam:Detach*",
        "iam:Set*",
        "iam:PassRole",
        "iam:UploadSSHPublicKey",
        "iam:EnableMFADevice",
        "iam:DeactivateMFADevice",
        "sts:AssumeRole",
        "sts:GetFederationToken",
        "sts:GetSessionToken",
        "ec2:RunInstances",
        "ec2:StartInstances",
        "ec2:RequestSpotInstances",
        "ec2:RequestSpotFleet",
        "ec2:CreateFleet",
        "ec2:CreateLaunchTemplate*",
        "ec2:ModifyInstanceAttribute",
        "ec2:AuthorizeSecurityGroup*",
        "ec2:CreateKeyPair",
        "ec2:ImportKeyPair",
        "ec2:ModifySnapshotAttribute",
        "ec2:ModifyImageAttribute",
        "lambda:CreateFunction*",
        "lambda:UpdateFunction*",
        "lambda:AddPermission*",
        "lambda:CreateEventSourceMapping",
        "s3:PutBucketPolicy",
        "s3:PutBucketAcl",
        "s3:PutObjectAcl",
        "s3:DeleteBucketPolicy",
        "s3:PutBucketPublicAccessBlock",
        "s3:PutAccountPublicAccessBlock",
        "s3:GetObject",
        "secretsmanager:GetSecretValue",
        "ssm:GetParameter*",
        "cloudtrail:StopLogging",
        "cloudtrail:DeleteTrail",
        "cloudtrail:UpdateTrail",
        "cloudtrail:PutEventSelectors",
        "guardduty:DeleteDetector",
        "guardduty:UpdateDetector",
        "guardduty:DisassociateFromMasterAccount",
        "organizations:LeaveOrganization",
        "ecs:RunTask",
        "ecs:CreateService",
        "autoscaling:CreateAutoScalingGroup",
        "cloudformation:CreateStack",
        "ses:SendEmail",
        "ses:SendRawEmail",
      ],
      Resource: "*",
    },
  ],
};

const isNoSuchEntity = (err: unknown): boolean => {
  const e = err as { name?: string; Code?: string };
  return e.name === "NoSuchEntity" || e.name === "NoSuchEntityException" || e.Code === "NoSuchEntity";
};

/**
 * AttachUserPolicy's NoSuchEntity about the policy ("Policy arn:... does not exist or is not
 * attachable"), not about the user ("The user with name X cannot be found"): only the first means
 * "try the next version".
 */
const isMissingPolicy = (err: unknown): boolean =>
  isNoSuchEntity(err) && !/\buser\b/i.test((err as { message?: string }).message ?? "");

/**
 * The partition a region belongs to, as in ARNs. Containment names AWS's quarantine policy by ARN
 * without asking sts:GetCallerIdentity first (a credential works only in its own partition, whose
 * regions it is pointed at).
 */
export function partitionOfRegion(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  if (region.startsWith("us-isob-")) return "aws-iso-b";
  if (region.startsWith("us-iso-")) return "aws-iso";
  if (region.startsWith("eu-isoe-")) return "aws-iso-e";
  if (region.startsWith("us-isof-")) return "aws-iso-f";
  return "aws";
}

const managedArn = (partition: string, name: string) => `arn:${partition}:iam::aws:policy/${name}`;

export function responseIamPort(
  session: AwsSession,
  clients: { iam?: IAMClient; sts?: STSClient } = {},
): ResponseIamPort {
  const iam = () => clients.iam ?? session.iam();
  const sts = () => clients.sts ?? session.sts();
  const site = (op: string, service = "iam") => callSite(session, op, service);

  async function statusOf(userName: string, accessKeyId: string): Promise<KeyOwner | null> {
    const r = await call(site("ListAccessKeys"), () =>
      iam().send(new (sdk.iam().ListAccessKeysCommand)({ UserName: userName })),
    );
    const k = (r.AccessKeyMetadata ?? []).find((m) => m.AccessKeyId === accessKeyId);
    return k ? { userName, status: k.Status === "Active" ? "Active" : "Inactive" } : null;
  }

  async function keyUserName(accessKeyId: string): Promise<string | null> {
    try {
      const r = await iam().send(new (sdk.iam().GetAccessKeyLastUsedCommand)({ AccessKeyId: accessKeyId }));
      return r.UserName ?? null;
    } catch (err) {
      if (isNoSuchEntity(err) || (err as { name?: string }).name === "AccessDenied") return null;
      throw mapAwsError(err, site("GetAccessKeyLastUsed"));
    }
  }

  return {
    async callerAccount() {
      const r = await call(site("GetCallerIdentity", "sts"), () =>
        sts().send(new (sdk.sts().GetCallerIdentityCommand)({})),
      );
      const partition = /^arn:([^:]+):/.exec(r.Arn ?? "")?.[1] ?? "aws";
      return { accountId: r.Account ?? "", partition };
    },

    async keyAccount(accessKeyId) {
      const r = await call(site("GetAccessKeyInfo", "sts"), () =>
        sts().send(new (sdk.sts().GetAccessKeyInfoCommand)({ AccessKeyId: accessKeyId })),
      );
      return r.Account ?? "";
    },

    keyUserName,

    partition: () => partitionOfRegion(session.region),

    async keyOwner(accessKeyId) {
      // One call names the user; the key list then gives its status. A key AWS does not know
      // (deleted) answers AccessDenied or no user; then every user's keys are searched.
      const userName = await keyUserName(accessKeyId);
      if (userName) return statusOf(userName, accessKeyId);
      let marker: string | undefined;
      do {
        const page = await call(site("ListUsers"), () =>
          iam().send(new (sdk.iam().ListUsersCommand)({ Marker: marker })),
        );
        for (const u of page.Users ?? []) {
          if (!u.UserName) continue;
          const found = await statusOf(u.UserName, accessKeyId);
          if (found) return found;
        }
        marker = page.IsTruncated ? page.Marker : undefined;
      } while (marker);
      return null;
    },

    async deactivate(userName, accessKeyId) {
      await call(site("UpdateAccessKey"), () =>
        iam().send(
          new (sdk.iam().UpdateAccessKeyCommand)({
            UserName: userName,
            AccessKeyId: accessKeyId,
            Status: "Inactive",
          }),
        ),
      );
    },

    async newestQuarantinePolicy(account) {
      for (const name of AWS_QUARANTINE_POLICIES) {
        const arn = managedArn(account.partition, name);
        try {
          await iam().send(new (sdk.iam().GetPolicyCommand)({ PolicyArn: arn }));
          return arn;
        } catch (err) {
          if (!isNoSuchEntity(err)) throw mapAwsError(err, site("GetPolicy"));
        }
      }
      return null;
    },

    async attachQuarantine(userName, account) {
      // Newest first: on AWS the first call succeeds, so containment costs one call; an account or
      // partition that lacks a version answers NoSuchEntity and the next one is tried.
      const missing: string[] = [];
      for (const name of AWS_QUARANTINE_POLICIES) {
        const managed = managedArn(account.partition, name);
        try {
          await iam().send(
            new (sdk.iam().AttachUserPolicyCommand)({ UserName: userName, PolicyArn: managed }),
          );
          return { arn: managed, kind: "managed" as const, missing };
        } catch (err) {
          if (!isMissingPolicy(err)) throw mapAwsError(err, site("AttachUserPolicy"));
          missing.push(name);
        }
      }
      const arn = `arn:${account.partition}:iam::${account.accountId}:policy${FALLBACK_POLICY_PATH}${FALLBACK_POLICY_NAME}`;
      let exists = true;
      try {
        await iam().send(new (sdk.iam().GetPolicyCommand)({ PolicyArn: arn }));
      } catch (err) {
        if (!isNoSuchEntity(err)) throw mapAwsError(err, site("GetPolicy"));
        exists = false;
      }
      if (!exists) {
        await call(site("CreatePolicy"), () =>
          iam().send(
            new (sdk.iam().CreatePolicyCommand)({
              PolicyName: FALLBACK_POLICY_NAME,
              Path: FALLBACK_POLICY_PATH,
              Description:
                "keywarden: quarantine for a user whose access key leaked (AWSCompromisedKeyQuarantineV4/V3/V2 were unavailable)",
              PolicyDocument: JSON.stringify(FALLBACK_POLICY_DOCUMENT),
            }),
          ),
        );
      }
      await call(site("AttachUserPolicy"), () =>
        iam().send(new (sdk.iam().AttachUserPolicyCommand)({ UserName: userName, PolicyArn: arn })),
      );
      return { arn, kind: "fallback" as const, missing };
    },
  };
}

const IAM_REMOVABLE = new Set<string>(IAM_REMOVABLE_TYPES);

/** "name/rest": IAM names never contain "/", so the first one splits (ARNs keep theirs). */
function splitFirst(id: string): [string, string] {
  const i = id.indexOf("/");
  return i < 0 ? [id, ""] : [id.slice(0, i), id.slice(i + 1)];
}

/**
 * Removes what a compromised key created in IAM. Never touches the quarantine policies nor the
 * user under investigation (`protectedUser`), whose key is kept Inactive as evidence.
 */
export function iamRemediationPort(
  session: AwsSession,
  protectedUser: string,
  clients: { iam?: IAMClient } = {},
): RemediationPort {
  const iam = () => clients.iam ?? session.iam();
  const site = (op: string) => callSite(session, op);
  const ignoreMissing = async (op: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (err) {
      if (!isNoSuchEntity(err)) throw mapAwsError(err, site(op));
    }
  };

  async function emptyAndDeleteUser(userName: string): Promise<string> {
    const keys = await call(site("ListAccessKeys"), () =>
      iam().send(new (sdk.iam().ListAccessKeysCommand)({ UserName: userName })),
    );
    for (const k of keys.AccessKeyMetadata ?? []) {
      await call(site("DeleteAccessKey"), () =>
        iam().send(
          new (sdk.iam().DeleteAccessKeyCommand)({ UserName: userName, AccessKeyId: k.AccessKeyId }),
        ),
      );
    }
    await ignoreMissing("DeleteLoginProfile", () =>
      iam().send(new (sdk.iam().DeleteLoginProfileCommand)({ UserName: userName })),
    );
    const attached = await call(site("ListAttachedUserPolicies"), () =>
      iam().send(new (sdk.iam().ListAttachedUserPoliciesCommand)({ UserName: userName })),
    );
    for (const p of attached.AttachedPolicies ?? []) {
      await call(site("DetachUserPolicy"), () =>
        iam().send(new (sdk.iam().DetachUserPolicyCommand)({ UserName: userName, PolicyArn: p.PolicyArn })),
      );
    }
    const inline = await call(site("ListUserPolicies"), () =>
      iam().send(new (sdk.iam().ListUserPoliciesCommand)({ UserName: userName })),
    );
    for (const name of inline.PolicyNames ?? []) {
      await call(site("DeleteUserPolicy"), () =>
        iam().send(new (sdk.iam().DeleteUserPolicyCommand)({ UserName: userName, PolicyName: name })),
      );
    }
    const groups = await call(site("ListGroupsForUser"), () =>
      iam().send(new (sdk.iam().ListGroupsForUserCommand)({ UserName: userName })),
    );
    for (const g of groups.Groups ?? []) {
      await call(site("RemoveUserFromGroup"), () =>
        iam().send(
          new (sdk.iam().RemoveUserFromGroupCommand)({ UserName: userName, GroupName: g.GroupName }),
        ),
      );
    }
    await ignoreMissing("DeleteUser", () =>
      iam().send(new (sdk.iam().DeleteUserCommand)({ UserName: userName })),
    );
    return `deleted user ${userName} with ${(keys.AccessKeyMetadata ?? []).length} key(s), ${(attached.AttachedPolicies ?? []).length + (inline.PolicyNames ?? []).length} policy(ies)`;
  }

  async function emptyAndDeleteRole(roleName: string): Promise<string> {
    const attached = await call(site("ListAttachedRolePolicies"), () =>
      iam().send(new (sdk.iam().ListAttachedRolePoliciesCommand)({ RoleName: roleName })),
    );
    for (const p of attached.AttachedPolicies ?? []) {
      await call(site("DetachRolePolicy"), () =>
        iam().send(new (sdk.iam().DetachRolePolicyCommand)({ RoleName: roleName, PolicyArn: p.PolicyArn })),
      );
    }
    const inline = await call(site("ListRolePolicies"), () =>
      iam().send(new (sdk.iam().ListRolePoliciesCommand)({ RoleName: roleName })),
    );
    for (const name of inline.PolicyNames ?? []) {
      await call(site("DeleteRolePolicy"), () =>
        iam().send(new (sdk.iam().DeleteRolePolicyCommand)({ RoleName: roleName, PolicyName: name })),
      );
    }
    await ignoreMissing("DeleteRole", () =>
      iam().send(new (sdk.iam().DeleteRoleCommand)({ RoleName: roleName })),
    );
    return `deleted role ${roleName}`;
  }

  // Any version of AWS's quarantine policy (V1 has no suffix), or keywarden's own.
  const isQuarantine = (arn: string) =>
    /:policy\/AWSCompromisedKeyQuarantine(V\d+)?$/.test(arn) || arn.endsWith(`/${FALLBACK_POLICY_NAME}`);

  return {
    supports(r: CreatedResource) {
      if (!IAM_REMOVABLE.has(r.type)) return false;
      if (r.type === "iam-user" && r.id === protectedUser) return false;
      if (r.type.endsWith("policy-attachment") && isQuarantine(splitFirst(r.id)[1])) return false;
      if (r.type === "iam-access-key" && !r.params?.userName) return false;
      return true;
    },
    async remove(r: CreatedResource) {
      const [name, rest] = splitFirst(r.id);
      switch (r.type) {
        case "iam-access-key": {
          const userName = r.params?.userName ?? "";
          await ignoreMissing("DeleteAccessKey", () =>
            iam().send(new (sdk.iam().DeleteAccessKeyCommand)({ UserName: userName, AccessKeyId: r.id })),
          );
          return `deleted access key ${r.id} of ${userName}`;
        }
        case "iam-login-profile":
          await ignoreMissing("DeleteLoginProfile", () =>
            iam().send(new (sdk.iam().DeleteLoginProfileCommand)({ UserName: r.id })),
          );
          return `deleted the console password of ${r.id}`;
        case "iam-user-policy-attachment":
          await ignoreMissing("DetachUserPolicy", () =>
            iam().send(new (sdk.iam().DetachUserPolicyCommand)({ UserName: name, PolicyArn: rest })),
          );
          return `detached ${rest} from user ${name}`;
        case "iam-role-policy-attachment":
          await ignoreMissing("DetachRolePolicy", () =>
            iam().send(new (sdk.iam().DetachRolePolicyCommand)({ RoleName: name, PolicyArn: rest })),
          );
          return `detached ${rest} from role ${name}`;
        case "iam-group-policy-attachment":
          await ignoreMissing("DetachGroupPolicy", () =>
            iam().send(new (sdk.iam().DetachGroupPolicyCommand)({ GroupName: name, PolicyArn: rest })),
          );
          return `detached ${rest} from group ${name}`;
        case "iam-user-inline-policy":
          await ignoreMissing("DeleteUserPolicy", () =>
            iam().send(new (sdk.iam().DeleteUserPolicyCommand)({ UserName: name, PolicyName: rest })),
          );
          return `deleted inline policy ${rest} of user ${name}`;
        case "iam-role-inline-policy":
          await ignoreMissing("DeleteRolePolicy", () =>
            iam().send(new (sdk.iam().DeleteRolePolicyCommand)({ RoleName: name, PolicyName: rest })),
          );
          return `deleted inline policy ${rest} of role ${name}`;
        case "iam-group-inline-policy":
          await ignoreMissing("DeleteGroupPolicy", () =>
            iam().send(new (sdk.iam().DeleteGroupPolicyCommand)({ GroupName: name, PolicyName: rest })),
          );
          return `deleted inline policy ${rest} of group ${name}`;
        case "iam-group-membership":
          await ignoreMissing("RemoveUserFromGroup", () =>
            iam().send(new (sdk.iam().RemoveUserFromGroupCommand)({ GroupName: name, UserName: rest })),
          );
          return `removed ${rest} from group ${name}`;
        case "iam-policy":
          await ignoreMissing("DeletePolicy", () =>
            iam().send(new (sdk.iam().DeletePolicyCommand)({ PolicyArn: r.id })),
          );
          return `deleted policy ${r.id}`;
        case "iam-user":
          return emptyAndDeleteUser(r.id);
        case "iam-role":
          return emptyAndDeleteRole(r.id);
        default:
          throw new Error(`keywarden does not remove ${r.type} resources`);
      }
    },
  };
}
