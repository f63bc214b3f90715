import { describe, expect, it } from "vitest";
import {
  attackRecords,
  ATTACKER_AGENT,
  ATTACKER_IP,
  LEAK_TIME,
} from "../../test/fixtures/cloudtrail/attack.js";
import { assertNoSecrets } from "../store/guard.js";
import { RegionPacer } from "../aws/cloudtrail.js";
import { groupEvents, newSince, suspiciousEvents, summarizeTrail } from "./analyze.js";
import { buildChecklist } from "./checklist.js";
import { classifyEvent } from "./classify.js";
import { fromLookupItem, fromRecord, mergeEvents } from "./normalize.js";
import { redactValue, REDACTED } from "./redact.js";
import { renderIncidentReport } from "./render.js";
import { boundEvents } from "./respond.js";
import { createdResources, shellQuote } from "./sweep.js";
import type { IncidentReport, TrailEvent } from "./types.js";
import { categoryCounts, indicators } from "./analyze.js";

const KEY = "AKIAIOSFODNN7EXAMPLE";
const events = mergeEvents(
  attackRecords({ accessKeyId: KEY, userName: "ci-deployer" }).map((r) => fromRecord(r, "logs")),
);

describe("classifyEvent", () => {
  it.each([
    ["CreateUser", "iam-persistence"],
    ["CreateAccessKey", "iam-persistence"],
    ["UpdateLoginProfile", "iam-persistence"],
    ["AttachRolePolicy", "iam-persistence"],
    ["PutUserPolicy", "iam-persistence"],
    ["UpdateAssumeRolePolicy", "iam-persistence"],
    ["RunInstances", "compute"],
    ["CreateFunction20150331", "compute"],
    ["PutBucketAcl", "data"],
    ["GetObject", "data"],
    ["AuthorizeSecurityGroupIngress", "network"],
    ["StopLogging", "defense-evasion"],
    ["PutEventSelectors", "defense-evasion"],
    ["DeleteDetector", "defense-evasion"],
    ["ListUsers", "discovery"],
    ["GetCallerIdentity", "discovery"],
    ["DescribeInstances", "discovery"],
    ["Decrypt", "other"],
  ])("%s is %s", (name, category) => {
    expect(classifyEvent(name)).toBe(category);
  });
});

describe("normalizing CloudTrail records", () => {
  it("keeps who, where and what, and redacts a secret in response elements", () => {
    const create = events.find((e) => e.eventName === "CreateAccessKey");
    expect(create).toMatchObject({
      accessKeyId: KEY,
      userName: "ci-deployer",
      region: "us-east-1",
      sourceIPAddress: ATTACKER_IP,
    });
    const key = (create?.responseElements?.accessKey ?? {}) as Record<string, unknown>;
    expect(key.secretAccessKey).toBe(REDACTED);
    expect(key.accessKeyId).toBe("AKIAIOSFODNN7BACKDR1");
    expect(() => {
      assertNoSecrets(events, "events");
    }).not.toThrow();
  });

  it("redacts a secret-shaped string anywhere, even under an innocent name", () => {
    const out = redactValue({ note: "x wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY y", list: ["ok"] });
    expect(out).toEqual({ note: `x ${REDACTED} y`, list: ["ok"] });
  });

  it("reads a LookupEvents item through its CloudTrailEvent record, or its own fields without one", () => {
    const full = fromLookupItem(
      {
        EventId: "e1",
        CloudTrailEvent: JSON.stringify(attackRecords({ accessKeyId: KEY, userName: "u" })[4]),
      },
      "us-east-1",
    );
    expect(full.eventName).toBe("CreateUser");
    expect(full.requestParameters).toEqual({ userName: "support-backup" });
    const bare = fromLookupItem(
      {
        EventId: "e2",
        EventName: "ListUsers",
        EventTime: new Date("2026-01-01T00:00:00Z"),
        AccessKeyId: KEY,
        Username: "u",
      },
      "eu-west-1",
    );
    expect(bare).toMatchObject({
      eventName: "ListUsers",
      region: "eu-west-1",
      userName: "u",
      eventTime: "2026-01-01T00:00:00.000Z",
    });
  });

  it("merges lookups and log files: each event once, oldest first", () => {
    const twice = mergeEvents(events.slice(3), events, events.slice(0, 2));
    expect(twice.map((e) => e.eventId)).toEqual(events.map((e) => e.eventId));
    expect(twice[0]?.eventTime).toBe("2026-11-10T09:00:00.000Z");
  });
});

