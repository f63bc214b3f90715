import type { UserAuthorization, UserPolicyRecord } from "../domain/types.js";
import type { AuthorizationDetails, IamManagedPolicy } from "./ports.js";

/**
 * Each user's policies, resolved from one authorization-details listing: the user's inline and
 * attached policies, its groups' inline and attached policies, and its permissions boundary. A
 * managed policy is looked up by ARN among the listing's policies (AWS managed ones included, as
 * the account returns them; keywarden ships no copy); one not found keeps a null document, which
 * the blast radius reports as unreadable rather than as no access.
 */
export function authorizationsOf(accountId: string, details: AuthorizationDetails): UserAuthorization[] {
  const policies = new Map<string, IamManagedPolicy>(details.policies.map((p) => [p.arn, p]));
  const groups = new Map(details.groups.map((g) => [g.groupName, g]));
  const managed = (
    arn: string,
    source: UserPolicyRecord["source"],
    group: string | null,
  ): UserPolicyRecord => {
    const p = policies.get(arn);
    return {
      name: p?.name ?? arn.split("/").pop() ?? arn,
      source,
      arn,
      group,
      document: p?.document ?? null,
    };
  };
  return details.users.map((u) => {
    const out: UserPolicyRecord[] = [
      ...u.inlinePolicies.map((p) => ({
        name: p.name,
        source: "user-inline" as const,
        arn: null,
        group: null,
        document: p.document,
      })),
      ...u.attachedPolicyArns.map((arn) => managed(arn, "user-managed", null)),
    ];
    for (const name of u.groups) {
      const g = groups.get(name);
      if (!g) continue;
      out.push(
        ...g.inlinePolicies.map((p) => ({
          name: p.name,
          source: "group-inline" as const,
          arn: null,
          group: name,
          document: p.document,
        })),
        ...g.attachedPolicyArns.map((arn) => managed(arn, "group-managed", name)),
      );
    }
    return {
      accountId,
      userName: u.userName,
      userArn: u.arn,
      userPath: u.path,
      groups: u.groups,
      policies: out,
      boundary: u.boundaryArn ? managed(u.boundaryArn, "boundary", null) : null,
    };
  });
}
