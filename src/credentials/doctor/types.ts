// The `keywarden doctor` report: a stable JSON contract (schemaVersion 1) and the inputs the pure
// diagnosis works from. No I/O here; the files are read and AWS is probed by the caller (run.ts
// with a DoctorProbe from src/aws/doctor-probe.ts).
import type { IniDocument } from "../ini.js";

/** Every diagnosis code, most fundamental first (the order is also the tie-break in diagnose.ts). */
export const DIAGNOSIS_CODES = [
  "OK",
  "CONFIG_INVALID",
  "PROFILE_NOT_FOUND",
  "REGION_INVALID",
  "NO_CREDENTIALS",
  "ENV_OVERRIDES_PROFILE",
  "CLOCK_SKEW",
  "SESSION_EXPIRED",
  "KEY_INACTIVE",
  "KEY_NOT_FOUND",
  "KEY_NOT_VALID",
  "SIGNATURE_MISMATCH",
  "MFA_REQUIRED",
  "ACCESS_DENIED",
  "ENDPOINT_UNREACHABLE",
  "AWS_ERROR",
] as const;
export type DiagnosisCode = (typeof DIAGNOSIS_CODES)[number];

export type CheckStatus = "ok" | "warn" | "fail" | "skip";

export interface DoctorCheck {
  /** Stable id, e.g. "identity", "credentials-file", "permission.iam:CreateAccessKey". */
  readonly id: string;
  readonly status: CheckStatus;
  readonly message: string;
  /** What to do, ideally one command; null when there is nothing to do. */
  readonly fix: string | null;
}

/** Where credentials come from, named the way the AWS CLI documentation names the providers. */
export type SourceKind =
  | "environment"
  | "credentials-file"
  | "config-file"
  | "assume-role"
  | "web-identity"
  | "sso"
  | "credential-process"
  | "container"
  | "instance-metadata"
  | "none";

export interface SourceRef {
  readonly kind: SourceKind;
  /** A profile name, the environment variable, or the container URI variable. */
  readonly name: string;
  /** Masked, when the source holds a static key. */
  readonly accessKeyId: string | null;
}

export interface DoctorReport {
  readonly schemaVersion: 1;
  /** The profile whose settings apply, or null when environment keys (or no profile) are in force. */
  readonly profile: string | null;
  readonly source: {
    readonly kind: SourceKind;
    readonly name: string;
    /** Sources that hold credentials too but lose to the one in force. */
    readonly shadowed: readonly SourceRef[];
  };
  /** The key in use, masked (AKIA************ABCD), or null when unknown. */
  readonly accessKeyId: string | null;
  readonly checks: readonly DoctorCheck[];
  readonly diagnosis: {
    readonly code: DiagnosisCode;
    readonly message: string;
    readonly fix: string | null;
  };
}

// ---------------------------------------------------------------------------------------------
// Inputs

export type Env = Readonly<Record<string, string | undefined>>;

/** A credentials or config file as read from disk. */
export interface FileSnapshot {
  readonly kind: "credentials" | "config";
  readonly path: string;
  readonly state: "missing" | "ok" | "invalid" | "unreadable";
  /** The parsed document when state is "ok". */
  readonly doc: IniDocument | null;
  /** Permission bits (mode & 0o777) when the file exists. */
  readonly mode: number | null;
  /** Why the file could not be read or parsed (names the line; never a value). */
  readonly error: { readonly message: string; readonly line: number | null; readonly fix: string } | null;
}

export interface DoctorOptions {
  /** --profile */
  readonly profile?: string | undefined;
  /** --admin-profile */
  readonly adminProfile?: string | undefined;
  /** --region (already validated as a region name by the CLI). */
  readonly region?: string | undefined;
  /** --endpoint-url (already validated by the CLI). */
  readonly endpointUrl?: string | undefined;
  /** Keys older than this many days are due for rotation (default 90). */
  readonly rotationDays?: number | undefined;
}

/** A check before it is reported: the diagnosis code it stands for, if any. */
export interface Finding extends DoctorCheck {
  readonly code?: DiagnosisCode | undefined;
}
