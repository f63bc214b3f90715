import type { ApiCallCounts, Finding, KeyStatus } from "./types.js";

// The `--format json` contract of `keywarden audit`. Additive changes only; bump schemaVersion otherwise.

/** One statement that puts a key in a blast-radius class (see src/access/radius.ts). */
export interface BlastRadiusGrantView {
  class: string;
  policy: string;
  statement: string;
  via: string;
  conditional: boolean;
}

export interface KeyBlastRadiusView {
  classes: string[];
  grants: BlastRadiusGrantView[];
  conditional: boolean;
  /** Policies whose document could not be read: the classes may understate what the key can do. */
  unreadablePolicies: string[];
}

export interface RiskFactorView {
  name: string;
  value: string | number | boolean;
  weight: number;
  points: number;
}

export interface AuditKeyView {
  accountId: string;
  userName: string;
  accessKeyId: string;
  status: KeyStatus;
  createdAt: string;
  lastUsedAt: string | null;
  lastUsedService: string | null;
  lastUsedRegion: string | null;
  ageDays: number;
  /** audit only, when the account's authorization details were read. */
  blastRadius?: KeyBlastRadiusView;
  /** audit only: 0-100, the sum of the factors' points (README: "Risk score"). */
  risk?: { score: number; factors: RiskFactorView[] };
}

export interface AuditAccountView {
  accountId: string;
  users: number;
  keys: number;
  rootAccessKeysPresent: boolean | null;
  rootMfaEnabled: boolean | null;
  credentialReportGeneratedAt: string | null;
}

export interface AuditReport {
  schemaVersion: 1;
  generatedAt: string;
  accounts: AuditAccountView[];
  keys: AuditKeyView[];
  findings: Finding[];
  stats: { apiCalls: ApiCallCounts; durationMs: number };
}
