import type { LookupFailure, TrailEvent, UndatedRecord, UnreadableFile } from "../response/types.js";
import { actionsOf, resourcesOf } from "./actions.js";
import type { ObservedAction, SeenValue, TrailEvidence } from "./types.js";

// The key's CloudTrail events, boiled down to what a migration plan rests on: the IAM actions it
// used (with the resources CloudTrail named), and where it came from (source IPs, user agents,
// regions, VPC endpoints). Pure: events in, evidence out.

/** Errors that mean AWS refused the call: the action was tried, not used. */
const DENIED = /AccessDenied|UnauthorizedOperation|Unauthorized|Forbidden|NotAuthorized/i;

function seen(events: TrailEvent[], pick: (e: TrailEvent) => string | null | undefined): SeenValue[] {
  const m = new Map<string, SeenValue>();
  for (const e of events) {
    const v = pick(e);
    if (!v) continue;
    const s = m.get(v);
    if (!s) m.set(v, { value: v, count: 1, firstSeen: e.eventTime, lastSeen: e.eventTime });
    else {
      s.count++;
      if (e.eventTime < s.firstSeen) s.firstSeen = e.eventTime;
      if (e.eventTime > s.lastSeen) s.lastSeen = e.eventTime;
    }
  }
  return [...m.values()].sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
}

export function observedActions(
  events: TrailEvent[],
  account: { accountId: string; partition: string },
): ObservedAction[] {
  const m = new Map<string, ObservedAction>();
  for (const e of events) {
    if (!e.eventSource || !e.eventName) continue;
    const mapped = actionsOf(e.eventSource, e.eventName);
    const denied = e.errorCode !== null && DENIED.test(e.errorCode);
    for (const action of mapped.actions) {
      let o = m.get(action);
      if (!o) {
        o = {
          action,
          events: [],
          count: 0,
          firstSeen: e.eventTime,
          lastSeen: e.eventTime,
          resources: [],
          certain: mapped.certain,
          denied: 0,
        };
        m.set(action, o);
      }
      const label = `${e.eventSource} ${e.eventName}`;
      if (!o.events.includes(label)) o.events.push(label);
      if (mapped.note && !o.note) o.note = mapped.note;
      if (!mapped.certain) o.certain = false;
      if (denied) {
        o.denied++;
        continue;
      }
      o.count++;
      if (e.eventTime < o.firstSeen) o.firstSeen = e.eventTime;
      if (e.eventTime > o.lastSeen) o.lastSeen = e.eventTime;
      for (const r of resourcesOf(action, e, account)) if (!o.resources.includes(r)) o.resources.push(r);
    }
  }
  for (const o of m.values()) o.resources.sort();
  return [...m.values()].sort((a, b) => a.action.localeCompare(b.action));
}

export function trailEvidence(
  events: TrailEvent[],
  account: { accountId: string; partition: string },
  sources: {
    lookupRegions: string[];
    logFiles: number;
    lookupFailures: LookupFailure[];
    unreadableFiles: UnreadableFile[];
    undatedRecords: UndatedRecord[];
  },
): TrailEvidence {
  const times = events.map((e) => e.eventTime).sort();
  return {
    events: events.length,
    firstSeen: times[0] ?? null,
    lastSeen: times[times.length - 1] ?? null,
    actions: observedActions(events, account),
    sourceIPs: seen(events, (e) => e.sourceIPAddress),
    userAgents: seen(events, (e) => e.userAgent),
    regions: seen(events, (e) => e.region),
    vpcEndpoints: seen(events, (e) => e.vpcEndpointId),
    consoleLogins: events.filter(
      (e) => e.eventSource === "signin.amazonaws.com" && e.eventName === "ConsoleLogin",
    ).length,
    sources,
  };
}
