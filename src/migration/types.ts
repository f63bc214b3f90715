import type { KeyBlastRadiusView } from "../domain/audit-report.js";
import type { LookupFailure, UndatedRecord, UnreadableFile } from "../response/types.js";

// The model of `keywarden plan-migration`: what was seen of a key (evidence), which short-lived
// credential should replace it (a replacement kind, with the reasons), and the plan to get there.
// `MigrationPlan` is the JSON contract of the verb; render.ts prints the same model as text.

/** The replacements keywarden plans for: each gives the workload short-lived credentials. */
export const REPLACEMENT_KINDS = [
  "oidc-github",
  "oidc-gitlab",
  "instance-profile",
  "ecs-task",
  "lambda",
  "roles-anywhere",
  "identity-center",
] as const;
export type ReplacementKind = (typeof REPLACEMENT_KINDS)[number];

export const KIND_TITLES: Record<ReplacementKind, string> = {
  "oidc-github": "an IAM role for GitHub Actions, assumed with GitHub's OIDC token",
  "oidc-gitlab": "an IAM role for GitLab CI, assumed with GitLab's OIDC token",
  "instance-profile": "an EC2 instance profile (a role the instance's SDK picks up)",
  "ecs-task": "an ECS task role",
  lambda: "a Lambda execution role",
  "roles-anywhere": "IAM Roles Anywhere (a role assumed with the server's X.509 certificate)",
  "identity-center": "IAM Identity Center (a permission set; people sign in, no keys)",
};

/** One value of a dimension (a source IP, a user agent, a region) with when it was seen. */
export interface SeenValue {
  value: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
}

/** One IAM action the key used, from CloudTrail's eventSource and eventName. */
export interface ObservedAction {
  /** "s3:GetObject": what a policy must allow. */
  action: string;
  /** The CloudTrail events it was read from, e.g. "s3.amazonaws.com ListObjects". */
  events: string[];
  count: number;
  firstSeen: string;
  lastSeen: string;
  /** Resource ARNs seen in the events (empty: CloudTrail named none, the policy says "*"). */
  resources: string[];
  /** false: the mapping from the event to the action is a guess; `note` says why. */
  certain: boolean;
  note?: string;
  /** Calls that AWS refused (AccessDenied and the like): never granted by the plan. */
  denied: number;
}

export interface OwnerFacts {
  userName: string;
  userArn: string;
  accountId: string;
  /** The user has a console password. */
  console: boolean;
  passwordLastUsed: string | null;
  /** The user has an MFA device. */
  mfa: boolean;
  /** The user's other access keys (the one planned for excluded). */
  otherKeys: number;
}

export interface KeyFacts {
  accessKeyId: string;
  status: "Active" | "Inactive";
  createdAt: string | null;
  /** iam:GetAccessKeyLastUsed. */
  lastUsed: { date: string; service: string; region: string } | null;
}

/** What CloudTrail showed of the key (null in the evidence when nothing was read). */
export interface TrailEvidence {
  events: number;
  firstSeen: string | null;
  lastSeen: string | null;
  actions: ObservedAction[];
  sourceIPs: SeenValue[];
  userAgents: SeenValue[];
  regions: SeenValue[];
  /** VPC endpoints the calls came through (CloudTrail's vpcEndpointId). */
  vpcEndpoints: SeenValue[];
  /** Events that are not API calls a role makes (ConsoleLogin, GetSessionToken...): people evidence. */
  consoleLogins: number;
  sources: {
    lookupRegions: string[];
    logFiles: number;
    lookupFailures: LookupFailure[];
    unreadableFiles: UnreadableFile[];
    undatedRecords: UndatedRecord[];
  };
}

export interface KeyEvidence {
  key: KeyFacts;
  owner: OwnerFacts;
  trail: TrailEvidence | null;
}

export type SignalStrength = "strong" | "weak";

/** One fact that points at a replacement kind, in words a person can check. */
export interface Signal {
  kind: ReplacementKind;
  strength: SignalStrength;
  reason: string;
}

export interface Candidate {
  kind: ReplacementKind;
  score: number;
  reasons: string[];
}

export interface Classification {
  /** The replacement chosen, or null when the evidence does not settle it (see `candidates`). */
  kind: ReplacementKind | null;
  confidence: "forced" | "high" | "low" | "none";
  /** Why: the signals that decided, or why nothing was decided. */
  summary: string;
  candidates: Candidate[];
}

export interface PolicyStatementOut {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Principal?: Record<string, string | string[]>;
  Action: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyOut {
  Version: "2012-10-17";
  Statement: PolicyStatementOut[];
}

export interface TrustPlan {
  kind: ReplacementKind;
  /** The role's trust policy; null for identity-center (a permission set has none). */
  trustPolicy: PolicyOut | null;
  /** Values the user must fill in (e.g. "OWNER/REPO"), each with the flag that sets it. */
  placeholders: { value: string; flag: string; what: string }[];
  notes: string[];
}

export interface LeastPrivilege {
  /** null: no action was observed, so there is nothing to grant from evidence (see notes). */
  policy: PolicyOut | null;
  /** Services with their actions, as the policy groups them. */
  services: { service: string; actions: string[]; resources: string[]; wildcard: boolean }[];
  notes: string[];
}

export interface PlanStep {
  title: string;
  commands: string[];
  detail?: string;
}

export interface MigrationPlan {
  schemaVersion: 1;
  generatedAt: string;
  evidence: KeyEvidence;
  replacement: Classification;
  roleName: string;
  trust: TrustPlan | null;
  leastPrivilege: LeastPrivilege;
  /** What the owner can do today, next to what the plan grants (null: it could not be read). */
  /** `planned` is empty when no action was observed (there is no policy to measure yet). */
  blastRadius: { now: KeyBlastRadiusView | null; planned: string[] } | null;
  steps: PlanStep[];
  warnings: string[];
}