describe("sweep: what the key created", () => {
  const created = createdResources(events);
  it("finds the principal, its key, policy, password, instance and rule, with their removal commands", () => {
    expect(created.map((c) => [c.type, c.id])).toEqual([
      ["iam-user", "support-backup"],
      ["iam-access-key", "AKIAIOSFODNN7BACKDR1"],
      ["iam-user-policy-attachment", "support-backup/arn:aws:iam::aws:policy/AdministratorAccess"],
      ["iam-login-profile", "support-backup"],
      ["ec2-instance", "i-0a1b2c3d4e5f60718"],
      ["ec2-security-group-ingress-rule", "sgr-0abc1234def567890"],
      ["s3-bucket-policy", "customer-exports"],
    ]);
    const cmd = (type: string) => created.find((c) => c.type === type)?.removeCommand;
    expect(cmd("iam-access-key")).toBe(
      "aws iam delete-access-key --user-name support-backup --access-key-id AKIAIOSFODNN7BACKDR1",
    );
    expect(cmd("iam-user-policy-attachment")).toBe(
      "aws iam detach-user-policy --user-name support-backup --policy-arn arn:aws:iam::aws:policy/AdministratorAccess",
    );
    expect(cmd("ec2-instance")).toBe(
      "aws ec2 terminate-instances --region eu-west-1 --instance-ids i-0a1b2c3d4e5f60718",
    );
    expect(cmd("ec2-security-group-ingress-rule")).toBe(
      "aws ec2 revoke-security-group-ingress --region eu-west-1 --group-id sg-0123456789abcdef0 --security-group-rule-ids sgr-0abc1234def567890",
    );
  });

  it("ignores a call that failed, and quotes hostile names", () => {
    const failed = {
      ...(events.find((e) => e.eventName === "CreateUser") as TrailEvent),
      errorCode: "AccessDenied",
      eventId: "x",
    };
    expect(createdResources([failed])).toEqual([]);
    expect(shellQuote("a'b; rm -rf /")).toBe(`'a'\\''b; rm -rf /'`);
    const hostile = { ...failed, errorCode: null, requestParameters: { userName: "x; curl evil" } };
    expect(createdResources([hostile])[0]?.removeCommand).toContain("--user-name 'x; curl evil'");
  });
});

describe("analysis", () => {
  it("classifies and finds the indicators never seen before --since", () => {
    const counts = categoryCounts(events);
    expect(counts).toMatchObject({
      "iam-persistence": 4,
      compute: 1,
      data: 1,
      network: 1,
      "defense-evasion": 2,
      discovery: 4,
      other: 0,
    });
    expect(newSince(events, new Date(LEAK_TIME))).toEqual({
      sourceIPs: [ATTACKER_IP],
      userAgents: [ATTACKER_AGENT],
      regions: ["eu-west-1"],
    });
    expect(newSince(events, null)).toBeNull();
    expect(indicators(events).regions).toEqual(["eu-west-1", "us-east-1"]);
    const s = suspiciousEvents(events);
    expect(s.find((x) => x.eventName === "DeleteDetector")).toMatchObject({
      category: "defense-evasion",
      errorCode: "AccessDenied",
    });
  });

  it("groups by source IP, user agent, region and event name with first and last seen", () => {
    const twoLists = [
      ...events,
      { ...(events[0] as TrailEvent), eventId: "again", eventTime: "2026-11-11T00:00:00.000Z" },
    ];
    const groups = groupEvents(twoLists);
    const list = groups.find((g) => g.eventName === "ListBuckets");
    expect(list).toEqual({
      sourceIPAddress: events[0]?.sourceIPAddress,
      userAgent: events[0]?.userAgent,
      region: "us-east-1",
      eventName: "ListBuckets",
      count: 2,
      firstSeen: "2026-11-10T09:00:00.000Z",
      lastSeen: "2026-11-11T00:00:00.000Z",
    });
    const t = summarizeTrail(KEY, twoLists, { since: null, lookupRegions: ["us-east-1"], logFiles: 0 });
    expect(t.bySourceIP.map((d) => [d.value, d.count])).toEqual([
      [ATTACKER_IP, 11],
      ["198.51.100.10", 3],
    ]);
    expect(t.firstSeen).toBe("2026-11-10T09:00:00.000Z");
  });
});

