// What a rotation needs from AWS and from each place the new secret goes, in plain types.
// src/aws implements the AWS parts; src/rotation/targets implements local files and stdout.

export interface NewAccessKey {
  accessKeyId: string;
  /** Lives in memory only, from CreateAccessKey to the targets. Never stored, logged or printed. */
  secretAccessKey: string;
  createdAt: Date;
}

export interface KeyCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface RotationKey {
  accessKeyId: string;
  status: "Active" | "Inactive";
  createdAt: Date;
}

export interface KeyLastUse {
  at: Date | null;
  service: string | null;
  region: string | null;
}

export interface IamRotationPort {
  listAccessKeys(userName: string): Promise<RotationKey[]>;
  createAccessKey(userName: string): Promise<NewAccessKey>;
  updateAccessKey(userName: string, accessKeyId: string, status: "Active" | "Inactive"): Promise<void>;
  deleteAccessKey(userName: string, accessKeyId: string): Promise<void>;
  getAccessKeyLastUsed(accessKeyId: string): Promise<KeyLastUse>;
  /** sts:GetCallerIdentity signed with the given key: proves the key authenticates. */
  whoAmIWith(credentials: KeyCredentials): Promise<{ account: string; arn: string }>;
  /** The user's tags: the lock every store and laptop sees lives in one (see user-lock.ts). */
  listUserTags(userName: string): Promise<Record<string, string>>;
  tagUser(userName: string, key: string, value: string): Promise<void>;
  untagUser(userName: string, key: string): Promise<void>;
  /**
   * IAM's policy simulator for the caller: each action's decision ("allowed", "implicitDeny",
   * "explicitDeny"), or null where simulation is not possible (not allowed, not an IAM user).
   */
  simulate(
    principalArn: string,
    actions: readonly string[],
    context?: Record<string, string>,
  ): Promise<Record<string, string> | null>;
}

/** A place the new secret is delivered to. Backups hold references (paths, version ids), never secrets. */
export interface Target {
  /** As the user wrote it: `profile:dev`, `ssm:/ci/key`, ... */
  readonly spec: string;
  /** One line per change it would make, for --dry-run and the plan. */
  describe(newAccessKeyId: string | null): string[];
  /**
   * Proves, before any key exists, that the target can take a key: it parses, can be written and
   * reads back what would be written (without writing). Throws an error naming the fix.
   */
  preflight(): Promise<void>;
  /**
   * Remembers what restore needs (only the values that will change, never a whole file); returns a
   * non-secret reference. A local target's values go to a 0600 file under the job's backup folder.
   */
  backup(): Promise<Record<string, unknown>>;
  deliver(key: KeyCredentials): Promise<void>;
  /** The access key id the target holds now, or null when it cannot be read back (stdout). */
  readBackKeyId(): Promise<string | null>;
  /** The full credentials the target holds, to verify after a crash; null when unreadable. */
  readBackCredentials(): Promise<KeyCredentials | null>;
  /**
   * Puts the target back as backup() saw it, including "did not exist", but only while it still
   * holds `ourKeyId` (the key this job delivered): a value somebody else put there since is theirs
   * and stays. Returns what it did, in one line.
   */
  restore(backup: Record<string, unknown>, ourKeyId: string | null): Promise<string>;
  /** Forgets the backup once the job has ended (removes the local file, recorded or not). */
  discard(backup: Record<string, unknown>): Promise<void>;
}

export type { TargetKind, TargetSpec } from "../store/types.js";

/** The IAM actions a rotation calls, for `keywarden permissions rotate`. */
export const ROTATION_PERMISSIONS = [
  "iam:ListAccessKeys",
  "iam:CreateAccessKey",
  "iam:UpdateAccessKey",
  "iam:DeleteAccessKey",
  "iam:GetAccessKeyLastUsed",
  "iam:ListUserTags",
  "iam:TagUser",
  "iam:UntagUser",
] as const;

/** Extra actions for AWS targets. */
export const TARGET_PERMISSIONS = {
  secretsmanager: [
    "secretsmanager:GetSecretValue",
    "secretsmanager:PutSecretValue",
    "secretsmanager:CreateSecret",
  ],
  ssm: ["ssm:GetParameter", "ssm:PutParameter", "ssm:GetParameterHistory"],
} as const;
