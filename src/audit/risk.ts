import { userBlastRadius, type UserBlastRadius } from "../access/principal.js";
import type { RadiusClass } from "../access/radius.js";
import type { NamedPolicy } from "../access/types.js";
import { riskOf } from "../access/risk.js";
import type { AuditKeyView, KeyBlastRadiusView } from "../domain/audit-report.js";
import type { Inventory } from "../domain/types.js";

/** What the store knows about a key's exposure: a scan found it, an incident names it. */
export interface KeyExposure {
  foundInCode?: boolean;
  incident?: boolean;
}

export function blastRadiusView(r: UserBlastRadius): KeyBlastRadiusView {
  return {
    classes: r.classes,
    grants: r.grants.map((g) => ({
      class: g.class,
      policy: g.policy,
      statement: g.statement,
      via: g.via,
      conditional: g.conditional,
    })),
    conditional: r.conditional,
    unreadablePolicies: r.unreadable,
  };
}

/**
 * Adds each key's blast radius and risk to the key views, from what the inventory already holds:
 * the authorization details come from the same listing as the users, so this costs no AWS call.
 * A user evaluated once serves both its keys. In an organization audit, `scps` holds the service
 * control policies of each member account, one list per level (src/aws/scps.ts): they cut what the
 * account's users can do.
 */
export function addBlastRadiusAndRisk(
  keys: AuditKeyView[],
  inventory: Inventory,
  now: Date,
  exposures: ReadonlyMap<string, KeyExposure> = new Map(),
  scps: ReadonlyMap<string, NamedPolicy[][]> = new Map(),
): AuditKeyView[] {
  const byUser = new Map<string, UserBlastRadius>();
  for (const a of inventory.authorizations ?? [])
    byUser.set(`${a.accountId}/${a.userName}`, userBlastRadius(a, scps.get(a.accountId)));
  const records = new Map(inventory.keys.map((k) => [`${k.accountId}/${k.accessKeyId}`, k]));
  return keys.map((k) => {
    const record = records.get(`${k.accountId}/${k.accessKeyId}`);
    if (!record) return k;
    const radius = byUser.get(`${k.accountId}/${k.userName}`);
    const top: RadiusClass | undefined = radius?.classes[0];
    const exposure = exposures.get(k.accessKeyId) ?? {};
    const risk = riskOf({
      key: record,
      // "nothing" read from policies keywarden could not all read is unknown, not harmless.
      radius:
        radius && top && !(top === "nothing" && radius.unreadable.length > 0)
          ? { top, conditional: radius.conditional }
          : null,
      now,
      ...exposure,
    });
    return { ...k, ...(radius ? { blastRadius: blastRadiusView(radius) } : {}), risk };
  });
}

/** Highest risk first; keys without a score last; ties by account, user, key for a stable order. */
export function byRisk(a: AuditKeyView, b: AuditKeyView): number {
  return (
    (b.risk?.score ?? -1) - (a.risk?.score ?? -1) ||
    a.accountId.localeCompare(b.accountId) ||
    a.userName.localeCompare(b.userName) ||
    a.accessKeyId.localeCompare(b.accessKeyId)
  );
}
