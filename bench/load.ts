import { cpus, loadavg } from "node:os";

// The machine's load around each bench case. The benches run on a shared machine: a case whose
// 1-minute load moved by more than one core while it ran is run once more, and both records are
// kept, so a reader can see which figures were taken on a busy machine.

export interface LoadRecord {
  /** os.loadavg() before and after the case: 1, 5 and 15 minutes. */
  before: number[];
  after: number[];
  cores: number;
  /** The 1-minute load moved by more than one core during the case. */
  changedByMoreThanOneCore: boolean;
}

export interface LoadedCase<T> {
  result: T;
  load: LoadRecord;
  /** The first attempt, when its load changed by more than one core and the case was run again. */
  rerunBecauseOf?: { result: T; load: LoadRecord };
}

const round2 = (xs: number[]) => xs.map((x) => Math.round(x * 100) / 100);

async function once<T>(run: () => Promise<T>): Promise<{ result: T; load: LoadRecord }> {
  const before = loadavg();
  const result = await run();
  const after = loadavg();
  return {
    result,
    load: {
      before: round2(before),
      after: round2(after),
      cores: cpus().length,
      changedByMoreThanOneCore: Math.abs((after[0] ?? 0) - (before[0] ?? 0)) > 1,
    },
  };
}

/** Runs a case, recording the load; reruns it once if the 1-minute load changed by more than one core. */
export async function withLoad<T>(name: string, run: () => Promise<T>): Promise<LoadedCase<T>> {
  const first = await once(run);
  if (!first.load.changedByMoreThanOneCore) return first;
  // eslint-disable-next-line no-console
  console.log(
    `  ${name}: 1-minute load went ${first.load.before[0]} -> ${first.load.after[0]} (more than one core): running it again`,
  );
  const second = await once(run);
  return { ...second, rerunBecauseOf: first };
}
