import { useMemo, useState } from "preact/hooks";
import { api } from "../api";
import { day, maskKeyId, when } from "../format";
import {
  SEVERITIES,
  type AuditReport,
  type Finding,
  type KeyPage,
  type KeysReport,
  type KeyView,
  type Session,
} from "../types";
import { Remediation } from "../remediation";
import { FactorTable, GrantList, RadiusBadge, RiskCell, RiskScore } from "../risk";
import { ConfirmButton, Page, SeverityBadge, StateBadge, useApi } from "../ui";

type Column =
  "risk" | "userName" | "accessKeyId" | "status" | "ageDays" | "lastUsedAt" | "lastUsedService" | "worst";

const COLUMNS: [Column, string][] = [
  ["risk", "Risk"],
  ["userName", "User"],
  ["accessKeyId", "Key"],
  ["status", "Status"],
  ["ageDays", "Age (days)"],
  ["lastUsedAt", "Last used"],
  ["lastUsedService", "Service"],
  ["worst", "Worst finding"],
];

/** The most severe open finding per key (rank 0 = critical), from the stored audit. */
function worstByKey(findings: Finding[]): Map<string, number> {
  const worst = new Map<string, number>();
  for (const f of findings) {
    if (f.result === "PASS" || !f.accessKeyId) continue;
    const rank = SEVERITIES.indexOf(f.severity);
    const prev = worst.get(f.accessKeyId);
    if (prev === undefined || rank < prev) worst.set(f.accessKeyId, rank);
  }
  return worst;
}

/**
 * The stored audit's view of each key (risk score, blast radius): GET /keys keeps the `keywarden
 * keys` contract, which has neither, so the table joins them from GET /audit by account and key.
 */
function auditKeys(report: AuditReport | null): Map<string, KeyView> {
  return new Map((report?.keys ?? []).map((k) => [`${k.accountId}/${k.accessKeyId}`, k]));
}

