// What the inventory needs from AWS, in plain types. src/aws implements it; tests can too.
// Methods throw KeywardenError subclasses (AccessDeniedError, AwsFailureError, CredentialsError).

export interface CallerIdentity {
  account: string;
  arn: string;
  userId: string;
}

export type ReportState = "STARTED" | "INPROGRESS" | "COMPLETE";

export interface CredentialReport {
  csv: string;
  generatedAt: Date;
}

/** An inline policy, or a managed policy attached by ARN, as the authorization details list them. */
export interface InlinePolicy {
  name: string;
  /** IAM's policy JSON (URL-decoded or not; src/access reads both). */
  document: string;
}

export interface IamUserDetails {
  userName: string;
  userId: string;
  arn: string;
  path: string;
  createdAt: Date;
  tags: Record<string, string>;
  groups: string[];
  inlinePolicies: InlinePolicy[];
  attachedPolicyArns: string[];
  boundaryArn: string | null;
}

export interface IamGroupDetails {
  groupName: string;
  inlinePolicies: InlinePolicy[];
  attachedPolicyArns: string[];
}

/** A managed policy (customer or AWS managed) with its default version's document. */
export interface IamManagedPolicy {
  arn: string;
  name: string;
  document: string | null;
}

/** One GetAccountAuthorizationDetails listing: users, groups and the managed policies they use. */
export interface AuthorizationDetails {
  users: IamUserDetails[];
  groups: IamGroupDetails[];
  policies: IamManagedPolicy[];
}

export interface ListedAccessKey {
  userName: string;
  accessKeyId: string;
  status: "Active" | "Inactive";
  createdAt: Date;
}

export interface KeyLastUsed {
  at: Date | null;
  service: string | null;
  region: string | null;
}

export interface VirtualMfaDevice {
  serialNumber: string;
  /** ARN of the user (or `arn:aws:iam::<acct>:root`) it is assigned to. */
  userArn: string | null;
}

/** The credential report is still being generated; poll again. */
export class ReportNotReadyError extends Error {
  constructor(readonly code: "ReportInProgress" | "ReportNotPresent" | "ReportExpired") {
    super(`credential report not ready: ${code}`);
  }
}

export interface IamInventoryPort {
  getCallerIdentity(): Promise<CallerIdentity>;
  generateCredentialReport(): Promise<ReportState>;
  /** Throws ReportNotReadyError while generation runs or when the report must be regenerated. */
  getCredentialReport(): Promise<CredentialReport>;
  /**
   * Every user with tags, groups and policies, every group, and the managed policies (customer and
   * AWS managed, as the account returns them), in one paginated GetAccountAuthorizationDetails.
   */
  getAuthorizationDetails(): Promise<AuthorizationDetails>;
  listAccessKeys(userName: string): Promise<ListedAccessKey[]>;
  getAccessKeyLastUsed(accessKeyId: string): Promise<KeyLastUsed>;
  getAccountSummary(): Promise<Record<string, number>>;
  listVirtualMfaDevices(): Promise<VirtualMfaDevice[]>;
}

/** Every IAM action the inventory may call, for `keywarden permissions`. */
export const INVENTORY_PERMISSIONS = [
  "iam:GenerateCredentialReport",
  "iam:GetCredentialReport",
  "iam:GetAccountAuthorizationDetails",
  "iam:ListAccessKeys",
  "iam:GetAccessKeyLastUsed",
  "iam:GetAccountSummary",
  "iam:ListVirtualMFADevices",
] as const;
