import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseEvent } from "./events.js";

// The fixtures are AWS's documented shapes (test/fixtures/events/README.md).
const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(
    readFileSync(new URL(`../../test/fixtures/events/${name}.json`, import.meta.url), "utf8"),
  ) as Record<string, unknown>;

describe("parseEvent", () => {
  it("reads the AWS Health exposure event: the key, the account, the event id and time", () => {
    const r = parseEvent(fixture("health-credentials-exposed"));
    expect(r).toMatchObject({
      ok: true,
      event: {
        kind: "health-exposed",
        eventId: "7bf73129-1428-4cd3-a780-95db273d1602",
        accessKeyIds: ["AKIAIOSFODNN7EXAMPLE"],
        account: "123456789012",
        time: "2026-11-20T06:27:57.000Z",
      },
    });
  });

  it("reads a GuardDuty finding on an IAM user's key, with the user it names", () => {
    const r = parseEvent(fixture("guardduty-iam-user"));
    expect(r).toMatchObject({
      ok: true,
      event: { kind: "guardduty", accessKeyIds: ["AKIAIOSFODNN7EXAMPLE"], userName: "ci-deployer" },
    });
    expect(r.ok && r.event.summary).toContain("UnauthorizedAccess:IAMUser/MaliciousIPCaller");
  });

  it("reads keywarden's own scan hit", () => {
    const r = parseEvent(fixture("keywarden-scan-hit"));
    expect(r).toMatchObject({
      ok: true,
      event: { kind: "keywarden-scan", accessKeyIds: ["AKIAIOSFODNN7EXAMPLE"] },
    });
    expect(r.ok && r.event.summary).toContain("deploy/settings.py");
  });

  it("turns away a GuardDuty finding on session credentials (ASIA), with the reason", () => {
    const r = parseEvent(fixture("guardduty-session-credentials"));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/temporary credentials ASIA\*+MPLE/);
  });

  it("turns away a GuardDuty finding without accessKeyDetails", () => {
    const e = fixture("guardduty-iam-user");
    (e.detail as { resource: unknown }).resource = { resourceType: "Instance", instanceDetails: {} };
    const r = parseEvent(e);
    expect(r).toEqual({ ok: false, reason: expect.stringMatching(/carries no IAM access key/) as string });
  });

  it("turns away other AWS Health events, unknown sources and what is not an event", () => {
    const other = fixture("health-credentials-exposed");
    (other.detail as { eventTypeCode: string }).eventTypeCode = "AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED";
    expect(parseEvent(other).ok).toBe(false);
    const unknown = { ...fixture("keywarden-scan-hit"), source: "aws.s3" };
    expect(parseEvent(unknown)).toMatchObject({
      ok: false,
      reason: expect.stringContaining("aws.s3") as string,
    });
    expect(parseEvent([1, 2]).ok).toBe(false);
    expect(parseEvent({ id: "x" }).ok).toBe(false);
    expect(parseEvent({ ...fixture("keywarden-scan-hit"), time: "yesterday" }).ok).toBe(false);
  });

  it("keeps each key once and never a temporary one", () => {
    const e = fixture("health-credentials-exposed");
    (e.detail as { affectedEntities: unknown }).affectedEntities = [
      { entityValue: "AKIAIOSFODNN7EXAMPLE" },
      { entityValue: "AKIAIOSFODNN7EXAMPLE" },
      { entityValue: "ASIAIOSFODNN7EXAMPLE" },
      { entityValue: "not-a-key-id" },
    ];
    const r = parseEvent(e);
    expect(r.ok && r.event.accessKeyIds).toEqual(["AKIAIOSFODNN7EXAMPLE"]);
  });
});
