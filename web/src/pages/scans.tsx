import { when } from "../format";
import type { Severity, StoredDoc } from "../types";
import { Page, SeverityBadge, useApi } from "../ui";

// `keywarden scan` results (record kind scan-result): its JSON contract plus root and startedAt.

interface ScanFinding {
  kind: string;
  accessKeyId: string | null;
  match: string;
  path: string;
  line: number;
  commit: string | null;
  keyStatus: string;
  severity: Severity;
  fingerprint: string;
  advice: string;
  owner: { userName: string } | null;
}

interface Scan {
  root?: string;
  startedAt?: string;
  mode?: string;
  findings?: ScanFinding[];
  stats?: { files?: number; durationMs?: number };
}

const asScan = (d: StoredDoc) => d as unknown as Scan & StoredDoc;

export function ScansPage() {
  const loaded = useApi<StoredDoc[]>("scans");
  return (
    <Page title="Scan results" loaded={loaded}>
      {(docs) =>
        docs.length === 0 ? (
          <p>No scan results stored. `keywarden scan` keeps one per run.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Scanned</th>
                <th>When</th>
                <th>Mode</th>
                <th>Files</th>
                <th>Findings</th>
              </tr>
            </thead>
            <tbody>
              {docs.map(asScan).map((s) => (
                <tr key={s.id}>
                  <td>
                    <a href={`#/scans/${encodeURIComponent(s.id)}`}>{s.root ?? s.subject ?? s.id}</a>
                  </td>
                  <td>{when(s.startedAt ?? s.createdAt)}</td>
                  <td>{s.mode ?? "-"}</td>
                  <td class="num">{s.stats?.files ?? "-"}</td>
                  <td class="num">{s.findings?.length ?? 0}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      }
    </Page>
  );
}

export function ScanPage({ id }: { id: string }) {
  const loaded = useApi<StoredDoc>(`scans/${encodeURIComponent(id)}`);
  return (
    <Page title="Scan result" loaded={loaded}>
      {(doc) => {
        const s = asScan(doc);
        return (
          <>
            <p class="muted">
              {s.root ?? s.subject ?? ""}, {s.mode ?? "scan"} at {when(s.startedAt ?? s.createdAt)}
            </p>
            {(s.findings ?? []).length === 0 ? (
              <p>No hard-coded keys found.</p>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th>Severity</th>
                    <th>Where</th>
                    <th>What</th>
                    <th>Key status</th>
                    <th>Owner</th>
                    <th>Advice</th>
                  </tr>
                </thead>
                <tbody>
                  {(s.findings ?? []).map((f) => (
                    <tr key={`${f.fingerprint}:${f.path}:${f.line}`}>
                      <td>
                        <SeverityBadge severity={f.severity} />
                      </td>
                      <td>
                        <code>
                          {f.path}:{f.line}
                        </code>
                        {f.commit ? <span class="muted"> ({f.commit.slice(0, 8)})</span> : null}
                      </td>
                      <td>
                        {f.kind} <code>{f.match}</code>
                      </td>
                      <td>{f.keyStatus}</td>
                      <td class="nowrap">
                        {f.owner && f.accessKeyId && /^AKIA[A-Z2-7]{16}$/.test(f.accessKeyId) ? (
                          <a href={`#/keys/${f.accessKeyId}`}>{f.owner.userName}</a>
                        ) : (
                          (f.owner?.userName ?? "-")
                        )}
                      </td>
                      <td class="fix">{f.advice}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </>
        );
      }}
    </Page>
  );
}
