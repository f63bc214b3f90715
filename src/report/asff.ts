// `--format asff`: AWS Security Finding Format (SchemaVersion 2018-10-08), one finding per keywarden
// finding, PASS included, as a JSON array (what `aws securityhub batch-import-findings --findings
// file://...` takes, 100 at a time). `audit --to securityhub` imports the same objects.
// Ids are stable (finding-facts.ts), so importing again updates a finding instead of adding one.

import type { AuditReport } from "../domain/audit-report.js";
import type { Finding, FindingResult, Severity } from "../domain/types.js";
import { clip, factsOf, type FindingOptions } from "./finding-facts.js";

export const ASFF_SCHEMA_VERSION = "2018-10-08";

/** ASFF's limits on the fields keywarden fills from free text. */
const MAX = { title: 256, description: 1024, recommendation: 512, productField: 2048 } as const;

const LABEL: Record<Severity, "INFORMATIONAL" | "LOW" | "MEDIUM" | "HIGH" | "CRITICAL"> = {
  info: "INFORMATIONAL",
  low: "LOW",
  medium: "MEDIUM",
  high: "HIGH",
  critical: "CRITICAL",
};

/** Compliance.Status: an ERROR could not be judged, which ASFF calls NOT_AVAILABLE. */
export const COMPLIANCE: Record<FindingResult, "PASSED" | "WARNING" | "FAILED" | "NOT_AVAILABLE"> = {
  PASS: "PASSED",
  WARN: "WARNING",
  FAIL: "FAILED",
  ERROR: "NOT_AVAILABLE",
};

const CIS_TYPE =
  "Software and Configuration Checks/Industry and Regulatory Standards/CIS AWS Foundations Benchmark";
const BEST_PRACTICES_TYPE = "Software and Configuration Checks/AWS Security Best Practices";

/** The fields of an ASFF finding keywarden writes (a subset of the SDK's AwsSecurityFinding). */
export interface AsffFinding {
  SchemaVersion: string;
  Id: string;
  ProductArn: string;
  GeneratorId: string;
  AwsAccountId: string;
  Types: string[];
  CreatedAt: string;
  UpdatedAt: string;
  FirstObservedAt?: string;
  LastObservedAt?: string;
  Severity: { Label: string; Original: string };
  Title: string;
  Description: string;
  Remediation: { Recommendation: { Text: string; Url: string } };
  ProductFields: Record<string, string>;
  Resources: {
    Type: string;
    Id: string;
    Partition: "aws";
    Region: string;
    Details?: Record<string, unknown>;
  }[];
  Compliance: { Status: string; RelatedRequirements?: string[] };
  Workflow: { Status: "NEW" | "NOTIFIED" | "RESOLVED" | "SUPPRESSED" };
  RecordState: "ACTIVE" | "ARCHIVED";
  ProductName: string;
  CompanyName: string;
  Region: string;
  FindingProviderFields: { Severity: { Label: string; Original: string }; Types: string[] };
}

/** The default product of a custom integration: the account's own, in the region the findings go to. */
export function productArn(region: string, accountId: string): string {
  return `arn:aws:securityhub:${region}:${accountId}:product/${accountId}/default`;
}

export function toAsff(report: AuditReport, f: Finding, opts: FindingOptions): AsffFinding {
  const facts = factsOf(report, f, opts);
  const severity = { Label: LABEL[f.severity], Original: f.severity };
  const types = [facts.references.some((r) => r.standard.startsWith("CIS")) ? CIS_TYPE : BEST_PRACTICES_TYPE];
  const resource: AsffFinding["Resources"][number] = {
    Type: facts.resource.kind,
    Id: facts.resource.id,
    Partition: "aws",
    Region: opts.region,
  };
  if (facts.resource.kind === "AwsIamAccessKey") {
    resource.Details = {
      AwsIamAccessKey: {
        AccessKeyId: f.accessKeyId,
        UserName: f.userName,
        PrincipalName: f.userName,
        PrincipalType: "IAMUser",
        AccountId: f.accountId,
        ...(facts.key ? { Status: facts.key.status, CreatedAt: facts.key.createdAt } : {}),
      },
    };
  } else if (facts.resource.kind === "AwsIamUser") {
    resource.Details = { AwsIamUser: { UserName: f.userName } };
  }
  const productFields: Record<string, string> = {
    ProviderName: "keywarden",
    ProviderVersion: opts.version,
    "keywarden/RuleId": f.ruleId,
    "keywarden/Result": f.result,
  };
  if (facts.securityHubControls.length > 0)
    productFields["keywarden/SecurityHubControls"] = facts.securityHubControls.join(",");
  if (f.userName !== null) productFields["keywarden/UserName"] = f.userName;
  if (facts.remediation.length > MAX.recommendation)
    productFields["keywarden/Remediation"] = clip(facts.remediation, MAX.productField);
  return {
    SchemaVersion: ASFF_SCHEMA_VERSION,
    Id: facts.id,
    ProductArn: productArn(opts.region, f.accountId),
    GeneratorId: `keywarden/${f.ruleId}`,
    AwsAccountId: f.accountId,
    Types: types,
    CreatedAt: report.generatedAt,
    UpdatedAt: report.generatedAt,
    FirstObservedAt: report.generatedAt,
    LastObservedAt: report.generatedAt,
    Severity: severity,
    Title: clip(facts.title, MAX.title),
    Description: clip(f.message, MAX.description),
    Remediation: {
      Recommendation: { Text: clip(facts.remediation, MAX.recommendation), Url: facts.referenceUrl },
    },
    ProductFields: productFields,
    Resources: [resource],
    Compliance: {
      Status: COMPLIANCE[f.result],
      ...(facts.references.length > 0
        ? { RelatedRequirements: facts.references.map((r) => `${r.standard}/${r.requirement}`) }
        : {}),
    },
    // A passing check is resolved; anything else waits for someone to look at it.
    Workflow: { Status: f.result === "PASS" ? "RESOLVED" : "NEW" },
    RecordState: "ACTIVE",
    ProductName: "keywarden",
    CompanyName: "keywarden",
    Region: opts.region,
    FindingProviderFields: { Severity: severity, Types: types },
  };
}

export function toAsffFindings(report: AuditReport, opts: FindingOptions): AsffFinding[] {
  return report.findings.map((f) => toAsff(report, f, opts));
}

/** A JSON array of ASFF findings, pretty-printed, with a trailing newline. */
export function renderAsff(report: AuditReport, opts: FindingOptions): string {
  return `${JSON.stringify(toAsffFindings(report, opts), null, 2)}\n`;
}
