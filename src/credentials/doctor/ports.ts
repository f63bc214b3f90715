// What `keywarden doctor` asks of AWS, as data. src/aws/doctor-probe.ts implements it with the SDK;
// unit tests implement it with plain objects. Every call returns an Outcome instead of throwing, so
// the diagnosis sees each failure with its AWS error code.

/** The IAM/STS actions doctor calls (sts:GetCallerIdentity needs no permission and is not listed). */
export const DOCTOR_PERMISSIONS = [
  "iam:GetAccessKeyLastUsed",
  "iam:ListAccessKeys",
  "iam:SimulatePrincipalPolicy",
  "iam:GetUser",
  "iam:ListAttachedUserPolicies",
  "iam:ListUserPolicies",
  "iam:GetUserPolicy",
  "iam:ListGroupsForUser",
  "iam:ListAttachedGroupPolicies",
  "iam:ListGroupPolicies",
  "iam:GetGroupPolicy",
  "iam:GetPolicy",
  "iam:GetPolicyVersion",
  "sts:GetAccessKeyInfo",
] as const;

export interface ProbeError {
  /** keywarden's classification (src/aws/errors.ts): KEY_NOT_VALID, SIGNATURE_MISMATCH, CLOCK_SKEW, ... */
  readonly code: string;
  /** AWS's error code (e.g. InvalidClientTokenId), the network code (ECONNREFUSED), or the SDK error name. */
  readonly awsCode: string;
  /** AWS's own message, first line only; never a secret. */
  readonly message: string;
  readonly httpStatus: number | null;
  /** The IAM action the call needed, e.g. "iam:ListAccessKeys". */
  readonly permission: string;
}

export type Outcome<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ProbeError };

export interface Identity {
  readonly account: string;
  readonly arn: string;
  readonly userId: string;
}

/** The server's Date header and the local time when the response arrived, both epoch ms. */
export interface ClockSample {
  readonly serverMs: number;
  readonly localMs: number;
}

export interface LiveResult {
  /** The access key id the chain resolved to (raw; the report masks it), or null when resolution failed. */
  readonly accessKeyId: string | null;
  /** The resolved credentials carry a session token (temporary credentials). */
  readonly temporary: boolean;
  /** sts:GetCallerIdentity with the resolved credentials (a failure to resolve them is reported here too). */
  readonly identity: Outcome<Identity>;
  /** The last response that carried a Date header (error responses included), or null. */
  readonly clock: ClockSample | null;
}

export interface KeyMeta {
  readonly accessKeyId: string;
  readonly status: string;
  readonly createDate: Date | null;
}

export interface LastUse {
  readonly date: Date | null;
  readonly service: string | null;
  readonly region: string | null;
}

export type SimDecision = "allowed" | "explicitDeny" | "implicitDeny" | "unknown";

/** One identity (or boundary) policy document of a user, as IAM returns it (JSON text). */
export interface PolicySource {
  /** e.g. "managed policy arn:aws:iam::aws:policy/ReadOnlyAccess", "inline policy x of group dev". */
  readonly name: string;
  readonly boundary: boolean;
  readonly document: string;
}

/** IAM reads made with the administrator's credentials (--admin-profile), never the key under test. */
export interface AdminProbe {
  readonly identity: Outcome<Identity>;
  /** iam:GetAccessKeyLastUsed: the owner of any key of the account, and its last use. */
  keyOwner(accessKeyId: string): Promise<Outcome<{ userName: string; lastUse: LastUse }>>;
  /** iam:ListAccessKeys for the user. */
  listKeys(userName: string): Promise<Outcome<KeyMeta[]>>;
  /** sts:GetAccessKeyInfo: the account a key id belongs to (works for deleted keys too). */
  keyAccount(accessKeyId: string): Promise<Outcome<string>>;
  /** iam:SimulatePrincipalPolicy for the actions on the resource, with or without MFA in the context. */
  simulate(
    principalArn: string,
    actions: readonly string[],
    resource: string,
    withMfa: boolean,
  ): Promise<Outcome<{ action: string; decision: SimDecision }[]>>;
  /** The user's identity policies (inline, attached, groups) and permissions boundary. */
  userPolicies(userName: string): Promise<Outcome<PolicySource[]>>;
}

export interface LiveTarget {
  /** The profile to resolve, or null for the environment/default chain. */
  readonly profile: string | null;
  readonly region: string;
  readonly endpointUrl: string | undefined;
}

export interface DoctorProbe {
  /** Resolves credentials as the SDK does for the target and calls sts:GetCallerIdentity with them. */
  live(target: LiveTarget): Promise<LiveResult>;
  /** Opens the administrator session and reads its identity. */
  admin(profile: string, region: string, endpointUrl: string | undefined): Promise<AdminProbe>;
}
