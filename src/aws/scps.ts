import {
  DescribePolicyCommand,
  ListParentsCommand,
  ListPoliciesForTargetCommand,
  PolicyTypeNotEnabledException,
} from "@aws-sdk/client-organizations";
import type { NamedPolicy, PolicyDocument } from "../access/types.js";
import { call, callSite } from "./errors.js";
import type { AwsSession } from "./session.js";

// The service control policies that apply to each member account of an organization, for the
// blast radius: one list per level (the root, each OU from the top down, the account itself), as
// IAM evaluates them (an action must be allowed at every level). Read once per organization from
// the management account (or a delegated administrator):
//   ListParents            once per account and once per OU on the way up (cached);
//   ListPoliciesForTarget  once per account, OU and root (cached), filter SERVICE_CONTROL_POLICY;
//   DescribePolicy         once per distinct policy (cached).
// Never per key or per user. The management account is not affected by SCPs: it gets no levels.

export interface ScpCollection {
  /** Per member account, its levels root first; absent for the management account. */
  levels: Map<string, NamedPolicy[][]>;
  /** Why SCPs were left out of the evaluation, when they were (the radius may then overstate). */
  skipped: string | null;
}

interface Parent {
  id: string;
  type: "ROOT" | "ORGANIZATIONAL_UNIT";
}

export async function collectScps(
  session: AwsSession,
  accountIds: readonly string[],
  managementAccountId: string | null,
): Promise<ScpCollection> {
  const org = session.organizations();
  const parents = new Map<string, Promise<Parent | null>>();
  const attached = new Map<string, Promise<string[]>>();
  const documents = new Map<string, Promise<NamedPolicy>>();

  const parentOf = (childId: string): Promise<Parent | null> => {
    let p = parents.get(childId);
    if (!p) {
      p = call(callSite(session, "ListParents", "organizations"), async () => {
        const r = await org.send(new ListParentsCommand({ ChildId: childId }));
        const first = r.Parents?.[0];
        return first?.Id && first.Type ? { id: first.Id, type: first.Type } : null;
      });
      parents.set(childId, p);
    }
    return p;
  };

  const policyIdsOf = (targetId: string): Promise<string[]> => {
    let p = attached.get(targetId);
    if (!p) {
      p = call(callSite(session, "ListPoliciesForTarget", "organizations"), async () => {
        const ids: string[] = [];
        let NextToken: string | undefined;
        do {
          const r = await org.send(
            new ListPoliciesForTargetCommand({
              TargetId: targetId,
              Filter: "SERVICE_CONTROL_POLICY",
              NextToken,
            }),
          );
          for (const s of r.Policies ?? []) if (s.Id) ids.push(s.Id);
          NextToken = r.NextToken;
        } while (NextToken);
        return ids;
      });
      attached.set(targetId, p);
    }
    return p;
  };

  const policy = (policyId: string): Promise<NamedPolicy> => {
    let p = documents.get(policyId);
    if (!p) {
      p = call(callSite(session, "DescribePolicy", "organizations"), async () => {
        const r = await org.send(new DescribePolicyCommand({ PolicyId: policyId }));
        const summary = r.Policy?.PolicySummary;
        return {
          name: summary?.Name ?? policyId,
          source: "scp" as const,
          arn: summary?.Arn ?? policyId,
          document: JSON.parse(r.Policy?.Content ?? '{"Statement":[]}') as PolicyDocument,
        };
      });
      documents.set(policyId, p);
    }
    return p;
  };

  /** The account's chain of targets, root first: root, OUs top-down, the account. */
  const chainOf = async (accountId: string): Promise<string[]> => {
    const chain = [accountId];
    let child = accountId;
    // An organization nests OUs at most five deep; the bound guards against a cycle in a bad answer.
    for (let depth = 0; depth < 8; depth++) {
      const parent = await parentOf(child);
      if (!parent) break;
      chain.unshift(parent.id);
      if (parent.type === "ROOT") break;
      child = parent.id;
    }
    return chain;
  };

  const levels = new Map<string, NamedPolicy[][]>();
  try {
    for (const accountId of accountIds) {
      if (accountId === managementAccountId) continue;
      const chain = await chainOf(accountId);
      const all = await Promise.all(chain.map(async (t) => Promise.all((await policyIdsOf(t)).map(policy))));
      // AWS keeps at least one SCP on every target while SCPs are enabled; an empty level (an
      // emulator, a race with a detach) is left out rather than read as "deny everything".
      levels.set(
        accountId,
        all.filter((level) => level.length > 0),
      );
    }
  } catch (e) {
    // SCPs not enabled in the organization: none applies, so nothing is cut.
    if ((e as { cause?: unknown }).cause instanceof PolicyTypeNotEnabledException) {
      return { levels: new Map(), skipped: null };
    }
    // Not readable (no organizations:ListPoliciesForTarget, ...): evaluate without them. The radius
    // may then overstate what a key can do, which for a ranking of what to fix first is the safe side.
    return { levels: new Map(), skipped: e instanceof Error ? e.message : String(e) };
  }
  return { levels, skipped: null };
}
