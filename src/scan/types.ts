// The scan's report model: what every output format renders and what the store keeps.
import type { Severity } from "../domain/types.js";

export type FindingKind = "access-key-id" | "secret-access-key" | "session-token";

/**
 * Active/Inactive: the key is in an account the user's credentials can read. NotFound: the key id
 * decodes to that account but the account has no such key (deleted). Unknown: no lookup possible.
 */
export type ScanKeyStatus = "Active" | "Inactive" | "NotFound" | "Unknown";

export interface ScanOwner {
  userName: string;
  userArn: string;
  lastUsedAt: string | null;
}

export interface ScanFinding {
  kind: FindingKind;
  ruleId: string;
  /** The whole id for key-id findings; masked for secrets and tokens (the id they sit next to). */
  accessKeyId: string | null;
  /** The secret itself, masked to its first 4 characters; never the whole value. */
  match: string;
  accountId: string | null;
  path: string;
  line: number;
  column: number;
  /** History and staged scans: the first commit the secret appeared in. */
  commit: string | null;
  author: string | null;
  date: string | null;
  /** History scans: whether HEAD still contains it; working-tree scans: true. */
  inHead: boolean | null;
  owner: ScanOwner | null;
  keyStatus: ScanKeyStatus;
  severity: Severity;
  /** Stable across moves and re-scans: a hash of the kind and the value, never the value. */
  fingerprint: string;
  advice: string;
}

export interface ScanStats {
  files: number;
  bytes: number;
  blobs: number;
  durationMs: number;
  skipped: { binary: number; large: number; symlinks: number };
  suppressed: number;
}

export interface ScanReport {
  schemaVersion: 1;
  mode: "tree" | "history" | "staged";
  findings: ScanFinding[];
  stats: ScanStats;
  /** Why the owner join did not happen, when it did not (no credentials, access denied...). */
  joinNote?: string;
}

/** A finding before the owner join: what the detector saw, with where. */
export interface Located {
  kind: FindingKind;
  value: string;
  keyId: string | null;
  path: string;
  line: number;
  column: number;
  commit?: string | null;
  author?: string | null;
  date?: string | null;
  inHead?: boolean | null;
}
