import { actionMatches, resourceMatches } from "./glob.js";
import { hasCondition, list, statementsOf } from "./parse.js";
import type {
  AccessRequest,
  Evaluation,
  NamedPolicy,
  PolicyStatement,
  PrincipalPolicies,
  StatementRef,
} from "./types.js";

// IAM's documented evaluation for a request inside one account by an IAM user, without resource
// policies (keywarden answers "what can this key do on its own"):
//   1. an explicit Deny in any applicable policy (identity, boundary, SCP) decides: denied;
//   2. an SCP level with no Allow for the request: implicitly denied;
//   3. a permissions boundary with no Allow: implicitly denied;
//   4. an identity policy (user or group, inline or managed) with an Allow: allowed; else implicit deny.
// Conditions depend on the request (source IP, MFA, tags, time), which keywarden does not know. So an
// Allow under a condition is a "conditional allow", and a Deny under a condition does not remove an
// allow but is reported with it.

/**
 * A statement's action patterns grouped by service, so a request is matched only against patterns
 * of its own service (and those with a wildcard in the service part): ReadOnlyAccess has thousands.
 */
interface ActionIndex {
  byService: Map<string, string[]>;
  wild: string[];
}
const indexes = new WeakMap<string[], ActionIndex>();

function indexOf(patterns: string[]): ActionIndex {
  let ix = indexes.get(patterns);
  if (!ix) {
    ix = { byService: new Map(), wild: [] };
    for (const p of patterns) {
      const service = p.includes(":") ? p.slice(0, p.indexOf(":")).toLowerCase() : "*";
      if (service.includes("*") || service.includes("?")) ix.wild.push(p);
      else ix.byService.set(service, [...(ix.byService.get(service) ?? []), p]);
    }
    indexes.set(patterns, ix);
  }
  return ix;
}

function anyAction(patterns: string | string[] | undefined, action: string): boolean {
  if (!Array.isArray(patterns)) return list(patterns).some((p) => actionMatches(p, action));
  const ix = indexOf(patterns);
  const service = action.slice(0, Math.max(0, action.indexOf(":"))).toLowerCase();
  return (
    (ix.byService.get(service) ?? []).some((p) => actionMatches(p, action)) ||
    ix.wild.some((p) => actionMatches(p, action))
  );
}

function statementMatches(s: PolicyStatement, req: AccessRequest, vars: Record<string, string>): boolean {
  const actionOk =
    s.NotAction !== undefined ? !anyAction(s.NotAction, req.action) : anyAction(s.Action, req.action);
  if (!actionOk) return false;
  if (s.NotResource !== undefined)
    return !list(s.NotResource).some((p) => resourceMatches(p, req.resource, vars));
  // A statement without Resource (possible in SCPs) applies to every resource.
  if (s.Resource === undefined) return true;
  return list(s.Resource).some((p) => resourceMatches(p, req.resource, vars));
}

export function refOf(p: NamedPolicy, s: PolicyStatement, index: number): StatementRef {
  return {
    policy: p.name,
    source: p.source,
    ...(p.group ? { group: p.group } : {}),
    statement: s.Sid && s.Sid.length > 0 ? s.Sid : `#${index + 1}`,
    conditional: hasCondition(s),
  };
}

interface Matches {
  allows: StatementRef[];
  denies: StatementRef[];
}

function matching(policies: NamedPolicy[], req: AccessRequest, vars: Record<string, string>): Matches {
  const out: Matches = { allows: [], denies: [] };
  for (const p of policies) {
    statementsOf(p.document).forEach((s, i) => {
      if (!statementMatches(s, req, vars)) return;
      (s.Effect === "Deny" ? out.denies : out.allows).push(refOf(p, s, i));
    });
  }
  return out;
}

const unconditional = (refs: StatementRef[]) => refs.filter((r) => !r.conditional);

/** Whether `principal` may make `req`, and which statements say so. */
export function evaluate(principal: PrincipalPolicies, req: AccessRequest): Evaluation {
  const vars = principal.variables;
  const identity = matching(principal.identity, req, vars);
  const boundary = principal.boundary ? matching([principal.boundary], req, vars) : null;
  const scps = (principal.scpLevels ?? []).map((level) => matching(level, req, vars));

  const allDenies = [...identity.denies, ...(boundary?.denies ?? []), ...scps.flatMap((m) => m.denies)];
  const hardDenies = unconditional(allDenies);
  const conditionalDenies = allDenies.filter((r) => r.conditional);
  const base = { conditionalDenies };
  if (hardDenies.length > 0) return { ...base, decision: "explicit-deny", grants: [], deniedBy: hardDenies };

  const implicit = (missingAllowIn: Evaluation["missingAllowIn"]): Evaluation => ({
    ...base,
    decision: "implicit-deny",
    grants: [],
    deniedBy: [],
    missingAllowIn,
  });
  if (scps.some((m) => m.allows.length === 0)) return implicit("scp");
  if (boundary && boundary.allows.length === 0) return implicit("boundary");
  if (identity.allows.length === 0) return implicit("identity");

  // Allowed for sure only when every layer has an unconditional allow.
  const firm = unconditional(identity.allows);
  const sure =
    firm.length > 0 &&
    (boundary === null || unconditional(boundary.allows).length > 0) &&
    scps.every((m) => unconditional(m.allows).length > 0);
  return {
    ...base,
    decision: sure ? "allow" : "conditional-allow",
    grants: firm.length > 0 ? firm : identity.allows,
    deniedBy: [],
  };
}

export const isAllowed = (e: Evaluation): boolean =>
  e.decision === "allow" || e.decision === "conditional-allow";
