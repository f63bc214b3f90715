// `--format ocsf`: one OCSF Compliance Finding (class_uid 2003, category Findings) per finding, PASS
// included, as a JSON array: the shape Security Lake, SIEMs and Prowler's OCSF output use. The key
// is the resource, its user the resource's owner, the account in `cloud.account`; the rule, its
// CIS and Security Hub references and the result in `compliance`; what to run in `remediation`.
// Full key ids, like the JSON output (machines join on them; a key id is not a credential).

import type { AuditReport } from "../domain/audit-report.js";
import type { Finding, FindingResult, Severity } from "../domain/types.js";
import { factsOf, type FindingOptions } from "./finding-facts.js";

/** The OCSF schema version the events follow. */
export const OCSF_VERSION = "1.4.0";
export const COMPLIANCE_FINDING_CLASS = 2003;
const FINDINGS_CATEGORY = 2;
/** activity_id 1: Create. type_uid = class_uid * 100 + activity_id. */
const CREATE = 1;

/** severity_id: 1 Informational, 2 Low, 3 Medium, 4 High, 5 Critical. */
const SEVERITY: Record<Severity, [number, string]> = {
  info: [1, "Informational"],
  low: [2, "Low"],
  medium: [3, "Medium"],
  high: [4, "High"],
  critical: [5, "Critical"],
};

/**
 * compliance.status_id: 1 Pass, 2 Warning ("did not yield a result due to missing information",
 * which is what an ERROR is; a WARN is the schema's warning too), 3 Fail. status_code keeps
 * keywarden's own result, so WARN and ERROR stay apart.
 */
const COMPLIANCE_STATUS: Record<FindingResult, [number, string]> = {
  PASS: [1, "Pass"],
  WARN: [2, "Warning"],
  ERROR: [2, "Warning"],
  FAIL: [3, "Fail"],
};

export type OcsfEvent = Record<string, unknown>;

function ms(iso: string | null | undefined): number | undefined {
  if (!iso) return undefined;
  const t = new Date(iso).getTime();
  return Number.isNaN(t) ? undefined : t;
}

export function toOcsf(report: AuditReport, f: Finding, opts: FindingOptions): OcsfEvent {
  const facts = factsOf(report, f, opts);
  const [severityId, severity] = SEVERITY[f.severity];
  const [complianceId, complianceStatus] = COMPLIANCE_STATUS[f.result];
  const time = ms(report.generatedAt) ?? 0;
  const standards = [...new Set(facts.references.map((r) => r.standard))];
  const resource: Record<string, unknown> = {
    uid: facts.resource.id,
    name: facts.resource.name,
    type: facts.resource.kind,
    cloud_partition: "aws",
    region: "global",
  };
  if (f.userName !== null) {
    resource.owner = { name: f.userName, uid: facts.userArn, type: "IAM User", type_id: 99 };
  }
  if (facts.key) {
    resource.created_time = ms(facts.key.createdAt);
    resource.data = {
      status: facts.key.status,
      ageDays: facts.key.ageDays,
      lastUsedAt: facts.key.lastUsedAt,
      lastUsedService: facts.key.lastUsedService,
      lastUsedRegion: facts.key.lastUsedRegion,
    };
  }
  return {
    activity_id: CREATE,
    activity_name: "Create",
    category_uid: FINDINGS_CATEGORY,
    category_name: "Findings",
    class_uid: COMPLIANCE_FINDING_CLASS,
    class_name: "Compliance Finding",
    type_uid: COMPLIANCE_FINDING_CLASS * 100 + CREATE,
    type_name: "Compliance Finding: Create",
    severity_id: severityId,
    severity,
    // The finding's own lifecycle: a passing check is resolved, anything else is new.
    status_id: f.result === "PASS" ? 4 : 1,
    status: f.result === "PASS" ? "Resolved" : "New",
    time,
    message: f.message,
    metadata: {
      version: OCSF_VERSION,
      profiles: ["cloud"],
      event_code: f.ruleId,
      product: { name: "keywarden", vendor_name: "keywarden", uid: "keywarden", version: opts.version },
    },
    cloud: {
      provider: "AWS",
      region: opts.region,
      account: { uid: f.accountId, type_id: 10, type: "AWS Account" },
    },
    finding_info: {
      uid: facts.id,
      title: facts.title,
      desc: facts.meta?.risk ?? f.message,
      types: [
        facts.references.length > 0 ? "Industry and Regulatory Standards" : "AWS Security Best Practices",
      ],
      created_time: time,
      product_uid: "keywarden",
    },
    compliance: {
      // Required in OCSF 1.x: a check without a published framework still names whose check it is.
      standards: standards.length > 0 ? standards : ["keywarden IAM access-key rules"],
      requirements: facts.references.map((r) => `${r.standard} ${r.requirement}`),
      control: f.ruleId,
      status_id: complianceId,
      status: complianceStatus,
      status_code: f.result,
      status_detail: f.message,
    },
    remediation: { desc: facts.remediation, references: [facts.referenceUrl] },
    resources: [resource],
    unmapped: {
      keywarden: {
        ruleId: f.ruleId,
        result: f.result,
        accountId: f.accountId,
        userName: f.userName,
        accessKeyId: f.accessKeyId,
        cis: facts.meta?.cis ?? null,
        securityHub: facts.securityHubControls,
      },
    },
  };
}

export function toOcsfEvents(report: AuditReport, opts: FindingOptions): OcsfEvent[] {
  return report.findings.map((f) => toOcsf(report, f, opts));
}

/** A JSON array of Compliance Findings, pretty-printed, with a trailing newline. */
export function renderOcsf(report: AuditReport, opts: FindingOptions): string {
  return `${JSON.stringify(toOcsfEvents(report, opts), null, 2)}\n`;
}
