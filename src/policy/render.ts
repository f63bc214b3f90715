import { maskKeyId } from "../domain/key-id.js";
import type { EnforceResult } from "./enforce.js";
import { actionFacts, type Plan } from "./plan.js";
import { plainTable as table } from "../report/plain-table.js";

// The plan and the run, as a table for people and JSON for machines. Pure.

export function planJson(result: EnforceResult): Record<string, unknown> {
  const p = result.plan;
  return {
    schemaVersion: 1,
    runId: result.runId,
    applied: result.runId !== null,
    paused: result.paused,
    generatedAt: p.generatedAt,
    policyFile: p.policyFile,
    maxChanges: p.maxChanges,
    keysInScope: p.keysInScope,
    keysExempt: p.keysExempt,
    actions: p.actions.map((a) => {
      const out = result.outcomes.find((o) => o.action.id === a.id);
      return {
        ...actionFacts(a),
        status: out ? out.status : a.status,
        skipReason: a.skipReason,
        error: out?.error ?? null,
        jobId: out?.jobId ?? null,
        targets: a.targets,
        reason: a.reason,
        fix: a.fix,
      };
    }),
    notifications: p.notifications.map((n) => ({
      dedupeKey: n.dedupeKey,
      kind: n.kind,
      owner: n.owner,
      userName: n.userName,
      accessKeyId: n.accessKeyId,
      stage: n.stage,
      deadline: n.deadline,
      daysLeft: n.daysLeft,
      reason: n.reason,
      fix: n.fix,
    })),
    findings: p.findings,
    delivery: result.notifications
      ? {
          sent: result.notifications.sent + (result.retries?.sent ?? 0),
          failed: result.notifications.failed + (result.retries?.failed ?? 0),
          retried: result.retries?.retried ?? 0,
          errors: [...result.notifications.errors, ...(result.retries?.errors ?? [])],
        }
      : null,
    rotationJobs: result.jobs,
  };
}

export function planTable(result: EnforceResult): string {
  const p: Plan = result.plan;
  const out: string[] = [];
  const applied = result.runId !== null;
  out.push(
    applied
      ? `Enforcement run ${result.runId ?? ""}`
      : "Enforcement plan (dry run: nothing is changed or sent; --apply carries it out)",
    `Policy ${p.policyFile}: ${p.keysInScope} keys in scope, ${p.keysExempt} exempt; at most ${p.maxChanges} changes a run.`,
  );
  if (result.paused) out.push("Enforcement is PAUSED: `keywarden resume` turns it back on.");
  out.push("", p.actions.length ? "Key changes:" : "Key changes: none");
  if (p.actions.length) {
    const rows = [["ACTION", "USER", "KEY", "RULE", "DAY", "STATUS"]];
    for (const a of p.actions) {
      const o = result.outcomes.find((x) => x.action.id === a.id);
      const status = o
        ? `${o.status}${o.error ? ` (${o.error})` : ""}${o.jobId ? ` ${o.jobId}` : ""}`
        : a.status === "skipped"
          ? `skipped (${a.skipReason ?? ""})`
          : "planned";
      rows.push([a.kind, a.userName, maskKeyId(a.accessKeyId), a.ruleId, String(a.day), status]);
    }
    out.push(table(rows));
  }
  out.push("", p.notifications.length ? "Notifications:" : "Notifications: none new");
  if (p.notifications.length) {
    const rows = [["KIND", "OWNER", "USER", "KEY", "STAGE", "DEADLINE"]];
    for (const n of p.notifications)
      rows.push([n.kind, n.owner ?? "-", n.userName, maskKeyId(n.accessKeyId), n.stage, n.deadline]);
    out.push(table(rows));
  }
  const expired = p.findings.filter((f) => f.ruleId === "policy-exemption-expired");
  if (expired.length) out.push("", ...expired.map((f) => `FAIL ${f.ruleId}: ${f.message}`));
  if (result.notifications) {
    const sent = result.notifications.sent + (result.retries?.sent ?? 0);
    const failed = result.notifications.failed + (result.retries?.failed ?? 0);
    out.push("", `Delivered ${sent} notification(s); ${failed} failed and will be retried next run.`);
  }
  if (result.jobs)
    out.push(`Rotation jobs advanced: ${result.jobs.advanced}; failed: ${result.jobs.failed}.`);
  return `${out.join("\n")}\n`;
}
