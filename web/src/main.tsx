import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api, ApiError, getToken, setToken } from "./api";
import type { Session } from "./types";
import { Problem } from "./ui";
import { OverviewPage } from "./pages/overview";
import { FindingsPage } from "./pages/findings";
import { KeyPageView, KeysPage } from "./pages/keys";
import { RotationPage, RotationsPage } from "./pages/rotations";
import { IncidentPage, IncidentsPage } from "./pages/incidents";
import { ScanPage, ScansPage } from "./pages/scans";
import "./styles.css";

// Hash routes (#/keys/AKIA..., #/findings?severity=high): the server only ever serves index.html
// and /assets. The query after "?" carries a page's filters, so a filtered view can be linked to.

interface Route {
  path: string[];
  query: URLSearchParams;
}

function useRoute(): Route {
  const parse = (): Route => {
    const [path = "", query = ""] = location.hash.replace(/^#\/?/, "").split("?", 2);
    return {
      path: path
        .split("/")
        .filter((p) => p !== "")
        .map(decodeURIComponent),
      query: new URLSearchParams(query),
    };
  };
  const [route, setRoute] = useState(parse);
  useEffect(() => {
    const on = () => {
      setRoute(parse());
      window.scrollTo(0, 0);
    };
    window.addEventListener("hashchange", on);
    return () => {
      window.removeEventListener("hashchange", on);
    };
  }, []);
  return route;
}

const NAV: [string, string][] = [
  ["", "Overview"],
  ["findings", "Findings"],
  ["keys", "Keys"],
  ["rotations", "Rotations"],
  ["incidents", "Incidents"],
  ["scans", "Scan results"],
];

function TokenForm({ onSession }: { onSession: (s: Session) => void }) {
  const [value, setValue] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setToken(value.trim());
    try {
      onSession(await api<Session>("session"));
    } catch (err) {
      setToken(null);
      setError(err instanceof ApiError ? err : new ApiError(0, String(err), ""));
    }
  };
  return (
    <main class="login">
      <form onSubmit={(e) => void submit(e)} class="card">
        <h1>keywarden</h1>
        <p>
          Paste the access token <code>keywarden serve</code> printed when it first started. It is kept for
          this tab only.
        </p>
        <label>
          Access token
          <input
            name="token"
            type="password"
            autoComplete="off"
            value={value}
            onInput={(e) => {
              setValue(e.currentTarget.value);
            }}
            required
          />
        </label>
        {error ? <Problem error={error} /> : null}
        <button type="submit" class="primary">
          Open the dashboard
        </button>
      </form>
    </main>
  );
}

function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [checking, setChecking] = useState(getToken() !== null);
  const route = useRoute();
  useEffect(() => {
    if (getToken() === null) return;
    api<Session>("session")
      .then(setSession, () => {
        setToken(null);
      })
      .finally(() => {
        setChecking(false);
      });
  }, []);
  if (checking) return <p class="muted">Loading…</p>;
  if (!session) return <TokenForm onSession={setSession} />;
  const [section = "", id] = route.path;
  let page;
  if (section === "findings") page = <FindingsPage query={route.query} />;
  else if (section === "keys") page = id ? <KeyPageView id={id} session={session} /> : <KeysPage />;
  else if (section === "rotations")
    page = id ? <RotationPage id={id} session={session} /> : <RotationsPage session={session} />;
  else if (section === "incidents") page = id ? <IncidentPage id={id} /> : <IncidentsPage />;
  else if (section === "scans") page = id ? <ScanPage id={id} /> : <ScansPage />;
  else page = <OverviewPage session={session} />;
  return (
    <>
      <nav class="top">
        <span class="brand">keywarden</span>
        {NAV.map(([path, label]) => (
          <a href={`#/${path}`} class={section === path ? "active" : ""} key={path}>
            {label}
          </a>
        ))}
        <span class="spacer" />
        <span class={`mode ${session.allowActions ? "actions" : "readonly"}`}>
          {session.allowActions ? "actions allowed" : "read-only"}
        </span>
        <button
          type="button"
          class="link"
          onClick={() => {
            setToken(null);
            setSession(null);
          }}
        >
          Sign out
        </button>
      </nav>
      <main>{page}</main>
    </>
  );
}

const root = document.getElementById("app");
if (root) render(<App />, root);
