import type { AuditKeyView, AuditReport } from "../domain/audit-report.js";
import { severityRank } from "../domain/severity.js";
import { SEVERITIES, type Finding, type FindingResult, type Severity } from "../domain/types.js";
import { findingId } from "../report/finding-facts.js";
import { getRule } from "../rules/registry.js";

// The dashboard's findings: every open one (FAIL, WARN, ERROR), account- and user-level included,
// filterable; "Fix first", the riskiest keys, overdue keys and worst findings in one ranked list;
// and the accounts of an organization audit with their counts. Pure: time comes in as `now`.

const DAY_MS = 86_400_000;
/** How many entries "Fix first" shows. */
export const FIX_FIRST_LIMIT = 10;

export interface FindingView extends Finding {
  /** Stable id, the one `--format ocsf|asff` and Security Hub use. */
  id: string;
  title: string;
  cis: { v3: string | null; v5: string | null; v7: string | null } | null;
  securityHub: string[];
  /** Age of the finding's key, for key-level findings. */
  ageDays: number | null;
}

export interface FindingFilters {
  severity: Severity[];
  rule: string | null;
  account: string | null;
  user: string | null;
}

export interface FindingsPage {
  schemaVersion: 1;
  /** When the audit ran; null when none is stored. */
  generatedAt: string | null;
  /** Open findings of the audit, before the filters. */
  total: number;
  filters: FindingFilters;
  findings: FindingView[];
  /** What there is to filter on, counted over every open finding. */
  facets: {
    severity: Record<Severity, number>;
    rules: { id: string; title: string; count: number }[];
    accounts: { id: string; count: number }[];
    users: { name: string; count: number }[];
  };
}

const RESULT_RANK: Record<FindingResult, number> = { FAIL: 3, ERROR: 2, WARN: 1, PASS: 0 };

function titleOf(ruleId: string): string {
  return getRule(ruleId)?.meta.title ?? "IAM data keywarden needs could not be collected";
}

function keyIndex(report: AuditReport): Map<string, AuditKeyView> {
  return new Map(report.keys.map((k) => [`${k.accountId}/${k.accessKeyId}`, k]));
}

export function findingView(f: Finding, keys: Map<string, AuditKeyView>): FindingView {
  const meta = getRule(f.ruleId)?.meta;
  const key = f.accessKeyId === null ? undefined : keys.get(`${f.accountId}/${f.accessKeyId}`);
  return {
    ...f,
    id: findingId(f),
    title: titleOf(f.ruleId),
    cis: meta ? { ...meta.cis } : null,
    securityHub: meta ? [...meta.securityHub] : [],
    ageDays: key?.ageDays ?? null,
  };
}

/** Most severe first, then FAIL before ERROR before WARN, then the oldest key first. */
export function compareOpen(a: FindingView, b: FindingView): number {
  return (
    severityRank(b.severity) - severityRank(a.severity) ||
    RESULT_RANK[b.result] - RESULT_RANK[a.result] ||
    (b.ageDays ?? -1) - (a.ageDays ?? -1) ||
    a.accountId.localeCompare(b.accountId) ||
    (a.userName ?? "").localeCompare(b.userName ?? "") ||
    a.ruleId.localeCompare(b.ruleId)
  );
}

function counted<T extends string>(values: T[]): { value: T; count: number }[] {
  const m = new Map<T, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return [...m.entries()].map(([value, count]) => ({ value, count }));
}

