import { maskKeyId, when } from "../format";
import { Remediation } from "../remediation";
import { SEVERITIES, type FindingsPage as Page_, type FindingView, type Severity } from "../types";
import { Page, SeverityBadge, useApi } from "../ui";

// Every open finding of the latest audit (FAIL, WARN, ERROR), the account- and user-level ones
// included, filtered by severity, rule, account and user. The filters live in the URL
// (#/findings?severity=critical,high&user=bob): the overview's severity cards link here filtered.

const FILTERS = ["severity", "rule", "account", "user"] as const;

/** The hash for these filters (empty ones dropped). */
function hashFor(q: URLSearchParams): string {
  const clean = new URLSearchParams();
  for (const k of FILTERS) {
    const v = q.get(k);
    if (v) clean.set(k, v);
  }
  const s = clean.toString();
  return `#/findings${s ? `?${s}` : ""}`;
}

function setFilter(query: URLSearchParams, name: (typeof FILTERS)[number], value: string): void {
  const q = new URLSearchParams(query);
  if (value === "") q.delete(name);
  else q.set(name, value);
  location.hash = hashFor(q);
}

function Subject({ f }: { f: FindingView }) {
  if (f.accessKeyId !== null) {
    return (
      <span>
        key <a href={`#/keys/${f.accessKeyId}`}>{maskKeyId(f.accessKeyId)}</a> of user{" "}
        <a href={hashFor(new URLSearchParams({ user: f.userName ?? "" }))}>{f.userName}</a>
      </span>
    );
  }
  if (f.userName !== null) {
    return (
      <span>
        user <a href={hashFor(new URLSearchParams({ user: f.userName }))}>{f.userName}</a>
      </span>
    );
  }
  return <span>account {f.accountId}</span>;
}

function refs(f: FindingView): string {
  const cis = f.cis
    ? [f.cis.v3 && `CIS v3.0 ${f.cis.v3}`, f.cis.v5 && `v5.0 ${f.cis.v5}`, f.cis.v7 && `v7.0 ${f.cis.v7}`]
        .filter(Boolean)
        .join(", ")
    : "";
  return [cis, f.securityHub.length > 0 ? `Security Hub ${f.securityHub.join(", ")}` : ""]
    .filter((s) => s !== "")
    .join("; ");
}

function FindingItem({ f }: { f: FindingView }) {
  const r = refs(f);
  return (
    <li class={`finding sev-${f.severity}`} data-severity={f.severity} data-rule={f.ruleId}>
      <div class="finding-head">
        <SeverityBadge severity={f.severity} /> <span class={`badge result-${f.result}`}>{f.result}</span>{" "}
        <strong>{f.title}</strong>
      </div>
      <p class="muted small">
        <code>{f.ruleId}</code> on <Subject f={f} />
        {f.ageDays !== null ? `, ${f.ageDays} days old` : ""} in account {f.accountId}
        {r ? ` · ${r}` : ""}
      </p>
      <p>{f.message}</p>
      <Remediation text={f.remediation} />
    </li>
  );
}

export function FindingsPage({ query }: { query: URLSearchParams }) {
  const params = new URLSearchParams();
  for (const k of FILTERS) {
    const v = query.get(k);
    if (v) params.set(k, v);
  }
  const qs = params.toString();
  const loaded = useApi<Page_>(`findings${qs ? `?${qs}` : ""}`);
  const chosen = new Set((query.get("severity") ?? "").split(",").filter((s) => s !== ""));
  const toggle = (s: Severity) => {
    const next = new Set(chosen);
    if (next.has(s)) next.delete(s);
    else next.add(s);
    setFilter(query, "severity", SEVERITIES.filter((x) => next.has(x)).join(","));
  };
  return (
    <Page title="Findings" loaded={loaded}>
      {(p) => (
        <>
          <div class="row filters" role="group" aria-label="Filter findings">
            <span class="sev-toggles" role="group" aria-label="Severity">
              {SEVERITIES.map((s) => (
                <button
                  type="button"
                  key={s}
                  class={`toggle sev-${s}${chosen.has(s) ? " on" : ""}`}
                  aria-pressed={chosen.has(s)}
                  onClick={() => {
                    toggle(s);
                  }}
                >
                  {s} <span class="n">{p.facets.severity[s]}</span>
                </button>
              ))}
            </span>
            <select
              aria-label="Rule"
              value={p.filters.rule ?? ""}
              onChange={(e) => {
                setFilter(query, "rule", e.currentTarget.value);
              }}
            >
              <option value="">All rules</option>
              {p.facets.rules.map((r) => (
                <option value={r.id} key={r.id}>
                  {r.id} ({r.count})
                </option>
              ))}
            </select>
            <select
              aria-label="Account"
              value={p.filters.account ?? ""}
              onChange={(e) => {
                setFilter(query, "account", e.currentTarget.value);
              }}
            >
              <option value="">All accounts</option>
              {p.facets.accounts.map((a) => (
                <option value={a.id} key={a.id}>
                  {a.id} ({a.count})
                </option>
              ))}
            </select>
            <select
              aria-label="User"
              value={p.filters.user ?? ""}
              onChange={(e) => {
                setFilter(query, "user", e.currentTarget.value);
              }}
            >
              <option value="">All users</option>
              {p.facets.users.map((u) => (
                <option value={u.name} key={u.name}>
                  {u.name} ({u.count})
                </option>
              ))}
            </select>
            {qs ? <a href="#/findings">Clear filters</a> : null}
          </div>
          <p class="muted" data-testid="findings-count">
            {p.findings.length} of {p.total} open findings
            {p.generatedAt ? `, audited ${when(p.generatedAt)}` : ""}
          </p>
          {p.findings.length === 0 ? (
            <p>No open finding matches these filters.</p>
          ) : (
            <ul class="findings-list">
              {p.findings.map((f) => (
                <FindingItem f={f} key={f.id} />
              ))}
            </ul>
          )}
        </>
      )}
    </Page>
  );
}
