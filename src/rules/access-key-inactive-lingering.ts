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

const meta: RuleMeta = {
  id: "access-key-inactive-lingering",
  title: "Inactive access keys are deleted, not left taking a key slot",
  severity: "low",
  level: "key",
  cis: { v3: null, v5: null, v7: null },
  securityHub: [],
  risk:
    "An IAM user has two key slots and an inactive key still takes one, so the next rotation fails " +
    "with LimitExceeded; and anyone allowed iam:UpdateAccessKey can bring the old key back to life.",
  remediation:
    "Delete the inactive key: `aws iam delete-access-key --user-name <user> --access-key-id <access-key-id>`; " +
    "`keywarden keys` shows the user's remaining keys.",
  thresholds: ["inactiveLingeringDays"],
  permissions: ["iam:ListUsers", "iam:ListAccessKeys", "iam:GetCredentialReport", "iam:GetAccessKeyLastUsed"],
};

/**
 * FAILs an inactive key that has been idle longer than inactiveLingeringDays. IAM does not record
 * when a key was deactivated, so the clock starts at its last use (or creation if never used):
 * a key deactivated last week after years of use is still soaking, not lingering.
 */
export const accessKeyInactiveLingering: Rule = {
  meta,
  evaluate(inventory, ctx): Finding[] {
    const limit = ctx.thresholds.inactiveLingeringDays;
    const out: Finding[] = [];
    for (const key of inventory.keys) {
      if (key.status !== "Inactive") continue;
      const error = lastUseUnknown(inventory, key);
      if (error !== undefined) {
        out.push(
          unknownInputFinding(meta, keySubject(key), `how long ${keyLabel(key)} has been idle`, error),
        );
        continue;
      }
      const idle = ageInDays(later(key.createdAt, key.lastUsedAt), ctx.now);
      const facts = `created ${isoDate(key.createdAt)}, ${describeLastUse(key)}`;
      if (idle > limit) {
        out.push(
          finding(
            meta,
            keySubject(key),
            "FAIL",
            `Inactive ${keyLabel(key)} (${facts}) has been idle for ${days(idle)}, more than ${days(limit)}, ` +
              `and still takes one of ${key.userName}'s two key slots.`,
            `Delete it: ${code(cmd.delete(key.userName, key.accessKeyId))}; it frees the slot the next ` +
              `\`keywarden rotate\` needs, and \`keywarden keys\` then shows ${key.userName}'s remaining keys.`,
          ),
        );
      } else {
        out.push(
          finding(
            meta,
            keySubject(key),
            "PASS",
            `Inactive ${keyLabel(key)} (${facts}) has been idle for ${days(idle)}, within the ${limit}-day soak before deletion.`,
          ),
        );
      }
    }
    return out;
  },
};
