// The API's JSON as the page reads it: the CLI's `--format json` contracts (src/domain/audit-report.ts,
// src/report/keys.ts, src/rotation/job-view.ts) and the overview/key views of src/server/views.ts.
// Mirrored here so the browser bundle never pulls in server code.

export type Severity = "critical" | "high" | "medium" | "low" | "info";
export const SEVERITIES: Severity[] = ["critical", "high", "medium", "low", "info"];

export interface Finding {
  ruleId: string;
  result: "FAIL" | "WARN" | "PASS" | "ERROR";
  severity: Severity;
  accountId: string;
  userName: string | null;
  accessKeyId: string | null;
  message: string;
  remediation: string;
}

export interface KeyView {
  accountId: string;
  userName: string;
  accessKeyId: string;
  status: "Active" | "Inactive";
  createdAt: string;
  lastUsedAt: string | null;
  lastUsedService: string | null;
  lastUsedRegion: string | null;
  ageDays: number;
  lastUsedSource?: string;
}

export interface AuditReport {
  schemaVersion: 1;
  generatedAt: string;
  keys: KeyView[];
  findings: Finding[];
}

export interface KeysReport {
  generatedAt: string;
  keys: KeyView[];
}

export interface ActivityItem {
  at: string;
  kind: string;
  text: string;
  ref: string | null;
}

export interface Overview {
  generatedAt: string;
  audit: { generatedAt: string; accounts: number; users: number; keys: number } | null;
  rotationDays: number;
  findingsBySeverity: Record<Severity, number>;
  keyAgeHistogram: { label: string; active: number; inactive: number }[];
  dueSoon: { userName: string; accessKeyId: string; ageDays: number; dueAt: string; daysLeft: number }[];
  overdue: number;
  rotations: { running: number; waiting: number; failed: number };
  recentActivity: ActivityItem[];
}

export interface KeyPage {
  accessKeyId: string;
  key: KeyView | null;
  findings: Finding[];
  timeline: { at: string; kind: string; text: string }[];
  rotations: Job[];
  incidents: { id: string; createdAt: string }[];
}

export interface Job {
  id: string;
  accountId: string;
  userName: string;
  oldAccessKeyId: string;
  newAccessKeyId: string | null;
  step: string;
  state: "running" | "waiting" | "done" | "failed" | "rolled-back";
  nextAt: string | null;
  targets: string[];
  createdAt: string;
  updatedAt: string;
}

export interface JobEvent {
  id: number;
  at: string;
  step: string;
  action: string;
  actor: string;
}

export type JobDetail = Job & { events: JobEvent[] };

export interface Session {
  allowActions: boolean;
  respond: boolean;
}

/** A stored record as the API lists it: its id and time, then the capability's own JSON. */
export type StoredDoc = { id: string; subject: string | null; createdAt: string } & Record<string, unknown>;
