import { describe, expect, it } from "vitest";
import { consoleUserMfa as rule } from "./console-user-mfa.js";
import { aCollectionError, aContext, aKey, anInventory, aUser, daysAgo, single } from "./test-builders.js";

describe("console-user-mfa", () => {
  it("fails a console user without MFA, with exact commands for that user", () => {
    const inv = anInventory({
      users: [
        aUser({ userName: "ivan", passwordEnabled: true, passwordLastUsedAt: daysAgo(2), mfaActive: false }),
      ],
    });
    const f = single(rule.evaluate(inv, aContext()));
    expect(f).toMatchObject({ result: "FAIL", severity: "high", userName: "ivan", accessKeyId: null });
    expect(f.message).toContain("password last used 2025-06-13");
    expect(f.remediation).toContain(
      "aws iam enable-mfa-device --user-name ivan --serial-number arn:aws:iam::111122223333:mfa/ivan",
    );
    expect(f.remediation).toContain("aws iam delete-login-profile --user-name ivan");
    expect(f.remediation).toContain("keywarden audit");
  });

  it("passes a console user with MFA", () => {
    const inv = anInventory({ users: [aUser({ passwordEnabled: true, mfaActive: true })] });
    const f = single(rule.evaluate(inv, aContext()));
    expect(f.result).toBe("PASS");
    expect(f.message).toContain("password never used");
  });

  it("has no finding for users without a console password", () => {
    expect(rule.evaluate(anInventory({ users: [aUser({ passwordEnabled: false })] }), aContext())).toEqual(
      [],
    );
  });

  it("uses the key's user facts when the users list lacks the owner", () => {
    const inv = anInventory({ users: [], keys: [aKey({ userName: "judy", passwordEnabled: true })] });
    expect(single(rule.evaluate(inv, aContext()))).toMatchObject({ userName: "judy", result: "FAIL" });
  });

  it("uses the user's partition in the MFA serial", () => {
    const inv = anInventory({
      users: [
        aUser({
          userName: "kim",
          accountId: "444455556666",
          userArn: "arn:aws-us-gov:iam::444455556666:user/kim",
          passwordEnabled: true,
        }),
      ],
    });
    expect(single(rule.evaluate(inv, aContext())).remediation).toContain(
      "--serial-number arn:aws-us-gov:iam::444455556666:mfa/kim",
    );
  });

  it("is an ERROR when the user's MFA devices could not be listed", () => {
    const inv = anInventory({
      users: [aUser({ userName: "lee", passwordEnabled: true })],
      errors: [
        aCollectionError({ userName: "lee", operation: "ListMFADevices", permission: "iam:ListMFADevices" }),
      ],
    });
    const f = single(rule.evaluate(inv, aContext()));
    expect(f.result).toBe("ERROR");
    expect(f.remediation).toContain("Grant iam:ListMFADevices");
  });

  it("is an ERROR when it could not tell whether the user has a password", () => {
    const inv = anInventory({
      users: [aUser({ userName: "max", passwordEnabled: false })],
      errors: [
        aCollectionError({
          userName: "max",
          operation: "GetLoginProfile",
          permission: "iam:GetLoginProfile",
        }),
      ],
    });
    expect(single(rule.evaluate(inv, aContext())).result).toBe("ERROR");
  });
});
