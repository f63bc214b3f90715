import type { Thresholds } from "./rule.js";

/** Generous upper bound: catches a typo (9000) or a unit mistake (seconds) without limiting real policies. */
const MAX_DAYS = 3650;

/** Fields that may be 0, which turns their behaviour off (no expiry warnings, no grace period). */
const ZERO_ALLOWED: readonly (keyof Thresholds)[] = ["expiringWithinDays", "newKeyGraceDays"];

const FIELDS: readonly (keyof Thresholds)[] = [
  "rotationDays",
  "expiringWithinDays",
  "unusedDays",
  "inactiveLingeringDays",
  "newKeyGraceDays",
];

function show(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (typeof v === "string") return JSON.stringify(v);
  return typeof v;
}

/**
 * Problems with a set of thresholds, one sentence each; empty when they are usable. The CLI turns a
 * non-empty list into a usage error (exit 2). Accepts unknown values so parsed flags and config
 * files can be checked before they are trusted.
 */
export function validateThresholds(t: Partial<Record<keyof Thresholds, unknown>>): string[] {
  const problems: string[] = [];
  for (const field of FIELDS) {
    const v = t[field];
    const min = ZERO_ALLOWED.includes(field) ? 0 : 1;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > MAX_DAYS) {
      problems.push(`${field} must be a whole number of days from ${min} to ${MAX_DAYS} (got ${show(v)}).`);
    }
  }
  if (problems.length > 0) return problems;
  const { rotationDays, expiringWithinDays, unusedDays, newKeyGraceDays } = t as Thresholds;
  if (expiringWithinDays >= rotationDays) {
    problems.push(
      `expiringWithinDays (${expiringWithinDays}) must be less than rotationDays (${rotationDays}), or every key would always be expiring.`,
    );
  }
  if (newKeyGraceDays >= rotationDays) {
    problems.push(
      `newKeyGraceDays (${newKeyGraceDays}) must be less than rotationDays (${rotationDays}): a key cannot be new and due for rotation at once.`,
    );
  }
  if (newKeyGraceDays > unusedDays) {
    problems.push(
      `newKeyGraceDays (${newKeyGraceDays}) must not exceed unusedDays (${unusedDays}), or unused keys would hide inside the grace period.`,
    );
  }
  return problems;
}
