import { maskKeyId } from "../domain/key-id.js";
import type { AccessKeyRecord, Finding, Inventory } from "../domain/types.js";
import { addDays, DAY_MS, isoDate } from "../rules/support.js";
import type { LoadedPolicy } from "./load.js";
import {
  activeExemption,
  DEFAULT_MAX_CHANGES,
  DEFAULT_NOTIFY_BEFORE,
  expiredExemptionFindings,
  inScope,
  ownerOf,
  timelines,
  type TimelinePoint,
} from "./model.js";
import { expandTarget, TIMELINE_RULES, type Timeline, type TimelineRuleId } from "./schema.js";

// The enforcement planner: inventory + policy + findings + now + what was already sent -> the
// notifications to send and the key changes to make. PURE: no I/O, no clock, so weeks of simulated
// time are a loop in a test. The safety rules live here, where a test can see every decision:
//  - never more than one key of one user deactivated or deleted in a run, unless the policy names it;
//  - never deactivate or delete a key used in the last 24 hours, unless the rule allows it;
//  - never delete an active key: deactivate first, delete in a later run;
//  - a key with an open rotation job is the job's, not the planner's;
//  - stop at maxChanges (the rest is listed as skipped, and happens on a later run).

export type ActionKind = "rotate" | "deactivate" | "delete";
export type StageName = "warn" | ActionKind;

export interface PlannedAction {
  /** Stable per key and stage: the run's record of the action uses it. */
  id: string;
  kind: ActionKind;
  accountId: string;
  userName: string;
  accessKeyId: string;
  ruleId: TimelineRuleId;
  day: number;
  reason: string;
  owner: string | null;
  status: "planned" | "skipped";
  skipReason: string | null;
  /** rotate only: the expanded `--to` specs, observe and soak. */
  targets: string[];
  observe: string | null;
  soak: string | null;
  fix: string;
  /** The rule allows touching a key used in the last 24 hours (checked again right before acting). */
  allowRecentlyUsed: boolean;
}

/** What an action is about, as the run's record and the JSON plan both name it. */
export function actionFacts(a: PlannedAction) {
  return {
    kind: a.kind,
    accountId: a.accountId,
    userName: a.userName,
    accessKeyId: a.accessKeyId,
    ruleId: a.ruleId,
    day: a.day,
  };
}

export type NotificationKind = "countdown" | "overdue" | "action" | "warn" | "stalled";

export interface PlannedNotification {
  /** Never the same message twice: the store keeps one record per key. */
  dedupeKey: string;
  kind: NotificationKind;
  owner: string | null;
  accountId: string;
  userName: string;
  accessKeyId: string;
  ruleId: TimelineRuleId;
  stage: StageName;
  /** YYYY-MM-DD of the stage the message is about. */
  deadline: string;
  daysLeft: number;
  reason: string;
  fix: string;
  /** action messages are sent only once their action succeeded. */
  actionId: string | null;
}

export interface OpenJob {
  id: string;
  accountId: string;
  userName: string;
  oldAccessKeyId: string;
  state: string;
}

export interface PlanInput {
  policy: LoadedPolicy;
  inventory: Inventory;
  findings: Finding[];
  now: Date;
  /** Dedupe keys of every notification already recorded (sent, failed or pending). */
  sent: ReadonlySet<string>;
  /** Rotation jobs in the store (any state): a key with a job is not started again. */
  jobs: OpenJob[];
  /** --max-changes, else the policy's, else 10. */
  maxChanges?: number;
}

export interface Plan {
  generatedAt: string;
  policyFile: string;
  maxChanges: number;
  keysInScope: number;
  keysExempt: number;
  actions: PlannedAction[];
  notifications: PlannedNotification[];
  /** The audit's FAIL/WARN findings for keys in scope, plus expired exemptions. */
  findings: Finding[];
}

const RECENT_MS = DAY_MS;
const FINISHED = new Set(["done", "rolled-back"]);

