// A small evaluator of IAM identity policies, used when iam:SimulatePrincipalPolicy is not available
// (not allowed for the admin, or an emulator that does not implement it). It answers one question
// for doctor: would this user's own policies allow this action on this resource, with and without
// MFA? It follows IAM's rules for identity policies (an explicit Deny wins, then an Allow is
// needed, a permissions boundary must allow too) with wildcards in actions and resources,
// NotAction/NotResource, ${aws:username}, and the condition operators doctor's question needs
// (Bool, Null, Numeric*, String*, each with IfExists). It does not see SCPs, resource policies or
// session policies; anything it cannot evaluate makes the answer "unknown", never "allowed".
import type { PolicySource, SimDecision } from "./ports.js";

export interface EvalRequest {
  readonly action: string;
  readonly resource: string;
  readonly userName: string;
  /** Whether the request is signed with MFA session credentials. */
  readonly mfa: boolean;
}

export interface EvalResult {
  readonly decision: SimDecision;
  /** The statement that decided (or would have) has a condition on aws:MultiFactorAuth*. */
  readonly mfaCondition: boolean;
  /** e.g. "explicitly denied by inline policy force-mfa of user alice". */
  readonly detail: string;
}

interface Statement {
  effect: "Allow" | "Deny";
  action: string[] | undefined;
  notAction: string[] | undefined;
  resource: string[] | undefined;
  notResource: string[] | undefined;
  condition: Record<string, Record<string, unknown>> | undefined;
  source: string;
}

type Tri = true | false | "unknown";

function list(v: unknown): string[] | undefined {
  if (typeof v === "string") return [v];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === "string");
  return undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The statements of a policy document; null when the text is not a policy. */
export function parsePolicy(text: string, source: string): Statement[] | null {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isRecord(doc)) return null;
  const raw = doc.Statement;
  const items = Array.isArray(raw) ? raw : [raw];
  const out: Statement[] = [];
  for (const s of items) {
    if (!isRecord(s)) return null;
    if (s.Effect !== "Allow" && s.Effect !== "Deny") return null;
    const condition = isRecord(s.Condition)
      ? (Object.fromEntries(Object.entries(s.Condition).filter(([, v]) => isRecord(v))) as Record<
          string,
          Record<string, unknown>
        >)
      : undefined;
    out.push({
      effect: s.Effect,
      action: list(s.Action),
      notAction: list(s.NotAction),
      resource: list(s.Resource),
      notResource: list(s.NotResource),
      condition,
      source,
    });
  }
  return out;
}

function glob(pattern: string, value: string, ignoreCase: boolean): boolean {
  const re = pattern
    .split("")
    .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\/]/g, "\\$&")))
    .join("");
  return new RegExp(`^${re}$`, ignoreCase ? "is" : "s").test(value);
}

function substitute(pattern: string, req: EvalRequest): string {
  return pattern.replace(/\$\{aws:username\}/gi, req.userName);
}

function matchesAction(s: Statement, action: string): boolean {
  if (s.action) return s.action.some((p) => glob(p, action, true));
  if (s.notAction) return !s.notAction.some((p) => glob(p, action, true));
  return false;
}

function matchesResource(s: Statement, req: EvalRequest): boolean {
  if (s.resource) return s.resource.some((p) => glob(substitute(p, req), req.resource, false));
  if (s.notResource) return !s.notResource.some((p) => glob(substitute(p, req), req.resource, false));
  return false;
}

/** The request's context keys (lower-case names), as IAM would see them for this user's request. */
function contextOf(req: EvalRequest): Map<string, string[]> {
  const ctx = new Map<string, string[]>([
    ["aws:username", [req.userName]],
    ["aws:securetransport", ["true"]],
  ]);
  if (req.mfa) {
    ctx.set("aws:multifactorauthpresent", ["true"]);
    ctx.set("aws:multifactorauthage", ["0"]);
  }
  return ctx;
}

const KNOWN_KEYS = new Set([
  "aws:username",
  "aws:securetransport",
  "aws:multifactorauthpresent",
  "aws:multifactorauthage",
]);

function compare(op: string, actual: string, expected: string): Tri {
  switch (op) {
    case "bool":
      return actual.toLowerCase() === expected.toLowerCase();
    case "stringequals":
      return actual === expected;
    case "stringnotequals":
      return actual !== expected;
    case "stringequalsignorecase":
      return actual.toLowerCase() === expected.toLowerCase();
    case "stringlike":
      return glob(expected, actual, false);
    case "stringnotlike":
      return !glob(expected, actual, false);
    case "numericequals":
    case "numericnotequals":
    case "numericlessthan":
    case "numericlessthanequals":
    case "numericgreaterthan":
    case "numericgreaterthanequals": {
      const a = Number(actual);
      const e = Number(expected);
      if (Number.isNaN(a) || Number.isNaN(e)) return "unknown";
      if (op === "numericequals") return a === e;
      if (op === "numericnotequals") return a !== e;
      if (op === "numericlessthan") return a < e;
      if (op === "numericlessthanequals") return a <= e;
      if (op === "numericgreaterthan") return a > e;
      return a >= e;
    }
    default:
      return "unknown";
  }
}

