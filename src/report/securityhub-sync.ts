// `audit --to securityhub`: the audit's findings into AWS Security Hub, so they show up where the
// security team already looks. Ids are stable (finding-facts.ts), so a re-run updates the same
// findings instead of adding copies. What is sent, by what Security Hub already holds:
//   failing (FAIL, WARN, ERROR), not there yet   -> imported (Workflow NEW)
//   failing, already there                        -> updated (first-seen time kept, workflow left alone)
//   passing, there and not yet resolved           -> resolved: Compliance PASSED, Workflow RESOLVED
//   passing, not there                            -> not sent (nothing to resolve, nothing to see)
//   there, but no longer found (key deleted...)   -> resolved: archived (RecordState ARCHIVED)
// BatchImportFindings takes 100 findings a call; throttling is retried by the SDK's adaptive
// retry; a finding Security Hub refuses (FailedFindings) is reported by id and the rest go on.
// On AWS a provider's BatchImportFindings cannot change the Workflow of an existing finding, so
// the resolved ones also get BatchUpdateFindings (Workflow RESOLVED), as a customer would.

import type { AuditReport } from "../domain/audit-report.js";
import { toAsffFindings, type AsffFinding } from "./asff.js";
import type { FindingOptions } from "./finding-facts.js";

/** The IAM actions `audit --to securityhub` adds to the audit's own. */
export const SECURITY_HUB_PERMISSIONS = [
  "securityhub:GetFindings",
  "securityhub:BatchImportFindings",
  "securityhub:BatchUpdateFindings",
] as const;

export const BATCH_SIZE = 100;

/**
 * A finding as GetFindings returns it: keywarden's fields (those it reads may be missing when
 * someone else wrote the finding) plus whatever Security Hub added.
 */
export type StoredFinding = Omit<AsffFinding, "Workflow" | "Compliance" | "RecordState"> & {
  Workflow?: { Status?: string };
  Compliance?: { Status?: string };
  RecordState?: string;
} & Record<string, unknown>;

export interface Refusal {
  id: string;
  code: string;
  message: string;
}

export interface SecurityHubPort {
  region: string;
  /** keywarden's findings Security Hub holds for these accounts. */
  existing(accountIds: string[]): Promise<StoredFinding[]>;
  /** One BatchImportFindings call (at most BATCH_SIZE findings). */
  import(findings: AsffFinding[]): Promise<{ success: number; failed: Refusal[] }>;
  /** One BatchUpdateFindings call setting Workflow RESOLVED; returns the unprocessed ones. */
  resolveWorkflow(ids: { id: string; productArn: string }[]): Promise<Refusal[]>;
  destroy(): void;
}

export interface SyncResult {
  imported: number;
  updated: number;
  resolved: number;
  /** Already resolved passing checks, left as they are. */
  unchanged: number;
  /** Passing checks Security Hub never had: not sent. */
  passingNotSent: number;
  /** Findings of accounts other than the caller's: Security Hub takes a finding only from its own account. */
  otherAccounts: number;
  batches: number;
  /** Findings Security Hub refused, by id. */
  failed: Refusal[];
  /** Resolved findings whose workflow BatchUpdateFindings could not set. */
  workflowNotSet: Refusal[];
}

type Action = "imported" | "updated" | "resolved";

/** The fields keywarden writes, picked from a stored finding (GetFindings adds read-only ones). */
function ownFields(f: StoredFinding): AsffFinding {
  const keep: (keyof AsffFinding)[] = [
    "SchemaVersion",
    "Id",
    "ProductArn",
    "GeneratorId",
    "AwsAccountId",
    "Types",
    "CreatedAt",
    "UpdatedAt",
    "FirstObservedAt",
    "LastObservedAt",
    "Severity",
    "Title",
    "Description",
    "Remediation",
    "ProductFields",
    "Resources",
    "Compliance",
    "Workflow",
    "RecordState",
    "ProductName",
    "CompanyName",
    "Region",
    "FindingProviderFields",
  ];
  const out: Record<string, unknown> = {};
  for (const k of keep) if (f[k] !== undefined) out[k] = f[k];
  return out as unknown as AsffFinding;
}

function isResolved(f: StoredFinding): boolean {
  return f.Workflow?.Status === "RESOLVED" || f.RecordState === "ARCHIVED";
}

