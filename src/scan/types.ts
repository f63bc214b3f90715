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
  /**
   * The whole key id: the id found, or for a secret or token the id it belongs to. Whole, as
   * the user needs it to act (`keywarden respond ID`); tables and markdown mask it (--show-ids).
   */
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
  /**
   * Secrets and tokens: "sure" when accessKeyId is the only nearest id in the same line, INI
   * section or object; "unsure" when it is only the nearest (or the nearest id is in another
   * structure, and accessKeyId is null); null when no key id is near.
   */
  pairing: "sure" | "unsure" | null;
  /** Key ids: found together with their secret (the line of it), a working credential pair. */
  pairedSecretLine: number | null;
}

/** A finding an allow marker, .keywardenignore or the baseline accepted (--show-suppressed). */
export interface SuppressedFinding extends ScanFinding {
  /** The marker ("keywarden:allow", "gitleaks:allow"...), ".keywardenignore" or "baseline". */
  suppressedBy: string;
}

export interface ScanStats {
  files: number;
  bytes: number;
  blobs: number;
  durationMs: number;
  skipped: { binary: number; large: number; symlinks: number };
  /** Findings accepted by an allow marker, .keywardenignore or the baseline: counted, not reported. */
  suppressed: number;
  /** Archives opened (zip, tar, gzip...), nested ones included; their members count in files. */
  archives: number;
}

export interface ScanReport {
  schemaVersion: 1;
  mode: "tree" | "history" | "staged";
  findings: ScanFinding[];
  stats: ScanStats;
  /** Why the owner join did not happen, when it did not (no credentials, access denied...). */
  joinNote?: string;
  /** What could not be read whole (an archive over a limit, a corrupt one): the scan went on. */
  warnings?: string[];
  /** With --show-suppressed: the accepted findings and what accepted each. */
  suppressed?: SuppressedFinding[];
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
  pairing?: "sure" | "unsure" | null;
  /** No key id of its own: the nearest one, across a section or object boundary. */
  near?: { id: string; line: number } | null;
  /** Key ids: the line of the secret found with this id. */
  pairedLine?: number;
  /** The allow marker on (or above) the line, when one accepts it. */
  allowedBy?: string;
}
