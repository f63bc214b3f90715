import type { Finding, Inventory, Severity } from "../domain/types.js";

/** Thresholds in days. Defaults come from CIS; flags (and later the policy file) override them. */
export interface Thresholds {
  /** access-key-rotation: an active key older than this FAILs (CIS 1.14, IAM.3). */
  rotationDays: number;
  /** access-key-expiring: WARN this many days before rotationDays. */
  expiringWithinDays: number;
  /** access-key-unused: an active key unused this long FAILs (CIS 1.12, IAM.22). */
  unusedDays: number;
  /** access-key-inactive-lingering: an inactive key older than this FAILs. */
  inactiveLingeringDays: number;
  /** A key younger than this is not judged by the unused/setup/two-key rules (someone is mid-rotation). */
  newKeyGraceDays: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = {
  rotationDays: 90,
  expiringWithinDays: 14,
  unusedDays: 45,
  inactiveLingeringDays: 30,
  newKeyGraceDays: 7,
};

export interface RuleContext {
  now: Date;
  thresholds: Thresholds;
}

export type RuleLevel = "key" | "user" | "account";

export interface RuleMeta {
  /** kebab-case, equal to the file name under src/rules/. */
  id: string;
  title: string;
  severity: Severity;
  level: RuleLevel;
  /**
   * CIS AWS Foundations Benchmark control numbers, e.g. { v3: "1.14", v5: "1.13", v7: "2.12" }; null
   * where that version has no such control. v7.0 moved IAM to section 2 and dropped the
   * "no keys at initial setup" and "one active key" recommendations (numbers as Prowler's
   * cis_7.0_aws.json maps CIS v7.0.0).
   */
  cis: { v3: string | null; v5: string | null; v7: string | null };
  /** AWS Security Hub control ids, e.g. ["IAM.3"]. */
  securityHub: string[];
  /** Why it matters, one or two sentences. */
  risk: string;
  /** General remediation with the exact keywarden and AWS CLI commands (placeholders in <angle brackets>). */
  remediation: string;
  /** The thresholds this rule reads, for `keywarden rules`. */
  thresholds: (keyof Thresholds)[];
  /** IAM actions whose data this rule needs; a denied one makes the rule ERROR. */
  permissions: string[];
}

/** A pure check: same inventory and context in, same findings out. Emits PASS too, so output is per key. */
export interface Rule {
  meta: RuleMeta;
  evaluate(inventory: Inventory, ctx: RuleContext): Finding[];
}
