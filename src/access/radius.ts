import { ESCALATION_PATHS } from "./catalog.js";
import { evaluate, isAllowed, refOf } from "./evaluate.js";
import { hasCondition, list, statementsOf } from "./parse.js";
import { actionMatches } from "./glob.js";
import { arns, type Arns, type ProbeContext } from "./probes.js";
import type { NamedPolicy, PrincipalPolicies, StatementRef } from "./types.js";

// What a key can do, in classes a person acts on, each with the statements that grant it.

export const RADIUS_CLASSES = [
  "administrator-equivalent",
  "can-escalate",
  "reads-secrets-or-data",
  "can-launch-compute",
  "limited-write",
  "read-only",
  "nothing",
] as const;
export type RadiusClass = (typeof RADIUS_CLASSES)[number];

export interface RadiusGrant {
  class: RadiusClass;
  /** The policy, with its group when it comes through one. */
  policy: string;
  /** Sid, or `#N` for the Nth statement. */
  statement: string;
  /** For can-escalate: the catalog path (see catalog.ts); for the others, the probed action. */
  via: string;
  conditional: boolean;
}

export interface BlastRadius {
  /** Most severe first; `nothing` alone when the key can do nothing. */
  classes: RadiusClass[];
  grants: RadiusGrant[];
  /** Some class rests only on an Allow under a condition, or a conditional Deny may narrow it. */
  conditional: boolean;
}

interface Probe {
  action: string;
  resource: (a: Arns) => string;
}

/** Reading these on any resource reads the account's secrets or data. */
const SECRET_READS: Probe[] = [
  { action: "secretsmanager:GetSecretValue", resource: (a) => a.secret },
  { action: "ssm:GetParameter", resource: (a) => a.parameter },
  { action: "ssm:GetParameters", resource: (a) => a.parameter },
  { action: "ssm:GetParametersByPath", resource: (a) => a.parameter },
  { action: "kms:Decrypt", resource: (a) => a.kmsKey },
  { action: "s3:GetObject", resource: (a) => a.s3Object },
];

/** Starting compute: cost, crypto-mining, a foothold inside the network. */
const COMPUTE: Probe[] = [
  { action: "ec2:RunInstances", resource: (a) => a.instance },
  { action: "lambda:CreateFunction", resource: (a) => a.lambda },
  { action: "ecs:RunTask", resource: (a) => a.ecsTask },
  { action: "codebuild:StartBuild", resource: (a) => a.codebuild },
  { action: "sagemaker:CreateNotebookInstance", resource: (a) => a.notebook },
];

/**
 * Administrator-equivalent: every IAM action on every IAM resource, probed with an action name no
 * real API has (so only `iam:*`, `*` or a NotAction that leaves IAM in can allow it). Whoever holds
 * all of IAM can attach AdministratorAccess to itself and pass any role, so it is admin in all but
 * name. `*` on `*` is the common case and passes the same probe.
 */
const ADMIN_PROBE: Probe = { action: "iam:KeywardenProbeEveryAction", resource: (a) => a.iamAny };

// Verbs that only read. A pattern is read-only when its action part starts with one of them.
const READ_VERBS =
  /^(get|list|describe|batchget|batchdescribe|batchcheck|batchdetect|batchread|adminget|adminlist|head|query|scan|select|view|lookup|search|check|detect|preview|read|estimate|validate|filter|count|discover|download|retrieve|simulate|verify|evaluate|compare|contains|resolve)/i;
// `Is*` (IsAuthorized, IsMemberInGroups) only as a whole word: "Issue..." is not a read.
const IS_VERB = /^Is(?=[A-Z*])/;
const isReadAction = (a: string) => {
  const verb = a.split(":")[1] ?? "";
  return READ_VERBS.test(verb) || IS_VERB.test(verb);
};

/**
 * AWS managed policies that AWS documents as read-only (the ReadOnlyAccess and ViewOnlyAccess job
 * functions, SecurityAudit). Their documents still come from the account; only the verdict "reads
 * only" is taken from AWS's description, since they use verbs (Classify*, Receive*, StartQuery)
 * that a verb list cannot judge.
 */
const AWS_READ_ONLY = new Set(
  ["ReadOnlyAccess", "ViewOnlyAccess", "job-function/ViewOnlyAccess", "SecurityAudit"].map(
    (n) => `:iam::aws:policy/${n}`,
  ),
);
const awsReadOnly = (p: NamedPolicy) =>
  p.arn !== undefined && AWS_READ_ONLY.has(p.arn.slice(p.arn.indexOf(":iam::")));

const label = (r: StatementRef) => (r.group ? `${r.group}/${r.policy}` : r.policy);

function grantsFrom(cls: RadiusClass, via: string, refs: StatementRef[]): RadiusGrant[] {
  return refs.map((r) => ({
    class: cls,
    policy: label(r),
    statement: r.statement,
    via,
    conditional: r.conditional,
  }));
}

/** Whether every Allow in these policies names only read actions (NotAction counts as write). */
function onlyReads(policies: NamedPolicy[]): boolean {
  const allows = policies
    .filter((p) => !awsReadOnly(p))
    .flatMap((p) => statementsOf(p.document))
    .filter((s) => s.Effect === "Allow");
  const anyAllow = allows.length > 0 || policies.some(awsReadOnly);
  return anyAllow && allows.every((s) => s.NotAction === undefined && list(s.Action).every(isReadAction));
}

