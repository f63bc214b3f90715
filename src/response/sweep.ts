import { changesUserData } from "./classify.js";
import type { CreatedResource, TrailEvent } from "./types.js";

// What the key created or opened, read from its successful events, each with the AWS CLI command
// that removes it. Pure. Values come from CloudTrail's request/response elements and are quoted
// for a POSIX shell, so a hostile name cannot turn a pasted command into another one.

type Rec = Record<string, unknown>;
const obj = (v: unknown): Rec => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Rec) : {});
const s = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);

export function shellQuote(v: string): string {
  return /^[A-Za-z0-9_./:=@+-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`;
}

const q = shellQuote;

function items(v: unknown): Rec[] {
  const o = obj(v);
  const list = Array.isArray(v) ? v : Array.isArray(o.items) ? o.items : [];
  return list.map(obj);
}

function one(
  e: TrailEvent,
  r: Omit<CreatedResource, "eventName" | "eventTime" | "region"> & { region?: string | null },
): CreatedResource {
  return { region: null, ...r, eventName: e.eventName, eventTime: e.eventTime };
}

function fromEvent(e: TrailEvent): CreatedResource[] {
  const req = obj(e.requestParameters);
  const res = obj(e.responseElements);
  const user = s(req.userName);
  const role = s(req.roleName);
  const group = s(req.groupName);
  const policyArn = s(req.policyArn);
  const policyName = s(req.policyName);
  switch (e.eventName) {
    case "CreateUser": {
      const name = user ?? s(obj(res.user).userName);
      if (!name) return [];
      return [
        one(e, {
          type: "iam-user",
          id: name,
          removeCommand: `aws iam delete-user --user-name ${q(name)}  # after removing its keys, login profile, policies and group memberships`,
        }),
      ];
    }
    case "CreateAccessKey": {
      const key = obj(res.accessKey);
      const id = s(key.accessKeyId);
      const owner = s(key.userName) ?? user;
      if (!id) return [];
      return [
        one(e, {
          type: "iam-access-key",
          id,
          ...(owner ? { params: { userName: owner } } : {}),
          removeCommand: `aws iam delete-access-key${owner ? ` --user-name ${q(owner)}` : ""} --access-key-id ${q(id)}`,
        }),
      ];
    }
    case "CreateLoginProfile":
    case "UpdateLoginProfile":
      return user
        ? [
            one(e, {
              type: "iam-login-profile",
              id: user,
              removeCommand: `aws iam delete-login-profile --user-name ${q(user)}`,
            }),
          ]
        : [];
    case "AttachUserPolicy":
    case "AttachRolePolicy":
    case "AttachGroupPolicy": {
      const [kind, name] = user ? ["user", user] : role ? ["role", role] : ["group", group];
      if (!name || !policyArn) return [];
      return [
        one(e, {
          type: `iam-${kind}-policy-attachment`,
          id: `${name}/${policyArn}`,
          removeCommand: `aws iam detach-${kind}-policy --${kind}-name ${q(name)} --policy-arn ${q(policyArn)}`,
        }),
      ];
    }
    case "PutUserPolicy":
    case "PutRolePolicy":
    case "PutGroupPolicy": {
      const [kind, name] = user ? ["user", user] : role ? ["role", role] : ["group", group];
      if (!name || !policyName) return [];
      return [
        one(e, {
          type: `iam-${kind}-inline-policy`,
          id: `${name}/${policyName}`,
          removeCommand: `aws iam delete-${kind}-policy --${kind}-name ${q(name)} --policy-name ${q(policyName)}`,
        }),
      ];
    }
    case "CreateRole": {
      const name = role ?? s(obj(res.role).roleName);
      return name
        ? [
            one(e, {
              type: "iam-role",
              id: name,
              removeCommand: `aws iam delete-role --role-name ${q(name)}  # after detaching its policies and removing it from instance profiles`,
            }),
          ]
        : [];
    }
    case "UpdateAssumeRolePolicy":
      return role
        ? [
            one(e, {
              type: "iam-role-trust-policy",
              id: role,
              removeCommand: `aws iam get-role --role-name ${q(role)}  # review the trust policy; restore it with aws iam update-assume-role-policy`,
            }),
          ]
        : [];
    case "CreatePolicy": {
      const arn = s(obj(res.policy).arn);
      return arn
        ? [
            one(e, {
              type: "iam-policy",
              id: arn,
              removeCommand: `aws iam delete-policy --policy-arn ${q(arn)}  # after detaching it everywhere`,
            }),
          ]
        : [];
    }
    case "CreateGroup": {
      const name = group ?? s(obj(res.group).groupName);
      return name
        ? [
            one(e, {
              type: "iam-group",
              id: name,
              removeCommand: `aws iam delete-group --group-name ${q(name)}  # after removing its users (remove-user-from-group) and policies (detach-group-policy, delete-group-policy)`,
            }),
          ]
        : [];
    }
    case "ModifyInstanceAttribute": {
      const id = s(req.instanceId);
      if (!id || !changesUserData(e.eventName, e.requestParameters)) return [];
      // The old script is gone from the instance (CloudTrail does not log it either): review the
      // new one, put back the known-good one while the instance is stopped.
      return [
        one(e, {
          type: "ec2-instance-user-data",
          id,
          region: e.region,
          removeCommand: `aws ec2 describe-instance-attribute --region ${q(e.region)} --instance-id ${q(id)} --attribute userData  # review the boot script set at ${e.eventTime}; stop the instance and restore the known-good one with aws ec2 modify-instance-attribute --attribute userData`,
        }),
      ];
    }
    case "AddUserToGroup":
      return user && group
        ? [
            one(e, {
              type: "iam-group-membership",
              id: `${group}/${user}`,
              removeCommand: `aws iam remove-user-from-group --group-name ${q(group)} --user-name ${q(user)}`,
            }),
          ]
        : [];
    case "RunInstances":
      return items(obj(res.instancesSet)).flatMap((i) => {
        const id = s(i.instanceId);
        return id
          ? [
              one(e, {
                type: "ec2-instance",
                id,
                region: e.region,
                removeCommand: `aws ec2 terminate-instances --region ${q(e.region)} --instance-ids ${q(id)}`,
              }),
            ]
          : [];
      });
    case "CreateSecurityGroup": {
      const id = s(res.groupId);
      return id
        ? [
            one(e, {
              type: "ec2-security-group",
              id,
              region: e.region,
              removeCommand: `aws ec2 delete-security-group --region ${q(e.region)} --group-id ${q(id)}`,
            }),
          ]
        : [];
    }
    case "AuthorizeSecurityGroupIngress":
    case "AuthorizeSecurityGroupEgress": {
      const groupId = s(req.groupId);
      const direction = e.eventName.endsWith("Ingress") ? "ingress" : "egress";
      const rules = items(obj(res.securityGroupRuleSet));
      if (rules.length > 0) {
        return rules.flatMap((r) => {
          const id = s(r.securityGroupRuleId);
          const gid = s(r.groupId) ?? groupId;
          return id && gid
            ? [
                one(e, {
                  type: `ec2-security-group-${direction}-rule`,
                  id,
                  region: e.region,
                  params: { groupId: gid },
                  removeCommand: `aws ec2 revoke-security-group-${direction} --region ${q(e.region)} --group-id ${q(gid)} --security-group-rule-ids ${q(id)}`,
                }),
              ]
            : [];
        });
      }
      return groupId
        ? [
            one(e, {
              type: `ec2-security-group-${direction}-rule`,
              id: groupId,
              region: e.region,
              removeCommand: `aws ec2 describe-security-group-rules --region ${q(e.region)} --filters Name=group-id,Values=${q(groupId)}  # then revoke-security-group-${direction} the rules added at ${e.eventTime}`,
            }),
          ]
        : [];
    }
    case "CreateFunction":
    case "CreateFunction20150331": {
      const name = s(req.functionName) ?? s(res.functionName);
      return name
        ? [
            one(e, {
              type: "lambda-function",
              id: name,
              region: e.region,
              removeCommand: `aws lambda delete-function --region ${q(e.region)} --function-name ${q(name)}`,
            }),
          ]
        : [];
    }
    case "PutBucketPolicy":
    case "PutBucketAcl": {
      const bucket = s(req.bucketName);
      if (!bucket) return [];
      const policy = e.eventName === "PutBucketPolicy";
      return [
        one(e, {
          type: policy ? "s3-bucket-policy" : "s3-bucket-acl",
          id: bucket,
          region: e.region,
          removeCommand: policy
            ? `aws s3api delete-bucket-policy --bucket ${q(bucket)}  # or restore the previous policy`
            : `aws s3api get-bucket-acl --bucket ${q(bucket)}  # review; reset with aws s3api put-bucket-acl --bucket ${q(bucket)} --acl private`,
        }),
      ];
    }
    case "ImportKeyPair":
    case "CreateKeyPair": {
      const name = s(req.keyName);
      return name
        ? [
            one(e, {
              type: "ec2-key-pair",
              id: name,
              region: e.region,
              removeCommand: `aws ec2 delete-key-pair --region ${q(e.region)} --key-name ${q(name)}`,
            }),
          ]
        : [];
    }
    default:
      return [];
  }
}

/** Everything the key's successful events created, oldest first, each once. */
export function createdResources(events: TrailEvent[]): CreatedResource[] {
  const out: CreatedResource[] = [];
  const seen = new Set<string>();
  for (const e of events) {
    if (e.errorCode) continue; // a denied call created nothing
    for (const r of fromEvent(e)) {
      const k = `${r.type}|${r.region ?? ""}|${r.id}`;
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(r);
    }
  }
  return out;
}
