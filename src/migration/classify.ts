import { signalsOf, type SignalOptions } from "./signals.js";
import {
  KIND_TITLES,
  REPLACEMENT_KINDS,
  type Candidate,
  type Classification,
  type KeyEvidence,
  type ReplacementKind,
} from "./types.js";

// Which replacement fits the key, decided only by signals strong enough to name the workload.
// A strong signal is worth 3, a weak one 1. A kind is chosen when it has a strong signal and no
// other kind has one: two kinds with strong signals mean the key serves two workloads (each needs
// its own replacement), and weak signals alone are hints. Either way the plan says so and lists
// the candidates with their reasons, rather than picking silently.

const WEIGHT = { strong: 3, weak: 1 } as const;

export function classify(
  e: KeyEvidence,
  opts: SignalOptions & { force?: ReplacementKind } = {},
): { classification: Classification; notes: string[] } {
  const { signals, notes } = signalsOf(e, opts);
  const byKind = new Map<ReplacementKind, Candidate>();
  for (const s of signals) {
    const c = byKind.get(s.kind) ?? { kind: s.kind, score: 0, reasons: [] };
    c.score += WEIGHT[s.strength];
    c.reasons.push(`${s.strength === "strong" ? "" : "(hint) "}${s.reason}`);
    byKind.set(s.kind, c);
  }
  const candidates = [...byKind.values()].sort(
    (a, b) => b.score - a.score || REPLACEMENT_KINDS.indexOf(a.kind) - REPLACEMENT_KINDS.indexOf(b.kind),
  );
  const strongKinds = [...new Set(signals.filter((s) => s.strength === "strong").map((s) => s.kind))];
  const thin = thinness(e);

  if (opts.force) {
    const top = strongKinds.length === 1 ? strongKinds[0] : undefined;
    const agrees = top === opts.force;
    return {
      classification: {
        kind: opts.force,
        confidence: "forced",
        summary: `--kind ${opts.force}: ${KIND_TITLES[opts.force]}${
          top && !agrees
            ? `; note that the evidence points at ${top} (${byKind.get(top)?.reasons[0] ?? ""})`
            : agrees
              ? ", as the evidence shows"
              : ""
        }`,
        candidates,
      },
      notes,
    };
  }
  if (strongKinds.length === 1) {
    const kind = strongKinds[0] as ReplacementKind;
    const reasons = byKind.get(kind)?.reasons.filter((r) => !r.startsWith("(hint)")) ?? [];
    return {
      classification: {
        kind,
        confidence: "high",
        summary: reasons.join("; "),
        candidates,
      },
      notes,
    };
  }
  if (strongKinds.length > 1) {
    return {
      classification: {
        kind: null,
        confidence: "low",
        summary: `the key serves more than one workload (${strongKinds.join(", ")}): give each its own replacement, one run with --kind for each`,
        candidates,
      },
      notes,
    };
  }
  // Only hints, or nothing: say what is missing and list what could fit.
  const listed: Candidate[] =
    candidates.length > 0
      ? candidates
      : REPLACEMENT_KINDS.map((kind) => ({
          kind,
          score: 0,
          reasons: ["nothing in the evidence for or against it"],
        }));
  return {
    classification: {
      kind: null,
      confidence: candidates.length > 0 ? "low" : "none",
      summary: `the evidence is too thin to choose (${thin}); candidates are listed with their reasons: pass --kind to plan one`,
      candidates: listed,
    },
    notes,
  };
}

/** Why the evidence cannot settle the kind, in words. */
function thinness(e: KeyEvidence): string {
  if (!e.trail) return "no CloudTrail events were read: pass --logs PATH, or allow cloudtrail:LookupEvents";
  if (e.trail.events === 0) {
    return e.key.lastUsed
      ? `CloudTrail holds no event of the key; its last use was ${e.key.lastUsed.service} in ${e.key.lastUsed.region} on ${e.key.lastUsed.date.slice(0, 10)}, which says what it called, not from where`
      : "CloudTrail holds no event of the key and it was never used";
  }
  return `${e.trail.events} event(s), but no user agent, address or owner fact names the workload`;
}
