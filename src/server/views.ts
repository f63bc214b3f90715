import type { AuditKeyView, AuditReport } from "../domain/audit-report.js";
import { SEVERITIES, type Finding, type LastUsedSource, type Severity } from "../domain/types.js";
import type { KeysReport } from "../report/keys.js";
import type { JobEvent, RotationJob, StoredRecord } from "../store/types.js";
import { accountSummaries, fixFirst, type AccountSummary, type FixItem } from "./findings-view.js";

// Pure shapes the API serves beyond the CLI's own contracts: the overview and one key's page.
// Time comes in as `now`; nothing here reads a clock or the store.

const DAY_MS = 86_400_000;
/** Keys whose rotation falls due within this many days are listed on the overview. */
export const DUE_WINDOW_DAYS = 30;

export interface ActivityItem {
  at: string;
  kind: "rotation" | "audit" | "incident" | "scan" | "action";
  text: string;
  /** The dashboard route this item links to, e.g. "rotations/rot-abc". */
  ref: string | null;
  /** A rotation's steps, oldest first: one item per job, not one per step. */
  steps?: { at: string; text: string }[];
}

export interface AgeBin {
  label: string;
  minDays: number;
  maxDays: number | null;
  active: number;
  inactive: number;
}

export interface DueKey {
  accountId: string;
  userName: string;
  accessKeyId: string;
  ageDays: number;
  dueAt: string;
  daysLeft: number;
}

export interface Overview {
  schemaVersion: 1;
  generatedAt: string;
  audit: { generatedAt: string; accounts: number; users: number; keys: number } | null;
  rotationDays: number;
  /** Findings that are not PASS, by severity. */
  findingsBySeverity: Record<Severity, number>;
  keyAgeHistogram: AgeBin[];
  /** Active keys whose rotation is due within DUE_WINDOW_DAYS, soonest first. */
  dueSoon: DueKey[];
  /** Active keys already past their rotation age. */
  overdue: number;
  rotations: { running: number; waiting: number; failed: number };
  recentActivity: ActivityItem[];
  /** Overdue keys and the worst open findings, ranked by severity, then age. */
  fixFirst: FixItem[];
  /** Every account of the audit with its counts (several: an organization audit). */
  accounts: AccountSummary[];
}

const BINS: [string, number, number | null][] = [
  ["0-30", 0, 30],
  ["31-60", 31, 60],
  ["61-90", 61, 90],
  ["91-180", 91, 180],
  ["181-365", 181, 365],
  ["366+", 366, null],
];

export function keyAgeHistogram(keys: AuditKeyView[]): AgeBin[] {
  return BINS.map(([label, minDays, maxDays]) => {
    const inBin = keys.filter((k) => k.ageDays >= minDays && (maxDays === null || k.ageDays <= maxDays));
    return {
      label,
      minDays,
      maxDays,
      active: inBin.filter((k) => k.status === "Active").length,
      inactive: inBin.filter((k) => k.status !== "Active").length,
    };
  });
}

function dueDate(k: AuditKeyView, rotationDays: number): Date {
  return new Date(new Date(k.createdAt).getTime() + rotationDays * DAY_MS);
}

export function overview(input: {
  now: Date;
  report: AuditReport | null;
  rotationDays: number;
  jobs: RotationJob[];
  activity: ActivityItem[];
}): Overview {
  const { now, report, rotationDays } = input;
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of report?.findings ?? []) if (f.result !== "PASS") counts[f.severity]++;
  const active = (report?.keys ?? []).filter((k) => k.status === "Active");
  const horizon = now.getTime() + DUE_WINDOW_DAYS * DAY_MS;
  const dueSoon = active
    .map((k) => ({ k, due: dueDate(k, rotationDays) }))
    .filter(({ due }) => due.getTime() >= now.getTime() && due.getTime() <= horizon)
    .sort((a, b) => a.due.getTime() - b.due.getTime())
    .map(({ k, due }) => ({
      accountId: k.accountId,
      userName: k.userName,
      accessKeyId: k.accessKeyId,
      ageDays: k.ageDays,
      dueAt: due.toISOString(),
      daysLeft: Math.floor((due.getTime() - now.getTime()) / DAY_MS),
    }));
  const overdue = active.filter((k) => dueDate(k, rotationDays).getTime() < now.getTime()).length;
  const byState = (s: string) => input.jobs.filter((j) => j.state === s).length;
  return {
    schemaVersion: 1,
    generatedAt: now.toISOString(),
    audit: report
      ? {
          generatedAt: report.generatedAt,
          accounts: report.accounts.length,
          users: report.accounts.reduce((n, a) => n + a.users, 0),
          keys: report.keys.length,
        }
      : null,
    rotationDays,
    findingsBySeverity: counts,
    keyAgeHistogram: keyAgeHistogram(report?.keys ?? []),
    dueSoon,
    overdue,
    rotations: { running: byState("running"), waiting: byState("waiting"), failed: byState("failed") },
    recentActivity: [...input.activity].sort((a, b) => b.at.localeCompare(a.at)).slice(0, 20),
    fixFirst: fixFirst(report, rotationDays, now),
    accounts: accountSummaries(report, rotationDays, now),
  };
}

/** Activity from what the store keeps: rotation events, saved audits, incidents, scans, dashboard actions. */
export function activityFrom(input: {
  jobEvents: { job: RotationJob; events: JobEvent[] }[];
  audits: StoredRecord[];
  incidents: StoredRecord[];
  scans: StoredRecord[];
  actions: StoredRecord[];
}): ActivityItem[] {
  return [
    ...rotationLines(input.jobEvents),
    ...input.audits.map(auditLine),
    ...input.incidents.map(incidentLine),
    ...input.scans.map(scanLine),
    ...input.actions.map(actionLine),
  ];
}

