import { api } from "../api";
import { day, maskKeyId, relative, when } from "../format";
import { SEVERITIES, type ActivityItem, type FixItem, type Overview, type Session } from "../types";
import { RadiusBadge, RiskScore } from "../risk";
import { ConfirmButton, Page, SeverityBadge, useApi } from "../ui";

/** Stacked bars (active, inactive) per age bin, as inline SVG: no chart library, no inline style. */
function AgeHistogram({ bins }: { bins: Overview["keyAgeHistogram"] }) {
  const max = Math.max(1, ...bins.map((b) => b.active + b.inactive));
  const w = 64;
  const h = 140;
  const gap = 16;
  // Room above the tallest bar for its count.
  const top = 18;
  return (
    <svg
      class="histogram"
      viewBox={`0 ${-top} ${bins.length * (w + gap)} ${h + 40 + top}`}
      role="img"
      aria-label="Access keys by age in days"
    >
      {bins.map((b, i) => {
        const x = i * (w + gap) + gap / 2;
        const ha = (b.active / max) * h;
        const hi = (b.inactive / max) * h;
        return (
          <g key={b.label}>
            <title>{`${b.label} days: ${b.active} active, ${b.inactive} inactive`}</title>
            <rect class="bar-active" x={x} y={h - ha} width={w} height={ha} />
            <rect class="bar-inactive" x={x} y={h - ha - hi} width={w} height={hi} />
            <text class="bar-count" x={x + w / 2} y={h - ha - hi - 4} text-anchor="middle">
              {b.active + b.inactive}
            </text>
            <text class="bar-label" x={x + w / 2} y={h + 18} text-anchor="middle">
              {b.label}
            </text>
          </g>
        );
      })}
      <text class="bar-label" x={0} y={h + 36}>
        days since creation
      </text>
    </svg>
  );
}

/** One activity entry; a rotation's steps fold under it. */
function Activity({ a }: { a: ActivityItem }) {
  const head = (
    <>
      <span class={`kind kind-${a.kind}`}>{a.kind}</span>{" "}
      {a.ref ? <a href={`#/${a.ref}`}>{a.text}</a> : a.text}{" "}
      <span class="muted" title={when(a.at)}>
        {relative(a.at)}
      </span>
    </>
  );
  if (!a.steps || a.steps.length === 0) return <li>{head}</li>;
  return (
    <li class="job">
      {head}
      <details>
        <summary>{a.steps.length === 1 ? "1 step" : `${a.steps.length} steps`}</summary>
        <ol class="steps">
          {a.steps.map((s, i) => (
            <li key={i}>
              <span class="muted">{when(s.at)}</span> {s.text}
            </li>
          ))}
        </ol>
      </details>
    </li>
  );
}

function what(i: FixItem): string {
  if (i.accessKeyId !== null) return `key ${maskKeyId(i.accessKeyId)} of ${i.userName ?? "?"}`;
  if (i.userName !== null) return `user ${i.userName}`;
  return `account ${i.accountId}`;
}

/** "blastRadius administrator-equivalent +40, keyAge 400 +15": what weighs most in the score. */
function factorsOf(i: FixItem): string {
  return i.factors.map((f) => `${f.name} ${String(f.value)} +${f.points}`).join(", ");
}

/** The riskiest keys, overdue keys and worst findings, one line per key, user or account. */
function FixFirst({ items }: { items: FixItem[] }) {
  const scored = items.some((i) => i.risk !== null);
  return (
    <div class="card fix-first" data-testid="fix-first">
      <h2>Fix first</h2>
      <ol class="fix-first">
        {items.map((i) => (
          <li key={`${i.accountId}/${i.accessKeyId ?? i.userName ?? ""}`}>
            {i.risk !== null ? (
              <>
                <span title={`risk ${i.risk}: ${factorsOf(i)}`}>
                  <RiskScore score={i.risk} />
                </span>{" "}
                <RadiusBadge cls={i.radius} />{" "}
              </>
            ) : null}
            {i.severity !== null ? <SeverityBadge severity={i.severity} /> : null}{" "}
            {i.result !== null ? <span class={`badge result-${i.result}`}>{i.result}</span> : null}{" "}
            <a href={`#/${i.ref}`}>{what(i)}</a>: <span title={i.message}>{i.title}</span>
            {i.overdueDays !== null ? (
              <span class="overdue"> {i.overdueDays} days past rotation</span>
            ) : i.ageDays !== null ? (
              <span class="muted"> ({i.ageDays} days old)</span>
            ) : null}
            {i.others > 0 ? <span class="muted"> +{i.others} more</span> : null}
            {i.factors.length > 0 ? <span class="muted small factors"> ({factorsOf(i)})</span> : null}
          </li>
        ))}
      </ol>
      <p class="muted small">
        {scored
          ? "The root account's critical findings, then keys by risk score (what the key can do, its age, use and exposure; ties: oldest first), then the other findings by severity."
          : "Ranked by severity, then age."}{" "}
        <a href="#/findings">All findings</a>
      </p>
    </div>
  );
}

