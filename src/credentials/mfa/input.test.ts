import { describe, expect, it } from "vitest";
import { ExitCode, UsageError } from "../../domain/errors.js";
import {
  defaultRoleSessionName,
  formatSeconds,
  mfaCode,
  mfaSerial,
  parseDurationSeconds,
  profileNames,
  roleArn,
  roleSessionName,
  sessionDuration,
} from "./input.js";

function usage(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    expect((e as UsageError).exitCode).toBe(ExitCode.USAGE);
    return e as UsageError;
  }
  throw new Error("expected a UsageError");
}

describe("parseDurationSeconds", () => {
  it.each([
    ["12h", 43_200],
    ["15m", 900],
    ["1h30m", 5_400],
    ["36h", 129_600],
    ["45m30s", 2_730],
    ["3600s", 3_600],
    ["3600", 3_600],
    [" 2H ", 7_200],
  ])("%s is %i seconds", (raw, seconds) => {
    expect(parseDurationSeconds(raw)).toBe(seconds);
  });

  it.each(["", "h", "1.5h", "12d", "-1h", "30m1h", "12 h", "abc"])("%j is not a duration", (raw) => {
    expect(parseDurationSeconds(raw)).toBeUndefined();
  });

  it("formats seconds back", () => {
    expect(formatSeconds(43_200)).toBe("12h");
    expect(formatSeconds(5_400)).toBe("1h30m");
    expect(formatSeconds(950)).toBe("15m50s");
    expect(formatSeconds(0)).toBe("0s");
  });
});

describe("sessionDuration", () => {
  it("defaults to 12h for a session token and 1h for a role", () => {
    expect(sessionDuration(undefined, "session-token")).toBe(43_200);
    expect(sessionDuration(undefined, "assume-role")).toBe(3_600);
  });

  it("accepts the limits of GetSessionToken: 900 to 129600 seconds", () => {
    expect(sessionDuration("15m", "session-token")).toBe(900);
    expect(sessionDuration("36h", "session-token")).toBe(129_600);
    expect(sessionDuration("900", "session-token")).toBe(900);
  });

  it.each(["14m", "899", "36h1s", "37h", "0"])("refuses %s for a session token", (raw) => {
    const e = usage(() => sessionDuration(raw, "session-token"));
    expect(e.message).toContain("--duration");
    expect(e.message).toContain("15m to 36h");
    expect(e.message).toContain(`"${raw}"`);
  });

  it("limits a role session to 12h", () => {
    expect(sessionDuration("12h", "assume-role")).toBe(43_200);
    const e = usage(() => sessionDuration("13h", "assume-role"));
    expect(e.message).toContain("15m to 12h");
    expect(e.message).toContain("AssumeRole");
  });

  it("names the expected form for text that is no duration", () => {
    const e = usage(() => sessionDuration("a day", "session-token"));
    expect(e.message).toMatch(/such as 12h/);
    expect(e.fix).toContain("--duration 12h");
  });
});

describe("mfaCode", () => {
  it("accepts six digits, trimmed", () => {
    expect(mfaCode("123456")).toBe("123456");
    expect(mfaCode(" 000123\n")).toBe("000123");
  });

  it.each(["12ab", "12345", "1234567", "", "12 3456", "١٢٣٤٥٦", "12345a"])("refuses %j", (raw) => {
    const e = usage(() => mfaCode(raw));
    expect(e.message).toContain("--code");
    expect(e.message).toContain("6 digits");
  });

  it("never echoes the code back", () => {
    const e = usage(() => mfaCode("98a765"));
    expect(e.message).not.toContain("98a765");
    expect(e.message).toContain("not all digits");
  });

  it("names the prompt, not the flag, for a typed code", () => {
    expect(usage(() => mfaCode("12", "prompt")).message).toMatch(/^the MFA code typed/);
  });
});

describe("serial, role and session name", () => {
  it("accepts device ARNs and hardware serials", () => {
    expect(mfaSerial("arn:aws:iam::123456789012:mfa/alice")).toBe("arn:aws:iam::123456789012:mfa/alice");
    expect(mfaSerial("GAHT12345678")).toBe("GAHT12345678");
    usage(() => mfaSerial("short"));
    usage(() => mfaSerial("arn:aws:iam::123456789012:mfa/al ice"));
  });

  it("accepts role ARNs only", () => {
    expect(roleArn("arn:aws:iam::123456789012:role/ops/admin")).toBe(
      "arn:aws:iam::123456789012:role/ops/admin",
    );
    expect(roleArn("arn:aws-cn:iam::123456789012:role/x")).toBe("arn:aws-cn:iam::123456789012:role/x");
    usage(() => roleArn("arn:aws:iam::123456789012:user/alice"));
    usage(() => roleArn("arn:aws:iam::12345:role/x"));
  });

  it("checks role session names and derives a default from the user", () => {
    expect(roleSessionName("alice-laptop")).toBe("alice-laptop");
    usage(() => roleSessionName("a"));
    usage(() => roleSessionName("has space"));
    usage(() => roleSessionName("x".repeat(65)));
    expect(defaultRoleSessionName("alice")).toBe("keywarden-alice");
    expect(defaultRoleSessionName(undefined)).toBe("keywarden-mfa");
    expect(defaultRoleSessionName("a".repeat(80))).toHaveLength(64);
    expect(() => roleSessionName(defaultRoleSessionName("a".repeat(80)))).not.toThrow();
  });
});

describe("profileNames", () => {
  it("puts the long-term keys in [P-long-term] by default", () => {
    expect(profileNames({ profile: "dev" })).toEqual({ profile: "dev", longTermProfile: "dev-long-term" });
  });

  it("takes a suffix (with or without its dash) or a whole name", () => {
    expect(profileNames({ profile: "dev", longTermSuffix: "keys" }).longTermProfile).toBe("dev-keys");
    expect(profileNames({ profile: "dev", longTermSuffix: "-keys" }).longTermProfile).toBe("dev-keys");
    expect(profileNames({ profile: "dev", longTermProfile: "mine" }).longTermProfile).toBe("mine");
  });

  it("refuses both at once, the same profile twice, and names the files cannot hold", () => {
    usage(() => profileNames({ profile: "dev", longTermProfile: "a", longTermSuffix: "b" }));
    expect(usage(() => profileNames({ profile: "dev", longTermProfile: "dev" })).message).toContain("share");
    usage(() => profileNames({ profile: "de]v" }));
    usage(() => profileNames({ profile: "dev", longTermSuffix: "x y" }));
  });
});
