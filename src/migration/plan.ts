import { blastRadius } from "../access/radius.js";
import type { KeyBlastRadiusView } from "../domain/audit-report.js";
import { classify } from "./classify.js";
import type { IpRange } from "./ip.js";
import { leastPrivilege } from "./least-privilege.js";
import { cutOverSteps } from "./steps.js";
import { trustPlan } from "./trust-policy.js";
import type { KeyEvidence, MigrationPlan, PolicyOut, ReplacementKind } from "./types.js";

// One key's migration plan from its evidence: pure (time comes in as `now`), so the same evidence
// always gives the same plan, and the tests drive it with tables of evidence.

export interface PlanOptions {
  now: Date;
  region: string;
  partition: string;
  kind?: ReplacementKind | undefined;
  roleName?: string | undefined;
  repo?: string | undefined;
  branch?: string | undefined;
  environment?: string | undefined;
  gitlabHost?: string | undefined;
  certCn?: string | undefined;
  trustAnchor?: string | undefined;
  watch: string;
  soak: string;
  awsRanges?: IpRange[] | undefined;
  /** The flags that shaped the plan (repeated in the step that saves it as JSON). */
  replayArgs?: string[] | undefined;
  /** What the owner can do today (audit's blast radius), or null when it could not be read. */
  blastRadius?: KeyBlastRadiusView | null | undefined;
}

/** A role name from the user's: IAM allows [\w+=,.@-], at most 64 characters. */
export function defaultRoleName(userName: string): string {
  return `${userName.replace(/[^\w+=,.@-]/g, "-")}-role`.slice(0, 64);
}

/** The blast-radius classes of the planned policy alone, with the evaluator audit uses. */
export function plannedClasses(policy: PolicyOut | null, e: KeyEvidence, partition: string): string[] {
  // No policy (no action observed): nothing to measure yet, which is not "can do nothing".
  if (!policy) return [];
  const r = blastRadius(
    {
      identity: [{ name: "observed-use", source: "user-inline", document: policy }],
      boundary: null,
      variables: { "aws:username": e.owner.userName },
    },
    {
      accountId: e.owner.accountId,
      partition,
      userName: e.owner.userName,
      userPath: "/",
      groups: [],
      managedPolicyArns: [],
    },
  );
  return r.classes;
}

/** Where the workload runs: the region most of its calls went to, else its last use, else the session's. */
function workloadRegion(e: KeyEvidence, fallback: string): string {
  const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
  const top = e.trail?.regions.find((r) => REGION.test(r.value))?.value;
  const last = e.key.lastUsed?.region;
  return top ?? (last && REGION.test(last) ? last : fallback);
}

export function buildPlan(e: KeyEvidence, opts: PlanOptions): MigrationPlan {
  const o = { ...opts, region: workloadRegion(e, opts.region) };
  const { classification, notes } = classify(e, {
    ...(o.kind ? { force: o.kind } : {}),
    ...(o.awsRanges ? { awsRanges: o.awsRanges } : {}),
  });
  const kind = classification.kind;
  const roleName = o.roleName ?? defaultRoleName(e.owner.userName);
  const trust = kind
    ? trustPlan(kind, {
        accountId: e.owner.accountId,
        partition: o.partition,
        region: o.region,
        repo: o.repo,
        branch: o.branch,
        environment: o.environment,
        gitlabHost: o.gitlabHost,
        certCn: o.certCn,
        trustAnchor: o.trustAnchor,
      })
    : null;
  const lp = leastPrivilege(e.trail?.actions ?? [], { trailRead: e.trail !== null });
  const warnings = [...notes];
  if (e.key.status === "Inactive")
    warnings.push("The key is already Inactive: whatever used it has stopped or already moved.");
  const t = e.trail;
  if (t) {
    for (const f of t.sources.lookupFailures)
      warnings.push(`LookupEvents failed in ${f.region}: its events are missing from this plan (${f.error})`);
    for (const f of t.sources.unreadableFiles) warnings.push(`${f.file} could not be read: ${f.error}`);
    if (t.sources.undatedRecords.length > 0)
      warnings.push(
        `${t.sources.undatedRecords.length} record(s) of the key have no readable time and were left out`,
      );
    if (
      t.events > 0 &&
      e.key.lastUsed &&
      t.lastSeen &&
      e.key.lastUsed.date.slice(0, 10) > t.lastSeen.slice(0, 10)
    ) {
      warnings.push(
        `The key was last used on ${e.key.lastUsed.date.slice(0, 10)} (${e.key.lastUsed.service}), after the newest event read (${t.lastSeen.slice(0, 10)}): some use is missing from the events (data events, another region, or logs not given), so the policy may be short of it.`,
      );
    }
  }
  return {
    schemaVersion: 1,
    generatedAt: o.now.toISOString(),
    evidence: e,
    replacement: classification,
    roleName,
    trust,
    leastPrivilege: lp,
    blastRadius:
      o.blastRadius === undefined
        ? null
        : { now: o.blastRadius, planned: plannedClasses(lp.policy, e, o.partition) },
    steps: cutOverSteps({
      kind,
      accessKeyId: e.key.accessKeyId,
      userName: e.owner.userName,
      accountId: e.owner.accountId,
      partition: o.partition,
      region: o.region,
      roleName,
      repo: o.repo,
      gitlabHost: o.gitlabHost,
      watch: o.watch,
      soak: o.soak,
      userHasOtherCredentials: e.owner.otherKeys > 0 || e.owner.console,
      replayArgs: o.replayArgs,
    }),
    warnings,
  };
}
