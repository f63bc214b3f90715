import type { KeyFacts, OwnerFacts } from "./types.js";

// What plan-migration reads from IAM (src/aws/migration.ts implements it). Reads only: the verb
// changes nothing in AWS.

export interface MigrationIamPort {
  /** The account the caller is signed in to, and its partition. */
  callerAccount(): Promise<{ accountId: string; partition: string }>;
  /** The account that owns a key (sts:GetAccessKeyInfo), without signing with that key. */
  keyAccount(accessKeyId: string): Promise<string>;
  /** The key and its owner, or null when no IAM user of the caller's account holds it. */
  keyAndOwner(accessKeyId: string): Promise<{ key: KeyFacts; owner: OwnerFacts } | null>;
  /** The access key ids of a user, or null when there is no such user. */
  userKeys(userName: string): Promise<string[] | null>;
}

/** AWS actions of `keywarden plan-migration` (all reads). */
export const PLAN_MIGRATION_PERMISSIONS: readonly string[] = [
  "sts:GetAccessKeyInfo",
  "iam:GetAccessKeyLastUsed",
  "iam:ListAccessKeys",
  "iam:GetUser",
  "iam:GetLoginProfile",
  "iam:ListMFADevices",
  // The owner's policies, for the blast radius beside the planned policy.
  "iam:GetAccountAuthorizationDetails",
  "ec2:DescribeRegions",
  "cloudtrail:LookupEvents",
];
