import type { KeyBlastRadiusView } from "../domain/audit-report.js";
// The response capability's model. `IncidentReport` is the JSON contract of `keywarden respond`
// (stored as the `incident` record's data, rendered by render.ts, read by the dashboard).

/** What a CloudTrail event made with the key was, for a responder. */
export type EventCategory =
  "iam-persistence" | "compute" | "data" | "network" | "defense-evasion" | "discovery" | "other";

/**
 * One CloudTrail event, normalized from a LookupEvents item or a log file record. Request and
 * response elements are kept (they name what was created) with secret-shaped strings redacted.
 */
export interface TrailEvent {
  eventId: string;
  /** ISO 8601, UTC. */
  eventTime: string;
  eventName: string;
  eventSource: string;
  region: string;
  sourceIPAddress: string | null;
  userAgent: string | null;
  accessKeyId: string | null;
  /** The IAM user (or principal) the key belongs to, as CloudTrail recorded it. */
  userName: string | null;
  readOnly: boolean | null;
  errorCode: string | null;
  /** Resource names (ARNs, ids) the event touched, as far as CloudTrail says. */
  resources: string[];
  requestParameters: Record<string, unknown> | null;
  responseElements: Record<string, unknown> | null;
  /** Where it was read: "lookup" (LookupEvents) or "logs" (the trail's log files). */
  origin: "lookup" | "logs";
  /** The VPC endpoint the call came through, when CloudTrail recorded one (set only then). */
  vpcEndpointId?: string;
}

export interface SuspiciousEvent {
  category: Exclude<EventCategory, "other">;
  eventName: string;
  eventTime: string;
  sourceIPAddress: string | null;
  region: string;
  resources: string[];
  userAgent: string | null;
  errorCode: string | null;
  eventId: string;
}

/**
 * What `--remediate` removes from IAM, deepest first: policies and keys before the users and roles
 * that hold them. The one list both the removal order and the IAM adapter read.
 */
export const IAM_REMOVABLE_TYPES = [
  "iam-access-key",
  "iam-login-profile",
  "iam-user-policy-attachment",
  "iam-role-policy-attachment",
  "iam-group-policy-attachment",
  "iam-user-inline-policy",
  "iam-role-inline-policy",
  "iam-group-inline-policy",
  "iam-group-membership",
  "iam-policy",
  "iam-user",
  "iam-role",
] as const;

/** Something the key created, with the exact command that removes it. */
export interface CreatedResource {
  /** "iam-user", "iam-access-key", "iam-login-profile", "iam-user-policy-attachment", ... */
  type: string;
  /** What it is called: a user name, key id, instance id, "user/policy"... */
  id: string;
  region: string | null;
  eventName: string;
  eventTime: string;
  /** What removal needs beyond the id (the owning user of a key, the group of a rule). */
  params?: Record<string, string>;
  /** The AWS CLI command that removes it (or undoes the change). */
  removeCommand: string;
  /** Set by --remediate: what happened when keywarden removed it. */
  remediation?: { status: "removed" | "failed" | "skipped"; detail: string; at: string };
}

export type ChecklistStatus = "done" | "open" | "skipped";

export interface ChecklistItem {
  id: string;
  title: string;
  status: ChecklistStatus;
  detail: string;
}

/** "Never seen before --since": a value first seen in the incident window. */
export interface NewIndicators {
  sourceIPs: string[];
  userAgents: string[];
  regions: string[];
}

export interface InvestigationStep {
  at: string;
  what: string;
}

export interface Containment {
  deactivated: boolean;
  /** The policy attached to the user: the AWS managed quarantine policy, or keywarden's own. */
  quarantinePolicyArn: string | null;
  /** From the start of `respond` until the key was inactive and the policy attached. */
  secondsToContain: number | null;
  /** What a --dry-run would have done (empty when containment ran). */
  planned: string[];
  /** The key's status before containment ("Active" / "Inactive"). */
  keyStatusBefore: string | null;
  /** "managed" (AWSCompromisedKeyQuarantineV3) or "fallback" (keywarden's own deny policy). */
  quarantineKind: "managed" | "fallback" | null;
  dryRun: boolean;
  containedAt: string | null;
}

export interface IncidentReport {
  schemaVersion: 1;
  /**
   * What the key could do until it was contained (its user's policies, the quarantine left out):
   * absent on incidents stored before keywarden recorded it, null when it could not be read.
   */
  blastRadius?: KeyBlastRadiusView | null;
  incidentId: string;
  accessKeyId: string;
  userName: string;
  accountId: string;
  startedAt: string;
  finishedAt: string;
  /** Start of the suspected compromise (--since); events before it are the baseline. */
  since: string | null;
  containment: Containment;
  /**
   * The key's events, oldest first: all of them, up to 10,000; beyond that every classified event
   * and the newest others (counts, indicators, suspicious and created always cover all of them).
   */
  events: TrailEvent[];
  /** How many events the investigation found in all. */
  eventCount: number;
  /** Unclassified events left out of `events` to keep the stored incident bounded. */
  eventsOmitted: number;
  suspicious: SuspiciousEvent[];
  created: CreatedResource[];
  checklist: ChecklistItem[];
  /** Counts by category (every category present, zero included). */
  categories: Record<EventCategory, number>;
  sourceIPs: string[];
  userAgents: string[];
  regions: string[];
  newSinceBaseline: NewIndicators | null;
  /**
   * Regions LookupEvents was asked, and whether log files were read. `unreadableFiles` and
   * `undatedRecords` are absent from incidents stored before keywarden reported them.
   */
  sources: {
    lookupRegions: string[];
    logFiles: number;
    logPaths: string[];
    lookupFailures: LookupFailure[];
    unreadableFiles?: UnreadableFile[];
    undatedRecords?: UndatedRecord[];
    /** Why the trail bucket (--athena / --engine) could not be read; absent when it was not asked. */
    bucketFailure?: string;
  };
  steps: InvestigationStep[];
}

/** One group of `keywarden trail`: who (IP, agent), where (region), what (event), when. */
export interface TrailGroup {
  sourceIPAddress: string | null;
  userAgent: string | null;
  region: string;
  eventName: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
}

export interface DimensionCount {
  value: string | null;
  count: number;
  firstSeen: string;
  lastSeen: string;
}

export interface TrailSummary {
  schemaVersion: 1;
  accessKeyId: string;
  since: string | null;
  events: number;
  firstSeen: string | null;
  lastSeen: string | null;
  groups: TrailGroup[];
  bySourceIP: DimensionCount[];
  byUserAgent: DimensionCount[];
  byRegion: DimensionCount[];
  byEventName: DimensionCount[];
  sources: {
    lookupRegions: string[];
    logFiles: number;
    lookupFailures: LookupFailure[];
    unreadableFiles: UnreadableFile[];
    undatedRecords: UndatedRecord[];
  };
}

/** A region whose LookupEvents failed: its events are missing from the result. */
export interface LookupFailure {
  region: string;
  error: string;
}

/** A log file keywarden could not read (or some of its lines): its events are missing. */
export interface UnreadableFile {
  file: string;
  /** What is wrong, and where (line and column when the JSON parser says). */
  error: string;
  /** "file": nothing of it was read; "lines": the lines named in `error` were skipped, the rest read. */
  skipped: "file" | "lines";
}

/** A record of the key whose time cannot be read: counted and named, never dated 1970. */
export interface UndatedRecord {
  file: string;
  eventId: string;
  eventName: string;
  /** The time the record gives, as it gives it (null: none). */
  time: string | null;
}
