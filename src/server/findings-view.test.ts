import { describe, expect, it } from "vitest";
import type { AuditKeyView, AuditReport } from "../domain/audit-report.js";
import type { Finding } from "../domain/types.js";
import { accountSummaries, findingsPage, fixFirst, parseFindingFilters } from "./findings-view.js";
import { activityFrom } from "./views.js";
import type { JobEvent, RotationJob } from "../store/types.js";

const NOW = new Date("2026-06-01T12:00:00Z");
const DAY = 86_400_000;
const A = "111111111111";
const B = "222222222222";

function key(
  id: string,
  ageDays: number,
  account = A,
  status: "Active" | "Inactive" = "Active",
): AuditKeyView {
  return {
    accountId: account,
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

function f(over: Partial<Finding> & Pick<Finding, "ruleId" | "severity">): Finding {
  return {
    result: "FAIL",
    accountId: A,
    userName: null,
    accessKeyId: null,
    message: "m",
    remediation: "r",
    ...over,
  };
}

function report(keys: AuditKeyView[], findings: Finding[], accounts = [A]): AuditReport {
  return {
    schemaVersion: 1,
    generatedAt: NOW.toISOString(),
    accounts: accounts.map((accountId) => ({
      accountId,
      users: 2,
      keys: keys.filter((k) => k.accountId === accountId).length,
      rootAccessKeysPresent: false,
      rootMfaEnabled: true,
      credentialReportGeneratedAt: null,
    })),
    keys,
    findings,
    stats: { apiCalls: {}, durationMs: 1 },
  };
}

const FINDINGS = [
  f({ ruleId: "root-access-key", severity: "critical" }),
  f({ ruleId: "console-user-mfa", severity: "high", userName: "bob" }),
  f({ ruleId: "access-key-rotation", severity: "medium", userName: "user-K200", accessKeyId: "K200" }),
  f({
    ruleId: "access-key-unused",
    severity: "medium",
    userName: "user-K200",
    accessKeyId: "K200",
    result: "WARN",
  }),
  f({ ruleId: "access-key-rotation", severity: "medium", userName: "user-K120", accessKeyId: "K120" }),
  f({
    ruleId: "access-key-rotation",
    severity: "medium",
    userName: "user-K10",
    accessKeyId: "K10",
    result: "PASS",
  }),
  f({
    ruleId: "long-term-key-alternative",
    severity: "info",
    userName: "user-K10",
    accessKeyId: "K10",
    result: "WARN",
  }),
  f({ ruleId: "collection", severity: "high", accountId: B, result: "ERROR" }),
];
const KEYS = [key("K200", 200), key("K120", 120), key("K10", 10), key("K95", 95, B)];

describe("findingsPage", () => {
  it("lists every open finding, account- and user-level included, most severe first", () => {
    const p = findingsPage(report(KEYS, FINDINGS, [A, B]), {
      severity: [],
      rule: null,
      account: null,
      user: null,
    });
    expect(p.total).toBe(7);
    expect(p.findings.map((x) => x.ruleId)).toEqual([
      "root-access-key",
      "console-user-mfa",
      "collection",
      "access-key-rotation",
      "access-key-rotation",
      "access-key-unused",
      "long-term-key-alternative",
    ]);
    // Within a severity: FAIL before ERROR before WARN, then the oldest key first.
    expect(p.findings.filter((x) => x.severity === "medium").map((x) => x.accessKeyId)).toEqual([
      "K200",
      "K120",
      "K200",
    ]);
    expect(p.findings[0]).toMatchObject({
      id: `keywarden/${A}/root-access-key/account`,
      title: "The root user has no access keys",
      cis: { v3: "1.4", v5: "1.3", v7: "2.4" },
      securityHub: ["IAM.4"],
      ageDays: null,
    });
    expect(p.facets.severity).toEqual({ critical: 1, high: 2, medium: 3, low: 0, info: 1 });
    expect(p.facets.accounts).toEqual([
      { id: A, count: 6 },
      { id: B, count: 1 },
    ]);
    expect(p.facets.rules[0]).toMatchObject({ id: "access-key-rotation", count: 2 });
  });

  it("filters by severity (several), rule, account and user", () => {
    const r = report(KEYS, FINDINGS, [A, B]);
    const page = (q: Record<string, string>) => {
      const filters = parseFindingFilters(q);
      if (typeof filters === "string") throw new Error(filters);
      return findingsPage(r, filters).findings.map((x) => `${x.ruleId}:${x.userName ?? x.accountId}`);
    };
    expect(page({ severity: "critical,high" })).toEqual([
      "root-access-key:111111111111",
      "console-user-mfa:bob",
      `collection:${B}`,
    ]);
    expect(page({ rule: "access-key-rotation" })).toEqual([
      "access-key-rotation:user-K200",
      "access-key-rotation:user-K120",
    ]);
    expect(page({ account: B })).toEqual([`collection:${B}`]);
    expect(page({ user: "user-K200", severity: "medium" })).toEqual([
      "access-key-rotation:user-K200",
      "access-key-unused:user-K200",
    ]);
    expect(parseFindingFilters({ severity: "high,urgent" })).toBe(
      "unknown severity urgent: use critical, high, medium, low, info",
    );
  });
});

describe("fixFirst", () => {
  it("ranks one entry per subject by severity, then age, leaves advice out, adds overdue keys", () => {
    const items = fixFirst(report(KEYS, FINDINGS, [A, B]), 90, NOW);
    expect(items.map((i) => [i.ruleId, i.accessKeyId ?? i.userName ?? i.accountId])).toEqual([
      ["root-access-key", A],
      // Same severity, no key age: FAIL before ERROR.
      ["console-user-mfa", "bob"],
      ["collection", B],
      ["access-key-rotation", "K200"],
      ["access-key-rotation", "K120"],
      // B's 95-day key: no finding in this audit, but past the dashboard's 90-day rotation.
      ["access-key-rotation", "K95"],
    ]);
    const k200 = items.find((i) => i.accessKeyId === "K200");
    expect(k200).toMatchObject({ overdueDays: 110, ageDays: 200, others: 1, ref: "keys/K200" });
    expect(items.find((i) => i.userName === "bob")?.ref).toBe(`findings?account=${A}&user=bob`);
    expect(items.find((i) => i.accessKeyId === "K95")).toMatchObject({ overdueDays: 5, severity: "medium" });
    expect(fixFirst(null, 90, NOW)).toEqual([]);
  });

  it("with risk scores: the root's critical first, then keys by risk (ties by age), then the rest", () => {
    const scored = (k: AuditKeyView, score: number, cls: string): AuditKeyView => ({
      ...k,
      blastRadius: { classes: [cls], grants: [], conditional: false, unreadablePolicies: [] },
      risk: {
        score,
        factors: [
          { name: "keyAge", value: k.ageDays, weight: 15, points: 5 },
          { name: "blastRadius", value: cls, weight: 40, points: 40 },
          { name: "incident", value: false, weight: 20, points: 0 },
        ],
      },
    });
    const keys = [
      scored(key("K200", 200), 30, "read-only"),
      scored(key("K120", 120), 62, "administrator-equivalent"),
      // A new administrator key with no finding: listed for its risk alone.
      scored(key("K10", 10), 62, "administrator-equivalent"),
      key("K95", 95, B),
    ];
    const items = fixFirst(report(keys, FINDINGS, [A, B]), 90, NOW);
    expect(items.map((i) => [i.ruleId, i.accessKeyId ?? i.userName ?? i.accountId, i.risk])).toEqual([
      ["root-access-key", A, null],
      ["access-key-rotation", "K120", 62],
      ["risk", "K10", 62],
      ["access-key-rotation", "K200", 30],
      ["console-user-mfa", "bob", null],
      ["collection", B, null],
      ["access-key-rotation", "K95", null],
    ]);
    expect(items[1]).toMatchObject({
      radius: "administrator-equivalent",
      factors: [
        { name: "blastRadius", value: "administrator-equivalent", points: 40 },
        { name: "keyAge", value: 120, points: 5 },
      ],
    });
    expect(items[2]).toMatchObject({
      severity: null,
      result: null,
      title: "Blast radius: administrator-equivalent",
    });
  });

  it("keeps at most 10 entries", () => {
    const keys = Array.from({ length: 15 }, (_, i) => key(`K${i}`, 100 + i));
    expect(fixFirst(report(keys, []), 90, NOW)).toHaveLength(10);
    expect(fixFirst(report(keys, []), 90, NOW)[0]?.accessKeyId).toBe("K14");
  });
});

describe("accountSummaries", () => {
  it("counts users, keys, open findings, errors and overdue keys per account", () => {
    const s = accountSummaries(report(KEYS, FINDINGS, [A, B]), 90, NOW);
    expect(s.map((a) => [a.accountId, a.keys, a.findingsBySeverity.medium, a.errors, a.overdue])).toEqual([
      [A, 3, 3, 0, 2],
      [B, 1, 0, 1, 1],
    ]);
  });
});

describe("activityFrom", () => {
  it("groups a rotation's steps into one item, dated by its latest step", () => {
    const job = { id: "rot-1", userName: "svc", state: "waiting" } as RotationJob;
    const events = [
      { at: "2026-05-02T00:00:00.000Z", action: "verified" },
      { at: "2026-05-01T00:00:00.000Z", action: "created-key" },
      { at: "2026-05-03T00:00:00.000Z", action: "deactivated-old-key" },
    ] as JobEvent[];
    const items = activityFrom({
      jobEvents: [{ job, events }],
      audits: [],
      incidents: [],
      scans: [],
      actions: [],
    });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      at: "2026-05-03T00:00:00.000Z",
      kind: "rotation",
      ref: "rotations/rot-1",
      text: "svc: rotation rot-1 waiting, 3 steps (last: deactivated-old-key)",
    });
    expect(items[0]?.steps?.map((x) => x.text)).toEqual(["created-key", "verified", "deactivated-old-key"]);
  });
});
