import type { AccessKeyRecord } from "../domain/types.js";
import type { RadiusClass } from "./radius.js";

// A key's risk score, 0-100, as a sum of factors a person can check by reading them: each factor
// shows its input (value), its most points (weight) and the points it gave. Weights put what the key
// can do first, then signs that it may already be out (found in code, an incident), then how long
// it has been exposed and whether anyone would notice.

export interface RiskFactor {
  name: "blastRadius" | "keyAge" | "lastUse" | "foundInCode" | "incident" | "ownerMfa" | "owner" | "inactive";
  value: string | number | boolean;
  weight: number;
  points: number;
}

export interface Risk {
  score: number;
  factors: RiskFactor[];
}

export interface RiskInput {
  key: AccessKeyRecord;
  /** The most severe class, or null when the blast radius could not be computed. */
  radius: { top: RadiusClass; conditional: boolean } | null;
  /** From the store, when known: a scan found the key in code or history / an incident names it. */
  foundInCode?: boolean;
  incident?: boolean;
  now: Date;
}

export const RISK_WEIGHTS = {
  blastRadius: 40,
  keyAge: 15,
  lastUse: 10,
  foundInCode: 15,
  incident: 20,
  ownerMfa: 5,
  owner: 5,
} as const;

/** Share of the blast-radius weight per class. */
export const RADIUS_SHARE: Record<RadiusClass, number> = {
  "administrator-equivalent": 1,
  "can-escalate": 0.9,
  "reads-secrets-or-data": 0.6,
  "can-launch-compute": 0.5,
  "limited-write": 0.25,
  "read-only": 0.1,
  nothing: 0,
};
/** Unknown radius (details not readable) counts as half: neither hidden nor alarming. */
const UNKNOWN_SHARE = 0.5;
/** A class that rests on a condition may not apply to every request. */
const CONDITIONAL_SHARE = 0.75;
const DAY = 86_400_000;
const AGE_CAP_DAYS = 365;
const UNUSED_CAP_DAYS = 90;

const days = (from: Date, now: Date) => Math.max(0, Math.floor((now.getTime() - from.getTime()) / DAY));

export function riskOf(input: RiskInput): Risk {
  const { key, radius, now } = input;
  const w = RISK_WEIGHTS;
  const f: RiskFactor[] = [];
  const share =
    radius === null ? UNKNOWN_SHARE : RADIUS_SHARE[radius.top] * (radius.conditional ? CONDITIONAL_SHARE : 1);
  f.push({
    name: "blastRadius",
    value: radius === null ? "unknown" : radius.conditional ? `${radius.top} (conditional)` : radius.top,
    weight: w.blastRadius,
    points: Math.round(w.blastRadius * share),
  });
  const age = days(key.createdAt, now);
  f.push({
    name: "keyAge",
    value: age,
    weight: w.keyAge,
    points: Math.round((w.keyAge * Math.min(age, AGE_CAP_DAYS)) / AGE_CAP_DAYS),
  });
  // An active key nobody uses is pure exposure: full points when never used or unused 90+ days.
  const idle = key.lastUsedAt === null ? null : days(key.lastUsedAt, now);
  f.push({
    name: "lastUse",
    value: idle === null ? "never" : idle,
    weight: w.lastUse,
    points:
      idle === null ? w.lastUse : Math.round((w.lastUse * Math.min(idle, UNUSED_CAP_DAYS)) / UNUSED_CAP_DAYS),
  });
  const found = input.foundInCode === true;
  f.push({ name: "foundInCode", value: found, weight: w.foundInCode, points: found ? w.foundInCode : 0 });
  const incident = input.incident === true;
  f.push({ name: "incident", value: incident, weight: w.incident, points: incident ? w.incident : 0 });
  f.push({
    name: "ownerMfa",
    value: key.mfaActive,
    weight: w.ownerMfa,
    points: key.mfaActive ? 0 : w.ownerMfa,
  });
  // A console password means a person holds the key: it lives on a laptop, and SSO can replace it.
  const person = key.passwordEnabled;
  f.push({
    name: "owner",
    value: person ? "person" : "service",
    weight: w.owner,
    points: person ? w.owner : 0,
  });
  let score = f.reduce((sum, x) => sum + x.points, 0);
  if (key.status === "Inactive") {
    // An inactive key signs nothing until someone reactivates it: half the points.
    const cut = -Math.round(score / 2);
    f.push({ name: "inactive", value: true, weight: -50, points: cut });
    score += cut;
  }
  return { score: Math.max(0, Math.min(100, score)), factors: f };
}