function readOnlyGrants(p: PrincipalPolicies): StatementRef[] {
  const refs = p.identity.flatMap((pol) =>
    statementsOf(pol.document).flatMap((s, i) => (s.Effect === "Allow" ? [refOf(pol, s, i)] : [])),
  );
  return refs;
}

/** An unconditional Deny of every action on every resource (keywarden's own quarantine is one). */
function deniesEverything(policies: NamedPolicy[]): boolean {
  return policies.some((pol) =>
    statementsOf(pol.document).some(
      (s) =>
        s.Effect === "Deny" &&
        !hasCondition(s) &&
        s.NotAction === undefined &&
        s.NotResource === undefined &&
        list(s.Action).includes("*") &&
        (s.Resource === undefined || list(s.Resource).includes("*")),
    ),
  );
}

/**
 * Every identity Allow is taken away by an unconditional Deny on every resource in some layer (an
 * SCP denying `iam:*` over a user who only has `iam:*`): nothing is left. A Deny pattern covers an
 * Allow pattern when it matches it as written (`iam:*` covers `iam:Create*`); `?` patterns are
 * left out, as `?` would match the Allow's `*` without covering what it stands for.
 */
function everyAllowDenied(p: PrincipalPolicies): boolean {
  const layers = [...p.identity, ...(p.boundary ? [p.boundary] : []), ...(p.scpLevels ?? []).flat()];
  const denied = layers
    .flatMap((pol) => statementsOf(pol.document))
    .filter(
      (s) =>
        s.Effect === "Deny" &&
        !hasCondition(s) &&
        s.NotAction === undefined &&
        s.NotResource === undefined &&
        (s.Resource === undefined || list(s.Resource).includes("*")),
    )
    .flatMap((s) => list(s.Action))
    .filter((a) => !a.includes("?"));
  const allows = p.identity.flatMap((pol) => statementsOf(pol.document)).filter((s) => s.Effect === "Allow");
  return (
    allows.length > 0 &&
    allows.every(
      (s) =>
        s.NotAction === undefined &&
        list(s.Action).every((action) => denied.some((d) => actionMatches(d, action))),
    )
  );
}

export function blastRadius(p: PrincipalPolicies, ctx: ProbeContext): BlastRadius {
  const a = arns(ctx);
  const grants: RadiusGrant[] = [];
  let conditional = false;
  const ask = (action: string, resource: string) => {
    const e = evaluate(p, { action, resource });
    if (isAllowed(e) && (e.decision === "conditional-allow" || e.conditionalDenies.length > 0))
      conditional = true;
    return e;
  };

  const admin = ask(ADMIN_PROBE.action, ADMIN_PROBE.resource(a));
  if (isAllowed(admin)) grants.push(...grantsFrom("administrator-equivalent", "iam:*", admin.grants));

  for (const path of ESCALATION_PATHS) {
    const steps = path.requires.map((r) =>
      r
        .resources(a)
        .map((res) => ask(r.action, res))
        .find(isAllowed),
    );
    const found = steps.filter((s) => s !== undefined);
    if (found.length === steps.length) {
      grants.push(
        ...grantsFrom(
          "can-escalate",
          path.id,
          found.flatMap((s) => s.grants),
        ),
      );
    }
  }
  for (const [cls, probes] of [
    ["reads-secrets-or-data", SECRET_READS],
    ["can-launch-compute", COMPUTE],
  ] as const) {
    for (const probe of probes) {
      const e = ask(probe.action, probe.resource(a));
      if (isAllowed(e)) grants.push(...grantsFrom(cls, probe.action, e.grants));
    }
  }

  const everyLayer = [...p.identity, ...(p.boundary ? [p.boundary] : []), ...(p.scpLevels ?? []).flat()];
  const identityAllows = readOnlyGrants(p);
  const blocked =
    identityAllows.length === 0 ||
    deniesEverything(everyLayer) ||
    everyAllowDenied(p) ||
    (p.boundary !== undefined &&
      p.boundary !== null &&
      !statementsOf(p.boundary.document).some((s) => s.Effect === "Allow"));
  if (blocked && grants.length === 0) return { classes: ["nothing"], grants: [], conditional: false };

  // The rest: read-only when what is allowed only reads (the identity policies, or a boundary or
  // SCP level that only allows reads), else some narrower write the classes above do not cover.
  const readsOnly =
    onlyReads(p.identity) ||
    (p.boundary ? onlyReads([p.boundary]) : false) ||
    (p.scpLevels ?? []).some((level) => onlyReads(level));
  if (!blocked) {
    const cls: RadiusClass = readsOnly ? "read-only" : "limited-write";
    if (grants.length === 0 || readsOnly)
      grants.push(...grantsFrom(cls, readsOnly ? "read actions" : "other actions", identityAllows));
  }
  const classes = RADIUS_CLASSES.filter((c) => grants.some((g) => g.class === c));
  return { classes, grants, conditional };
}
