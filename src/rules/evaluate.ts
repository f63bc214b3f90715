import { maskKeyId } from "../domain/key-id.js";
import { severityRank } from "../domain/severity.js";
import type { CollectionError, Finding, FindingResult, Inventory } from "../domain/types.js";
import { ALL_RULES } from "./registry.js";
import { collectionRemediation } from "./support.js";
import type { Rule, RuleContext } from "./rule.js";

export const COLLECTION_RULE_ID = "collection";

const RESULT_ORDER: Record<FindingResult, number> = { FAIL: 0, ERROR: 1, WARN: 2, PASS: 3 };

/** An inventory part that could not be collected: an ERROR, never a silent PASS. */
export function collectionFinding(e: CollectionError): Finding {
  const scope = [
    `account ${e.accountId}`,
    e.userName === null ? null : `user ${e.userName}`,
    e.accessKeyId === null ? null : `access key ${maskKeyId(e.accessKeyId)}`,
  ]
    .filter((s): s is string => s !== null)
    .join(", ");
  const detail = e.message.trim() === "" ? "" : `: ${e.message.trim()}`;
  return {
    ruleId: COLLECTION_RULE_ID,
    result: "ERROR",
    severity: "high",
    accountId: e.accountId,
    userName: e.userName,
    accessKeyId: e.accessKeyId,
    message: `Could not collect ${e.operation} (${e.permission}) for ${scope}; AWS returned ${e.code}${detail}. Findings that need this data are unknown, not clean.`,
    remediation: collectionRemediation(e),
  };
}

function compareNullable(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** FAIL, ERROR, WARN, PASS; then most severe first; then account, user, key (account/user level first), rule, message. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    RESULT_ORDER[a.result] - RESULT_ORDER[b.result] ||
    severityRank(b.severity) - severityRank(a.severity) ||
    compareNullable(a.accountId, b.accountId) ||
    compareNullable(a.userName, b.userName) ||
    compareNullable(a.accessKeyId, b.accessKeyId) ||
    compareNullable(a.ruleId, b.ruleId) ||
    compareNullable(a.message, b.message)
  );
}

/**
 * Runs every rule over the inventory, adds an ERROR finding (rule "collection") for each part of
 * the inventory that could not be collected, and returns the findings in a stable order.
 */
export function evaluateRules(
  inventory: Inventory,
  ctx: RuleContext,
  rules: readonly Rule[] = ALL_RULES,
): Finding[] {
  const findings = rules.flatMap((rule) => rule.evaluate(inventory, ctx));
  findings.push(...inventory.errors.map(collectionFinding));
  return findings.sort(compareFindings);
}
