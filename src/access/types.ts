// The IAM policy language as keywarden reads it, and the answers the evaluator gives. No I/O here.

export type Effect = "Allow" | "Deny";

/** One statement as AWS stores it: every list field may also be a single string. */
export interface PolicyStatement {
  Sid?: string;
  Effect: Effect;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, unknown>;
}

export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement | PolicyStatement[];
}

/** Where a policy reaches the principal from; it is what a person needs to find and change it. */
export type PolicySource =
  "user-inline" | "user-managed" | "group-inline" | "group-managed" | "boundary" | "scp";

export interface NamedPolicy {
  /** Inline: the policy name (with its group for group policies); managed: the policy name. */
  name: string;
  source: PolicySource;
  /** Managed policies and SCPs: the ARN (or id) that identifies them. */
  arn?: string;
  /** Group policies: the group they come through. */
  group?: string;
  document: PolicyDocument;
}

/** Everything that decides what one IAM user may do, from the account's authorization details. */
export interface PrincipalPolicies {
  /** Identity policies: their allows are unioned. */
  identity: NamedPolicy[];
  /** The user's permissions boundary: an allow must also be in it. */
  boundary?: NamedPolicy | null;
  /**
   * Service control policies, one list per level of the organization (root, each OU, the account):
   * an allow must be in at least one policy of every level.
   */
  scpLevels?: NamedPolicy[][];
  /** Values of the policy variables keywarden can resolve, for `${aws:username}` in a Resource. */
  variables: Record<string, string>;
}

export interface AccessRequest {
  action: string;
  resource: string;
}

/** A statement, named the way a person finds it: policy (and group) plus Sid, else its position. */
export interface StatementRef {
  policy: string;
  source: PolicySource;
  group?: string;
  /** The Sid, or `#N` (1-based position) when the statement has none. */
  statement: string;
  conditional: boolean;
}

export type Decision = "allow" | "conditional-allow" | "explicit-deny" | "implicit-deny";

export interface Evaluation {
  decision: Decision;
  /** Identity statements that allow the request (unconditional ones when any exist). */
  grants: StatementRef[];
  /** Unconditional denies that decided an explicit-deny. */
  deniedBy: StatementRef[];
  /** Denies under a condition: they do not remove the allow, but may apply at request time. */
  conditionalDenies: StatementRef[];
  /** For an implicit deny: which layer had no allow. */
  missingAllowIn?: "identity" | "boundary" | "scp";
}
