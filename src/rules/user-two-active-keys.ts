import { maskKeyId } from "../domain/key-id.js";
import type { AccessKeyRecord, Finding } from "../domain/types.js";
import type { Rule, RuleMeta } from "./rule.js";
import {
  ageInDays,
  allUsers,
  cmd,
  code,
  collectionErrorFor,
  days,
  describeLastUse,
  finding,
  isoDate,
  keysOf,
  unknownInputFinding,
  userSubject,
} from "./support.js";

const meta: RuleMeta = {
  id: "user-two-active-keys",
  title: "Each IAM user has at most one active access key",
  severity: "medium",
  level: "user",
  cis: { v3: "1.13", v5: "1.12", v7: null },
  securityHub: [],
  risk:
    "Two active keys double the credentials to protect and usually mean a rotation that never " +
    "finished: the old key lives on in places nobody remembers.",
  remediation:
    "See which key is still in use with `keywarden keys`, then deactivate the other: " +
    "`aws iam update-access-key --user-name <user> --access-key-id <access-key-id> --status Inactive`, and delete it " +
    "once nothing broke: `aws iam delete-access-key --user-name <user> --access-key-id <access-key-id>`.",
  thresholds: ["newKeyGraceDays"],
  permissions: ["iam:ListUsers", "iam:ListAccessKeys"],
};

function byCreation(a: AccessKeyRecord, b: AccessKeyRecord): number {
  return a.createdAt.getTime() - b.createdAt.getTime() || a.accessKeyId.localeCompare(b.accessKeyId);
}

/** The key to retire when two are active: the least recently used (never used first), then the older. */
function retireCandidate(keys: AccessKeyRecord[]): AccessKeyRecord | undefined {
  return [...keys].sort((a, b) => {
    const ua = a.lastUsedAt?.getTime() ?? -Infinity;
    const ub = b.lastUsedAt?.getTime() ?? -Infinity;
    return ua !== ub ? ua - ub : byCreation(a, b);
  })[0];
}

function describe(key: AccessKeyRecord): string {
  return `${maskKeyId(key.accessKeyId)} (created ${isoDate(key.createdAt)}, ${describeLastUse(key)})`;
}

/**
 * FAILs a user with two active keys. During a rotation two active keys are normal, so when the
 * newer key is younger than newKeyGraceDays the result is WARN, naming the old key to retire.
 */
export const userTwoActiveKeys: Rule = {
  meta,
  evaluate(inventory, ctx): Finding[] {
    const grace = ctx.thresholds.newKeyGraceDays;
    const out: Finding[] = [];
    for (const user of allUsers(inventory)) {
      const subject = userSubject(user);
      const error = collectionErrorFor(inventory, subject, ["iam:ListAccessKeys"]);
      if (error !== undefined) {
        out.push(
          unknownInputFinding(meta, subject, `how many active access keys user ${user.userName} has`, error),
        );
        continue;
      }
      const active = keysOf(inventory, user.accountId, user.userName)
        .filter((k) => k.status === "Active")
        .sort(byCreation);
      const oldest = active[0];
      const newest = active[active.length - 1];
      if (active.length < 2 || oldest === undefined || newest === undefined) {
        out.push(
          finding(
            meta,
            subject,
            "PASS",
            `User ${user.userName} has ${active.length === 1 ? "1 active access key" : "no active access keys"}.`,
          ),
        );
        continue;
      }
      const list = active.map(describe).join(" and ");
      const newestAge = ageInDays(newest.createdAt, ctx.now);
      if (newestAge < grace) {
        out.push(
          finding(
            meta,
            subject,
            "WARN",
            `User ${user.userName} has ${active.length} active access keys: ${list}. The newer key is ${days(newestAge)} old, ` +
              `within the ${grace}-day grace period, so this looks like a rotation in progress; finish it by retiring ${maskKeyId(oldest.accessKeyId)}.`,
            `When \`keywarden keys\` shows ${oldest.accessKeyId} is no longer used, deactivate it: ` +
              `${code(cmd.deactivate(user.userName, oldest.accessKeyId))}, then delete it: ` +
              `${code(cmd.delete(user.userName, oldest.accessKeyId))}.`,
          ),
        );
        continue;
      }
      const retire = retireCandidate(active) ?? oldest;
      out.push(
        finding(
          meta,
          subject,
          "FAIL",
          `User ${user.userName} has ${active.length} active access keys: ${list}; a user should have one. ` +
            `The least recently used is ${maskKeyId(retire.accessKeyId)}.`,
          `Check with \`keywarden keys\` which key is still in use, then deactivate the other, e.g. ` +
            `${code(cmd.deactivate(user.userName, retire.accessKeyId))}, and delete it once nothing broke: ` +
            `${code(cmd.delete(user.userName, retire.accessKeyId))}.`,
        ),
      );
    }
    return out;
  },
};
