import type { AccessKeyRecord, Finding } from "../domain/types.js";
import type { Rule, RuleMeta } from "./rule.js";
import {
  DAY_MS,
  ageInDays,
  cmd,
  code,
  days,
  finding,
  isoDate,
  keyLabel,
  keySubject,
  lastUseUnknown,
  unknownInputFinding,
} from "./support.js";

const meta: RuleMeta = {
  id: "access-key-unused-at-setup",
  title: "No access keys created at initial user setup and never used",
  severity: "low",
  level: "key",
  cis: { v3: "1.11", v5: "1.10", v7: null },
  securityHub: [],
  risk:
    'Keys handed out "just in case" when a user is created multiply long-term credentials nobody ' +
    "needs; an unused key is pure exposure.",
  remediation:
    "Deactivate the key: `aws iam update-access-key --user-name <user> --access-key-id <access-key-id> --status Inactive`, " +
    "then delete it: `aws iam delete-access-key --user-name <user> --access-key-id <access-key-id>`; create keys only " +
    "when needed, and rotate the ones in use with `keywarden rotate --user <user> --key <access-key-id> --to <target>`.",
  thresholds: ["newKeyGraceDays"],
  permissions: ["iam:ListUsers", "iam:ListAccessKeys", "iam:GetAccessKeyLastUsed", "iam:GetCredentialReport"],
};

/** Created within 24 hours of its user (which includes every key created the same UTC day). */
function createdAtSetup(key: AccessKeyRecord): boolean {
  return Math.abs(key.createdAt.getTime() - key.userCreatedAt.getTime()) <= DAY_MS;
}

/**
 * An active key that was created together with its user and has never been used FAILs, once the
 * key is past newKeyGraceDays (a user set up today may simply not have started yet).
 */
export const accessKeyUnusedAtSetup: Rule = {
  meta,
  evaluate(inventory, ctx): Finding[] {
    const grace = ctx.thresholds.newKeyGraceDays;
    const out: Finding[] = [];
    for (const key of inventory.keys) {
      if (key.status !== "Active") continue;
      const subject = keySubject(key);
      const age = ageInDays(key.createdAt, ctx.now);
      const atSetup = createdAtSetup(key);
      if (!atSetup) {
        out.push(
          finding(
            meta,
            subject,
            "PASS",
            `Active ${keyLabel(key)} was created ${isoDate(key.createdAt)}, after the user's setup on ${isoDate(key.userCreatedAt)}.`,
          ),
        );
        continue;
      }
      if (key.lastUsedAt !== null) {
        out.push(
          finding(
            meta,
            subject,
            "PASS",
            `Active ${keyLabel(key)} was created with the user on ${isoDate(key.createdAt)} and has been used (last ${isoDate(key.lastUsedAt)}).`,
          ),
        );
        continue;
      }
      if (age < grace) {
        out.push(
          finding(
            meta,
            subject,
            "PASS",
            `Active ${keyLabel(key)} was created with the user ${days(age)} ago and not used yet; it is in its ${grace}-day grace period for new keys.`,
          ),
        );
        continue;
      }
      const error = lastUseUnknown(inventory, key);
      if (error !== undefined) {
        out.push(unknownInputFinding(meta, subject, `whether ${keyLabel(key)} was ever used`, error));
        continue;
      }
      out.push(
        finding(
          meta,
          subject,
          "FAIL",
          `Active ${keyLabel(key)} was created at the user's initial setup (user ${isoDate(key.userCreatedAt)}, key ${isoDate(key.createdAt)}) ` +
            `and has never been used in ${days(age)}.`,
          `Nobody uses it: deactivate it with ${code(cmd.deactivate(key.userName, key.accessKeyId))}, then delete it with ` +
            `${code(cmd.delete(key.userName, key.accessKeyId))}. Create a key when ${key.userName} actually needs one ` +
            `(\`keywarden keys\` lists what remains).`,
        ),
      );
    }
    return out;
  },
};
