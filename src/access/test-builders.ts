import type { NamedPolicy, PolicySource, PolicyStatement, PrincipalPolicies } from "./types.js";

// Builders for the access tests: a principal from a few statements, named the way AWS names them.

export const ACCOUNT = "123456789012";

export function policy(
  name: string,
  statements: PolicyStatement[],
  source: PolicySource = "user-inline",
  group?: string,
): NamedPolicy {
  return {
    name,
    source,
    ...(group ? { group } : {}),
    document: { Version: "2012-10-17", Statement: statements },
  };
}

export const allow = (Action: string | string[], Resource: string | string[] = "*"): PolicyStatement => ({
  Effect: "Allow",
  Action,
  Resource,
});
export const deny = (Action: string | string[], Resource: string | string[] = "*"): PolicyStatement => ({
  Effect: "Deny",
  Action,
  Resource,
});

export function principal(
  identity: NamedPolicy[],
  extra: Partial<Omit<PrincipalPolicies, "identity">> = {},
): PrincipalPolicies {
  return {
    identity,
    variables: { "aws:username": "alice", "aws:userid": "AIDAALICE", "aws:principalaccount": ACCOUNT },
    ...extra,
  };
}

export const ADMIN = policy("AdministratorAccess", [allow("*")], "user-managed");
