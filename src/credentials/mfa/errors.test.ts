import { describe, expect, it } from "vitest";
import { ExitCode, UsageError } from "../../domain/errors.js";
import { classifyMfaError, MfaError, type MfaCallContext } from "./errors.js";

const CTX: MfaCallContext = {
  operation: "GetSessionToken",
  profile: "dev",
  keySource: "dev-long-term",
  accessKeyId: "AKIAIOSFODNN7EXAMPLE",
  serial: "arn:aws:iam::123456789012:mfa/alice",
  userName: "alice",
  credentialsPath: "/home/alice/.aws/credentials",
  configPath: "/home/alice/.aws/config",
};

function classify(name: string, message: string, ctx: Partial<MfaCallContext> = {}) {
  return classifyMfaError({ name, message }, { ...CTX, ...ctx });
}

describe("classifyMfaError", () => {
  it("a wrong or expired code: exit 3, wait for the next code", () => {
    const e = classify(
      "AccessDenied",
      "MultiFactorAuthentication failed with invalid MFA one time pass code. ",
    );
    expect(e).toBeInstanceOf(MfaError);
    expect(e).toMatchObject({ exitCode: ExitCode.CREDENTIALS, code: "MFA_CODE_REJECTED" });
    expect(e?.message).toContain("rejected the MFA code for arn:aws:iam::123456789012:mfa/alice");
    expect(e?.fix).toMatch(/next code/);
  });

  it("a device that is not the user's: exit 3, check --serial", () => {
    const e = classify(
      "AccessDenied",
      "MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid and associated with this user.",
      { operation: "AssumeRole", roleArn: "arn:aws:iam::123456789012:role/ops" },
    );
    expect(e).toMatchObject({ exitCode: ExitCode.CREDENTIALS, code: "MFA_CODE_REJECTED" });
    expect(e?.message).toContain("not assigned to alice");
    expect(e?.fix).toContain("--serial");
  });

  it("session credentials used as the long-term key: exit 3", () => {
    const e = classify("AccessDenied", "Cannot call GetSessionToken with session credentials");
    expect(e).toMatchObject({ exitCode: ExitCode.CREDENTIALS, code: "LONG_TERM_KEY_IS_SESSION" });
    expect(e?.message).toContain("AKIA************MPLE from [dev-long-term]");
  });

  it("ListMFADevices denied (a policy requiring MFA): exit 4, name the device instead", () => {
    const e = classify(
      "AccessDenied",
      "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: iam:ListMFADevices on resource: user alice with an explicit deny in an identity-based policy",
      { operation: "ListMFADevices", serial: undefined },
    );
    expect(e).toMatchObject({ exitCode: ExitCode.ACCESS_DENIED, code: "ACCESS_DENIED" });
    expect(e?.message).toContain("iam:ListMFADevices");
    expect(e?.fix).toContain("--serial");
    expect(e?.fix).toContain("mfa_serial = ARN in [profile dev] of /home/alice/.aws/config");
  });

  it("GetSessionToken and AssumeRole denied: exit 4 with what to ask for", () => {
    expect(classify("AccessDenied", "not authorized to perform: sts:GetSessionToken")).toMatchObject({
      exitCode: ExitCode.ACCESS_DENIED,
    });
    const role = classify("AccessDenied", "not authorized to perform: sts:AssumeRole", {
      operation: "AssumeRole",
      roleArn: "arn:aws:iam::123456789012:role/ops",
    });
    expect(role?.exitCode).toBe(ExitCode.ACCESS_DENIED);
    expect(role?.message).toContain("may not assume arn:aws:iam::123456789012:role/ops");
    expect(role?.fix).toContain("trust policy");
  });

  it("an unknown key, a wrong secret, an expired token: exit 3, naming the profile to fix", () => {
    const invalid = classify(
      "InvalidClientTokenId",
      "The security token included in the request is invalid.",
    );
    expect(invalid).toMatchObject({ exitCode: ExitCode.CREDENTIALS, code: "LONG_TERM_KEY_NOT_VALID" });
    expect(invalid?.message).toContain("AKIA************MPLE from [dev-long-term]");
    expect(invalid?.fix).toContain("[dev-long-term] of /home/alice/.aws/credentials");
    expect(classify("SignatureDoesNotMatch", "x")).toMatchObject({ code: "SIGNATURE_MISMATCH", exitCode: 3 });
    expect(classify("ExpiredToken", "The security token included in the request is expired")).toMatchObject({
      code: "TOKEN_EXPIRED",
      exitCode: 3,
    });
  });

  it("a role that allows shorter sessions: a usage error (exit 2)", () => {
    const e = classify(
      "ValidationError",
      "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
      { operation: "AssumeRole", roleArn: "arn:aws:iam::123456789012:role/ops" },
    );
    expect(e).toBeInstanceOf(UsageError);
    expect(e?.fix).toContain("--duration 1h");
  });

  it("leaves everything else to the general mapping", () => {
    expect(classify("Throttling", "Rate exceeded")).toBeUndefined();
    expect(classify("InternalFailure", "boom")).toBeUndefined();
    expect(classify("AccessDenied", "nope", { operation: "GetCallerIdentity" })).toBeUndefined();
  });

  it("never puts the key id whole into a message", () => {
    for (const [name, message] of [
      ["InvalidClientTokenId", "x"],
      ["SignatureDoesNotMatch", "x"],
      ["ExpiredToken", "x"],
      ["AccessDenied", "Cannot call GetSessionToken with session credentials"],
    ] as const) {
      const e = classify(name, message);
      expect(`${e?.message} ${e?.fix}`).not.toContain(CTX.accessKeyId);
    }
  });
});
