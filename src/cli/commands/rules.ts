import type { Command } from "@commander-js/extra-typings";
import { DEFAULT_THRESHOLDS, type RuleMeta, type Thresholds } from "../../rules/rule.js";
import { ALL_RULES } from "../../rules/registry.js";
import { parseChoice } from "../errors.js";
import type { CliIO } from "../io.js";

const UNITS: Record<keyof Thresholds, string> = {
  rotationDays: "rotate after {} days",
  expiringWithinDays: "warn {} days before",
  unusedDays: "unused for {} days",
  inactiveLingeringDays: "inactive for {} days",
  newKeyGraceDays: "grace {} days for new keys",
};

function describeThresholds(meta: RuleMeta, t: Thresholds): string {
  return meta.thresholds.map((k) => UNITS[k].replace("{}", String(t[k]))).join("; ") || "-";
}

export function register(program: Command, io: CliIO, exit: (code: number) => void): void {
  program
    .command("rules")
    .description("List the rules with their CIS and Security Hub references and effective thresholds")
    .option(
      "--format <format>",
      "table or json",
      parseChoice("--format", ["table", "json"] as const),
      "table",
    )
    .option(
      "-c, --config <path>",
      "apply this policy file's thresholds (default: ./keywarden.yaml when present)",
    )
    .action(async (flags) => {
      // The policy file, when there is one, sets the thresholds and timelines shown.
      const { policyForRules } = await import("../../policy/rules-view.js");
      const policy = await policyForRules(io.cwd, flags.config);
      const t = policy?.thresholds ?? DEFAULT_THRESHOLDS;
      if (flags.format === "json") {
        const rules = ALL_RULES.map((r) => ({
          ...r.meta,
          effectiveThresholds: Object.fromEntries(r.meta.thresholds.map((k) => [k, t[k]])),
          ...(policy ? policy.ruleView(r.meta.id) : {}),
        }));
        io.stdout.write(
          `${JSON.stringify({ schemaVersion: 1, policyFile: policy?.file ?? null, rules }, null, 2)}\n`,
        );
      } else {
        const rows = [["RULE", "SEVERITY", "CIS v3.0", "SECURITY HUB", "THRESHOLDS"]];
        rows.push(
          ...ALL_RULES.map((r) => [
            r.meta.id,
            r.meta.severity,
            r.meta.cis.v3 ? `CIS ${r.meta.cis.v3}` : "-",
            r.meta.securityHub.join(",") || "-",
            describeThresholds(r.meta, t) + (policy ? policy.describe(r.meta.id) : ""),
          ]),
        );
        if (policy) io.stdout.write(`Thresholds and timelines from ${policy.file}\n`);
        const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => (row[i] ?? "").length)));
        for (const row of rows) {
          io.stdout.write(`${row.map((c, i) => (i < 4 ? c.padEnd(widths[i] ?? 0) : c)).join("  ")}\n`);
        }
      }
      exit(0);
    });
}