/** Parses `?severity=critical,high&rule=...&account=...&user=...`; a string is the problem. */
export function parseFindingFilters(q: Record<string, string | undefined>): FindingFilters | string {
  const severity = (q.severity ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  const unknown = severity.filter((s) => !(SEVERITIES as readonly string[]).includes(s));
  if (unknown.length > 0) return `unknown severity ${unknown.join(", ")}: use ${SEVERITIES.join(", ")}`;
  const one = (v: string | undefined) => (v === undefined || v.trim() === "" ? null : v.trim());
  return { severity: severity as Severity[], rule: one(q.rule), account: one(q.account), user: one(q.user) };
}

export function findingsPage(report: AuditReport | null, filters: FindingFilters): FindingsPage {
  const keys = report ? keyIndex(report) : new Map<string, AuditKeyView>();
  const open = (report?.findings ?? []).filter((f) => f.result !== "PASS").map((f) => findingView(f, keys));
  const shown = open
    .filter((f) => filters.severity.length === 0 || filters.severity.includes(f.severity))
    .filter((f) => filters.rule === null || f.ruleId === filters.rule)
    .filter((f) => filters.account === null || f.accountId === filters.account)
    .filter((f) => filters.user === null || f.userName === filters.user)
    .sort(compareOpen);
  const severity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of open) severity[f.severity]++;
  return {
    schemaVersion: 1,
    generatedAt: report?.generatedAt ?? null,
    total: open.length,
    filters,
    findings: shown,
    facets: {
      severity,
      rules: counted(open.map((f) => f.ruleId))
        .map(({ value, count }) => ({ id: value, title: titleOf(value), count }))
        .sort((a, b) => b.count - a.count || a.id.localeCompare(b.id)),
      accounts: counted(open.map((f) => f.accountId))
        .map(({ value, count }) => ({ id: value, count }))
        .sort((a, b) => a.id.localeCompare(b.id)),
      users: counted(open.flatMap((f) => (f.userName === null ? [] : [f.userName])))
        .map(({ value, count }) => ({ name: value, count }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    },
  };
}

/** The factor of a key's risk score that weighs most, as the list shows it. */
export interface FixFactor {
  name: string;
  value: string | number | boolean;
  points: number;
}

export interface FixItem {
  /** The worst open finding's severity; null for a key listed for its risk alone. */
  severity: Severity | null;
  result: FindingResult | null;
  ruleId: string;
  title: string;
  accountId: string;
  userName: string | null;
  accessKeyId: string | null;
  /** The key's age, for key-level items. */
  ageDays: number | null;
  /** Days past the rotation age, for active keys that are overdue. */
  overdueDays: number | null;
  message: string;
  /** Other open findings on the same key, user or account. */
  others: number;
  /** The dashboard route that shows it: a key's page, or the findings of a user or account. */
  ref: string;
  /** The key's risk score (0-100) when the stored audit carries one; null otherwise. */
  risk: number | null;
  /** The key's most severe blast-radius class, when the audit could read its policies. */
  radius: string | null;
  /** The three factors that gave the most points, heaviest first. */
  factors: FixFactor[];
}

function subjectOf(f: { accountId: string; userName: string | null; accessKeyId: string | null }): string {
  return f.accessKeyId !== null
    ? `key:${f.accountId}/${f.accessKeyId}`
    : f.userName !== null
      ? `user:${f.accountId}/${f.userName}`
      : `account:${f.accountId}`;
}

function refOf(f: { accountId: string; userName: string | null; accessKeyId: string | null }): string {
  if (f.accessKeyId !== null) return `keys/${f.accessKeyId}`;
  const q = new URLSearchParams({
    account: f.accountId,
    ...(f.userName === null ? {} : { user: f.userName }),
  });
  return `findings?${q.toString()}`;
}

function riskOfKey(k: AuditKeyView | undefined): Pick<FixItem, "risk" | "radius" | "factors"> {
  if (!k?.risk) return { risk: null, radius: null, factors: [] };
  return {
    risk: k.risk.score,
    radius: k.blastRadius?.classes[0] ?? null,
    factors: k.risk.factors
      .filter((f) => f.points > 0)
      .sort((a, b) => b.points - a.points)
      .slice(0, 3)
      .map((f) => ({ name: f.name, value: f.value, points: f.points })),
  };
}

/**
 * One entry per key, user or account: its worst open finding (advice, severity info, left out),
 * every active key past its rotation age even when the audit judged it with other thresholds, and,
 * when the audit scored its keys, every key with a risk score above zero.
 *
 * Order, when the audit carries risk scores: critical findings that are no one key's (the root
 * user's keys or MFA put every key of the account at stake) first; then keys by risk score, highest
 * first, ties by age; then the remaining user and account findings by severity. Without scores (an
 * audit stored before they existed): by severity, then age (days overdue, else the key's age),
 * FAIL before ERROR before WARN.
 */
export function fixFirst(report: AuditReport | null, rotationDays: number, now: Date): FixItem[] {
  if (!report) return [];
  const keys = keyIndex(report);
  const bySubject = new Map<string, { worst: FindingView; count: number }>();
  for (const f of report.findings) {
    if (f.result === "PASS" || f.severity === "info") continue;
    const v = findingView(f, keys);
    const s = subjectOf(f);
    const prev = bySubject.get(s);
    if (!prev) bySubject.set(s, { worst: v, count: 1 });
    else {
      prev.count++;
      if (compareOpen(v, prev.worst) < 0) prev.worst = v;
    }
  }
  const overdueOf = (k: AuditKeyView) => {
    const due = new Date(k.createdAt).getTime() + rotationDays * DAY_MS;
    return k.status === "Active" && due < now.getTime() ? Math.floor((now.getTime() - due) / DAY_MS) : null;
  };
  const items: FixItem[] = [...bySubject.values()].map(({ worst, count }) => {
    const key = worst.accessKeyId === null ? undefined : keys.get(`${worst.accountId}/${worst.accessKeyId}`);
    return {
      severity: worst.severity,
      result: worst.result,
      ruleId: worst.ruleId,
      title: worst.title,
      accountId: worst.accountId,
      userName: worst.userName,
      accessKeyId: worst.accessKeyId,
      ageDays: worst.ageDays,
      overdueDays: key ? overdueOf(key) : null,
      message: worst.message,
      others: count - 1,
      ref: refOf(worst),
      ...riskOfKey(key),
    };
  });
  const rotation = getRule("access-key-rotation")?.meta;
  for (const k of report.keys) {
    if (bySubject.has(subjectOf(k))) continue;
    const overdue = overdueOf(k);
    if (overdue !== null) {
      items.push({
        severity: rotation?.severity ?? "medium",
        result: "FAIL",
        ruleId: "access-key-rotation",
        title: rotation?.title ?? "Active access keys are rotated within the rotation period",
        accountId: k.accountId,
        userName: k.userName,
        accessKeyId: k.accessKeyId,
        ageDays: k.ageDays,
        overdueDays: overdue,
        message: `Active access key of user ${k.userName} is ${overdue} days past its ${rotationDays}-day rotation.`,
        others: 0,
        ref: refOf(k),
        ...riskOfKey(k),
      });
    } else if ((k.risk?.score ?? 0) > 0) {
      // No finding, but what the key can do puts it on the list (an administrator's new key).
      const radius = k.blastRadius?.classes[0] ?? "unknown";
      items.push({
        severity: null,
        result: null,
        ruleId: "risk",
        title: `Blast radius: ${radius}`,
        accountId: k.accountId,
        userName: k.userName,
        accessKeyId: k.accessKeyId,
        ageDays: k.ageDays,
        overdueDays: null,
        message: `Access key of user ${k.userName} scores ${k.risk?.score ?? 0} (blast radius ${radius}).`,
        others: 0,
        ref: refOf(k),
        ...riskOfKey(k),
      });
    }
  }
  const age = (i: FixItem) => i.overdueDays ?? i.ageDays ?? -1;
  const bySeverity = (a: FixItem, b: FixItem) =>
    severityRank(b.severity ?? "info") - severityRank(a.severity ?? "info") ||
    age(b) - age(a) ||
    RESULT_RANK[b.result ?? "PASS"] - RESULT_RANK[a.result ?? "PASS"] ||
    a.accountId.localeCompare(b.accountId) ||
    (a.userName ?? "").localeCompare(b.userName ?? "");
  // 0: a critical finding that is no one key's; 1: a scored key; 2: everything else.
  const tier = (i: FixItem) =>
    i.risk !== null ? 1 : i.accessKeyId === null && i.severity === "critical" ? 0 : 2;
  const byRisk = (a: FixItem, b: FixItem) =>
    (b.risk ?? 0) - (a.risk ?? 0) || (b.ageDays ?? -1) - (a.ageDays ?? -1) || bySeverity(a, b);
  return items
    .sort((a, b) => tier(a) - tier(b) || (tier(a) === 1 ? byRisk(a, b) : bySeverity(a, b)))
    .slice(0, FIX_FIRST_LIMIT);
}

export interface AccountSummary {
  accountId: string;
  users: number;
  keys: number;
  /** Open findings by severity. */
  findingsBySeverity: Record<Severity, number>;
  /** Collection errors: what could not be read in this account. */
  errors: number;
  /** Active keys past the rotation age. */
  overdue: number;
}

/** Each account of the audit with its counts (the organization view when there are several). */
export function accountSummaries(
  report: AuditReport | null,
  rotationDays: number,
  now: Date,
): AccountSummary[] {
  if (!report) return [];
  return report.accounts.map((a) => {
    const open = report.findings.filter((f) => f.accountId === a.accountId && f.result !== "PASS");
    const findingsBySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
    for (const f of open) findingsBySeverity[f.severity]++;
    const overdue = report.keys.filter(
      (k) =>
        k.accountId === a.accountId &&
        k.status === "Active" &&
        new Date(k.createdAt).getTime() + rotationDays * DAY_MS < now.getTime(),
    ).length;
    return {
      accountId: a.accountId,
      users: a.users,
      keys: a.keys,
      findingsBySeverity,
      errors: open.filter((f) => f.result === "ERROR").length,
      overdue,
    };
  });
}
