// keywarden as a library: the same calls the CLI and the dashboard make. Capabilities take their
// adapters (AWS session, store, clock) as arguments; nothing here opens a client at import time.

// Domain: records, findings, errors, key ids.
export type * from "./domain/types.js";
export type { AuditReport, AuditKeyView, AuditAccountView } from "./domain/audit-report.js";
export * from "./domain/errors.js";
export { isAccessKeyId, maskKeyId } from "./domain/key-id.js";

// AWS access.
export { openSession, type AwsSession, type AwsTarget } from "./aws/session.js";

// Inventory, rules, audit.
export { collectInventory, type CollectOptions, type LastUsedMode } from "./inventory/collect.js";
export { ALL_RULES, getRule } from "./rules/registry.js";
export { evaluateRules } from "./rules/evaluate.js";
export { runAudit, toKeyView, type AuditOptions } from "./audit/run.js";
export { runOrgAudit, type OrgAuditOptions } from "./audit/org.js";
export { renderJson as renderAuditJson } from "./report/json.js";
export { renderCsv as renderAuditCsv } from "./report/csv.js";
export { renderMarkdown as renderAuditMarkdown } from "./report/markdown.js";

// Rotation and its store.
export { RotationEngine, type EngineDeps, type JobOptions, type Step } from "./rotation/engine.js";
export { openStore, type StoreSpec } from "./store/open.js";
export type * from "./store/types.js";

// Response to a leaked key.
export { respond, type RespondOptions, type RespondDeps } from "./response/respond.js";
export { duckDbLogReader } from "./response/logs.js";
export { renderIncidentReport, type IncidentFormat } from "./response/render.js";
export type { IncidentReport, TrailEvent, TrailSummary } from "./response/types.js";

// Hard-coded keys.
export { runScan, type ScanOptions } from "./scan/run.js";
export { renderScan, type ScanFormat } from "./scan/render.js";
export type { ScanReport, ScanFinding } from "./scan/types.js";

// Policy, enforcement, notifications.
export { loadPolicy, parsePolicy, type LoadedPolicy } from "./policy/load.js";
export { planEnforcement, type Plan, type PlanInput } from "./policy/plan.js";
export { runEnforcement, planOnly, type EnforceOptions, type EnforceResult } from "./policy/enforce.js";
export { verifySignature } from "./notify/webhook.js";

// Dashboard and JSON API (a Hono app; `keywarden serve` listens).
export { createApp } from "./server/app.js";
