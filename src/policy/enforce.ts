import { randomBytes } from "node:crypto";
import { ConflictError } from "../domain/errors.js";
import { maskKeyId } from "../domain/key-id.js";
import type { Finding, Inventory } from "../domain/types.js";
import type { Store } from "../store/types.js";
import type { Channel } from "../notify/channel.js";
import { safeError } from "../notify/channel.js";
import { dispatch, NOTIFICATION_KIND, retryFailed, type DispatchResult } from "../notify/dispatch.js";
import type { NotificationItem } from "../notify/message.js";
import type { LoadedPolicy } from "./load.js";
import { actionFacts, planEnforcement, type Plan, type PlannedAction } from "./plan.js";

// One enforcement run: the kill switch, the run lock, the plan, and with `apply` the changes,
// the records of each, the notifications and the rotation jobs that are due. Everything outside
// (AWS, the rotation engine, the channels, the clock) comes in as an argument.

export const PAUSE_SETTING = "enforce.paused";
export const LOCK_NAME = "enforce";
export const RUN_KIND = "enforcement-run";
export const ACTION_KIND = "enforcement-action";
const LOCK_MS = 30 * 60_000;

export interface EnforcePorts {
  /** The inventory and the audit's findings as of `now`. */
  collect(now: Date): Promise<{ inventory: Inventory; findings: Finding[] }>;
  deactivate(a: PlannedAction): Promise<void>;
  delete(a: PlannedAction): Promise<void>;
  /** Starts (and first advances) a rotation job through the rotation engine. */
  startRotation(a: PlannedAction): Promise<{ jobId: string; state: string; step: string }>;
  /** Advances every rotation job that is due; returns how many moved and how many failed. */
  advanceDueJobs(now: Date): Promise<{ advanced: number; failed: number }>;
}

export interface EnforceOptions {
  store: Store;
  policy: LoadedPolicy;
  ports: EnforcePorts;
  channels: Channel[];
  now: () => Date;
  apply: boolean;
  maxChanges?: number | undefined;
  /** Who holds the run lock: host:pid. */
  owner: string;
  /** Asked once before key changes are made; resolves true with --yes. */
  confirm?: (plan: Plan) => Promise<boolean>;
  log?: (line: string) => void;
}

export interface ActionOutcome {
  action: PlannedAction;
  status: "done" | "failed" | "skipped" | "not-run";
  error: string | null;
  jobId: string | null;
}

export interface EnforceResult {
  runId: string | null;
  paused: boolean;
  declined: boolean;
  plan: Plan;
  outcomes: ActionOutcome[];
  notifications: DispatchResult | null;
  retries: DispatchResult | null;
  jobs: { advanced: number; failed: number } | null;
}

function runIdAt(now: Date): string {
  return `enf-${now.getTime().toString(36)}-${randomBytes(3).toString("hex")}`;
}

async function isPaused(store: Store): Promise<boolean> {
  const v = await store.getSetting(PAUSE_SETTING);
  return v !== null && v !== "" && v !== "false";
}

async function listSent(store: Store): Promise<Set<string>> {
  return new Set((await store.listRecords(NOTIFICATION_KIND, { limit: 100_000 })).map((r) => r.id));
}

export async function planOnly(o: Omit<EnforceOptions, "apply">): Promise<{ plan: Plan; paused: boolean }> {
  const now = o.now();
  const { inventory, findings } = await o.ports.collect(now);
  const plan = planEnforcement({
    policy: o.policy,
    inventory,
    findings,
    now,
    sent: await listSent(o.store),
    jobs: await o.store.listJobs(),
    maxChanges: o.maxChanges,
  });
  return { plan, paused: await isPaused(o.store) };
}

async function execute(o: EnforceOptions, a: PlannedAction): Promise<ActionOutcome> {
  try {
    if (a.kind === "deactivate") await o.ports.deactivate(a);
    else if (a.kind === "delete") await o.ports.delete(a);
    else {
      const job = await o.ports.startRotation(a);
      return { action: a, status: job.state === "failed" ? "failed" : "done", error: null, jobId: job.jobId };
    }
    return { action: a, status: "done", error: null, jobId: null };
  } catch (e) {
    return { action: a, status: "failed", error: safeError(e), jobId: null };
  }
}

function outcomeText(out: ActionOutcome): string {
  if (out.action.kind === "rotate")
    return `rotation ${out.jobId ?? ""} started; the new key went to ${out.action.targets.join(", ")}; the old key is deactivated after the observe period`;
  return out.action.kind === "deactivate"
    ? "deactivated by keywarden enforce"
    : "deleted by keywarden enforce";
}

