import type { ApiCallCounts, Finding, KeyStatus } from "./types.js";

// The `--format json` contract of `keywarden audit`. Additive changes only; bump schemaVersion otherwise.

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