export function KeysPage() {
  const keys = useApi<KeysReport>("keys");
  const audit = useApi<AuditReport>("audit");
  const [filter, setFilter] = useState("");
  const [status, setStatus] = useState("all");
  // Riskiest first: what a person should fix today (ties: the oldest key first).
  const [sort, setSort] = useState<{ col: Column; desc: boolean }>({ col: "risk", desc: true });
  const worst = useMemo(() => worstByKey(audit.data?.findings ?? []), [audit.data]);
  const scored = useMemo(() => auditKeys(audit.data), [audit.data]);
  const withRisk = (k: KeyView): KeyView => {
    const a = scored.get(`${k.accountId}/${k.accessKeyId}`);
    return a?.risk ? { ...k, risk: a.risk, ...(a.blastRadius ? { blastRadius: a.blastRadius } : {}) } : k;
  };
  const value = (k: KeyView, col: Column): string | number =>
    col === "worst"
      ? (worst.get(k.accessKeyId) ?? 99)
      : col === "risk"
        ? (k.risk?.score ?? -1)
        : (k[col] ?? "");
  return (
    <Page title="Keys" loaded={keys}>
      {(report) => {
        const q = filter.trim().toLowerCase();
        const rows = report.keys
          .map(withRisk)
          .filter((k) => status === "all" || k.status === status)
          .filter(
            (k) =>
              q === "" ||
              [k.userName, k.accessKeyId, k.lastUsedService ?? "", k.accountId].some((v) =>
                v.toLowerCase().includes(q),
              ),
          )
          .sort((a, b) => {
            const x = value(a, sort.col);
            const y = value(b, sort.col);
            const c =
              typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
            // Equal values: the oldest key first, whichever way the column is sorted.
            return (sort.desc ? -c : c) || b.ageDays - a.ageDays;
          });
        return (
          <>
            <div class="row filters">
              <input
                type="search"
                placeholder="Filter by user, key, service…"
                aria-label="Filter keys"
                value={filter}
                onInput={(e) => {
                  setFilter(e.currentTarget.value);
                }}
              />
              <select
                aria-label="Status"
                value={status}
                onChange={(e) => {
                  setStatus(e.currentTarget.value);
                }}
              >
                <option value="all">All statuses</option>
                <option value="Active">Active</option>
                <option value="Inactive">Inactive</option>
              </select>
              <span class="muted">
                {rows.length} of {report.keys.length} keys, audited {when(report.generatedAt)}
              </span>
            </div>
            <table class="keys">
              <thead>
                <tr>
                  {COLUMNS.map(([col, label]) => (
                    <th
                      key={col}
                      aria-sort={sort.col === col ? (sort.desc ? "descending" : "ascending") : "none"}
                    >
                      <button
                        type="button"
                        class="sort"
                        onClick={() => {
                          setSort({ col, desc: sort.col === col ? !sort.desc : false });
                        }}
                      >
                        {label}
                        {sort.col === col ? (sort.desc ? " ▼" : " ▲") : ""}
                      </button>
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {rows.map((k) => {
                  const w = worst.get(k.accessKeyId);
                  const sev = w === undefined ? undefined : SEVERITIES[w];
                  return (
                    <tr key={k.accessKeyId}>
                      <td class="risk">
                        <RiskCell k={k} />
                      </td>
                      <td>{k.userName}</td>
                      <td>
                        <a href={`#/keys/${k.accessKeyId}`}>{maskKeyId(k.accessKeyId)}</a>
                      </td>
                      <td>
                        <StateBadge state={k.status.toLowerCase()} />
                      </td>
                      <td class="num">{k.ageDays}</td>
                      <td>{day(k.lastUsedAt)}</td>
                      <td>{k.lastUsedService ?? "-"}</td>
                      <td>{sev ? <SeverityBadge severity={sev} /> : <span class="muted">none</span>}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </>
        );
      }}
    </Page>
  );
}

/** `keywarden respond` from the page: contain the key, investigate, store the incident. */
function RespondAction({ id, userName }: { id: string; userName: string }) {
  const [regions, setRegions] = useState("");
  const run = async () => {
    const list = regions
      .split(/[\s,]+/)
      .map((r) => r.trim())
      .filter((r) => r !== "");
    const report = await api<{ incidentId: string }>("respond", {
      method: "POST",
      body: { accessKeyId: id, regions: list.length > 0 ? list : null },
    });
    location.hash = `#/incidents/${encodeURIComponent(report.incidentId)}`;
  };
  return (
    <div class="row">
      <input
        name="regions"
        aria-label="CloudTrail regions"
        class="regions"
        placeholder="regions (blank: all enabled)"
        value={regions}
        onInput={(e) => {
          setRegions(e.currentTarget.value);
        }}
      />
      <ConfirmButton
        label="Respond"
        danger
        question={`Contain ${maskKeyId(id)} of ${userName} as compromised: set it Inactive and attach AWSCompromisedKeyQuarantineV3 to ${userName}, then search CloudTrail and store an incident?`}
        onConfirm={run}
      />
    </div>
  );
}

export function KeyPageView({ id, session }: { id: string; session: Session }) {
  const loaded = useApi<KeyPage>(`keys/${encodeURIComponent(id)}`);
  const key = loaded.data?.key;
  return (
    <Page
      title={`Key ${id}`}
      loaded={loaded}
      actions={
        session.allowActions && session.respond && key ? (
          <RespondAction id={id} userName={key.userName} />
        ) : null
      }
    >
      {(p) => (
        <div class="grid">
          <div class="card">
            <h2>Key</h2>
            {p.key ? (
              <dl>
                <dt>User</dt>
                <dd>{p.key.userName}</dd>
                <dt>Account</dt>
                <dd>{p.key.accountId}</dd>
                <dt>Status</dt>
                <dd>
                  <StateBadge state={p.key.status.toLowerCase()} />
                </dd>
                <dt>Created</dt>
                <dd>
                  {when(p.key.createdAt)} ({p.key.ageDays} days)
                </dd>
                <dt>Last used</dt>
                <dd data-testid="last-used">
                  {p.key.lastUsedAt
                    ? `${when(p.key.lastUsedAt)}: ${p.key.lastUsedService ?? "?"} in ${p.key.lastUsedRegion ?? "?"}`
                    : "never"}
                </dd>
              </dl>
            ) : (
              <p class="muted">Not in the latest audit (created or deleted since).</p>
            )}
          </div>
          {p.key?.risk ? (
            <div class="card" data-testid="key-risk">
              <h2>
                Risk <RiskScore score={p.key.risk.score} />{" "}
                <RadiusBadge cls={p.key.blastRadius?.classes[0] ?? null} />
              </h2>
              <FactorTable risk={p.key.risk} />
              {p.key.blastRadius ? (
                <>
                  <h3>Blast radius: {p.key.blastRadius.classes.join(", ")}</h3>
                  <GrantList radius={p.key.blastRadius} />
                  {p.key.blastRadius.unreadablePolicies.length > 0 ? (
                    <p class="muted small">
                      Could not read: {p.key.blastRadius.unreadablePolicies.join(", ")} (the key may do more).
                    </p>
                  ) : null}
                </>
              ) : (
                <p class="muted small">
                  Blast radius unknown: the audit could not read the account's policies.
                </p>
              )}
            </div>
          ) : null}
          <div class="card wide">
            <h2>Findings</h2>
            {p.findings.filter((f) => f.result !== "PASS").length === 0 ? (
              <p>No open findings.</p>
            ) : (
              <ul class="findings">
                {p.findings
                  .filter((f) => f.result !== "PASS")
                  .map((f) => (
                    <li key={f.ruleId}>
                      <SeverityBadge severity={f.severity} /> <strong>{f.ruleId}</strong>: {f.message}
                      <Remediation text={f.remediation} />
                    </li>
                  ))}
              </ul>
            )}
          </div>
          <div class="card full">
            <h2>Timeline</h2>
            <ol class="timeline">
              {p.timeline.map((t, i) => (
                <li key={i} class={`tl-${t.kind}`}>
                  <span class="muted">{when(t.at)}</span> {t.text}
                </li>
              ))}
            </ol>
            {p.rotations.length > 0 ? (
              <p>
                Rotations:{" "}
                {p.rotations.map((r) => (
                  <a href={`#/rotations/${r.id}`} key={r.id}>
                    {r.id}{" "}
                  </a>
                ))}
              </p>
            ) : null}
          </div>
        </div>
      )}
    </Page>
  );
}
