import type { Store } from "../store/types.js";
import type { EngineDeps } from "./engine.js";
import type { IamRotationPort, Target } from "./ports.js";

// Every write a rotation makes (IAM, a target, the store) is a boundary where a process can die,
// a second worker can act, or a person can change a key or a target. `instrument` names them all
// and calls a hook before and after each:
//   before:iam.createAccessKey#1   after:target.deliver#2   after:store.updateJob#5
// The exploration test (test/rotation-explore.test.ts) injects crashes and outside actions there;
// the CLI's KEYWARDEN_CRASH_AT takes the same names, so any schedule can be replayed by hand:
//   KEYWARDEN_CRASH_AT=after:iam.createAccessKey keywarden rotate ...   (the first one)
//   KEYWARDEN_CRASH_AT=after:store.updateJob#3 keywarden rotate ...     (the third one)

export type BoundaryHook = (name: string) => void | Promise<void>;

const IAM_WRITES = ["createAccessKey", "updateAccessKey", "deleteAccessKey", "tagUser", "untagUser"] as const;
const TARGET_WRITES = ["backup", "deliver", "restore", "discard"] as const;

/** Calls `hook("before:<name>#<n>")` and `hook("after:<name>#<n>")` around every write of the deps. */
export function instrument(deps: EngineDeps, hook: BoundaryHook): EngineDeps {
  const counts = new Map<string, number>();
  const around = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const n = (counts.get(name) ?? 0) + 1;
    counts.set(name, n);
    await hook(`before:${name}#${n}`);
    const out = await fn();
    await hook(`after:${name}#${n}`);
    return out;
  };

  const iam = (port: IamRotationPort): IamRotationPort => {
    const wrapped: IamRotationPort = { ...port };
    for (const m of IAM_WRITES) {
      const original = port[m].bind(port) as (...a: unknown[]) => Promise<unknown>;
      (wrapped as unknown as Record<string, unknown>)[m] = (...a: unknown[]) =>
        around(`iam.${m}`, () => original(...a));
    }
    return wrapped;
  };

  const target = (t: Target): Target => {
    const wrapped: Target = { ...t, spec: t.spec };
    for (const m of TARGET_WRITES) {
      const original = t[m].bind(t) as (...a: unknown[]) => Promise<unknown>;
      (wrapped as unknown as Record<string, unknown>)[m] = (...a: unknown[]) =>
        around(`target.${m}`, () => original(...a));
    }
    return wrapped;
  };

  const store: Store = Object.create(deps.store) as Store;
  store.updateJob = (...a) => around("store.updateJob", () => deps.store.updateJob(...a));

  return {
    ...deps,
    store,
    iam: iam(deps.iam),
    iamWithNewKey: (key) => iam(deps.iamWithNewKey(key)),
    targets: (job) => deps.targets(job).map(target),
  };
}

/** Whether a boundary name (`after:iam.createAccessKey#1`) is the one KEYWARDEN_CRASH_AT names. */
export function matchesBoundary(wanted: string, name: string): boolean {
  return wanted === name || (!wanted.includes("#") && `${wanted}#1` === name);
}