/** The accounts of an organization audit with their counts; each opens its findings. */
function Organization({ accounts }: { accounts: Overview["accounts"] }) {
  return (
    <div class="card" data-testid="organization">
      <h2>Accounts ({accounts.length})</h2>
      <table class="accounts">
        <thead>
          <tr>
            <th>Account</th>
            <th class="num">Users</th>
            <th class="num">Keys</th>
            {SEVERITIES.map((s) => (
              <th class="num" key={s}>
                {s}
              </th>
            ))}
            <th class="num">Overdue</th>
            <th class="num">Errors</th>
          </tr>
        </thead>
        <tbody>
          {accounts.map((a) => (
            <tr key={a.accountId}>
              <td>
                <a href={`#/findings?account=${a.accountId}`}>{a.accountId}</a>
              </td>
              <td class="num">{a.users}</td>
              <td class="num">{a.keys}</td>
              {SEVERITIES.map((s) => (
                <td class={`num${a.findingsBySeverity[s] > 0 ? ` sev-text-${s}` : ""}`} key={s}>
                  {a.findingsBySeverity[s] > 0 ? (
                    <a href={`#/findings?account=${a.accountId}&severity=${s}`}>{a.findingsBySeverity[s]}</a>
                  ) : (
                    0
                  )}
                </td>
              ))}
              <td class="num">{a.overdue}</td>
              <td class="num">{a.errors}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function OverviewPage({ session }: { session: Session }) {
  const loaded = useApi<Overview>("overview");
  const runAudit = async () => {
    await api("audit", { method: "POST" });
    loaded.reload();
  };
  return (
    <Page
      title="Overview"
      loaded={loaded}
      actions={
        session.allowActions ? (
          <ConfirmButton
            label="Run an audit"
            question="Audit the account now? This reads IAM (no changes) and stores the report."
            onConfirm={runAudit}
          />
        ) : null
      }
    >
      {(o) => (
        <>
          <p class="muted">
            {o.audit
              ? `Latest audit ${when(o.audit.generatedAt)}: ${o.audit.keys} keys of ${o.audit.users} users in ${o.audit.accounts} account(s).`
              : "No audit stored yet: run `keywarden audit --save`, or start one here with --allow-actions."}
          </p>
          <div class="cards" data-testid="severity-counts">
            {SEVERITIES.map((s) => (
              <a class={`card sev-card sev-${s}`} href={`#/findings?severity=${s}`} key={s}>
                <span class="count">{o.findingsBySeverity[s]}</span>
                <span class="label">{s}</span>
              </a>
            ))}
          </div>
          {o.fixFirst.length > 0 ? <FixFirst items={o.fixFirst} /> : null}
          {o.accounts.length > 1 ? <Organization accounts={o.accounts} /> : null}
          <div class="grid">
            <div class="card">
              <h2>Key age</h2>
              <AgeHistogram bins={o.keyAgeHistogram} />
              <p class="legend">
                <span class="swatch bar-active" /> active <span class="swatch bar-inactive" /> inactive
              </p>
            </div>
            <div class="card wide">
              <h2>Due for rotation in 30 days</h2>
              <p class="muted">
                Rotation age {o.rotationDays} days; {o.overdue} active key(s) already overdue.
              </p>
              {o.dueSoon.length === 0 ? (
                <p>Nothing falls due in the next 30 days.</p>
              ) : (
                <table>
                  <thead>
                    <tr>
                      <th>User</th>
                      <th>Key</th>
                      <th>Due</th>
                    </tr>
                  </thead>
                  <tbody>
                    {o.dueSoon.map((d) => (
                      <tr key={d.accessKeyId}>
                        <td class="nowrap">{d.userName}</td>
                        <td>
                          <a href={`#/keys/${d.accessKeyId}`}>{maskKeyId(d.accessKeyId)}</a>
                        </td>
                        <td class="nowrap">
                          {day(d.dueAt)} ({d.daysLeft} d)
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </div>
            <div class="card">
              <h2>Rotations</h2>
              <p>
                <a href="#/rotations">
                  {o.rotations.running} running, {o.rotations.waiting} waiting, {o.rotations.failed} failed
                </a>
              </p>
              <h2>Recent activity</h2>
              {o.recentActivity.length === 0 ? (
                <p class="muted">Nothing yet.</p>
              ) : (
                <ul class="activity">
                  {o.recentActivity.map((a, i) => (
                    <Activity a={a} key={i} />
                  ))}
                </ul>
              )}
            </div>
          </div>
        </>
      )}
    </Page>
  );
}