/** One entry per rotation, dated by its latest step, with its steps inside. */
export function rotationLines(jobEvents: { job: RotationJob; events: JobEvent[] }[]): ActivityItem[] {
  const items: ActivityItem[] = [];
  for (const { job, events } of jobEvents) {
    if (events.length === 0) continue;
    const steps = [...events].sort((a, b) => a.at.localeCompare(b.at));
    const last = steps[steps.length - 1];
    if (!last) continue;
    items.push({
      at: last.at,
      kind: "rotation",
      text: `${job.userName}: rotation ${job.id} ${job.state}, ${steps.length} step${steps.length === 1 ? "" : "s"} (last: ${last.action})`,
      ref: `rotations/${job.id}`,
      steps: steps.map((e) => ({ at: e.at, text: e.action })),
    });
  }
  return items;
}

// One line per stored record. The server keeps them per record version (view-cache.ts): an
// audit's line counts its open findings, which needs the whole audit parsed.
export function auditLine(r: StoredRecord): ActivityItem {
  const findings = Array.isArray(r.data.findings) ? (r.data.findings as Finding[]) : [];
  const open = findings.filter((f) => f.result !== "PASS").length;
  return {
    at: r.createdAt,
    kind: "audit",
    text: `audit of ${r.subject ?? "?"}: ${open} findings`,
    ref: null,
  };
}

export function incidentLine(r: StoredRecord): ActivityItem {
  return { at: r.createdAt, kind: "incident", text: `incident ${r.id}`, ref: `incidents/${r.id}` };
}

export function scanLine(r: StoredRecord): ActivityItem {
  return { at: r.createdAt, kind: "scan", text: `scan of ${r.subject ?? "?"}`, ref: `scans/${r.id}` };
}

export function actionLine(r: StoredRecord): ActivityItem {
  const d = r.data as { action?: string; target?: string; outcome?: string };
  return {
    at: r.createdAt,
    kind: "action",
    text: `dashboard: ${d.action ?? "?"} ${d.target ?? ""} (${d.outcome ?? "?"})`.replace("  ", " "),
    ref: null,
  };
}

/** The `keywarden keys --format json` contract, from a stored audit. */
export function keysReport(report: AuditReport, sources: Record<string, LastUsedSource>): KeysReport {
  return {
    schemaVersion: 1,
    generatedAt: report.generatedAt,
    // The `keys --format json` contract: the audit-only blastRadius and risk stay in GET /audit.
    keys: report.keys.map((k) => ({
      accountId: k.accountId,
      userName: k.userName,
      accessKeyId: k.accessKeyId,
      status: k.status,
      createdAt: k.createdAt,
      lastUsedAt: k.lastUsedAt,
      lastUsedService: k.lastUsedService,
      lastUsedRegion: k.lastUsedRegion,
      ageDays: k.ageDays,
      lastUsedSource: sources[k.accessKeyId] ?? "credential-report",
    })),
    stats: report.stats,
  };
}

export interface KeyPage {
  schemaVersion: 1;
  accessKeyId: string;
  key: (AuditKeyView & { lastUsedSource: string }) | null;
  findings: Finding[];
  timeline: { at: string; kind: string; text: string }[];
  rotations: Record<string, unknown>[];
  incidents: { id: string; createdAt: string }[];
}

export function keyPage(input: {
  accessKeyId: string;
  report: AuditReport | null;
  sources: Record<string, LastUsedSource>;
  jobs: { view: Record<string, unknown>; job: RotationJob; events: JobEvent[] }[];
  incidents: StoredRecord[];
}): KeyPage | null {
  const { accessKeyId, report } = input;
  const k = report?.keys.find((x) => x.accessKeyId === accessKeyId) ?? null;
  if (!k && input.jobs.length === 0 && input.incidents.length === 0) return null;
  const timeline: KeyPage["timeline"] = [];
  if (k) {
    timeline.push({ at: k.createdAt, kind: "created", text: `created for ${k.userName}` });
    if (k.lastUsedAt) {
      timeline.push({
        at: k.lastUsedAt,
        kind: "last-used",
        text: `last used: ${k.lastUsedService ?? "?"} in ${k.lastUsedRegion ?? "?"}`,
      });
    }
  }
  if (report) timeline.push({ at: report.generatedAt, kind: "audited", text: "audited" });
  for (const { job, events } of input.jobs) {
    const role = job.oldAccessKeyId === accessKeyId ? "old key" : "new key";
    for (const e of events) {
      timeline.push({ at: e.at, kind: "rotation", text: `rotation ${job.id} (${role}): ${e.action}` });
    }
  }
  for (const r of input.incidents)
    timeline.push({ at: r.createdAt, kind: "incident", text: `incident ${r.id}` });
  timeline.sort((a, b) => a.at.localeCompare(b.at));
  return {
    schemaVersion: 1,
    accessKeyId,
    key: k ? { ...k, lastUsedSource: input.sources[k.accessKeyId] ?? "credential-report" } : null,
    findings: (report?.findings ?? []).filter((f) => f.accessKeyId === accessKeyId),
    timeline,
    rotations: input.jobs.map((j) => j.view),
    incidents: input.incidents.map((r) => ({ id: r.id, createdAt: r.createdAt })),
  };
}
