import type { LeastPrivilege, ObservedAction, PolicyStatementOut } from "./types.js";

// The identity policy for the replacement, from the actions the key was seen using: one statement
// per service and set of resources, resources as CloudTrail named them, "*" where it named none
// (said in a note, per service). Calls AWS refused are not granted. Actions whose mapping is a
// guess are granted and named in a note, so a person checks them before applying the policy.

const sidOf = (service: string, n: number) =>
  `Observed${service
    .split(/[^A-Za-z0-9]+/)
    .map((w) => `${w[0]?.toUpperCase() ?? ""}${w.slice(1)}`)
    .join("")}${n > 1 ? n : ""}`;

export function leastPrivilege(actions: ObservedAction[], opts: { trailRead: boolean }): LeastPrivilege {
  const notes: string[] = [];
  const granted = actions.filter((a) => a.count > 0);
  const deniedOnly = actions.filter((a) => a.count === 0 && a.denied > 0);
  if (deniedOnly.length > 0) {
    notes.push(
      `Not granted: ${deniedOnly.map((a) => a.action).join(", ")}: every call was refused by AWS, so the key never used it.`,
    );
  }
  for (const a of granted.filter((x) => !x.certain))
    notes.push(`Check ${a.action}: ${a.note ?? "the mapping is a guess"}.`);
  if (granted.length === 0) {
    notes.push(
      opts.trailRead
        ? "No successful call of the key was seen in CloudTrail, so no action can be granted from evidence. Widen the window (LookupEvents keeps 90 days; --logs reads the trail's files), or generate a policy with IAM Access Analyzer from a longer trail."
        : "No CloudTrail events were read, so no action can be granted from evidence: run again with --logs PATH or with cloudtrail:LookupEvents allowed.",
    );
    return { policy: null, services: [], notes };
  }
  const byService = new Map<string, ObservedAction[]>();
  for (const a of granted) {
    const s = a.action.split(":")[0] ?? a.action;
    byService.set(s, [...(byService.get(s) ?? []), a]);
  }
  const statements: PolicyStatementOut[] = [];
  const services: LeastPrivilege["services"] = [];
  for (const [service, list] of [...byService.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    // Actions sharing the same resources share a statement.
    const groups = new Map<string, { actions: string[]; resources: string[] }>();
    for (const a of list) {
      const key = a.resources.length > 0 ? a.resources.join("\n") : "*";
      const g = groups.get(key) ?? { actions: [], resources: a.resources.length > 0 ? a.resources : ["*"] };
      g.actions.push(a.action);
      groups.set(key, g);
    }
    let n = 0;
    for (const g of [...groups.values()].sort((a, b) =>
      (a.resources[0] ?? "").localeCompare(b.resources[0] ?? ""),
    )) {
      n++;
      g.actions.sort();
      statements.push({
        Sid: sidOf(service, n),
        Effect: "Allow",
        Action: g.actions.length === 1 ? (g.actions[0] ?? "") : g.actions,
        Resource: g.resources.length === 1 ? (g.resources[0] ?? "*") : g.resources,
      });
    }
    const wild = list.filter((a) => a.resources.length === 0).map((a) => a.action);
    if (wild.length > 0) {
      notes.push(
        `${wild.join(", ")} on "*": CloudTrail named no resource for ${wild.length === 1 ? "it" : "them"}; narrow the Resource if you know it.`,
      );
    }
    services.push({
      service,
      actions: list.map((a) => a.action).sort(),
      resources: [...new Set(list.flatMap((a) => a.resources))].sort(),
      wildcard: wild.length > 0,
    });
  }
  if (granted.some((a) => a.action === "ec2:RunInstances" || a.action === "lambda:CreateFunction"))
    notes.push(
      "Launching compute with a role also needs iam:PassRole on that role, which CloudTrail records only as part of the launch: add it for the role ARN the workload passes.",
    );
  return { policy: { Version: "2012-10-17", Statement: statements }, services, notes };
}
