import { randomBytes } from "node:crypto";
import { Hono, type Context, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { ExitCode, KeywardenError } from "../domain/errors.js";
import { jobView } from "../rotation/job-view.js";
import { DEFAULT_THRESHOLDS } from "../rules/rule.js";
import { JobNotFoundError } from "../store/errors.js";
import { redactValue } from "../response/redact.js";
import type { IncidentReport } from "../response/types.js";
import type { RotationJob, StoredRecord } from "../store/types.js";
import { saveAudit } from "./audit-records.js";
import { CompressedBody, compressResponses, sendCompressed } from "./compress.js";
import type { RespondRunner, ServerDeps, StartRotationInput } from "./ports.js";
import { DashboardFiles } from "./static.js";
import { tokenMatches } from "./token.js";
import { parseFindingFilters } from "./findings-view.js";
import { ViewCache } from "./view-cache.js";
import { actionLine, auditLine, incidentLine, keyPage, overview, rotationLines, scanLine } from "./views.js";

// The JSON API under /api/v1 and the dashboard's static files. No listen here: `keywarden serve`
// binds it, tests call `app.request()`.

export const ACTION_KIND = "server-action";
const JOBS_FOR_ACTIVITY = 20;
const ACTIVITY_PER_KIND = 10;

/** Strict by default: only this origin, no inline script or style, never framed, no referrer. */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const securityHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  c.header("Content-Security-Policy", CSP);
  c.header("X-Content-Type-Options", "nosniff");
  c.header("Referrer-Policy", "no-referrer");
  c.header("X-Frame-Options", "DENY");
  c.header("Cross-Origin-Opener-Policy", "same-origin");
  c.header("Cross-Origin-Resource-Policy", "same-origin");
  if (!c.res.headers.has("Cache-Control")) c.header("Cache-Control", "no-store");
};

function fail(c: Context, status: 400 | 401 | 403 | 404 | 409 | 500 | 502, message: string, fix: string) {
  return c.json({ error: { message, fix } }, status);
}

function statusOf(e: KeywardenError): 400 | 404 | 409 | 500 | 502 {
  if (e instanceof JobNotFoundError) return 404;
  switch (e.exitCode) {
    case ExitCode.USAGE:
      return 400;
    case ExitCode.CONFLICT:
      return 409;
    case ExitCode.CREDENTIALS:
    case ExitCode.ACCESS_DENIED:
    case ExitCode.AWS_FAILURE:
      return 502;
    default:
      return 500;
  }
}

function bearer(header: string | undefined): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return m?.[1] ?? null;
}

function recordData(r: StoredRecord) {
  return { id: r.id, subject: r.subject, createdAt: r.createdAt, ...r.data };
}

