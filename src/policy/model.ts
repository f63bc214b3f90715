import type { AccessKeyRecord, Finding } from "../domain/types.js";
import { maskKeyId } from "../domain/key-id.js";
import { DEFAULT_THRESHOLDS, type Thresholds } from "../rules/rule.js";
import { validateThresholds } from "../rules/thresholds.js";
import { ageInDays } from "../rules/support.js";
import type { LoadedPolicy } from "./load.js";
import { PolicyError } from "./errors.js";
import {
  TIMELINE_RULES,
  type Exemption,
  type PolicyDoc,
  type Timeline,
  type TimelineRuleId,
} from "./schema.js";

// What a validated policy means for one key: in scope or not, exempt or not, who owns it, which
// timeline applies and where the key is on it. Pure: `now` comes from the caller.

export const DEFAULT_NOTIFY_BEFORE = [14, 7, 1];
export const DEFAULT_MAX_CHANGES = 10;
export const DEFAULT_OWNER_TAGS = ["owner", "email"];
export const EXPIRED_EXEMPTION_RULE = "policy-exemption-expired";

/** The thresholds the policy sets over the defaults; PolicyError if they contradict each other. */
export function effectiveThresholds(policy: LoadedPolicy | PolicyDoc | null): Thresholds {
  const doc = policy && "doc" in policy ? policy.doc : policy;
  const perRule = Object.values(doc?.rules ?? {}).map((r) => r.thresholds ?? {});
  const t: Thresholds = Object.assign(
    { ...DEFAULT_THRESHOLDS },
    ...perRule,
    doc?.thresholds ?? {},
  ) as Thresholds;
  const problems = validateThresholds(t);
  if (problems.length > 0) {
    const file = policy && "file" in policy ? policy.file : "policy";
    throw new PolicyError(file, 1, 1, `thresholds: ${problems[0] ?? ""}`);
  }
  return t;
}

export function ruleEnabled(doc: PolicyDoc, ruleId: string): boolean {
  return doc.rules?.[ruleId]?.enabled !== false;
}

export function inScope(
  doc: PolicyDoc,
  key: { accountId: string; userName: string; userPath: string; userTags: Record<string, string> },
): boolean {
  const s = doc.scope;
  if (!s) return true;
  if (s.accounts && !s.accounts.includes(key.accountId)) return false;
  if (s.userPaths && !s.userPaths.some((p) => key.userPath.startsWith(p))) return false;
  if (s.excludeUsers?.includes(key.userName)) return false;
  for (const [k, v] of Object.entries(s.tags ?? {})) {
    const have = key.userTags[k];
    if (have === undefined || (v !== "*" && have !== v)) return false;
  }
  return true;
}

/** Where a key's messages go: a user tag, the owners file, the default, else nobody named. */
export function ownerOf(policy: LoadedPolicy, key: AccessKeyRecord): string | null {
  for (const tag of policy.doc.owners?.tags ?? DEFAULT_OWNER_TAGS) {
    const v = key.userTags[tag];
    if (v) return v;
  }
  return (
    policy.ownerMap[`${key.accountId}:${key.userName}`] ??
    policy.ownerMap[key.userName] ??
    policy.doc.owners?.default ??
    null
  );
}

function expiresAt(e: Exemption): Date {
  // A bare date is valid through the end of that day (UTC).
  return /^\d{4}-\d{2}-\d{2}$/.test(e.expires) ? new Date(`${e.expires}T23:59:59.999Z`) : new Date(e.expires);
}

function matches(e: Exemption, key: AccessKeyRecord): boolean {
  if (e.account && e.account !== key.accountId) return false;
  if (e.key) return e.key === key.accessKeyId;
  return e.user === key.userName;
}

/** The exemption in force for this key, if any. */
export function activeExemption(doc: PolicyDoc, key: AccessKeyRecord, now: Date): Exemption | null {
  return (doc.exemptions ?? []).find((e) => matches(e, key) && expiresAt(e) > now) ?? null;
}

/** An expired exemption is a finding of its own: someone promised to fix this by then. */
export function expiredExemptionFindings(doc: PolicyDoc, keys: AccessKeyRecord[], now: Date): Finding[] {
  const out: Finding[] = [];
  for (const e of doc.exemptions ?? []) {
    if (expiresAt(e) > now) continue;
    const key = keys.find((k) => matches(e, k));
    const who = e.key ? `key ${maskKeyId(e.key)}` : `user ${e.user ?? "?"}`;
    out.push({
      ruleId: EXPIRED_EXEMPTION_RULE,
      result: "FAIL",
      severity: "medium",
      accountId: key?.accountId ?? e.account ?? "",
      userName: key?.userName ?? e.user ?? null,
      accessKeyId: e.key ?? null,
      message: `The exemption for ${who} ("${e.reason}") expired on ${e.expires.slice(0, 10)}; the policy applies to it again.`,
      remediation:
        "Fix the key, or renew the exemption with a new `expires:` date and reason in the policy file.",
    });
  }
  return out;
}

export interface TimelinePoint {
  ruleId: TimelineRuleId;
  timeline: Timeline;
  /** The day of the rule's clock the key is on (age or idle days). */
  day: number;
  /** The date the clock started (created or last used). */
  since: Date;
}

/** Whether a key is on this rule's clock at all, and where. */
export function timelinePoint(
  ruleId: TimelineRuleId,
  timeline: Timeline,
  key: AccessKeyRecord,
  now: Date,
): TimelinePoint | null {
  const spec = TIMELINE_RULES[ruleId];
  if (ruleId === "access-key-inactive-lingering") {
    if (key.status !== "Inactive") return null;
  } else if (key.status !== "Active") return null;
  const since = spec.clock === "idle" ? (key.lastUsedAt ?? key.createdAt) : key.createdAt;
  return { ruleId, timeline, day: ageInDays(since, now), since };
}

/** Every rule with a timeline that the policy enables. */
export function timelines(doc: PolicyDoc): { ruleId: TimelineRuleId; timeline: Timeline }[] {
  return Object.entries(doc.rules ?? {})
    .filter(([id, r]) => id in TIMELINE_RULES && r.timeline && r.enabled !== false)
    .map(([id, r]) => ({ ruleId: id as TimelineRuleId, timeline: r.timeline as Timeline }));
}
