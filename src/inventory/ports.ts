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

export interface IamUserDetails {
  userName: string;
  userId: string;
  arn: string;
  path: string;
  createdAt: Date;
  tags: Record<string, string>;
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
  /** Every user with tags (paginated under the hood). */
  listUserDetails(): Promise<IamUserDetails[]>;
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
