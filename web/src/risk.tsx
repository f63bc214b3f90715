import type { KeyView } from "./types";

// A key's risk score and blast radius as the audit stored them (src/audit/risk.ts): the score with
// its band, the most severe class, and on hover or when opened the factors with their points and
// weights and the statements that grant each class, so a person can check the score by reading it.

type Risk = NonNullable<KeyView["risk"]>;
type Radius = NonNullable<KeyView["blastRadius"]>;

/** Bands only colour the number; the score and its factors are the facts. */
export function riskBand(score: number): "high" | "medium" | "low" {
  return score >= 60 ? "high" : score >= 35 ? "medium" : "low";
}

export function RiskScore({ score }: { score: number }) {
  return <span class={`risk-score risk-${riskBand(score)}`}>{score}</span>;
}

const shortClass = (c: string) => c.replace("administrator-equivalent", "admin-equivalent");

export function RadiusBadge({ cls }: { cls: string | null }) {
  const c = cls ?? "unknown";
  return <span class={`badge radius radius-${c}`}>{shortClass(c)}</span>;
}

/** "blastRadius administrator-equivalent +40/40; keyAge 400 +15/15; ...": the hover text. */
export function factorsText(risk: Risk): string {
  return risk.factors.map((f) => `${f.name} ${String(f.value)}: +${f.points} of ${f.weight}`).join("\n");
}

export function FactorTable({ risk }: { risk: Risk }) {
  return (
    <table class="factors" data-testid="risk-factors">
      <thead>
        <tr>
          <th>Factor</th>
          <th>Value</th>
          <th class="num">Points</th>
          <th class="num">Weight</th>
        </tr>
      </thead>
      <tbody>
        {risk.factors.map((f) => (
          <tr key={f.name}>
            <td>{f.name}</td>
            <td>{String(f.value)}</td>
            <td class="num">{f.points}</td>
            <td class="num">{f.weight}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function GrantList({ radius }: { radius: Radius }) {
  if (radius.grants.length === 0) return <p class="muted small">No statement grants more than nothing.</p>;
  return (
    <ul class="grants">
      {radius.grants.map((g, i) => (
        <li key={i}>
          <RadiusBadge cls={g.class} /> {g.policy} {g.statement}
          <span class="muted"> via {g.via}</span>
          {g.conditional ? <span class="muted"> (conditional)</span> : null}
        </li>
      ))}
    </ul>
  );
}

/** The keys table's cell: score and class; the factors on hover (title) and when opened. */
export function RiskCell({ k }: { k: KeyView }) {
  if (!k.risk) return <span class="muted">-</span>;
  return (
    <details class="risk-cell">
      <summary title={factorsText(k.risk)}>
        <RiskScore score={k.risk.score} /> <RadiusBadge cls={k.blastRadius?.classes[0] ?? null} />
      </summary>
      <FactorTable risk={k.risk} />
    </details>
  );
}
