// What the interchange formats (OCSF, ASFF) say about one finding beyond the finding itself: a
// stable id, the rule's title and framework references, and the resource it is about. Pure: the
// same report and options give the same facts, so a re-run names the same finding the same way.

import type { AuditKeyView, AuditReport } from "../domain/audit-report.js";
import type { Finding } from "../domain/types.js";
import { getRule } from "../rules/registry.js";
import type { RuleMeta } from "../rules/rule.js";

/** Standard names as Security Hub and Prowler write them. */
export const CIS_STANDARDS = {
  v3: "CIS AWS Foundations Benchmark v3.0.0",
  v5: "CIS AWS Foundations Benchmark v5.0.0",
  v7: "CIS AWS Foundations Benchmark v7.0.0",
} as const;
export const FSBP = "AWS Foundational Security Best Practices";

export interface FindingOptions {
  /** keywarden's version, for the product fields. */
  version: string;
  /** Region the findings are filed in (Security Hub is regional; IAM is global). */
  region: string;
  /** Full IAM user ARNs by `account/user`, when the inventory had them (users with a path). */
  userArns?: Record<string, string> | undefined;
}

export type ResourceKind = "AwsIamAccessKey" | "AwsIamUser" | "AwsAccount";

export interface FindingFacts {
  /** Stable across runs: account, rule and subject (and, for collection errors, the failed call). */
  id: string;
  meta: RuleMeta | null;
  title: string;
  /** Framework references, e.g. { standard: "CIS ... v3.0.0", requirement: "1.14" }. */
  references: { standard: string; requirement: string }[];
  securityHubControls: string[];
  /** What to do: the finding's own remediation, else the rule's general one. */
  remediation: string;
  /** Where to read more (an AWS page; the formats that carry links only). */
  referenceUrl: string;
  resource: { kind: ResourceKind; id: string; name: string };
  userArn: string | null;
  key: AuditKeyView | null;
}

/**
 * 64 bits of FNV-1a over the UTF-16 code units, as 16 hex digits: stable across runs and machines,
 * and free of node:crypto, so the dashboard's type-only imports of this module stay browser-clean.
 * Not a security hash: it only keeps two failed calls on one subject apart.
 */
function shortHash(text: string): string {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) {
    h ^= BigInt(text.charCodeAt(i));
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, "0");
}

/**
 * `keywarden/<account>/<rule>/<subject>`: the key id, `user/<name>` or `account`. A collection
 * error adds a hash of what failed ("Could not collect X (perm) for scope"), so two failed calls
 * on one subject stay two findings and the same failure keeps its id.
 */
export function findingId(f: Finding): string {
  const subject = f.accessKeyId ?? (f.userName === null ? "account" : `user/${f.userName}`);
  const base = `keywarden/${f.accountId}/${f.ruleId}/${subject}`;
  if (getRule(f.ruleId) !== undefined) return base;
  const what = f.message.split(";")[0] ?? f.message;
  return `${base}/${shortHash(what)}`;
}

export function userArnOf(f: { accountId: string; userName: string }, opts: FindingOptions): string {
  return opts.userArns?.[`${f.accountId}/${f.userName}`] ?? `arn:aws:iam::${f.accountId}:user/${f.userName}`;
}

const ACCESS_KEYS_DOC = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html";

function controlUrl(control: string): string {
  return `https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html#${control.toLowerCase().replace(".", "-")}`;
}

export function referencesOf(meta: RuleMeta | null): FindingFacts["references"] {
  if (meta === null) return [];
  const out: FindingFacts["references"] = [];
  for (const v of ["v3", "v5", "v7"] as const) {
    const n = meta.cis[v];
    if (n !== null) out.push({ standard: CIS_STANDARDS[v], requirement: n });
  }
  for (const c of meta.securityHub) out.push({ standard: FSBP, requirement: c });
  return out;
}

export function factsOf(report: AuditReport, f: Finding, opts: FindingOptions): FindingFacts {
  const meta = getRule(f.ruleId)?.meta ?? null;
  const key =
    f.accessKeyId === null
      ? null
      : (report.keys.find((k) => k.accessKeyId === f.accessKeyId && k.accountId === f.accountId) ?? null);
  const userArn =
    f.userName === null ? null : userArnOf({ accountId: f.accountId, userName: f.userName }, opts);
  let resource: FindingFacts["resource"];
  if (f.accessKeyId !== null) resource = { kind: "AwsIamAccessKey", id: f.accessKeyId, name: f.accessKeyId };
  else if (f.userName !== null && userArn !== null)
    resource = { kind: "AwsIamUser", id: userArn, name: f.userName };
  else resource = { kind: "AwsAccount", id: `AWS::::Account:${f.accountId}`, name: f.accountId };
  const control = meta?.securityHub[0];
  return {
    id: findingId(f),
    meta,
    title: meta?.title ?? "IAM data keywarden needs could not be collected",
    references: referencesOf(meta),
    securityHubControls: meta?.securityHub ?? [],
    remediation: f.remediation.trim() !== "" ? f.remediation : (meta?.remediation ?? ""),
    referenceUrl: control === undefined ? ACCESS_KEYS_DOC : controlUrl(control),
    resource,
    userArn,
    key,
  };
}

/** Cuts text to `max` characters (ASFF limits), marking the cut. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
