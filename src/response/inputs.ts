// What the response verbs read from people (the CLI's flags, the dashboard's form): --since,
// --regions, and the id a new incident gets. One place, so both answer bad input the same way.
import { randomBytes } from "node:crypto";
import { UsageError } from "../domain/errors.js";

const RELATIVE = /^(\d+)([mhdw])$/;
const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** --since: an ISO time, or a span back from now such as 36h or 7d. */
export function parseSince(raw: string | undefined, now: Date): Date | null {
  if (raw === undefined) return null;
  const rel = RELATIVE.exec(raw.trim());
  if (rel) return new Date(now.getTime() - Number(rel[1]) * (UNIT_MS[rel[2] ?? "d"] ?? 0));
  const d = new Date(raw);
  if (!/^\d{4}-\d{2}-\d{2}/.test(raw) || Number.isNaN(d.getTime())) {
    throw new UsageError(
      `--since "${raw}" is neither an ISO time nor a span like 36h or 7d`,
      "Pass --since 2026-11-20T08:00:00Z or --since 2d.",
    );
  }
  return d;
}

export function parseRegions(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  const list = raw
    .split(",")
    .map((r) => r.trim())
    .filter(Boolean);
  const bad = list.find((r) => !/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(r));
  if (bad !== undefined || list.length === 0) {
    throw new UsageError(
      `--regions "${raw}" is not a comma-separated list of AWS regions`,
      "Pass --regions us-east-1,eu-west-1.",
    );
  }
  return list;
}

/** "inc-20261121-093000-a1b2c3": sortable by time, typeable. */
export function newIncidentId(now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}Z$/, "")
    .replace("T", "-");
  return `inc-${stamp}-${randomBytes(3).toString("hex")}`;
}