/** A dry run (apply false) or a real one. Throws ConflictError when another run holds the lock. */
export async function runEnforcement(o: EnforceOptions): Promise<EnforceResult> {
  const log = o.log ?? (() => undefined);
  if (!o.apply) {
    const { plan, paused } = await planOnly(o);
    return {
      runId: null,
      paused,
      declined: false,
      plan,
      outcomes: [],
      notifications: null,
      retries: null,
      jobs: null,
    };
  }
  const started = o.now();
  if (!(await o.store.acquireLock(LOCK_NAME, o.owner, LOCK_MS, started))) {
    throw new ConflictError(
      "ENFORCE_RUNNING",
      "another keywarden enforce run holds the enforcement lock",
      "Wait for it to finish (a crashed run's lock expires after 30 minutes), then run again.",
    );
  }
  try {
    const { plan, paused } = await planOnly(o);
    const empty = { runId: null, plan, outcomes: [], notifications: null, retries: null, jobs: null };
    if (paused) {
      log("enforcement is paused (`keywarden resume` turns it back on); nothing was changed or sent");
      return { ...empty, paused: true, declined: false };
    }
    const changes = plan.actions.filter((a) => a.status === "planned");
    if (changes.length > 0 && o.confirm && !(await o.confirm(plan))) {
      return { ...empty, paused: false, declined: true };
    }
    const runId = runIdAt(started);
    await o.store.putRecord({
      kind: RUN_KIND,
      id: runId,
      subject: o.policy.file,
      data: {
        status: "running",
        startedAt: started.toISOString(),
        planned: changes.length,
        notifications: plan.notifications.length,
      },
    });
    const outcomes: ActionOutcome[] = [];
    for (const a of plan.actions) {
      let out: ActionOutcome;
      // A long run keeps its lease; a run that lost it (expired, taken over) stops changing keys.
      const held = await o.store.acquireLock(LOCK_NAME, o.owner, LOCK_MS, o.now());
      if (a.status === "skipped") out = { action: a, status: "skipped", error: a.skipReason, jobId: null };
      else if (!held) out = { action: a, status: "not-run", error: "lost the enforcement lock", jobId: null };
      // The kill switch is read before every change, so `keywarden pause` stops a run mid-way.
      else if (await isPaused(o.store)) out = { action: a, status: "not-run", error: "paused", jobId: null };
      else out = await execute(o, a);
      outcomes.push(out);
      await o.store.putRecord({
        kind: ACTION_KIND,
        id: `${runId}:${a.id}`,
        subject: a.accessKeyId,
        data: {
          runId,
          at: o.now().toISOString(),
          ...actionFacts(a),
          status: out.status,
          error: out.error,
          jobId: out.jobId,
        },
      });
      if (out.status === "done") log(`${a.kind} ${a.userName} ${maskKeyId(a.accessKeyId)}: done`);
      if (out.status === "failed") log(`${a.kind} ${a.userName}: failed: ${out.error ?? ""}`);
    }
    const done = new Map(outcomes.filter((x) => x.status === "done").map((x) => [x.action.id, x]));
    const items: NotificationItem[] = plan.notifications
      .filter((n) => n.actionId === null || done.has(n.actionId))
      .map((n) => {
        const out = n.actionId ? done.get(n.actionId) : undefined;
        return out ? { ...n, outcome: outcomeText(out) } : { ...n };
      });
    const dOpts = {
      store: o.store,
      channels: o.channels,
      now: o.now,
      digest: o.policy.doc.notifications?.digest === true,
      runId,
    };
    const notifications = await dispatch(dOpts, items);
    const retries = await retryFailed(dOpts);
    for (const e of [...notifications.errors, ...retries.errors])
      log(`notification channel ${e.channel} failed: ${e.error} (retried next run)`);
    const jobs = (await isPaused(o.store)) ? null : await o.ports.advanceDueJobs(o.now());
    await o.store.putRecord({
      kind: RUN_KIND,
      id: runId,
      subject: o.policy.file,
      data: {
        status: "done",
        startedAt: started.toISOString(),
        finishedAt: o.now().toISOString(),
        planned: changes.length,
        done: outcomes.filter((x) => x.status === "done").length,
        failed: outcomes.filter((x) => x.status === "failed").length,
        skipped: outcomes.filter((x) => x.status === "skipped").length,
        notificationsSent: notifications.sent + retries.sent,
        notificationsFailed: notifications.failed + retries.failed,
        jobsAdvanced: jobs?.advanced ?? 0,
      },
    });
    return { runId, paused: false, declined: false, plan, outcomes, notifications, retries, jobs };
  } finally {
    await o.store.releaseLock(LOCK_NAME, o.owner);
  }
}
