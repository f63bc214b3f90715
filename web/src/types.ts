// The API's JSON as the page reads it: the CLI's `--format json` contracts (src/domain/audit-report.ts,
// src/report/keys.ts, src/rotation/job-view.ts) and the overview/key views of src/server/views.ts.
// Type-only imports of the server's own definitions where they exist (erased from the bundle, so no
// server code reaches the browser); the shapes the server builds untyped are written out here.

import type { AuditKeyView } from "../../src/domain/audit-report.js";
import type { Finding, LastUsedSource } from "../../src/domain/types.js";

// src/domain/types.ts has no I/O and no imports: its one constant is all the bundle takes from it.
export { SEVERITIES, type Finding, type Severity } from "../../src/domain/types.js";
export type { ActivityItem, Overview } from "../../src/server/views.js";
export type { AccountSummary, FindingView, FindingsPage, FixItem } from "../../src/server/findings-view.js";

export type KeyView = AuditKeyView & { lastUsedSource?: LastUsedSource };

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
  /** The step a rolled-back job had reached when the rollback started. */
  rollbackFrom: string | null;
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
