import { describe, expect, it } from "vitest";
import { rootMfa as rule } from "./root-mfa.js";
import { aContext, anAccount, anInventory, single } from "./test-builders.js";

const judge = (account: ReturnType<typeof anAccount>) =>
  single(rule.evaluate(anInventory({ accounts: [account] }), aContext()));

describe("root-mfa", () => {
  it("passes root with hardware MFA", () => {
    expect(judge(anAccount({ rootMfaEnabled: true, rootHardwareMfa: true }))).toMatchObject({
      result: "PASS",
      severity: "critical",
      userName: null,
      accessKeyId: null,
    });
  });

  it("fails root without MFA", () => {
    const f = judge(anAccount({ rootMfaEnabled: false, rootHardwareMfa: false }));
    expect(f.result).toBe("FAIL");
    expect(f.message).toContain("account 111122223333 has no MFA");
    expect(f.remediation).toContain("aws iam get-account-summary");
    expect(f.remediation).toContain("keywarden audit");
  });

  it("warns when root MFA is a virtual device (CIS 1.6, IAM.6)", () => {
    const f = judge(anAccount({ rootMfaEnabled: true, rootHardwareMfa: false }));
    expect(f.result).toBe("WARN");
    expect(f.severity).toBe("critical");
    expect(f.message).toContain("virtual device");
    expect(f.message).toContain("IAM.6");
  });

  it("is an ERROR naming iam:GetAccountSummary when MFA state is unknown", () => {
    const f = judge(anAccount({ rootMfaEnabled: null, rootHardwareMfa: null }));
    expect(f.result).toBe("ERROR");
    expect(f.remediation).toContain("Grant iam:GetAccountSummary");
  });

  it("is an ERROR naming iam:ListVirtualMFADevices when the device kind is unknown", () => {
    const f = judge(anAccount({ rootMfaEnabled: true, rootHardwareMfa: null }));
    expect(f.result).toBe("ERROR");
    expect(f.remediation).toContain("Grant iam:ListVirtualMFADevices");
  });
});
