import type { Finding } from "../domain/types.js";
import type { Rule, RuleMeta } from "./rule.js";
import {
  ageInDays,
  cmd,
  code,
  days,
  describeLastUse,
  finding,
  isoDate,
  keyLabel,
  keySubject,
  lastUseUnknown,
  later,
  unknownInputFinding,
} from "./support.js";

/** Security Hub IAM.8 flags credentials unused for this many days (IAM.22 uses the 45-day CIS threshold). */
const IAM8_DAYS = 90;

const meta: RuleMeta = {
  id: "access-key-unused",
  title: "Active access keys unused for 45 days or more are disabled",
  severity: "medium",
  level: "key",
  cis: { v3: "1.12", v5: "1.11", v7: "2.11" },
  securityHub: ["IAM.22", "IAM.8"],
  risk:
    "A key nobody uses still works for anyone who finds a copy; disabling it removes the risk " +
    "without any cost to its (absent) users.",
  remediation:
    "Deactivate the key: `aws iam update-access-key --user-name <user> --access-key-id <access-key-id> --status Inactive` " +
    "(undo with `--status Active`), then delete it once `keywarden audit` shows nothing broke: " +
    "`aws iam delete-access-key --user-name <user> --access-key-id <access-key-id>`. " +
    "If it is still needed, rotate it instead: `keywarden rotate --user <user> --key <access-key-id> --to <target>`.",
  thresholds: ["unusedDays", "newKeyGraceDays"],
  permissions: [
    "iam:ListAccessKeys",
    "iam:GetAccessKeyLastUsed",
    "iam:GenerateCredentialReport",
    "iam:GetCredentialReport",
  ],
};

/**
 * An active key FAILs when it has not been used for unusedDays or more ("unused for 45 days or
 * greater"). A key never used is idle since its creation (CIS: age counts from the last rotation),
 * so a never-used, never-rotated key cannot slip through. Keys younger than newKeyGraceDays PASS.
 */
export const accessKeyUnused: Rule = {
  meta,
  evaluate(inventory, ctx): Finding[] {
    const { unusedDays, newKeyGraceDays } = ctx.thresholds;
    const out: Finding[] = [];
    for (const key of inventory.keys) {
      if (key.status !== "Active") continue;
      const subject = keySubject(key);
      const age = ageInDays(key.createdAt, ctx.now);
      if (age < newKeyGraceDays) {
        out.push(
          finding(
            meta,
            subject,
            "PASS",
            `Active ${keyLabel(key)} is ${days(age)} old, in its ${newKeyGraceDays}-day grace period for new keys (${describeLastUse(key)}).`,
          ),
        );
        continue;
      }
      const error = lastUseUnknown(inventory, key);
      if (error !== undefined) {
        out.push(unknownInputFinding(meta, subject, `when ${keyLabel(key)} was last used`, error));
        continue;
      }
      const idle = ageInDays(later(key.createdAt, key.lastUsedAt), ctx.now);
      const history =
        key.lastUsedAt === null
          ? `has never been used since it was created ${days(age)} ago (${isoDate(key.createdAt)})`
          : `has not been used for ${days(idle)} (${describeLastUse(key)})`;
      if (idle >= unusedDays) {
        const iam8 = idle >= IAM8_DAYS ? `; at ${IAM8_DAYS}+ days it also fails Security Hub IAM.8` : "";
        out.push(
          finding(
            meta,
            subject,
            "FAIL",
            `Active ${keyLabel(key)} ${history}; credentials unused for ${days(unusedDays)} or more must be disabled${iam8}.`,
            `If nothing needs it, deactivate it: ${code(cmd.deactivate(key.userName, key.accessKeyId))} ` +
              `(undo: ${code(cmd.reactivate(key.userName, key.accessKeyId))}), then delete it once \`keywarden audit\` shows nothing broke: ` +
              `${code(cmd.delete(key.userName, key.accessKeyId))}. If it is still needed, rotate it instead: ` +
              `${code(cmd.rotate(key.userName, key.accessKeyId))}.`,
          ),
        );
      } else {
        out.push(
          finding(
            meta,
            subject,
            "PASS",
            key.lastUsedAt === null
              ? `Active ${keyLabel(key)} ${history}, under the ${unusedDays}-day limit.`
              : `Active ${keyLabel(key)} was used ${days(idle)} ago (${describeLastUse(key)}), under the ${unusedDays}-day limit.`,
          ),
        );
      }
    }
    return out;
  },
};