export interface SyncPlan {
  send: { finding: AsffFinding; action: Action }[];
  unchanged: number;
  passingNotSent: number;
  otherAccounts: number;
}

/** What to send, from the report and what Security Hub holds. Pure. */
export function planSync(
  report: AuditReport,
  existing: StoredFinding[],
  opts: FindingOptions & { callerAccountId: string; now: Date },
): SyncPlan {
  const held = new Map(existing.map((f) => [f.Id, f]));
  const all = toAsffFindings(report, opts);
  const mine = all.filter((f) => f.AwsAccountId === opts.callerAccountId);
  const plan: SyncPlan = {
    send: [],
    unchanged: 0,
    passingNotSent: 0,
    otherAccounts: all.length - mine.length,
  };
  const seen = new Set<string>();
  for (const f of mine) {
    seen.add(f.Id);
    const before = held.get(f.Id);
    // The first time Security Hub saw it stays its creation and first-observed time.
    const kept = before
      ? { ...f, CreatedAt: before.CreatedAt, FirstObservedAt: before.FirstObservedAt ?? before.CreatedAt }
      : f;
    if (f.Compliance.Status === "PASSED") {
      if (!before) plan.passingNotSent++;
      else if (before.Compliance?.Status === "PASSED" && isResolved(before)) plan.unchanged++;
      else plan.send.push({ finding: kept, action: "resolved" });
    } else if (!before) {
      plan.send.push({ finding: f, action: "imported" });
    } else {
      const reopened = before.Compliance?.Status === "PASSED" || before.RecordState === "ARCHIVED";
      // Workflow is the security team's (NOTIFIED, SUPPRESSED...): left alone unless the check failed again.
      const update: AsffFinding = reopened ? { ...kept, Workflow: { Status: "NEW" } } : { ...kept };
      if (!reopened) delete (update as Partial<AsffFinding>).Workflow;
      plan.send.push({ finding: update, action: "updated" });
    }
  }
  const covered = new Set(report.accounts.map((a) => a.accountId));
  const now = opts.now.toISOString();
  for (const f of existing) {
    if (seen.has(f.Id) || !covered.has(f.AwsAccountId) || f.RecordState === "ARCHIVED") continue;
    // Held but no longer found (the key or user is gone, a collection error cleared): archived.
    plan.send.push({
      finding: { ...ownFields(f), UpdatedAt: now, RecordState: "ARCHIVED", Workflow: { Status: "RESOLVED" } },
      action: "resolved",
    });
  }
  return plan;
}

export async function syncToSecurityHub(
  report: AuditReport,
  port: SecurityHubPort,
  opts: FindingOptions & {
    callerAccountId: string;
    now: Date;
    onProgress?: (done: number, total: number) => void;
  },
): Promise<SyncResult> {
  const existing = await port.existing([opts.callerAccountId]);
  const plan = planSync(report, existing, opts);
  const result: SyncResult = {
    imported: 0,
    updated: 0,
    resolved: 0,
    unchanged: plan.unchanged,
    passingNotSent: plan.passingNotSent,
    otherAccounts: plan.otherAccounts,
    batches: 0,
    failed: [],
    workflowNotSet: [],
  };
  for (let i = 0; i < plan.send.length; i += BATCH_SIZE) {
    const batch = plan.send.slice(i, i + BATCH_SIZE);
    const r = await port.import(batch.map((b) => b.finding));
    result.batches++;
    const refused = new Set(r.failed.map((x) => x.id));
    result.failed.push(...r.failed);
    for (const b of batch) if (!refused.has(b.finding.Id)) result[b.action]++;
    opts.onProgress?.(Math.min(i + BATCH_SIZE, plan.send.length), plan.send.length);
  }
  const refused = new Set(result.failed.map((x) => x.id));
  const toResolve = plan.send
    .filter((b) => b.action === "resolved" && !refused.has(b.finding.Id))
    .map((b) => ({ id: b.finding.Id, productArn: b.finding.ProductArn }));
  for (let i = 0; i < toResolve.length; i += BATCH_SIZE) {
    result.workflowNotSet.push(...(await port.resolveWorkflow(toResolve.slice(i, i + BATCH_SIZE))));
  }
  return result;
}
