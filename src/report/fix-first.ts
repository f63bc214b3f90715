import type { AuditKeyView } from "../domain/audit-report.js";
import { maskKeyId } from "../domain/key-id.js";

// "Fix first": the few keys whose risk score is highest, each with the factors that weigh most, so a
// person starts where a leak would hurt most. Pure: same report, same lines.

export const FIX_FIRST_COUNT = 5;

/** The top keys by risk (score > 0), highest first; ties by user and key for a stable order. */
export function fixFirst(keys: readonly AuditKeyView[], count = FIX_FIRST_COUNT): AuditKeyView[] {
  return keys
    .filter((k) => (k.risk?.score ?? 0) > 0)
    .sort(
      (a, b) =>
        (b.risk?.score ?? 0) - (a.risk?.score ?? 0) ||
        a.userName.localeCompare(b.userName) ||
        a.accessKeyId.localeCompare(b.accessKeyId),
    )
    .slice(0, count);
}

/** One plain line per key: score, user, masked key, radius class, the three heaviest factors. */
export function fixFirstLines(keys: readonly AuditKeyView[], showAccount: boolean): string[] {
  return fixFirst(keys).map((k, i) => {
    const risk = k.risk;
    const top = (risk?.factors ?? [])
      .filter((f) => f.points > 0)
      .sort((a, b) => b.points - a.points)
      .slice(0, 3)
      .map((f) => `${f.name} ${String(f.value)} +${f.points}`);
    const who = `${showAccount ? `${k.accountId} ` : ""}${k.userName} ${maskKeyId(k.accessKeyId)}`;
    const cls = k.blastRadius?.classes[0] ?? "radius unknown";
    return `${i + 1}. risk ${risk?.score ?? 0}  ${who}  ${cls}  (${top.join(", ")})`;
  });
}
