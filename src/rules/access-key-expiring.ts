import type { Finding } from "../domain/types.js";
import type { Rule, RuleMeta } from "./rule.js";
import { addDays, ageInDays, cmd, code, days, finding, isoDate, keyLabel, keySubject } from "./support.js";

const meta: RuleMeta = {
  id: "access-key-expiring",
  title: "Active access keys close to their rotation date",
  severity: "low",
  level: "key",
  cis: { v3: "1.14", v5: "1.13", v7: "2.12" },
  securityHub: ["IAM.3"],
  risk:
    "A key that reaches the rotation limit fails the audit (and, with enforcement, gets disabled); " +
    "rotating it ahead of time lets its owner do it calmly instead of during an outage.",
  remediation:
    "Rotate the key before its due date: `keywarden rotate --user <user> --key <access-key-id> --to <target>` " +
    "(your own key: `keywarden rotate --profile <profile>`). By hand: `aws iam create-access-key --user-name <user>`, " +
    "move every consumer, then `aws iam update-access-key --user-name <user> --access-key-id <access-key-id> --status Inactive`.",
  thresholds: ["rotationDays", "expiringWithinDays"],
  permissions: ["iam:ListUsers", "iam:ListAccessKeys"],
};

/**
 * WARNs on active keys whose rotation is due in fewer than expiringWithinDays days: with the
 * defaults, keys 77 to 90 days old (due in 13 days ... due today). Keys already past
 * rotationDays get no finding here: access-key-rotation FAILs them.
 */
export const accessKeyExpiring: Rule = {
  meta,
  evaluate(inventory, ctx): Finding[] {
    const { rotationDays, expiringWithinDays } = ctx.thresholds;
    const out: Finding[] = [];
    for (const key of inventory.keys) {
      if (key.status !== "Active") continue;
      const age = ageInDays(key.createdAt, ctx.now);
      if (age > rotationDays) continue;
      const left = rotationDays - age;
      const due = isoDate(addDays(key.createdAt, rotationDays));
      const when = left === 0 ? `today (${due})` : `in ${days(left)}, on ${due}`;
      if (left < expiringWithinDays) {
        out.push(
          finding(
            meta,
            keySubject(key),
            "WARN",
            `Active ${keyLabel(key)} is ${days(age)} old (created ${isoDate(key.createdAt)}); ` +
              `its ${rotationDays}-day rotation is due ${when}.`,
            `Rotate it before ${due}: ${code(cmd.rotate(key.userName, key.accessKeyId))}. ` +
              `By hand: ${code(cmd.createKey(key.userName))}, move every consumer to the new key, then ` +
              `${code(cmd.deactivate(key.userName, key.accessKeyId))}.`,
          ),
        );
      } else {
        out.push(
          finding(
            meta,
            keySubject(key),
            "PASS",
            `Active ${keyLabel(key)} is ${days(age)} old; its ${rotationDays}-day rotation is due ${when}.`,
          ),
        );
      }
    }
    return out;
  },
};
