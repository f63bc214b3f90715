// What `keywarden mfa` needs from AWS, signed with the long-term key. Implemented over the SDK in
// src/aws/mfa-session.ts; every method throws a typed KeywardenError with one line of advice.

export interface LongTermKeys {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface Identity {
  readonly arn: string;
  readonly account: string;
  /** The IAM user's name; undefined for the root user or a non-user identity. */
  readonly userName: string | undefined;
}

export interface MfaDevice {
  readonly serialNumber: string;
}

export interface TemporaryCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
  /** For a role session: the assumed-role ARN STS reports (arn:aws:sts::...:assumed-role/NAME/SESSION). */
  readonly assumedRoleUserArn?: string | undefined;
}

export interface MfaPort {
  whoAmI(): Promise<Identity>;
  /** The caller's own devices: pass its user name (undefined: the caller, e.g. the root user). */
  listMfaDevices(userName: string | undefined): Promise<MfaDevice[]>;
  getSessionToken(input: {
    serialNumber: string;
    tokenCode: string;
    durationSeconds: number;
  }): Promise<TemporaryCredentials>;
  assumeRole(input: {
    roleArn: string;
    roleSessionName: string;
    serialNumber: string;
    tokenCode: string;
    durationSeconds: number;
  }): Promise<TemporaryCredentials>;
}

/** Facts about the call for error messages (see MfaCallContext). */
export interface MfaPortContext {
  readonly profile: string;
  readonly keySource: string;
  readonly credentialsPath?: string | undefined;
  readonly configPath?: string | undefined;
}

/**
 * The IAM actions `keywarden mfa` uses (sts:GetCallerIdentity needs no permission). Only the
 * caller's own user is touched; sts:AssumeRole only with --role-arn.
 */
export const MFA_PERMISSIONS: readonly string[] = [
  "iam:ListMFADevices",
  "sts:GetSessionToken",
  "sts:AssumeRole",
];
