// `--format json`: exactly the AuditReport contract, nothing more. Full key ids (an access key id is
// an identifier, not a credential, and JSON consumers join on it); PASS findings included.

import type { AuditAccountView, AuditKeyView, AuditReport } from "../domain/audit-report.js";
import type { ApiCallCounts, Finding } from "../domain/types.js";

function account(a: AuditAccountView): AuditAccountView {
  return {
    accountId: a.accountId,
    users: a.users,
    keys: a.keys,
    rootAccessKeysPresent: a.rootAccessKeysPresent,
    rootMfaEnabled: a.rootMfaEnabled,
    credentialReportGeneratedAt: a.credentialReportGeneratedAt,
  };
}

function key(k: AuditKeyView): AuditKeyView {
  return {
    accountId: k.accountId,
    userName: k.userName,
    accessKeyId: k.accessKeyId,
    status: k.status,
    createdAt: k.createdAt,
    lastUsedAt: k.lastUsedAt,
    lastUsedService: k.lastUsedService,
    lastUsedRegion: k.lastUsedRegion,
    ageDays: k.ageDays,
    ...(k.blastRadius
      ? {
          blastRadius: {
            classes: [...k.blastRadius.classes],
            grants: k.blastRadius.grants.map((g) => ({
              class: g.class,
              policy: g.policy,
              statement: g.statement,
              via: g.via,
              conditional: g.conditional,
            })),
            conditional: k.blastRadius.conditional,
            unreadablePolicies: [...k.blastRadius.unreadablePolicies],
          },
        }
      : {}),
    ...(k.risk
      ? {
          risk: {
            score: k.risk.score,
            factors: k.risk.factors.map((f) => ({
              name: f.name,
              value: f.value,
              weight: f.weight,
              points: f.points,
            })),
          },
        }
      : {}),
  };
}

function finding(f: Finding): Finding {
  return {
    ruleId: f.ruleId,
    result: f.result,
    severity: f.severity,
    accountId: f.accountId,
    userName: f.userName,
    accessKeyId: f.accessKeyId,
    message: f.message,
    remediation: f.remediation,
  };
}

function apiCalls(counts: ApiCallCounts): ApiCallCounts {
  const out: ApiCallCounts = {};
  for (const [op, n] of Object.entries(counts)) out[op] = n;
  return out;
}

/**
 * Projects the report onto the contract field by field, so that a richer object handed in at run time
 * (a record with extra properties) can never leak anything the contract does not name.
 */
export function toAuditReportJson(report: AuditReport): AuditReport {
  return {
    schemaVersion: report.schemaVersion,
    generatedAt: report.generatedAt,
    accounts: report.accounts.map(account),
    keys: report.keys.map(key),
    findings: report.findings.map(finding),
    stats: { apiCalls: apiCalls(report.stats.apiCalls), durationMs: report.stats.durationMs },
  };
}

/** Pretty-printed (2 spaces) with a trailing newline. */
export function renderJson(report: AuditReport): string {
  return `${JSON.stringify(toAuditReportJson(report), null, 2)}\n`;
}
