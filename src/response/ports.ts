import type { CreatedResource, TrailEvent, UndatedRecord, UnreadableFile } from "./types.js";

// What the response capability needs from the outside world. src/aws/ implements them; tests
// wire them to the emulator (and may wrap them to watch the order of calls).

export const QUARANTINE_POLICY_ARN_SUFFIX = "policy/AWSCompromisedKeyQuarantineV3";

/** AWS's managed quarantine policies, newest first: containment attaches the newest the account has. */
export const AWS_QUARANTINE_POLICIES = [
  "AWSCompromisedKeyQuarantineV4",
  "AWSCompromisedKeyQuarantineV3",
  "AWSCompromisedKeyQuarantineV2",
] as const;

/** What containment attached: an AWS managed policy, or keywarden's own deny policy. */
export interface AttachedQuarantine {
  arn: string;
  kind: "managed" | "fallback";
  /** The newer AWS versions the account does not have (tried first, in order). */
  missing?: string[];
}

export interface KeyOwner {
  userName: string;
  status: "Active" | "Inactive";
}

export interface ResponseIamPort {
  /** The account the caller is signed in to (sts:GetCallerIdentity). */
  callerAccount(): Promise<{ accountId: string; partition: string }>;
  /** The account that owns the key (sts:GetAccessKeyInfo), without signing with that key. */
  keyAccount(accessKeyId: string): Promise<string>;
  /** The IAM user holding the key in the caller's account, or null if no user does. */
  keyOwner(accessKeyId: string): Promise<KeyOwner | null>;
  /**
   * The user name IAM gives for the key (iam:GetAccessKeyLastUsed), or null when IAM names none:
   * containment's one lookup before it deactivates. Without it (or `partition`), containment takes
   * the checked way: caller account, then keyOwner.
   */
  keyUserName?(accessKeyId: string): Promise<string | null>;
  /** The partition of the signed-in account ("aws", "aws-cn", "aws-us-gov"), known without a call. */
  partition?(): string;
  deactivate(userName: string, accessKeyId: string): Promise<void>;
  /**
   * Attaches the newest of AWS_QUARANTINE_POLICIES the account has; when it has none,
   * keywarden's own deny policy (created once, then reused). Returns the attached policy.
   */
  attachQuarantine(
    userName: string,
    account: { accountId: string; partition: string },
  ): Promise<AttachedQuarantine>;
  /** Read-only (a dry run): the ARN of the newest AWS quarantine policy the account has, or null for none. */
  newestQuarantinePolicy?(account: { accountId: string; partition: string }): Promise<string | null>;
}

export interface LookupPort {
  /** The regions enabled for the account (ec2:DescribeRegions), or just the session's region. */
  regions(): Promise<string[]>;
  /** Every event of the key in one region, paced to CloudTrail's 2 requests/s per region. */
  lookup(
    region: string,
    accessKeyId: string,
    window: { start?: Date | undefined; end?: Date | undefined },
  ): Promise<TrailEvent[]>;
}

export interface LogReadResult {
  events: TrailEvent[];
  files: number;
  bytes: number;
  /** Files (or lines) that could not be read and were skipped; everything else was read. */
  unreadableFiles?: UnreadableFile[];
  /** Records of the key whose time could not be read: left out of `events`, named here. */
  undatedRecords?: UndatedRecord[];
}

export interface LogReader {
  /** Events of the key in the log files under `paths` (folders are walked for .json/.json.gz). */
  read(paths: string[], accessKeyId: string, since?: Date | null): Promise<LogReadResult>;
}

/**
 * The trail bucket read through Amazon Athena (or, for a small window, copied and read here):
 * the key's events, as the log files give them. `step` takes lines for the investigation's log.
 */
export interface BucketSource {
  read(accessKeyId: string, step: (line: string) => void): Promise<TrailEvent[]>;
}

export interface RemediationPort {
  /** Removes one created resource; returns what it did, throws if it could not. */
  remove(resource: CreatedResource): Promise<string>;
  /** Types this port knows how to remove. */
  supports(resource: CreatedResource): boolean;
}

/** AWS actions of `keywarden respond` (containment, investigation, and --remediate). */
export const RESPOND_PERMISSIONS: readonly string[] = [
  "sts:GetAccessKeyInfo",
  "iam:GetAccessKeyLastUsed",
  "iam:ListAccessKeys",
  "iam:ListUsers",
  "iam:UpdateAccessKey",
  "iam:AttachUserPolicy",
  "iam:GetPolicy",
  "iam:CreatePolicy",
  // After containment, the user's policies for the blast radius (one paginated listing).
  "iam:GetAccountAuthorizationDetails",
  "ec2:DescribeRegions",
  "cloudtrail:LookupEvents",
];

/** Only with --remediate: removing what the key created. */
export const REMEDIATE_PERMISSIONS: readonly string[] = [
  "iam:DeleteAccessKey",
  "iam:DeleteLoginProfile",
  "iam:DetachUserPolicy",
  "iam:DetachRolePolicy",
  "iam:DetachGroupPolicy",
  "iam:DeleteUserPolicy",
  "iam:DeleteRolePolicy",
  "iam:DeleteGroupPolicy",
  "iam:ListAttachedUserPolicies",
  "iam:ListUserPolicies",
  "iam:ListGroupsForUser",
  "iam:RemoveUserFromGroup",
  "iam:ListAttachedRolePolicies",
  "iam:ListRolePolicies",
  "iam:DeleteUser",
  "iam:DeleteRole",
  "iam:DeletePolicy",
  "ec2:TerminateInstances",
  "ec2:RevokeSecurityGroupIngress",
  "ec2:RevokeSecurityGroupEgress",
];

export const TRAIL_PERMISSIONS: readonly string[] = ["ec2:DescribeRegions", "cloudtrail:LookupEvents"];

/**
 * What `respond --org` / `trail --org` add in the caller's account (the management account or a
 * delegated administrator): the key's account, its membership, the organization role. In the
 * member account the role needs the verb's own actions.
 */
export const ORG_KEY_PERMISSIONS: readonly string[] = [
  "sts:GetAccessKeyInfo",
  "organizations:DescribeAccount",
  "sts:AssumeRole",
];