function sampleReport(): IncidentReport {
  const created = createdResources(events);
  const containment = {
    deactivated: true,
    quarantinePolicyArn: "arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3",
    secondsToContain: 0.42,
    planned: [],
    keyStatusBefore: "Active",
    quarantineKind: "managed" as const,
    dryRun: false,
    containedAt: "2026-11-21T10:00:00.420Z",
  };
  return {
    schemaVersion: 1,
    incidentId: "inc-test",
    accessKeyId: KEY,
    userName: "ci-<deployer>",
    accountId: "123456789012",
    startedAt: "2026-11-21T10:00:00.000Z",
    finishedAt: "2026-11-21T10:00:03.000Z",
    since: LEAK_TIME,
    containment,
    events,
    eventCount: events.length,
    eventsOmitted: 0,
    suspicious: suspiciousEvents(events),
    created,
    checklist: buildChecklist({
      accessKeyId: KEY,
      userName: "ci-deployer",
      containment,
      created,
      eventsFound: events.length,
    }),
    categories: categoryCounts(events),
    ...indicators(events),
    newSinceBaseline: newSince(events, new Date(LEAK_TIME)),
    sources: { lookupRegions: ["us-east-1"], logFiles: 0, logPaths: [], lookupFailures: [] },
    steps: [{ at: "2026-11-21T10:00:00.420Z", what: "Contained" }],
  };
}

describe("renderIncidentReport", () => {
  const report = sampleReport();
  it("markdown follows the incident report structure, in order", () => {
    const md = renderIncidentReport(report, "markdown");
    const headings = [...md.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    expect(headings).toEqual([
      "Incident Summary",
      "Problem Statement",
      "Investigation / Troubleshooting Steps",
      "Root Cause",
      "Resolution",
      "Preventive Measures",
      "Key Learnings",
      "References",
    ]);
    expect(md).toContain("**Priority:** Critical");
    expect(md).toContain("`2026-11-21T10:00:00.420Z` Contained");
    expect(md).toContain("- [x] **Deactivate the compromised access key**");
    expect(md).toContain("- [ ] **Turn on Amazon GuardDuty");
    expect(md).toContain("AKIA************MPLE");
  });

  it("json is the contract, html escapes what it shows", () => {
    const parsed = JSON.parse(renderIncidentReport(report, "json")) as IncidentReport;
    expect(parsed).toEqual(report);
    expect(Object.keys(parsed)).toEqual(
      expect.arrayContaining([
        "schemaVersion",
        "incidentId",
        "accessKeyId",
        "userName",
        "accountId",
        "containment",
        "events",
        "suspicious",
        "created",
        "checklist",
      ]),
    );
    const html = renderIncidentReport(report, "html");
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain("ci-&lt;deployer&gt;");
    expect(html).not.toContain("ci-<deployer>");
  });

  it("redaction leaves a report without secrets unchanged", () => {
    expect(redactValue(report)).toEqual(report);
  });

  it("a report passes the store's secret guard", () => {
    expect(() => {
      assertNoSecrets(report, "incident");
    }).not.toThrow();
  });
});

describe("boundEvents", () => {
  it("keeps every classified event and the newest others, oldest first", () => {
    const noise = Array.from({ length: 20 }, (_, i) => ({
      ...(events[0] as TrailEvent),
      eventId: `n${i}`,
      eventName: "Decrypt",
      eventTime: `2026-11-0${Math.floor(i / 10)}T00:00:${String(i % 10).padStart(2, "0")}.000Z`,
    }));
    const all = mergeEvents(events, noise);
    const kept = boundEvents(all, 16);
    expect(kept).toHaveLength(16);
    expect(kept.filter((e) => e.eventName !== "Decrypt")).toHaveLength(13);
    expect(kept.filter((e) => e.eventName === "Decrypt").map((e) => e.eventId)).toEqual([
      "n17",
      "n18",
      "n19",
    ]);
    expect(kept.map((e) => e.eventTime)).toEqual([...kept.map((e) => e.eventTime)].sort());
    expect(boundEvents(all, 1000)).toBe(all);
  });
});

describe("RegionPacer", () => {
  it("spaces requests to one region by the interval and leaves other regions alone", async () => {
    let now = 1_000;
    const slept: number[] = [];
    const pacer = new RegionPacer({
      intervalMs: 500,
      now: () => now,
      sleep: (ms) => {
        slept.push(ms);
        now += ms;
        return Promise.resolve();
      },
    });
    await pacer.wait("us-east-1");
    await pacer.wait("us-east-1");
    await pacer.wait("eu-west-1");
    now += 100;
    await pacer.wait("us-east-1");
    expect(slept).toEqual([500, 400]);
  });
});