export function createApp(deps: ServerDeps): Hono {
  const { store } = deps;
  const rotationDays = deps.rotationDays ?? DEFAULT_THRESHOLDS.rotationDays;
  let auditInFlight: Promise<unknown> | null = null;
  // Views derived from stored records, kept for this process (view-cache.ts).
  const views = new ViewCache(store);
  const files = deps.dashboardDir ? new DashboardFiles(deps.dashboardDir) : null;
  /**
   * The last overview sent, by what it was computed from: the records' stamps, the jobs' versions
   * and events, and the clock's second (its due dates and generatedAt move with time).
   */
  let lastOverview: { key: string; body: CompressedBody } | null = null;

  const requireToken: MiddlewareHandler = async (c, next) => {
    const token = bearer(c.req.header("Authorization"));
    if (token === null || !tokenMatches(token, deps.tokenHash)) {
      c.header("WWW-Authenticate", 'Bearer realm="keywarden"');
      return fail(
        c,
        401,
        token === null ? "an access token is required" : "the access token is not valid",
        "Send Authorization: Bearer <token> with the token `keywarden serve` printed (or --rotate-token for a new one).",
      );
    }
    await next();
  };

  const requireActions: MiddlewareHandler = async (c, next) => {
    if (!deps.allowActions) {
      return fail(
        c,
        403,
        "this dashboard is read-only",
        "Restart it with `keywarden serve --allow-actions` to start audits and rotations from it.",
      );
    }
    await next();
  };

  /** Every action leaves a record, whether it worked or not. */
  async function recordAction(action: string, target: string, outcome: string, detail: object = {}) {
    const at = deps.now().toISOString();
    await store.putRecord({
      kind: ACTION_KIND,
      id: `act-${at.replace(/[-:.]/g, "").toLowerCase()}-${randomBytes(3).toString("hex")}`,
      subject: target,
      data: { action, target, outcome, at, ...detail },
    });
  }

  async function act<T>(action: string, target: string, run: () => Promise<T>): Promise<T> {
    try {
      const out = await run();
      await recordAction(action, target, "ok");
      return out;
    } catch (e) {
      await recordAction(action, target, "error", { error: (e as Error).message });
      throw e;
    }
  }

  async function jobWithEvents(job: RotationJob) {
    return { job, view: jobView(job), events: await store.events(job.id) };
  }

  const api = new Hono();
  api.use("*", requireToken);
  // Requests are a few fields; anything bigger is a mistake or an attack.
  api.use(
    "*",
    bodyLimit({
      maxSize: 64 * 1024,
      onError: (c) =>
        fail(c, 400, "the request body is larger than 64 KiB", "Send only the fields the API names."),
    }),
  );

  api.get("/overview", async (c) => {
    const [latest, jobs, audits, incidents, scans, actions] = await Promise.all([
      views.latestAudit(),
      store.listJobs(),
      views.activity("audit", ACTIVITY_PER_KIND, auditLine),
      views.activity("incident", ACTIVITY_PER_KIND, incidentLine),
      views.activity("scan-result", ACTIVITY_PER_KIND, scanLine),
      views.activity(ACTION_KIND, ACTIVITY_PER_KIND, actionLine),
    ]);
    const jobEvents = await Promise.all(jobs.slice(0, JOBS_FOR_ACTIVITY).map(jobWithEvents));
    const now = deps.now();
    const key = JSON.stringify([
      Math.floor(now.getTime() / 1000),
      latest?.key ?? null,
      [audits.key, incidents.key, scans.key, actions.key],
      jobs.map((j) => `${j.id}:${j.version}`),
      jobEvents.map((j) => j.events.at(-1)?.id ?? null),
    ]);
    if (lastOverview?.key !== key) {
      const activity = [
        ...rotationLines(jobEvents),
        ...audits.items,
        ...incidents.items,
        ...scans.items,
        ...actions.items,
      ];
      const report = latest?.audit.report ?? null;
      const body = CompressedBody.json(overview({ now, report, rotationDays, jobs, activity }));
      lastOverview = { key, body };
    }
    return sendCompressed(c, lastOverview.body);
  });

  const noAudit = (c: Context) =>
    fail(
      c,
      404,
      "no audit is stored yet",
      "Run `keywarden audit --save`, or start one from the dashboard with --allow-actions.",
    );

  api.get("/audit", async (c) => {
    const latest = await views.latestAudit();
    return latest ? sendCompressed(c, latest.report()) : noAudit(c);
  });

  api.post("/audit", requireActions, async (c) => {
    auditInFlight ??= act("audit", "account", async () => {
      const run = await deps.runAudit();
      await saveAudit(store, run.report, run.lastUsedSources);
      return run.report;
    }).finally(() => {
      auditInFlight = null;
    });
    await auditInFlight;
    const latest = await views.latestAudit();
    return latest ? sendCompressed(c, latest.report(), 201) : noAudit(c);
  });

  // Every open finding of the latest audit, filtered by ?severity=a,b&rule=&account=&user=.
  api.get("/findings", async (c) => {
    const filters = parseFindingFilters(c.req.query());
    if (typeof filters === "string")
      return fail(c, 400, filters, "Pass ?severity=critical,high (or leave it out).");
    const latest = await views.latestAudit();
    return latest ? sendCompressed(c, latest.findings(filters)) : noAudit(c);
  });

  api.get("/keys", async (c) => {
    const latest = await views.latestAudit();
    return latest ? sendCompressed(c, latest.keys()) : noAudit(c);
  });

  api.get("/keys/:id", async (c) => {
    const id = c.req.param("id");
    const [latest, jobs, incidents] = await Promise.all([
      views.latestAudit(),
      store.listJobs(),
      store.listRecords("incident", { subject: id }),
    ]);
    const mine = jobs.filter((j) => j.oldAccessKeyId === id || j.newAccessKeyId === id);
    const page = keyPage({
      accessKeyId: id,
      report: latest?.audit.report ?? null,
      sources: latest?.audit.lastUsedSources ?? {},
      jobs: await Promise.all(mine.map(jobWithEvents)),
      incidents,
    });
    return page
      ? c.json(page)
      : fail(c, 404, `no key ${id} in the latest audit`, "Pick a key from /api/v1/keys.");
  });

  api.get("/rotations", async (c) => c.json((await store.listJobs()).map(jobView)));

  api.get("/rotations/:id", async (c) => {
    const job = await store.getJob(c.req.param("id"));
    if (!job)
      return fail(c, 404, `there is no rotation ${c.req.param("id")}`, "List them at /api/v1/rotations.");
    return c.json({ ...jobView(job), events: await store.events(job.id) });
  });

  api.post("/rotations", requireActions, async (c) => {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return fail(c, 400, "the body is not JSON", 'Send {"userName": "...", "to": ["secretsmanager:..."]}.');
    }
    const input = startInput(body);
    if (typeof input === "string") return fail(c, 400, input, 'Send {"userName": "...", "to": ["..."]}.');
    const job = await act("rotation-start", input.userName, () => deps.rotations.start(input));
    return c.json({ ...jobView(job), events: await store.events(job.id) }, 201);
  });

  for (const verb of ["advance", "rollback"] as const) {
    api.post(`/rotations/:id/${verb}`, requireActions, async (c) => {
      const id = c.req.param("id");
      const job = await act(`rotation-${verb}`, id, () => deps.rotations[verb](id));
      return c.json({ ...jobView(job), events: await store.events(job.id) });
    });
  }

  // Incidents pass the response capability's redaction again on the way out (one stored before it
  // caught every encoding of a secret must not serve one).
  const incidentData = (r: StoredRecord) => redactValue(recordData(r));
  api.get("/incidents", async (c) => c.json((await store.listRecords("incident")).map(incidentData)));
  api.get("/incidents/:id", async (c) => {
    const r = await store.getRecord("incident", c.req.param("id"));
    return r ? c.json(incidentData(r)) : fail(c, 404, "no such incident", "List them at /api/v1/incidents.");
  });

  // The report `keywarden respond` writes, rendered by the response capability's own renderer.
  api.get("/incidents/:id/report", async (c) => {
    const format = c.req.query("format") ?? "markdown";
    if (format !== "markdown" && format !== "json" && format !== "html") {
      return fail(c, 400, `format must be markdown, json or html, got "${format}"`, "Pass ?format=markdown.");
    }
    const r = await store.getRecord("incident", c.req.param("id"));
    if (!r) return fail(c, 404, "no such incident", "List them at /api/v1/incidents.");
    const { renderIncidentReport } = await import("../response/render.js");
    const text = renderIncidentReport(r.data as unknown as IncidentReport, format);
    const type = { markdown: "text/markdown", json: "application/json", html: "text/html" }[format];
    c.header("Content-Type", `${type}; charset=utf-8`);
    return c.body(text);
  });

  api.get("/scans", async (c) => c.json((await store.listRecords("scan-result")).map(recordData)));
  api.get("/scans/:id", async (c) => {
    const r = await store.getRecord("scan-result", c.req.param("id"));
    return r ? c.json(recordData(r)) : fail(c, 404, "no such scan result", "List them at /api/v1/scans.");
  });

  const respond = deps.respond;
  if (respond) {
    api.post("/respond", requireActions, async (c) => {
      const body = (await c.req.json().catch(() => null)) as Record<string, unknown> | null;
      const input = respondInput(body);
      if (typeof input === "string") return fail(c, 400, input, 'Send {"accessKeyId": "AKIA..."}.');
      return c.json(await act("respond", input.accessKeyId, () => respond(input)), 201);
    });
  }

  api.get("/session", (c) => c.json({ allowActions: deps.allowActions, respond: respond !== undefined }));
  api.all("*", (c) =>
    fail(c, 404, `no API route ${c.req.method} ${c.req.path}`, "See the README's API list."),
  );

  const app = new Hono();
  app.use("*", securityHeaders);
  app.use("*", compressResponses);
  app.onError((err, c) => {
    if (err instanceof KeywardenError) return fail(c, statusOf(err), err.message, err.fix);
    return fail(c, 500, `internal error: ${err.message}`, "Look at the server's output and report it.");
  });
  app.route("/api/v1", api);
  app.get("*", async (c) => {
    if (!files) return c.text("keywarden API: the dashboard is not built here.\n", 404);
    const file = await files.get(c.req.path);
    if (!file) return c.text("Not found\n", 404);
    return sendCompressed(c, file.body, 200, {
      "Cache-Control": file.immutable ? "public, max-age=31536000, immutable" : "no-cache",
    });
  });
  return app;
}

