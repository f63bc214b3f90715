import { access } from "node:fs/promises";
import { resolve } from "node:path";
import type { Thresholds } from "../rules/rule.js";
import { DEFAULT_POLICY_FILE, loadPolicy } from "./load.js";
import { effectiveThresholds, ruleEnabled } from "./model.js";

// What `keywarden rules` shows from a policy file: its thresholds, and each rule's switch and timeline.

export interface RulesPolicyView {
  file: string;
  thresholds: Thresholds;
  ruleView(id: string): { enabled: boolean; timeline: Record<string, unknown> | null };
  describe(id: string): string;
}

/** The named file, else ./keywarden.yaml if it exists, else null. A bad file is an error (exit 2). */
export async function policyForRules(cwd: string, config?: string): Promise<RulesPolicyView | null> {
  const path = resolve(cwd, config ?? DEFAULT_POLICY_FILE);
  if (!config) {
    try {
      await access(path);
    } catch {
      return null;
    }
  }
  const policy = await loadPolicy(path);
  const thresholds = effectiveThresholds(policy);
  const timelineOf = (id: string) => policy.doc.rules?.[id]?.timeline ?? null;
  return {
    file: path,
    thresholds,
    ruleView: (id) => ({ enabled: ruleEnabled(policy.doc, id), timeline: timelineOf(id) }),
    describe(id) {
      if (!ruleEnabled(policy.doc, id)) return " (disabled by the policy)";
      const t = timelineOf(id);
      if (!t) return "";
      const stages = (["warn", "rotate", "deactivate", "delete"] as const)
        .filter((s) => t[s] !== undefined)
        .map((s) => `${s} ${t[s]}`);
      return stages.length ? `; timeline: ${stages.join(", ")}` : "";
    },
  };
}
