import type { ListedPrefix } from "./ports.js";
import { mapWithConcurrency } from "../../inventory/concurrency.js";

// The estimate of a wide query (every account of an organization over 90 days: ~150,000 partition
// folders) from a budget of folder listings. Measured on bench/athena-pruning's simulated
// organization, the two things that matter are:
// - the bytes sit in a few busy account/region pairs, so a sample spread evenly over all folders
//   gives the big pairs one or two days each and misses by +-30%: here each pair is a stratum,
//   listed once, and the rest of the budget goes to the pairs half in proportion to what that
//   first listing found (the big pairs carry the total and its error), half evenly;
// - days alias: a stride that divides the window picks the same weekdays (and the same empty
//   first or last day) in every pair, a steady bias. Each pair's days start at its own offset
//   (the golden-ratio sequence) and are spread evenly from there.

const PHI = 0.618_033_988_749_895;

/** `k` day indexes of `days`, spread evenly, starting at pair `pair`'s own offset. */
export function spreadDays(pair: number, days: number, k: number): number[] {
  const start = ((pair + 1) * PHI) % 1;
  return Array.from({ length: Math.min(k, days) }, (_, j) =>
    Math.floor((((start + j / k) % 1) * days) % days),
  );
}

export interface Stratified {
  bytes: number;
  objects: number;
  /** Folders listed. */
  listed: number;
}

/**
 * Bytes and objects of `pairs` x `days` folders from at most `max` listings (`pairs` < `max`):
 * one day per pair, then the rest of the budget in proportion to each pair's first figure.
 * A pair is its days' mean times the days.
 */
export async function stratified(
  pairs: number,
  days: number,
  max: number,
  concurrency: number,
  list: (pair: number, day: number) => Promise<ListedPrefix>,
): Promise<Stratified> {
  const indexes = Array.from({ length: pairs }, (_, p) => p);
  const first = await mapWithConcurrency(indexes, concurrency, (p) =>
    list(p, spreadDays(p, days, 1)[0] as number),
  );
  const total = first.reduce((a, s) => a + s.bytes, 0);
  const budget = max - pairs;
  // Half the weight in proportion to the first figure, half even: a pair whose first day was
  // empty (an account that joined the organization last week) still gets a second look.
  const weight = first.map((s) => s.bytes + total / pairs);
  const weights = 2 * total;
  // The first day is also the first of any longer spread of the same pair.
  const more = indexes.flatMap((p) => {
    const share = weights > 0 ? (budget * (weight[p] ?? 0)) / weights : budget / pairs;
    // Fractions rounded up or down by the pair's own offset: the budget is spent, on average.
    const extra = Math.min(days - 1, Math.floor(share + (((p + 1) * PHI) % 1)));
    return spreadDays(p, days, extra + 1)
      .slice(1)
      .map((day) => ({ p, day }));
  });
  const rest = await mapWithConcurrency(more, concurrency, ({ p, day }) => list(p, day));
  // A pair is the mean of its later days when it has any: how many it got depends on the first
  // day's figure, and averaging that day in would pull big first days down and leave small ones
  // alone (an estimate that reads low).
  const sums = first.map(() => ({ bytes: 0, objects: 0, n: 0 }));
  more.forEach(({ p }, i) => {
    const sum = sums[p] as { bytes: number; objects: number; n: number };
    sum.bytes += rest[i]?.bytes ?? 0;
    sum.objects += rest[i]?.objects ?? 0;
    sum.n++;
  });
  let bytes = 0;
  let objects = 0;
  sums.forEach((s, p) => {
    const one = first[p] as ListedPrefix;
    bytes += (s.n > 0 ? s.bytes / s.n : one.bytes) * days;
    objects += (s.n > 0 ? s.objects / s.n : one.objects) * days;
  });
  return { bytes, objects, listed: pairs + more.length };
}