const DURATION = /^(0|\d+[smhdw])$/;

/** The start request, checked; a string is the problem. */
function startInput(body: unknown): StartRotationInput | string {
  if (typeof body !== "object" || body === null) return "the body must be a JSON object";
  const b = body as Record<string, unknown>;
  if (typeof b.userName !== "string" || b.userName === "") return "userName is required";
  const to = b.to;
  if (!Array.isArray(to) || to.length === 0 || !to.every((t) => typeof t === "string" && t !== "")) {
    return "to must list at least one target (profile:NAME, secretsmanager:ID, ssm:/NAME, dotenv:PATH)";
  }
  if (to.includes("stdout"))
    return "stdout is not a target for the dashboard: the secret would land in the server's output";
  const accessKeyId = b.accessKeyId === undefined || b.accessKeyId === null ? null : b.accessKeyId;
  if (accessKeyId !== null && typeof accessKeyId !== "string") return "accessKeyId must be a string";
  const observe = b.observe ?? "7d";
  const soak = b.soak ?? "7d";
  if (typeof observe !== "string" || !DURATION.test(observe))
    return "observe must be a duration such as 7d or 0";
  if (typeof soak !== "string" || !DURATION.test(soak)) return "soak must be a duration such as 7d or 0";
  return { userName: b.userName, accessKeyId, to: to as string[], observe, soak };
}

/** The respond request, checked; a string is the problem. */
function respondInput(body: Record<string, unknown> | null): Parameters<RespondRunner>[0] | string {
  if (typeof body?.accessKeyId !== "string") return "accessKeyId is required";
  const since = body.since ?? null;
  if (since !== null && typeof since !== "string") return "since must be an ISO time or a span such as 36h";
  const regions = body.regions ?? null;
  if (regions !== null && (!Array.isArray(regions) || !regions.every((r) => typeof r === "string"))) {
    return "regions must be a list of region names";
  }
  return { accessKeyId: body.accessKeyId, since, regions };
}
