import type { UserAuthorization, UserPolicyRecord } from "../domain/types.js";
import { parsePolicyDocument } from "./parse.js";
import type { ProbeContext } from "./probes.js";
import { blastRadius, type BlastRadius } from "./radius.js";
import type { NamedPolicy, PolicyDocument, PrincipalPolicies } from "./types.js";

/** A user's blast radius, plus the policies keywarden could not read (so the answer may be short). */
export interface UserBlastRadius extends BlastRadius {
  unreadable: string[];
}

// Users share managed policies: parse each document text once per run, so the evaluator's
// per-statement indexes are built once too. Bounded, since an audit may read many accounts.
const parsedDocs = new Map<string, PolicyDocument>();
function parsed(text: string): PolicyDocument {
  let doc = parsedDocs.get(text);
  if (!doc) {
    doc = parsePolicyDocument(text);
    if (parsedDocs.size >= 5000) parsedDocs.clear();
    parsedDocs.set(text, doc);
  }
  return doc;
}

const partitionOf = (arn: string) => arn.split(":")[1] ?? "aws";

function named(p: UserPolicyRecord, unreadable: string[]): NamedPolicy | null {
  const label = p.group ? `${p.group}/${p.name}` : p.name;
  if (p.document === null) {
    unreadable.push(label);
    return null;
  }
  try {
    return {
      name: p.name,
      source: p.source,
      ...(p.arn ? { arn: p.arn } : {}),
      ...(p.group ? { group: p.group } : {}),
      document: parsed(p.document),
    };
  } catch {
    unreadable.push(label);
    return null;
  }
}

/** The evaluator's view of one user, and the facts its probes need. */
export function principalOf(
  a: UserAuthorization,
  scpLevels?: NamedPolicy[][],
): { principal: PrincipalPolicies; context: ProbeContext; unreadable: string[] } {
  const unreadable: string[] = [];
  const identity = a.policies.map((p) => named(p, unreadable)).filter((p) => p !== null);
  const boundary = a.boundary ? named(a.boundary, unreadable) : null;
  return {
    principal: {
      identity,
      // A boundary keywarden cannot read still narrows access in AWS: evaluating without it would
      // overstate, which for a risk ranking errs on the safe side; `unreadable` says so.
      boundary,
      ...(scpLevels ? { scpLevels } : {}),
      variables: {
        "aws:username": a.userName,
        "aws:principalaccount": a.accountId,
        "aws:principalarn": a.userArn,
      },
    },
    context: {
      accountId: a.accountId,
      partition: partitionOf(a.userArn),
      userName: a.userName,
      userPath: a.userPath,
      groups: a.groups,
      managedPolicyArns: a.policies.flatMap((p) => (p.arn && !p.arn.includes(":aws:policy/") ? [p.arn] : [])),
    },
    unreadable,
  };
}

export function userBlastRadius(a: UserAuthorization, scpLevels?: NamedPolicy[][]): UserBlastRadius {
  const { principal, context, unreadable } = principalOf(a, scpLevels);
  return { ...blastRadius(principal, context), unreadable };
}
