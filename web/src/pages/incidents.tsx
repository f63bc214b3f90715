import { useEffect, useState } from "preact/hooks";
import { apiText } from "../api";
import { maskKeyId, when } from "../format";
import type { StoredDoc } from "../types";
import { Page, useApi } from "../ui";

// The incident report of `keywarden respond` (its JSON contract), rendered field by field.

interface Incident {
  incidentId: string;
  accessKeyId: string;
  userName?: string;
  accountId?: string;
  startedAt?: string;
  containment?: {
    deactivated?: boolean;
    quarantinePolicyArn?: string | null;
    secondsToContain?: number | null;
    dryRun?: boolean;
    containedAt?: string | null;
  };
  events?: unknown[];
  suspicious?: {
    category: string;
    eventName: string;
    eventTime: string;
    sourceIPAddress: string | null;
    region: string;
  }[];
  created?: { type: string; id: string; region: string | null; removeCommand: string }[];
  checklist?: { id: string; title: string; status: string; detail: string }[];
  sourceIPs?: string[];
  regions?: string[];
}

const asIncident = (d: StoredDoc) => d as unknown as Incident & StoredDoc;

export function IncidentsPage() {
  const loaded = useApi<StoredDoc[]>("incidents");
  return (
    <Page title="Incidents" loaded={loaded}>
      {(docs) =>
        docs.length === 0 ? (
          <p>No incidents. `keywarden respond` records one each time it contains a key.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Incident</th>
                <th>Key</th>
                <th>User</th>
                <th>Contained</th>
                <th>Suspicious events</th>
              </tr>
            </thead>
            <tbody>
              {docs.map(asIncident).map((i) => (
                <tr key={i.id}>
                  <td>
                    <a href={`#/incidents/${encodeURIComponent(i.id)}`}>{i.incidentId}</a>
                  </td>
                  <td>{maskKeyId(i.accessKeyId)}</td>
                  <td>{i.userName ?? "-"}</td>
                  <td>{i.containment?.deactivated ? "yes" : "no"}</td>
                  <td class="num">{i.suspicious?.length ?? 0}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      }
    </Page>
  );
}

/** The report `keywarden respond` writes (its own Markdown renderer), to read or copy into a ticket. */
function MarkdownReport({ id }: { id: string }) {
  const [text, setText] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    apiText(`incidents/${encodeURIComponent(id)}/report?format=markdown`).then(setText, () => {
      setFailed(true);
    });
  }, [id]);
  if (failed) return <p class="muted">The report could not be rendered.</p>;
  return (
    <details class="card report" open>
      <summary>
        <h2>Incident report (Markdown)</h2>
      </summary>
      <pre data-testid="incident-report">{text ?? "Loading…"}</pre>
    </details>
  );
}

export function IncidentPage({ id }: { id: string }) {
  const loaded = useApi<StoredDoc>(`incidents/${encodeURIComponent(id)}`);
  return (
    <Page title={`Incident ${id}`} loaded={loaded}>
      {(doc) => {
        const i = asIncident(doc);
        const c = i.containment ?? {};
        return (
          <div class="grid">
            <div class="card">
              <h2>Containment</h2>
              <dl>
                <dt>Key</dt>
                <dd>
                  <code>{i.accessKeyId}</code>
                </dd>
                <dt>User</dt>
                <dd>
                  {i.userName ?? "-"} in {i.accountId ?? "-"}
                </dd>
                <dt>Deactivated</dt>
                <dd>
                  {c.deactivated ? `yes, ${when(c.containedAt ?? null)}` : c.dryRun ? "no (dry run)" : "no"}
                </dd>
                <dt>Quarantine policy</dt>
                <dd>{c.quarantinePolicyArn ?? "-"}</dd>
                <dt>Time to contain</dt>
                <dd>{c.secondsToContain == null ? "-" : `${c.secondsToContain} s`}</dd>
                <dt>Events seen</dt>
                <dd>{i.events?.length ?? 0}</dd>
                <dt>Source IPs</dt>
                <dd>{(i.sourceIPs ?? []).join(", ") || "-"}</dd>
              </dl>
            </div>
            <div class="card wide">
              <h2>Checklist</h2>
              <ul class="checklist">
                {(i.checklist ?? []).map((item) => (
                  <li key={item.id} class={`check-${item.status}`}>
                    <span class="badge">{item.status}</span> <strong>{item.title}</strong>
                    <p class="fix">{item.detail}</p>
                  </li>
                ))}
              </ul>
            </div>
            <div class="card full">
              <h2>Suspicious activity</h2>
              {(i.suspicious ?? []).length === 0 ? (
                <p>None found.</p>
              ) : (
                <table>
                  <thead>
                    <tr>
                      <th>When</th>
                      <th>Category</th>
                      <th>Event</th>
                      <th>From</th>
                      <th>Region</th>
                    </tr>
                  </thead>
                  <tbody>
                    {(i.suspicious ?? []).map((s, n) => (
                      <tr key={n}>
                        <td>{when(s.eventTime)}</td>
                        <td>{s.category}</td>
                        <td>{s.eventName}</td>
                        <td>{s.sourceIPAddress ?? "-"}</td>
                        <td>{s.region}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
              <h2>Created with the key</h2>
              {(i.created ?? []).length === 0 ? (
                <p>Nothing.</p>
              ) : (
                <ul>
                  {(i.created ?? []).map((r) => (
                    <li key={`${r.type}:${r.id}`}>
                      {r.type} <code>{r.id}</code>
                      <pre>{r.removeCommand}</pre>
                    </li>
                  ))}
                </ul>
              )}
            </div>
            <div class="full">
              <MarkdownReport id={i.id} />
            </div>
          </div>
        );
      }}
    </Page>
  );
}