function fixFor(kind: ActionKind, key: AccessKeyRecord, targets: string[]): string {
  const u = key.userName;
  const k = key.accessKeyId;
  if (kind === "rotate")
    return `keywarden rotate --user ${u} --key ${k} ${(targets.length ? targets : ["<target>"]).map((t) => `--to ${t}`).join(" ")}`;
  if (kind === "deactivate")
    return `aws iam update-access-key --user-name ${u} --access-key-id ${k} --status Inactive`;
  return `aws iam delete-access-key --user-name ${u} --access-key-id ${k}`;
}

function reasonFor(p: TimelinePoint, key: AccessKeyRecord): string {
  const clock = TIMELINE_RULES[p.ruleId].clock;
  const what =
    clock === "age"
      ? `${key.status === "Inactive" ? "inactive key " : "key "}${maskKeyId(key.accessKeyId)} is ${p.day} days old`
      : `key ${maskKeyId(key.accessKeyId)} has not been used for ${p.day} days`;
  return `${what} (rule ${p.ruleId})`;
}

/** The stages that can still happen to a key in this status, in order, with their days. */
function stagesFor(t: Timeline, key: AccessKeyRecord): { stage: ActionKind; day: number }[] {
  const out: { stage: ActionKind; day: number }[] = [];
  if (key.status === "Active") {
    if (t.rotate !== undefined) out.push({ stage: "rotate", day: t.rotate });
    if (t.deactivate !== undefined) out.push({ stage: "deactivate", day: t.deactivate });
  }
  if (t.delete !== undefined) out.push({ stage: "delete", day: t.delete });
  return out;
}

function point(ruleId: TimelineRuleId, t: Timeline, key: AccessKeyRecord, now: Date): TimelinePoint | null {
  if (ruleId === "access-key-inactive-lingering" && key.status !== "Inactive") return null;
  // An inactive key stays on the rotation/unused clock only to reach its delete stage.
  if (ruleId !== "access-key-inactive-lingering" && key.status === "Inactive" && t.delete === undefined)
    return null;
  const since = TIMELINE_RULES[ruleId].clock === "idle" ? (key.lastUsedAt ?? key.createdAt) : key.createdAt;
  const day = Math.max(0, Math.floor((now.getTime() - since.getTime()) / DAY_MS));
  return { ruleId, timeline: t, day, since };
}

