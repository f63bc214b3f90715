import type { Finding } from "../domain/types.js";
import type { Rule, RuleMeta } from "./rule.js";
import { accountSubject, finding, grantRemediation } from "./support.js";

const meta: RuleMeta = {
  id: "root-mfa",
  title: "The root user has MFA, on a hardware device",
  severity: "critical",
  level: "account",
  cis: { v3: "1.5", v5: "1.4", v7: "2.5" },
  securityHub: ["IAM.9", "IAM.6"],
  risk:
    "Without MFA the root password alone opens an account-wide identity that policies cannot limit; " +
    "a virtual MFA lives on a phone or laptop that can be lost or compromised with it (CIS 1.6 / 1.5 asks for hardware).",
  remediation:
    "Sign in to the console as the root user, open Security credentials and assign an MFA device, preferably a " +
    "hardware TOTP token or FIDO security key. Check with `aws iam get-account-summary --query SummaryMap.AccountMFAEnabled` " +
    "and `keywarden audit`.",
  thresholds: [],
  permissions: ["iam:GetAccountSummary", "iam:ListVirtualMFADevices"],
};

/**
 * FAILs when root has no MFA (CIS 1.5 / 1.4, IAM.9); WARNs when it has only a virtual MFA device
 * (CIS 1.6 / 1.5, IAM.6). Unknown facts are ERRORs naming the permission that would reveal them.
 */
export const rootMfa: Rule = {
  meta,
  evaluate(inventory): Finding[] {
    return inventory.accounts.map((account) => {
      const id = account.accountId;
      const subject = accountSubject(id);
      if (account.rootMfaEnabled === null) {
        return finding(
          meta,
          subject,
          "ERROR",
          `Cannot tell whether the root user of account ${id} has MFA: AccountMFAEnabled (iam:GetAccountSummary) ` +
            "could not be read, so this is unknown, not clean.",
          grantRemediation("iam:GetAccountSummary"),
        );
      }
      if (!account.rootMfaEnabled) {
        return finding(
          meta,
          subject,
          "FAIL",
          `The root user of account ${id} has no MFA: its password alone signs in with full control of the account.`,
          `Sign in to the console as the root user of account ${id}, open Security credentials and assign an MFA device ` +
            "(a hardware TOTP token or FIDO security key satisfies CIS 1.6 as well). Check with " +
            "`aws iam get-account-summary --query SummaryMap.AccountMFAEnabled` (expect 1) and `keywarden audit`.",
        );
      }
      if (account.rootHardwareMfa === null) {
        return finding(
          meta,
          subject,
          "ERROR",
          `The root user of account ${id} has MFA, but whether it is a hardware device is unknown: ` +
            "the virtual MFA devices (iam:ListVirtualMFADevices) could not be listed.",
          grantRemediation("iam:ListVirtualMFADevices"),
        );
      }
      if (!account.rootHardwareMfa) {
        return finding(
          meta,
          subject,
          "WARN",
          `The root user of account ${id} has MFA, but on a virtual device; CIS 1.6 (Security Hub IAM.6) asks for a hardware MFA device.`,
          `Sign in as the root user of account ${id}, assign a hardware TOTP token or FIDO security key under Security credentials, ` +
            "then remove the virtual device. `aws iam list-virtual-mfa-devices --assignment-status Assigned` shows the " +
            "root virtual device (serial ending in root-account-mfa-device) until it is gone; confirm with `keywarden audit`.",
        );
      }
      return finding(meta, subject, "PASS", `The root user of account ${id} has MFA on a hardware device.`);
    });
  },
};
