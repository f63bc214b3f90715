import type { Command } from "@commander-js/extra-typings";
import { DEFAULT_THRESHOLDS, type RuleMeta, type Thresholds } from "../../rules/rule.js";
import { ALL_RULES } from "../../rules/registry.js";
import { parseChoice } from "../errors.js";
import { defaultFormat, withOutputFile } from "../common-options.js";
import type { CliIO } from "../io.js";

const FORMATS = ["table", "json"] as const;
type Format = (typeof FORMATS)[number];

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
  const cmd = program
    .command("rules")
    .description(
      "List the rules with their CIS (v3.0, v5.0, v7.0) and Security Hub references and effective thresholds",
    )
    .option(
      "--format <format>",
      "table or json (default: table on a terminal, json otherwise)",
      parseChoice("--format", FORMATS),
    )
    .option(
      "-c, --config <path>",
      "apply this policy file's thresholds (default: ./keywarden.yaml when present)",
    );
  withOutputFile(cmd, "the rules").action(
    async (flags: { format?: Format; config?: string; output?: string }) => {
      const format = flags.format ?? defaultFormat(io, FORMATS, "table", flags.output);
      // The policy file, when there is one, sets the thresholds and timelines shown.
      const { policyForRules } = await import("../../policy/rules-view.js");
      const policy = await policyForRules(io.cwd, flags.config);
      const t = policy?.thresholds ?? DEFAULT_THRESHOLDS;
      if (format === "json") {
        const rules = ALL_RULES.map((r) => ({
          ...r.meta,
          effectiveThresholds: Object.fromEntries(r.meta.thresholds.map((k) => [k, t[k]])),
          ...(policy ? policy.ruleView(r.meta.id) : {}),
        }));
        io.stdout.write(
          `${JSON.stringify({ schemaVersion: 1, policyFile: policy?.file ?? null, rules }, null, 2)}\n`,
        );
      } else {
        // The framework columns of the README's rules table, in its order.
        const ref = (v: string | null) => v ?? "-";
        const rows = [
          ["RULE", "SEVERITY", "LEVEL", "CIS v3.0", "CIS v5.0", "CIS v7.0", "SECURITY HUB", "THRESHOLDS"],
        ];
        rows.push(
          ...ALL_RULES.map((r) => [
            r.meta.id,
            r.meta.severity,
            r.meta.level,
            ref(r.meta.cis.v3),
            ref(r.meta.cis.v5),
            ref(r.meta.cis.v7),
            r.meta.securityHub.join(",") || "-",
            describeThresholds(r.meta, t) + (policy ? policy.describe(r.meta.id) : ""),
          ]),
        );
        if (policy) io.stdout.write(`Thresholds and timelines from ${policy.file}\n`);
        const last = rows[0]?.length ? rows[0].length - 1 : 0;
        const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? "").length))) ?? [];
        for (const row of rows) {
          io.stdout.write(`${row.map((c, i) => (i < last ? c.padEnd(widths[i] ?? 0) : c)).join("  ")}\n`);
        }
      }
      exit(0);
    },
  );
}
