import type { AuditReport } from "../domain/audit-report.js";
import type { LastUsedSource } from "../domain/types.js";
import type { RotationJob, Store } from "../store/types.js";

// What the app needs from the outside, handed in by `keywarden serve` (or a test).

export interface AuditRun {
  report: AuditReport;
  lastUsedSources: Record<string, LastUsedSource>;
}

/** Starts a rotation the way `keywarden rotate --user` does. */
export interface StartRotationInput {
  userName: string;
  accessKeyId: string | null;
  /** Target specs as `--to` takes them, e.g. "secretsmanager:ci/aws"; stdout is refused. */
  to: string[];
  /** Durations as `--observe` / `--soak` take them ("0", "7d"). */
  observe: string;
  soak: string;
}

/**
 * The rotation engine behind the API. `start` creates, delivers and verifies the new key and stops
 * before anything destructive; `advance` runs every due step, deactivation and deletion included
 * (the page asked for confirmation); `rollback` restores the old key.
 */
export interface RotationController {
  start(input: StartRotationInput): Promise<RotationJob>;
  advance(id: string): Promise<RotationJob>;
  rollback(id: string): Promise<RotationJob>;
}

/**
 * `keywarden respond KEY --yes` from the page: contain, investigate, store the incident. `since` is
 * an ISO time or a span (36h, 7d); `regions` limits LookupEvents (default: every enabled region).
 */
export type RespondRunner = (input: {
  accessKeyId: string;
  since: string | null;
  regions: string[] | null;
}) => Promise<{ incidentId: string }>;

export interface ServerDeps {
  store: Store;
  now: () => Date;
  runAudit: () => Promise<AuditRun>;
  rotations: RotationController;
  respond?: RespondRunner;
  /** SHA-256 (hex) of the access token. */
  tokenHash: string;
  allowActions: boolean;
  /** Rotation age the overview counts due dates from (the audit's --rotation-days). */
  rotationDays?: number;
  /** Built dashboard (index.html + assets); the API works without it. */
  dashboardDir?: string | null;
}
