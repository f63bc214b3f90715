import { UsageError } from "../domain/errors.js";

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** "7d", "12h", "30m", "90s", "2w" or "0" to milliseconds. */
export function parseDuration(flag: string, raw: string): number {
  const t = raw.trim();
  if (t === "0") return 0;
  const m = /^(\d+)([smhdw])$/.exec(t);
  if (!m?.[1] || !m[2]) {
    throw new UsageError(
      `${flag} must be a duration such as 7d, 12h, 30m or 0, got "${raw}"`,
      `Pass for example ${flag} 7d.`,
    );
  }
  return Number(m[1]) * (UNITS[m[2]] ?? 0);
}

export function formatDuration(ms: number): string {
  if (ms === 0) return "0";
  for (const [unit, size] of [
    ["w", 604_800_000],
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
  ] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${Math.round(ms / 1000)}s`;
}
