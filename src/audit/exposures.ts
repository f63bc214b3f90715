import type { StoredRecord } from "../store/types.js";
import type { KeyExposure } from "./risk.js";

/**
 * What earlier runs stored about keys: an incident record (its subject is the key id) and a scan
 * result whose findings name the key. Pure over the records; src/cli reads them from the store.
 */
export function exposuresFrom(
  incidents: readonly StoredRecord[],
  scans: readonly StoredRecord[],
): Map<string, KeyExposure> {
  const out = new Map<string, KeyExposure>();
  const mark = (id: string, what: keyof KeyExposure) => out.set(id, { ...out.get(id), [what]: true });
  for (const r of incidents) if (r.subject) mark(r.subject, "incident");
  for (const r of scans) {
    const findings = (r.data as { findings?: unknown }).findings;
    if (!Array.isArray(findings)) continue;
    for (const f of findings as { accessKeyId?: unknown }[]) {
      if (typeof f.accessKeyId === "string") mark(f.accessKeyId, "foundInCode");
    }
  }
  return out;
}
