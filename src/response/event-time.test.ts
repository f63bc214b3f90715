import { describe, expect, it } from "vitest";
import { parseEventTime } from "./normalize.js";

// What a Date makes of a UTC time, refusing a day that does not exist: what parseEventTime
// answered for CloudTrail's own shape before it read that shape without a Date.
function viaDate(s: string): string | null {
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) return null;
  return d.toISOString().slice(0, 10) === s.slice(0, 10) ? d.toISOString() : null;
}

describe("parseEventTime on CloudTrail's own shape", () => {
  it("answers as a Date does on real and impossible days, leap years and clock limits", () => {
    const samples = [
      "2026-11-20T03:02:00Z",
      "2024-02-29T12:00:00Z",
      "2025-02-29T12:00:00Z",
      "2000-02-29T00:00:00Z",
      "2100-02-29T00:00:00Z",
      "2026-04-31T00:00:00Z",
      "2026-12-31T23:59:59Z",
      "2026-13-01T00:00:00Z",
      "2026-00-10T00:00:00Z",
      "2026-01-00T00:00:00Z",
      "2026-01-01T23:60:00Z",
      "2026-01-01T23:00:60Z",
      "0001-01-01T00:00:00Z",
    ];
    for (const s of samples) expect(parseEventTime(s), s).toBe(viaDate(s));
  });

  it("answers as a Date does on every day of four years, at random clocks", () => {
    let seed = 7;
    const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const pad = (n: number, w = 2) => String(n).padStart(w, "0");
    for (const year of [1999, 2000, 2024, 2100])
      for (let month = 1; month <= 12; month++)
        for (let day = 1; day <= 31; day++) {
          const s = `${year}-${pad(month)}-${pad(day)}T${pad(rand(24))}:${pad(rand(60))}:${pad(rand(60))}Z`;
          expect(parseEventTime(s), s).toBe(viaDate(s));
        }
  });

  it("leaves other shapes to the general reader: 24:00, offsets, fractions, spaces, lower-case z", () => {
    expect(parseEventTime("2026-01-01T24:00:00Z")).toBe("2026-01-02T00:00:00.000Z");
    expect(parseEventTime("2026-01-01T01:00:00+01:00")).toBe("2026-01-01T00:00:00.000Z");
    expect(parseEventTime("2026-01-01T00:00:00.5Z")).toBe("2026-01-01T00:00:00.500Z");
    expect(parseEventTime(" 2026-01-01T00:00:00Z ")).toBe("2026-01-01T00:00:00.000Z");
    expect(parseEventTime("2026-01-01t00:00:00z")).toBe("2026-01-01T00:00:00.000Z");
    expect(parseEventTime("2026-0a-01T00:00:00Z")).toBeNull();
  });
});
