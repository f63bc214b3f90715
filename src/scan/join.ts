// Who owns a leaked key, found without the leaked secret: the user's own inventory of the account
// the key id decodes to (owner, status, last use), and optionally sts:GetAccessKeyInfo for the
// account of keys the inventory does not hold.
import type { Inventory } from "../domain/types.js";
import type { KeyFacts, KeyLookup } from "./finalize.js";
import { accountIdOfKeyId, isCredentialKeyId } from "./patterns.js";

export interface JoinPorts {
  /** The inventory of the account the user's credentials reach (the audit's collection path). */
  inventory: () => Promise<Inventory>;
  /** sts:GetAccessKeyInfo with the user's credentials; only with --verify. */
  accountOfKey?: (keyId: string) => Promise<string | null>;
}

/** Permissions the join uses beyond the inventory's. */
export const SCAN_VERIFY_PERMISSIONS = ["sts:GetAccessKeyInfo"] as const;

export interface Join {
  lookup: KeyLookup;
  /** Why owners are missing, if they are. */
  note: string | null;
}

export const UNKNOWN: KeyFacts = { status: "Unknown", owner: null };

export async function joinOwners(keyIds: string[], ports: JoinPorts): Promise<Join> {
  const ids = [...new Set(keyIds.filter(isCredentialKeyId))];
  if (ids.length === 0) return { lookup: () => UNKNOWN, note: null };
  const notes: string[] = [];
  const verified = new Map<string, string>();
  if (ports.accountOfKey) {
    for (const id of ids) {
      try {
        const account = await ports.accountOfKey(id);
        if (account) verified.set(id, account);
      } catch (e) {
        notes.push(`sts:GetAccessKeyInfo failed: ${(e as Error).message}`);
        break;
      }
    }
  }
  let inventory: Inventory | null = null;
  try {
    inventory = await ports.inventory();
  } catch (e) {
    notes.push(`owners not looked up: ${(e as Error).message}`);
  }
  const byId = new Map((inventory?.keys ?? []).map((k) => [k.accessKeyId, k]));
  const accounts = new Set((inventory?.accounts ?? []).map((a) => a.accountId));
  // Keys listing failed for some users: a key missing from the inventory may still exist.
  const complete = (inventory?.errors ?? []).every((e) => e.operation !== "ListAccessKeys");
  const lookup: KeyLookup = (keyId) => {
    const rec = byId.get(keyId);
    const account = verified.get(keyId);
    if (rec) {
      return {
        status: rec.status,
        accountId: rec.accountId,
        owner: {
          userName: rec.userName,
          userArn: rec.userArn,
          lastUsedAt: rec.lastUsedAt?.toISOString() ?? null,
        },
      };
    }
    const inAccount = account ?? accountIdOfKeyId(keyId);
    // A long-term key of an account we hold the whole inventory of, not in it: deleted.
    if (complete && keyId.startsWith("AKIA") && inAccount !== null && accounts.has(inAccount)) {
      return { status: "NotFound", owner: null, accountId: inAccount };
    }
    return account ? { ...UNKNOWN, accountId: account } : UNKNOWN;
  };
  return { lookup, note: notes.length > 0 ? notes.join("; ") : null };
}
