import { describe, expect, it } from "vitest";
import {
  decideReuse,
  formatExpiration,
  formatRemaining,
  MIN_REMAINING_MS,
  parseExpiration,
} from "./session.js";

const NOW = new Date("2026-05-04T12:00:00Z");
const at = (ms: number) => formatExpiration(new Date(NOW.getTime() + ms));
const MIN = 60_000;
const HOUR = 60 * MIN;

function session(extra: Record<string, string> = {}): Record<string, string> {
  return {
    aws_access_key_id: "ASIAIOSFODNN7EXAMPLE",
    aws_secret_access_key: "secret",
    aws_session_token: "token",
    expiration: at(12 * HOUR),
    ...extra,
  };
}

describe("parseExpiration / formatExpiration", () => {
  it("reads ISO 8601 with Z or an offset, and aws-mfa's form (UTC)", () => {
    expect(parseExpiration("2026-05-04T17:00:00Z")?.toISOString()).toBe("2026-05-04T17:00:00.000Z");
    expect(parseExpiration("2026-05-04T17:00:00.123Z")?.toISOString()).toBe("2026-05-04T17:00:00.123Z");
    expect(parseExpiration("2026-05-04T19:00:00+02:00")?.toISOString()).toBe("2026-05-04T17:00:00.000Z");
    expect(parseExpiration("2026-05-04 17:00:00")?.toISOString()).toBe("2026-05-04T17:00:00.000Z");
  });

  it.each([undefined, "", "tomorrow", "2026-05-04", "2026-13-45T99:00:00Z", "1714842000"])(
    "%j is no expiration",
    (raw) => {
      expect(parseExpiration(raw)).toBeUndefined();
    },
  );

  it("writes whole seconds in UTC", () => {
    expect(formatExpiration(new Date("2026-05-04T17:00:00.987Z"))).toBe("2026-05-04T17:00:00Z");
  });

  it("says how long is left", () => {
    expect(formatRemaining(11 * HOUR + 45 * MIN + 59_000)).toBe("11h 45m");
    expect(formatRemaining(4 * MIN)).toBe("4m");
    expect(formatRemaining(30_000)).toBe("less than a minute");
  });
});

describe("decideReuse", () => {
  it("reuses a session with more than the margin left", () => {
    const d = decideReuse({ values: session(), now: NOW });
    expect(d).toEqual({
      reuse: true,
      accessKeyId: "ASIAIOSFODNN7EXAMPLE",
      expiration: new Date(NOW.getTime() + 12 * HOUR),
      remainingMs: 12 * HOUR,
    });
  });

  it("does not reuse one that ends within the margin, or has ended", () => {
    const soon = decideReuse({ values: session({ expiration: at(MIN_REMAINING_MS) }), now: NOW });
    expect(soon).toMatchObject({ reuse: false, why: "expiring" });
    expect(
      decideReuse({ values: session({ expiration: at(MIN_REMAINING_MS + 1000) }), now: NOW }).reuse,
    ).toBe(true);
    const gone = decideReuse({ values: session({ expiration: at(-MIN) }), now: NOW });
    expect(gone).toMatchObject({ reuse: false, why: "expired" });
    if (!gone.reuse) expect(gone.reason).toContain("2026-05-04T11:59:00Z");
    expect(decideReuse({ values: session({ expiration: at(0) }), now: NOW })).toMatchObject({
      why: "expired",
    });
  });

  it("honours a margin given by the caller", () => {
    expect(
      decideReuse({ values: session({ expiration: at(HOUR) }), now: NOW, minRemainingMs: 2 * HOUR }).reuse,
    ).toBe(false);
  });

  it("--force never reuses", () => {
    expect(decideReuse({ values: session(), now: NOW, force: true })).toMatchObject({
      reuse: false,
      why: "forced",
    });
  });

  it("needs a profile holding a session with a recorded expiration", () => {
    expect(decideReuse({ values: undefined, now: NOW })).toMatchObject({ why: "no-profile" });
    const longTerm = { aws_access_key_id: "AKIAIOSFODNN7EXAMPLE", aws_secret_access_key: "s" };
    expect(decideReuse({ values: longTerm, now: NOW })).toMatchObject({ why: "no-session" });
    const noExpiration = session();
    delete noExpiration.expiration;
    expect(decideReuse({ values: noExpiration, now: NOW })).toMatchObject({ why: "no-expiration" });
    expect(decideReuse({ values: session({ expiration: "soon" }), now: NOW })).toMatchObject({
      why: "no-expiration",
    });
  });

  it("reuses a role session only for the same role, and a plain session only without one", () => {
    const role = "arn:aws:iam::123456789012:role/ops";
    const roleSession = session({ assumed_role_arn: role });
    expect(decideReuse({ values: roleSession, now: NOW, roleArn: role }).reuse).toBe(true);
    expect(decideReuse({ values: roleSession, now: NOW })).toMatchObject({ why: "other-role" });
    expect(decideReuse({ values: roleSession, now: NOW, roleArn: `${role}2` })).toMatchObject({
      why: "other-role",
    });
    expect(decideReuse({ values: session(), now: NOW, roleArn: role })).toMatchObject({ why: "other-role" });
  });
});