export function planEnforcement(input: PlanInput): Plan {
  const { policy, inventory, now } = input;
  const doc = policy.doc;
  const maxChanges = input.maxChanges ?? doc.enforcement?.maxChanges ?? DEFAULT_MAX_CHANGES;
  const named = new Set(doc.enforcement?.namedKeys ?? []);
  const globalBefore = doc.notifications?.notifyBefore ?? DEFAULT_NOTIFY_BEFORE;
  const rules = timelines(doc);
  const actions: PlannedAction[] = [];
  const notifications: PlannedNotification[] = [];
  const changedUsers = new Map<string, number>();
  let planned = 0;
  let inScopeCount = 0;
  let exempt = 0;

  const keys = [...inventory.keys].sort(
    (a, b) =>
      a.accountId.localeCompare(b.accountId) ||
      a.userName.localeCompare(b.userName) ||
      a.accessKeyId.localeCompare(b.accessKeyId),
  );
  const notify = (n: PlannedNotification) => {
    if (!input.sent.has(n.dedupeKey) && !notifications.some((m) => m.dedupeKey === n.dedupeKey))
      notifications.push(n);
  };

  for (const key of keys) {
    if (!inScope(doc, key)) continue;
    inScopeCount++;
    if (activeExemption(doc, key, now)) {
      exempt++;
      continue;
    }
    const owner = ownerOf(policy, key);
    // Who and what every notice about this key names.
    const about = { owner, accountId: key.accountId, userName: key.userName, accessKeyId: key.accessKeyId };
    const base = `${key.accountId}:${key.accessKeyId}`;
    const jobs = input.jobs.filter((j) => j.accountId === key.accountId && j.userName === key.userName);
    // A rotation job that still holds this key owns its deactivation and deletion. A failed one
    // waits for a person, so the owner hears of it once (else the key would sit there silently).
    const holder = jobs.find((j) => j.oldAccessKeyId === key.accessKeyId && !FINISHED.has(j.state));
    if (holder) {
      if (holder.state === "failed") {
        notify({
          dedupeKey: `stalled:${holder.id}`,
          kind: "stalled",
          ...about,
          ruleId: "access-key-rotation",
          stage: "rotate",
          deadline: isoDate(now),
          daysLeft: 0,
          reason: `rotation ${holder.id} of key ${maskKeyId(key.accessKeyId)} failed and waits for a person`,
          fix: `keywarden rotations show ${holder.id}, then keywarden rotate --resume ${holder.id} (or --rollback ${holder.id})`,
          actionId: null,
        });
      }
      continue;
    }
    let acted = false;

    for (const { ruleId, timeline } of rules) {
      // One rule speaks for a key per run: once one plans a change, the others add no message.
      if (acted) break;
      const p = point(ruleId, timeline, key, now);
      if (!p) continue;
      const reason = reasonFor(p, key);
      const stages = stagesFor(timeline, key);
      const warnDay = timeline.warn ?? 0;
      const targets = (timeline.rotateTo ?? []).map((t) => expandTarget(t, key.userName, key.accountId));
      const due = stages.filter((s) => s.day <= p.day);
      const next = stages.find((s) => s.day > p.day) ?? null;
      const dateOf = (day: number) => isoDate(addDays(p.since, day));

      // The one action this key gets in this run: the furthest stage that is due, in order.
      let action: ActionKind | null = null;
      if (due.length > 0) {
        const rotatedBefore = jobs.some((j) => j.oldAccessKeyId === key.accessKeyId);
        const wantsRotation = timeline.rotateTo !== undefined && key.status === "Active" && !rotatedBefore;
        const last = due[due.length - 1]?.stage;
        if (key.status === "Inactive") action = "delete";
        else if (wantsRotation) action = "rotate";
        else if (last === "deactivate" || last === "delete") action = "deactivate";
      }
      // Stages that are due but that no automatic action covers: tell the owner once.
      for (const s of due) {
        if (s.stage === action) continue;
        if (s.stage === "rotate" && action === "deactivate") continue;
        if (s.stage === "delete" && action === "deactivate") continue;
        if (s.stage === "deactivate" && action === "rotate") continue;
        if (s.stage === "delete" && action === "rotate") continue;
        notify({
          dedupeKey: `overdue:${base}:${ruleId}:${s.stage}`,
          kind: "overdue",
          ...about,
          ruleId,
          stage: s.stage,
          deadline: dateOf(s.day),
          daysLeft: s.day - p.day,
          reason,
          fix: fixFor(s.stage, key, targets),
          actionId: null,
        });
      }
      let rotating = false;
      if (action) {
        acted = true;
        const id = `${base}:${action}`;
        let skipReason: string | null = null;
        const recent = key.lastUsedAt !== null && now.getTime() - key.lastUsedAt.getTime() < RECENT_MS;
        const userKey = `${key.accountId}:${key.userName}`;
        if (action === "rotate" && jobs.some((j) => !FINISHED.has(j.state)))
          skipReason = "another rotation of this user is open";
        else if (action !== "rotate" && recent && timeline.touchRecentlyUsed !== true)
          skipReason = "used in the last 24 hours";
        else if (action !== "rotate" && (changedUsers.get(userKey) ?? 0) >= 1 && !named.has(key.accessKeyId))
          skipReason = "another key of this user changes in this run";
        else if (planned >= maxChanges) skipReason = `--max-changes ${maxChanges} reached`;
        if (skipReason === null) {
          planned++;
          rotating = action === "rotate";
          if (action !== "rotate") changedUsers.set(userKey, (changedUsers.get(userKey) ?? 0) + 1);
        }
        const fix = fixFor(action, key, targets);
        actions.push({
          id,
          kind: action,
          accountId: key.accountId,
          userName: key.userName,
          accessKeyId: key.accessKeyId,
          ruleId,
          day: p.day,
          reason,
          owner,
          status: skipReason ? "skipped" : "planned",
          skipReason,
          targets: action === "rotate" ? targets : [],
          observe: action === "rotate" && timeline.observe !== undefined ? String(timeline.observe) : null,
          soak: action === "rotate" && timeline.soak !== undefined ? String(timeline.soak) : null,
          fix,
          allowRecentlyUsed: timeline.touchRecentlyUsed === true,
        });
        // A change held back because the key is in use: the owner hears it once, with the fix.
        if (skipReason === "used in the last 24 hours") {
          const stageDay = stages.find((s) => s.stage === action)?.day ?? p.day;
          notify({
            dedupeKey: `overdue:${base}:${ruleId}:${action}`,
            kind: "overdue",
            ...about,
            ruleId,
            stage: action,
            deadline: dateOf(stageDay),
            daysLeft: stageDay - p.day,
            reason: `${reason}; it is still in use, so keywarden left it active`,
            fix,
            actionId: null,
          });
        }
        if (!skipReason) {
          const stageDay = stages.find((s) => s.stage === action)?.day ?? p.day;
          notify({
            dedupeKey: `action:${id}`,
            kind: "action",
            ...about,
            ruleId,
            stage: action,
            deadline: dateOf(stageDay),
            daysLeft: 0,
            reason,
            fix,
            actionId: id,
          });
        }
      }
      // Countdown to the next stage: one message per threshold crossed, the tightest one only.
      // A rotation that starts now takes the key's later stages over: no countdown to them.
      if (p.day < warnDay || rotating) continue;
      if (next) {
        const daysLeft = next.day - p.day;
        const before = timeline.notifyBefore ?? globalBefore;
        const crossed = before.filter((n) => daysLeft <= n);
        if (crossed.length === 0) continue;
        const n = Math.min(...crossed);
        notify({
          dedupeKey: `countdown:${base}:${ruleId}:${next.stage}:${n}`,
          kind: "countdown",
          ...about,
          ruleId,
          stage: next.stage,
          deadline: dateOf(next.day),
          daysLeft,
          reason,
          fix: fixFor(next.stage, key, targets),
          actionId: null,
        });
      } else if (timeline.warn !== undefined && stages.length === 0) {
        notify({
          dedupeKey: `warn:${base}:${ruleId}`,
          kind: "warn",
          ...about,
          ruleId,
          stage: "warn",
          deadline: dateOf(timeline.warn),
          daysLeft: 0,
          reason,
          fix: fixFor(key.status === "Active" ? "rotate" : "delete", key, targets),
          actionId: null,
        });
      }
    }
  }

  // Sets, not a scan of every key per finding: an account of thousands of failing users made that
  // quadratic.
  const usersInScope = new Set(
    inventory.keys.filter((k) => inScope(doc, k)).map((k) => `${k.accountId}\u0000${k.userName}`),
  );
  const usersWithKeys = new Set(inventory.keys.map((k) => k.userName));
  const findings = [
    ...input.findings.filter(
      (f) =>
        (f.result === "FAIL" || f.result === "WARN" || f.result === "ERROR") &&
        (f.userName === null ||
          usersInScope.has(`${f.accountId}\u0000${f.userName}`) ||
          !usersWithKeys.has(f.userName)),
    ),
    ...expiredExemptionFindings(doc, inventory.keys, now),
  ];
  return {
    generatedAt: now.toISOString(),
    policyFile: policy.file,
    maxChanges,
    keysInScope: inScopeCount,
    keysExempt: exempt,
    actions,
    notifications,
    findings,
  };
}
