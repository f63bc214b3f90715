import type { TrailEvent } from "../response/types.js";
import { trailEvidence } from "./evidence.js";
import type { KeyEvidence, OwnerFacts } from "./types.js";

// Builders for the migration tests: a key's evidence from a few CloudTrail events and owner facts.

export const ACCOUNT = { accountId: "123456789012", partition: "aws" };
export const KEY = "AKIAIOSFODNN7EXAMPLE";

let n = 0;
export function event(p: Partial<TrailEvent> & { eventName: string; eventSource: string }): TrailEvent {
  n++;
  return {
    eventId: `evt-${n}`,
    eventTime: `2026-11-20T08:${String(n % 60).padStart(2, "0")}:00.000Z`,
    region: "us-east-1",
    sourceIPAddress: "203.0.113.5",
    userAgent: null,
    accessKeyId: KEY,
    userName: "worker",
    readOnly: null,
    errorCode: null,
    resources: [],
    requestParameters: null,
    responseElements: null,
    origin: "lookup",
    ...p,
  };
}

const NO_SOURCES = {
  lookupRegions: ["us-east-1"],
  logFiles: 0,
  lookupFailures: [],
  unreadableFiles: [],
  undatedRecords: [],
};

/** Evidence of a key: `events` null means CloudTrail was not read at all. */
export function evidence(
  events: TrailEvent[] | null,
  owner: Partial<OwnerFacts> = {},
  lastUsed: KeyEvidence["key"]["lastUsed"] = null,
): KeyEvidence {
  const userName = owner.userName ?? "worker";
  return {
    key: { accessKeyId: KEY, status: "Active", createdAt: "2025-01-01T00:00:00.000Z", lastUsed },
    owner: {
      userName,
      userArn: `arn:aws:iam::${ACCOUNT.accountId}:user/${userName}`,
      accountId: ACCOUNT.accountId,
      console: false,
      passwordLastUsed: null,
      mfa: false,
      otherKeys: 0,
      ...owner,
    },
    trail: events === null ? null : trailEvidence(events, ACCOUNT, NO_SOURCES),
  };
}

/** `count` calls of one event with one user agent (and source address). */
export function calls(
  count: number,
  agent: string,
  more: Partial<TrailEvent> = {},
  api: { eventSource: string; eventName: string } = {
    eventSource: "s3.amazonaws.com",
    eventName: "GetObject",
  },
): TrailEvent[] {
  return Array.from({ length: count }, () => event({ ...api, userAgent: agent, ...more }));
}
