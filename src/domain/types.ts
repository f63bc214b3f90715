// Normalized records that every capability shares. No I/O here.

export type KeyStatus = "Active" | "Inactive";

/** Where a key's last-use data came from: the account-wide report, or a fresh per-key call. */
export type LastUsedSource = "credential-report" | "GetAccessKeyLastUsed";

/** One IAM access key, with the facts about its user that the rules need. */
export interface AccessKeyRecord {
  accountId: string;
  userName: string;
  userArn: string;
  userPath: string;
  userTags: Record<string, string>;
  userCreatedAt: Date;
  accessKeyId: string;
  status: KeyStatus;
  createdAt: Date;
  lastUsedAt: Date | null;
  lastUsedService: string | null;
  lastUsedRegion: string | null;
  lastUsedSource: LastUsedSource;
  passwordEnabled: boolean;
  passwordLastUsedAt: Date | null;
  mfaActive: boolean;
  /** Serial numbers (ARNs) of the user's MFA devices that could be listed; may be empty while mfaActive. */
  mfaDevices: string[];
}

/** Every IAM user of an account (with or without keys), for user-level rules. */
export interface UserRecord {
  accountId: string;
  userName: string;
  userArn: string;
  userPath: string;
  userTags: Record<string, string>;
  createdAt: Date;
  passwordEnabled: boolean;
  passwordLastUsedAt: Date | null;
  mfaActive: boolean;
  mfaDevices: string[];
  accessKeyIds: string[];
}

/** A root access key slot as the credential report describes it (the report never names root key ids). */
export interface RootKeySlot {
  slot: 1 | 2;
  active: boolean;
  lastRotatedAt: Date | null;
  lastUsedAt: Date | null;
}

/** Account-level facts. `null` means "could not be collected"; rules turn that into ERROR, never PASS. */
export interface AccountFacts {
  accountId: string;
  rootAccessKeysPresent: boolean | null;
  rootMfaEnabled: boolean | null;
  /** true when root MFA is on and no virtual device is assigned to root (so it is hardware or passkey). */
  rootHardwareMfa: boolean | null;
  rootKeys: RootKeySlot[];
  credentialReportGeneratedAt: Date | null;
}

/** A part of the inventory that could not be collected, with the permission that would fix it. */
export interface CollectionError {
  accountId: string;
  userName: string | null;
  accessKeyId: string | null;
  /** The AWS operation that failed, e.g. "ListAccessKeys". */
  operation: string;
  /** The IAM action that would allow it, e.g. "iam:ListAccessKeys". */
  permission: string;
  /** Stable error code, e.g. "AccessDenied", "Throttling". */
  code: string;
  message: string;
}

/** A policy that reaches a user, as IAM stores it; src/access evaluates it. */
export interface UserPolicyRecord {
  name: string;
  source: "user-inline" | "user-managed" | "group-inline" | "group-managed" | "boundary";
  /** Managed policies: the ARN. */
  arn: string | null;
  /** Group policies: the group it comes through. */
  group: string | null;
  /** IAM's policy JSON; null when the account's details did not carry the managed policy's document. */
  document: string | null;
}

/** What decides a user's access, from the same GetAccountAuthorizationDetails the inventory reads. */
export interface UserAuthorization {
  accountId: string;
  userName: string;
  userArn: string;
  userPath: string;
  groups: string[];
  /** Identity policies: user inline and managed, group inline and managed. */
  policies: UserPolicyRecord[];
  boundary: UserPolicyRecord | null;
}

export interface Inventory {
  accounts: AccountFacts[];
  users: UserRecord[];
  keys: AccessKeyRecord[];
  errors: CollectionError[];
  /** Per user, when the authorization details could be read (absent: not collected). */
  authorizations?: UserAuthorization[];
}

export type Severity = "critical" | "high" | "medium" | "low" | "info";
export const SEVERITIES: readonly Severity[] = ["critical", "high", "medium", "low", "info"];

export type FindingResult = "FAIL" | "WARN" | "PASS" | "ERROR";

export interface Finding {
  ruleId: string;
  result: FindingResult;
  severity: Severity;
  accountId: string;
  userName: string | null;
  /** null for user- or account-level findings. */
  accessKeyId: string | null;
  message: string;
  remediation: string;
}

/** Per-operation AWS call counts, e.g. { ListAccessKeys: 12 }. */
export type ApiCallCounts = Record<string, number>;
