import { describe, expect, it } from "vitest";
import type { AuditKeyView, AuditReport } from "../domain/audit-report.js";
import type { Finding } from "../domain/types.js";
import type { JobEvent, RotationJob } from "../store/types.js";
import { keyAgeHistogram, keyPage, overview } from "./views.js";

const NOW = new Date("2026-06-01T12:00:00Z");
const DAY = 86_400_000;

function key(id: string, ageDays: number, status: "Active" | "Inactive" = "Active"): AuditKeyView {
  return {
    accountId: "123456789012",
    userName: `user-${id}`,
    accessKeyId: id,
    status,
    createdAt: new Date(NOW.getTime() - ageDays * DAY).toISOString(),
    lastUsedAt: null,
    lastUsedService: null,
    lastUsedRegion: null,
    ageDays,
  };
}

function finding(
  id: string | null,
  severity: Finding["severity"],
  result: Finding["result"] = "FAIL",
): Finding {
  return {
    ruleId: "access-key-rotation",
    result,
    severity,
    accountId: "123456789012",
    userName: null,
    accessKeyId: id,
    message: "m",
    remediation: "r",
  };
}

function report(keys: AuditKeyView[], findings: Finding[]): AuditReport {
  return {
    schemaVersion: 1,
    generatedAt: NOW.toISOString(),
    accounts: [
      {
        accountId: "123456789012",
        users: 3,
        keys: keys.length,
        rootAccessKeysPresent: false,
        rootMfaEnabled: true,
        credentialReportGeneratedAt: null,
      },
    ],
    keys,
    findings,
    stats: { apiCalls: {}, durationMs: 1 },
  };
}

describe("overview", () => {
  it("counts open findings by severity, never PASS", () => {
    const o = overview({
      now: NOW,
      report: report([], [finding("A", "high"), finding("B", "high", "WARN"), finding("C", "high", "PASS")]),
      rotationDays: 90,
      jobs: [],
      activity: [],
    });
    expect(o.findingsBySeverity).toEqual({ critical: 0, high: 2, medium: 0, low: 0, info: 0 });
  });

  it("lists active keys due within 30 days, soonest first, and counts the overdue ones", () => {
    const keys = [key("K60", 60), key("K89", 89), key("K59", 59), key("K91", 91), key("I80", 80, "Inactive")];
    const o = overview({ now: NOW, report: report(keys, []), rotationDays: 90, jobs: [], activity: [] });
    expect(o.dueSoon.map((d) => [d.accessKeyId, d.daysLeft])).toEqual([
      ["K89", 1],
      ["K60", 30],
    ]);
    expect(o.overdue).toBe(1);
  });

  it("keeps the 20 newest activity items", () => {
    const activity = Array.from({ length: 25 }, (_, i) => ({
      at: new Date(NOW.getTime() - i * 1000).toISOString(),
      kind: "audit" as const,
      text: `a${i}`,
      ref: null,
    })).reverse();
    const o = overview({ now: NOW, report: null, rotationDays: 90, jobs: [], activity });
    expect(o.recentActivity).toHaveLength(20);
    expect(o.recentActivity[0]?.text).toBe("a0");
    expect(o.audit).toBeNull();
  });
});

describe("keyAgeHistogram", () => {
  it("puts every key in exactly one bin, split by status", () => {
    const bins = keyAgeHistogram([
      key("a", 0),
      key("b", 30),
      key("c", 31),
      key("d", 365),
      key("e", 366, "Inactive"),
    ]);
    expect(bins.map((b) => [b.label, b.active, b.inactive])).toEqual([
      ["0-30", 2, 0],
      ["31-60", 1, 0],
      ["61-90", 0, 0],
      ["91-180", 0, 0],
      ["181-365", 1, 0],
      ["366+", 0, 1],
    ]);
  });
});

describe("keyPage", () => {
  it("orders the key's timeline and keeps only its findings", () => {
    const k = { ...key("AKIA1", 100), lastUsedAt: "2026-05-01T00:00:00.000Z", lastUsedService: "s3" };
    const job = { id: "rot-1", oldAccessKeyId: "AKIA1", newAccessKeyId: "AKIA2" } as RotationJob;
    const events = [{ at: "2026-05-20T00:00:00.000Z", action: "created-key" }] as JobEvent[];
    const page = keyPage({
      accessKeyId: "AKIA1",
      report: report([k], [finding("AKIA1", "medium"), finding("OTHER", "high")]),
      sources: { AKIA1: "GetAccessKeyLastUsed" },
      jobs: [{ view: { id: "rot-1" }, job, events }],
      incidents: [],
    });
    expect(page?.findings.map((f) => f.accessKeyId)).toEqual(["AKIA1"]);
    expect(page?.key?.lastUsedSource).toBe("GetAccessKeyLastUsed");
    expect(page?.timeline.map((t) => t.kind)).toEqual(["created", "last-used", "rotation", "audited"]);
  });

  it("is null for a key nothing knows", () => {
    expect(
      keyPage({ accessKeyId: "X", report: report([], []), sources: {}, jobs: [], incidents: [] }),
    ).toBeNull();
  });
});
