import type { Finding } from "../domain/types.js";
import type { Rule, RuleMeta } from "./rule.js";
import {
  allUsers,
  collectionErrorFor,
  finding,
  isoDate,
  keysOf,
  unknownInputFinding,
  userSubject,
} from "./support.js";

const meta: RuleMeta = {
  id: "console-user-mfa",
  title: "IAM users with a console password have MFA",
  severity: "high",
  level: "user",
  cis: { v3: "1.10", v5: "1.9", v7: "2.10" },
  securityHub: ["IAM.5"],
  risk:
    "A console password without MFA falls to phishing, reuse or guessing, and the console session " +
    "can then create access keys of its own.",
  remediation:
    "Have the user assign an MFA device (console: Security credentials > Assign MFA device), or by CLI: " +
    "`aws iam create-virtual-mfa-device --virtual-mfa-device-name <user> --outfile <user>-mfa.png --bootstrap-method QRCodePNG` and " +
    "`aws iam enable-mfa-device --user-name <user> --serial-number arn:aws:iam::<account-id>:mfa/<user> --authentication-code1 <code1> --authentication-code2 <code2>`. " +
    "If the user does not need the console: `aws iam delete-login-profile --user-name <user>`. Confirm with `keywarden audit`.",
  thresholds: [],
  permissions: ["iam:ListUsers", "iam:GetLoginProfile", "iam:ListMFADevices", "iam:GetCredentialReport"],
};

function partitionOf(arn: string): string {
  return arn.split(":")[1] || "aws";
}

/** FAILs users who can sign in to the console without MFA. Users without a console password are out of scope (no finding). */
export const consoleUserMfa: Rule = {
  meta,
  evaluate(inventory): Finding[] {
    const out: Finding[] = [];
    for (const u of allUsers(inventory)) {
      const facts = u.record ?? keysOf(inventory, u.accountId, u.userName)[0];
      if (facts === undefined) continue;
      const subject = userSubject(u);
      if (!facts.passwordEnabled) {
        const error = collectionErrorFor(inventory, subject, ["iam:GetLoginProfile"]);
        if (error !== undefined) {
          out.push(
            unknownInputFinding(meta, subject, `whether user ${u.userName} has a console password`, error),
          );
        }
        continue;
      }
      const password =
        facts.passwordLastUsedAt === null
          ? "password never used"
          : `password last used ${isoDate(facts.passwordLastUsedAt)}`;
      if (facts.mfaActive) {
        out.push(
          finding(meta, subject, "PASS", `User ${u.userName} has a console password (${password}) and MFA.`),
        );
        continue;
      }
      const error = collectionErrorFor(inventory, subject, ["iam:ListMFADevices"]);
      if (error !== undefined) {
        out.push(unknownInputFinding(meta, subject, `whether console user ${u.userName} has MFA`, error));
        continue;
      }
      const serial = `arn:${partitionOf(facts.userArn)}:iam::${u.accountId}:mfa/${u.userName}`;
      out.push(
        finding(
          meta,
          subject,
          "FAIL",
          `User ${u.userName} can sign in to the console with a password alone (${password}): no MFA device is active.`,
          `Have ${u.userName} assign an MFA device (console: Security credentials > Assign MFA device), or by CLI: ` +
            `\`aws iam create-virtual-mfa-device --virtual-mfa-device-name ${u.userName} --outfile ${u.userName}-mfa.png --bootstrap-method QRCodePNG\` then ` +
            `\`aws iam enable-mfa-device --user-name ${u.userName} --serial-number ${serial} --authentication-code1 <code1> --authentication-code2 <code2>\`. ` +
            `If ${u.userName} does not need the console: \`aws iam delete-login-profile --user-name ${u.userName}\`. Confirm with \`keywarden audit\`.`,
        ),
      );
    }
    return out;
  },
};
