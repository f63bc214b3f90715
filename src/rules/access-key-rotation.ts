import type { Finding } from "../domain/types.js";
import type { Rule, RuleMeta } from "./rule.js";
import { addDays, ageInDays, cmd, code, days, finding, isoDate, keyLabel, keySubject } from "./support.js";

const meta: RuleMeta = {
  id: "access-key-rotation",
  title: "Active access keys are rotated within the rotation period (CIS: 90 days)",
  severity: "medium",
  level: "key",
  cis: { v3: "1.14", v5: "1.13", v7: "2.12" },
  securityHub: ["IAM.3"],
  risk:
    "The older a key, the more places it has been copied to (laptops, CI variables, images, chat) " +
    "and the longer a leaked copy stays useful to whoever holds it.",
  remediation:
    "Rotate the key without breaking its users: `keywarden rotate --user <user> --key <access-key-id> --to <target>` " +
    "(your own key: `keywarden rotate --profile <profile>`). By hand: `aws iam create-access-key --user-name <user>`, " +
    "move every consumer to the new key, then `aws iam update-access-key --user-name <user> --access-key-id <access-key-id> --status Inactive` " +
    "and later `aws iam delete-access-key --user-name <user> --access-key-id <access-key-id>`.",
  thresholds: ["rotationDays"],
  permissions: ["iam:ListUsers", "iam:ListAccessKeys"],
};

/**
 * An active key FAILs when it is older than rotationDays ("rotated every 90 days or less": a key
 * exactly 90 days old still passes). Inactive keys are not judged here (access-key-inactive-lingering is).
 */
export const accessKeyRotation: Rule = {
  meta,
  evaluate(inventory, ctx): Finding[] {
    const limit = ctx.thresholds.rotationDays;
    const out: Finding[] = [];
    for (const key of inventory.keys) {
      if (key.status !== "Active") continue;
      const age = ageInDays(key.createdAt, ctx.now);
      const created = isoDate(key.createdAt);
      const due = isoDate(addDays(key.createdAt, limit));
      if (age > limit) {
        out.push(
          finding(
            meta,
            keySubject(key),
            "FAIL",
            `Active ${keyLabel(key)} is ${days(age)} old (created ${created}); ` +
              `keys must be rotated every ${days(limit)} or less (due ${due}, ${days(age - limit)} overdue).`,
            `Rotate it without breaking its users: ${code(cmd.rotate(key.userName, key.accessKeyId))}. ` +
              `By hand: ${code(cmd.createKey(key.userName))}, move every consumer to the new key, then ` +
              `${code(cmd.deactivate(key.userName, key.accessKeyId))} and, once nothing broke, ` +
              `${code(cmd.delete(key.userName, key.accessKeyId))}.`,
          ),
        );
      } else {
        out.push(
          finding(
            meta,
            keySubject(key),
            "PASS",
            `Active ${keyLabel(key)} is ${days(age)} old (created ${created}), within the ${limit}-day rotation period (due ${due}).`,
          ),
        );
      }
    }
    return out;
  },
};
