import type { Finding, RootKeySlot } from "../domain/types.js";
import type { Rule, RuleMeta } from "./rule.js";
import { accountSubject, finding, grantRemediation, isoDate } from "./support.js";

const meta: RuleMeta = {
  id: "root-access-key",
  title: "The root user has no access keys",
  severity: "critical",
  level: "account",
  cis: { v3: "1.4", v5: "1.3", v7: "2.4" },
  securityHub: ["IAM.4"],
  risk:
    "A root access key can do anything in the account, cannot be limited by IAM policies and is " +
    "rarely watched; a leaked one is a full account takeover.",
  remediation:
    "Sign in to the console as the root user, open Security credentials and delete the access keys " +
    "(with root credentials: `aws iam list-access-keys`, then `aws iam delete-access-key --access-key-id <root-access-key-id>`). " +
    "If a root key may have leaked, contain it first: `keywarden respond <root-access-key-id>`. Check with `keywarden audit`.",
  thresholds: [],
  permissions: ["iam:GetAccountSummary", "iam:GenerateCredentialReport", "iam:GetCredentialReport"],
};

function describeSlot(s: RootKeySlot): string {
  const parts = [
    s.active ? "active" : "inactive",
    s.lastRotatedAt === null ? null : `created ${isoDate(s.lastRotatedAt)}`,
    s.lastUsedAt === null ? "never used" : `last used ${isoDate(s.lastUsedAt)}`,
  ].filter((p): p is string => p !== null);
  return `key ${s.slot} ${parts.join(", ")}`;
}

/** FAILs when the root user has any access key, active or not (an inactive one can be re-activated). */
export const rootAccessKey: Rule = {
  meta,
  evaluate(inventory): Finding[] {
    return inventory.accounts.map((account) => {
      const subject = accountSubject(account.accountId);
      if (account.rootAccessKeysPresent === null) {
        return finding(
          meta,
          subject,
          "ERROR",
          `Cannot tell whether the root user of account ${account.accountId} has access keys: ` +
            "AccountAccessKeysPresent (iam:GetAccountSummary) could not be read, so this is unknown, not clean.",
          grantRemediation("iam:GetAccountSummary"),
        );
      }
      if (!account.rootAccessKeysPresent) {
        return finding(
          meta,
          subject,
          "PASS",
          `The root user of account ${account.accountId} has no access keys.`,
        );
      }
      const slots = [...account.rootKeys].sort((a, b) => a.slot - b.slot);
      const detail = slots.length > 0 ? `: ${slots.map(describeSlot).join("; ")}` : "";
      return finding(
        meta,
        subject,
        "FAIL",
        `The root user of account ${account.accountId} has access keys${detail}.`,
        `Sign in to the console as the root user of account ${account.accountId}, open Security credentials and delete ` +
          "the access keys (with root credentials: `aws iam list-access-keys`, then " +
          "`aws iam delete-access-key --access-key-id <root-access-key-id>`). If a root key may have leaked, " +
          "contain it first with `keywarden respond <root-access-key-id>`; then confirm with `keywarden audit`.",
      );
    });
  },
};