/** true when every condition holds, false when one does not, "unknown" when one cannot be evaluated. */
function evalConditions(s: Statement, req: EvalRequest): { result: Tri; mfa: boolean } {
  if (!s.condition) return { result: true, mfa: false };
  const ctx = contextOf(req);
  let result: Tri = true;
  let mfa = false;
  for (const [rawOp, block] of Object.entries(s.condition)) {
    let op = rawOp.toLowerCase();
    if (op.startsWith("forallvalues:") || op.startsWith("foranyvalue:")) return { result: "unknown", mfa };
    const ifExists = op.endsWith("ifexists");
    if (ifExists) op = op.slice(0, -"ifexists".length);
    for (const [rawKey, rawValues] of Object.entries(block)) {
      const key = rawKey.toLowerCase();
      if (key.startsWith("aws:multifactorauth")) mfa = true;
      const expected = (list(rawValues) ?? (typeof rawValues === "boolean" ? [String(rawValues)] : [])).map(
        (v) => v,
      );
      let one: Tri;
      if (!KNOWN_KEYS.has(key)) {
        one = "unknown";
      } else if (op === "null") {
        const absent = !ctx.has(key);
        one = expected.some((v) => v.toLowerCase() === String(absent));
      } else {
        const actual = ctx.get(key);
        if (actual === undefined) {
          // A missing key matches only with IfExists (and "Not" operators never match a missing key).
          one = ifExists;
        } else {
          const outcomes = actual.flatMap((a) => expected.map((e) => compare(op, a, e)));
          one = outcomes.includes(true) ? true : outcomes.includes("unknown") ? "unknown" : false;
        }
      }
      if (one === false) return { result: false, mfa };
      if (one === "unknown") result = "unknown";
    }
  }
  return { result, mfa };
}

interface SetResult {
  deny: Statement | undefined;
  maybeDeny: Statement | undefined;
  allow: Statement | undefined;
  maybeAllow: Statement | undefined;
  mfa: boolean;
}

function evalSet(statements: readonly Statement[], req: EvalRequest): SetResult {
  const r: SetResult = {
    deny: undefined,
    maybeDeny: undefined,
    allow: undefined,
    maybeAllow: undefined,
    mfa: false,
  };
  for (const s of statements) {
    if (!matchesAction(s, req.action) || !matchesResource(s, req)) continue;
    const c = evalConditions(s, req);
    if (s.effect === "Deny") {
      if (c.result === true) {
        r.deny ??= s;
        if (c.mfa) r.mfa = true;
      } else {
        if (c.result === "unknown") r.maybeDeny ??= s;
        if (c.mfa) r.mfa = true;
      }
    } else if (c.result === true) {
      r.allow ??= s;
    } else {
      if (c.result === "unknown") r.maybeAllow ??= s;
      if (c.mfa) r.mfa = true;
    }
  }
  return r;
}

export function evaluatePolicies(policies: readonly PolicySource[], req: EvalRequest): EvalResult {
  const identity: Statement[] = [];
  const boundary: Statement[] = [];
  for (const p of policies) {
    const parsed = parsePolicy(p.document, p.name);
    if (parsed === null) {
      return { decision: "unknown", mfaCondition: false, detail: `${p.name} could not be read as a policy` };
    }
    (p.boundary ? boundary : identity).push(...parsed);
  }
  const id = evalSet(identity, req);
  if (id.deny) {
    return {
      decision: "explicitDeny",
      mfaCondition: id.mfa,
      detail: `explicitly denied by ${id.deny.source}`,
    };
  }
  if (policies.some((p) => p.boundary)) {
    const b = evalSet(boundary, req);
    if (b.deny) {
      return {
        decision: "explicitDeny",
        mfaCondition: b.mfa,
        detail: `explicitly denied by ${b.deny.source}`,
      };
    }
    if (!b.allow) {
      return b.maybeAllow || b.maybeDeny
        ? {
            decision: "unknown",
            mfaCondition: b.mfa,
            detail: `${(b.maybeAllow ?? b.maybeDeny)?.source ?? "the boundary"} has conditions doctor cannot evaluate`,
          }
        : {
            decision: "implicitDeny",
            mfaCondition: b.mfa,
            detail: "the permissions boundary does not allow it",
          };
    }
  }
  if (id.maybeDeny) {
    return {
      decision: "unknown",
      mfaCondition: id.mfa,
      detail: `${id.maybeDeny.source} may deny it under conditions doctor cannot evaluate`,
    };
  }
  if (id.allow) return { decision: "allowed", mfaCondition: id.mfa, detail: `allowed by ${id.allow.source}` };
  if (id.maybeAllow) {
    return {
      decision: "unknown",
      mfaCondition: id.mfa,
      detail: `${id.maybeAllow.source} allows it only under conditions doctor cannot evaluate`,
    };
  }
  return {
    decision: "implicitDeny",
    mfaCondition: id.mfa,
    detail: "no policy of the user or its groups allows it",
  };
}
