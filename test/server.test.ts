// The JSON API through the Hono app itself (no socket): auth, read-only refusals, and contracts
// equal to the CLI's `--format json` for the same emulator account and store.
import { mkdtemp, readFile, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ListAccessKeysCommand } from "@aws-sdk/client-iam";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemoPolicies } from "../src/aws/demo-policies.js";
import { demoAccount } from "../src/emulator/demo-account.js";
import type { AuditReport } from "../src/domain/audit-report.js";
import { SEVERITIES } from "../src/domain/types.js";
import { createApp, ACTION_KIND } from "../src/server/app.js";
import { hashToken } from "../src/server/token.js";
import { auditRunner, respondRunner, rotationController } from "../src/server/wiring.js";
import type { Overview, KeyPage } from "../src/server/views.js";
import type { FindingsPage } from "../src/server/findings-view.js";
import { openStore } from "../src/store/open.js";
import type { Store } from "../src/store/types.js";
import { DUMMY_CREDENTIALS, REGION, useEmulator } from "./emulator/harness.js";
import { runCli } from "./helpers/cli.js";

const emu = useEmulator();
const TOKEN = "kwd_test-token-for-the-api";
const auth = { Authorization: `Bearer ${TOKEN}` };

let home = "";
let store: Store;
let env: Record<string, string> = {};
let cliAudit: AuditReport;

function app(allowActions: boolean) {
  const io = { stdout: { write: () => true }, stderr: { write: () => true }, env, cwd: home };
  const target = { endpointUrl: emu.endpoint, region: REGION, credentials: DUMMY_CREDENTIALS };
  return createApp({
    store,
    now: () => new Date(),
    runAudit: auditRunner(io, target),
    rotations: rotationController(io, store, target),
    tokenHash: hashToken(TOKEN),
    allowActions,
  });
}

async function get<T>(path: string): Promise<T> {
  const res = await app(false).request(path, { headers: auth });
  expect(res.status, `${path}: ${await res.clone().text()}`).toBe(200);
  return (await res.json()) as T;
}

async function post(a: ReturnType<typeof app>, path: string, body?: unknown) {
  return a.request(path, {
    method: "POST",
    headers: { ...auth, "Content-Type": "application/json" },
    body: body === undefined ? null : JSON.stringify(body),
  });
}

beforeAll(async () => {
  const account = demoAccount(new Date());
  await emu.client.bulkSeed({ users: account.users });
  await emu.client.setRoot(account.root);
  // The demo's policies, so keys differ in blast radius and the risk ranking means something.
  await seedDemoPolicies(emu.endpoint, REGION, DUMMY_CREDENTIALS);
  home = await mkdtemp(join(tmpdir(), "keywarden-server-"));
  env = {
    KEYWARDEN_HOME: home,
    AWS_ENDPOINT_URL: emu.endpoint,
    AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey,
    AWS_REGION: REGION,
    KEYWARDEN_VERIFY_ATTEMPTS: "3",
    KEYWARDEN_LOCK_SETTLE_MS: "20",
  };
  const r = await runCli(["audit", "--format", "json", "--save", "--fail-on", "none"], { env });
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toMatch(/audit saved as aud-/);
  cliAudit = JSON.parse(r.stdout) as AuditReport;
  store = await openStore({ env });
}, 60_000);

afterAll(async () => {
  await store.close();
});

describe("auth and headers", () => {
  it("refuses every API call without the token or with a wrong one", async () => {
    for (const path of [
      "/api/v1/overview",
      "/api/v1/audit",
      "/api/v1/keys",
      "/api/v1/findings",
      "/api/v1/rotations",
      "/api/v1/nope",
    ]) {
      const none = await app(false).request(path);
      expect(none.status).toBe(401);
      expect(none.headers.get("WWW-Authenticate")).toMatch(/^Bearer/);
      const wrong = await app(false).request(path, { headers: { Authorization: "Bearer kwd_wrong" } });
      expect(wrong.status).toBe(401);
      const body = (await wrong.json()) as { error: { message: string } };
      expect(body.error.message).toBe("the access token is not valid");
      expect(JSON.stringify(body)).not.toContain(TOKEN);
    }
    const basic = await app(false).request("/api/v1/overview", {
      headers: { Authorization: `Basic ${TOKEN}` },
    });
    expect(basic.status).toBe(401);
  });

  it("sends a strict CSP, nosniff and no-referrer, and never a cookie", async () => {
    for (const res of [
      await app(false).request("/api/v1/overview", { headers: auth }),
      await app(false).request("/"),
    ]) {
      const csp = res.headers.get("Content-Security-Policy") ?? "";
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain("unsafe-inline");
      expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
      expect(res.headers.get("Referrer-Policy")).toBe("no-referrer");
      expect(res.headers.get("Set-Cookie")).toBeNull();
    }
  });

  it("refuses actions with 403 when read-only, and changes nothing", async () => {
    const a = app(false);
    const before = (await store.listRecords("audit")).length;
    expect((await post(a, "/api/v1/audit")).status).toBe(403);
    const start = await post(a, "/api/v1/rotations", { userName: "svc-backup", to: ["dotenv:/tmp/x.env"] });
    expect(start.status).toBe(403);
    expect((await post(a, "/api/v1/rotations/rot-x/advance")).status).toBe(403);
    expect((await post(a, "/api/v1/rotations/rot-x/rollback")).status).toBe(403);
    expect((await store.listRecords("audit")).length).toBe(before);
    expect(await store.listJobs()).toEqual([]);
    expect(await store.listRecords(ACTION_KIND)).toEqual([]);
  });
});

describe("contracts equal the CLI's JSON", () => {
  it("/api/v1/audit is the report `keywarden audit --format json --save` printed", async () => {
    const api = await get<AuditReport>("/api/v1/audit");
    expect(api).toEqual(cliAudit);
    expect(api.keys.length).toBeGreaterThan(20);
  });

  it("/api/v1/keys has the `keywarden keys --format json` shape and the same keys", async () => {
    const r = await runCli(["keys", "--format", "json"], { env });
    expect(r.code, r.stderr).toBe(0);
    const cli = JSON.parse(r.stdout) as { keys: Record<string, unknown>[] } & Record<string, unknown>;
    const api = await get<{ keys: Record<string, unknown>[] } & Record<string, unknown>>("/api/v1/keys");
    expect(Object.keys(api).sort()).toEqual(Object.keys(cli).sort());
    const byId = (ks: Record<string, unknown>[]) =>
      [...ks].sort((x, y) => String(x.accessKeyId).localeCompare(String(y.accessKeyId)));
    expect(byId(api.keys)).toEqual(byId(cli.keys));
  });

  it("/api/v1/overview counts the audit's findings and ages", async () => {
    const o = await get<Overview>("/api/v1/overview");
    for (const s of SEVERITIES) {
      expect(o.findingsBySeverity[s]).toBe(
        cliAudit.findings.filter((f) => f.severity === s && f.result !== "PASS").length,
      );
    }
    expect(o.findingsBySeverity.critical + o.findingsBySeverity.high).toBeGreaterThan(0);
    const binned = o.keyAgeHistogram.reduce((n, b) => n + b.active + b.inactive, 0);
    expect(binned).toBe(cliAudit.keys.length);
    const due = o.dueSoon.map((d) => d.userName);
    // Seeded 81 and 88 days ago: due within 30 days at 90; alice's 20-day key is not.
    expect(due).toEqual(expect.arrayContaining(["svc-terraform", "ivan"]));
    expect(due).not.toContain("alice");
    expect(o.overdue).toBeGreaterThan(0);
    expect(o.recentActivity.some((a) => a.kind === "audit")).toBe(true);
  });

  it("/api/v1/keys/:id shows the key, its findings and its timeline", async () => {
    const key = cliAudit.keys.find((k) => k.userName === "svc-legacy-ftp");
    expect(key).toBeDefined();
    const page = await get<KeyPage>(`/api/v1/keys/${key?.accessKeyId ?? ""}`);
    expect(page.key?.userName).toBe("svc-legacy-ftp");
    expect(page.findings.length).toBeGreaterThan(0);
    expect(page.findings.every((f) => f.accessKeyId === key?.accessKeyId)).toBe(true);
    expect(page.timeline.map((t) => t.kind)).toEqual(expect.arrayContaining(["created", "last-used"]));
    const missing = await app(false).request("/api/v1/keys/AKIAAAAAAAAAAAAAAAAA", { headers: auth });
    expect(missing.status).toBe(404);
  });
});

describe("findings: every open one, filterable", () => {
  it("/api/v1/findings lists every FAIL, WARN and ERROR, account- and user-level ones included", async () => {
    const open = cliAudit.findings.filter((f) => f.result !== "PASS");
    const page = await get<FindingsPage>("/api/v1/findings");
    expect(page.total).toBe(open.length);
    expect(page.findings).toHaveLength(open.length);
    // The critical and high ones the overview only counted are listed, most severe first.
    const top = page.findings.filter((f) => f.severity === "critical" || f.severity === "high");
    expect(top.length).toBe(open.filter((f) => f.severity === "critical" || f.severity === "high").length);
    expect(top.length).toBeGreaterThan(0);
    expect(page.findings.slice(0, top.length)).toEqual(top);
    expect(top.some((f) => f.accessKeyId === null && f.userName === null)).toBe(true);
    expect(top.some((f) => f.accessKeyId === null && f.userName !== null)).toBe(true);
    // Ids are the ones `--format asff` (and Security Hub) use.
    const asff = await runCli(["audit", "--format", "asff", "--fail-on", "none"], { env });
    const ids = (JSON.parse(asff.stdout) as { Id: string; Compliance: { Status: string } }[])
      .filter((f) => f.Compliance.Status !== "PASSED")
      .map((f) => f.Id)
      .sort();
    expect(page.findings.map((f) => f.id).sort()).toEqual(ids);
  });

  it("filters by severity, rule, account and user, and refuses an unknown severity", async () => {
    const open = cliAudit.findings.filter((f) => f.result !== "PASS");
    const bySev = await get<FindingsPage>("/api/v1/findings?severity=critical,high");
    expect(bySev.findings.map((f) => f.severity).sort()).toEqual(
      open
        .filter((f) => ["critical", "high"].includes(f.severity))
        .map((f) => f.severity)
        .sort(),
    );
    expect(bySev.filters.severity).toEqual(["critical", "high"]);
    const user = open.find((f) => f.ruleId === "console-user-mfa")?.userName ?? "";
    const byUser = await get<FindingsPage>(`/api/v1/findings?user=${encodeURIComponent(user)}`);
    expect(byUser.findings.length).toBe(open.filter((f) => f.userName === user).length);
    const byRule = await get<FindingsPage>("/api/v1/findings?rule=access-key-rotation");
    expect(byRule.findings.every((f) => f.ruleId === "access-key-rotation")).toBe(true);
    expect(byRule.findings.length).toBe(open.filter((f) => f.ruleId === "access-key-rotation").length);
    const account = cliAudit.accounts[0]?.accountId ?? "";
    expect((await get<FindingsPage>(`/api/v1/findings?account=${account}`)).findings).toHaveLength(
      open.length,
    );
    expect((await get<FindingsPage>("/api/v1/findings?account=999999999999")).findings).toEqual([]);
    expect(bySev.facets.severity.critical).toBe(open.filter((f) => f.severity === "critical").length);
    const bad = await app(false).request("/api/v1/findings?severity=urgent", { headers: auth });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(
      /unknown severity urgent/,
    );
  });

  it("/api/v1/overview ranks what to fix first and counts each account", async () => {
    const o = await get<Overview>("/api/v1/overview");
    expect(o.fixFirst.length).toBeGreaterThan(0);
    expect(o.fixFirst.length).toBeLessThanOrEqual(10);
    // The root's critical finding first (no key's), then the stored audit's keys by risk score,
    // highest first, each with the same score and class the audit gave it.
    expect(o.fixFirst[0]).toMatchObject({ severity: "critical", accessKeyId: null, risk: null });
    const keyItems = o.fixFirst.slice(1);
    expect(keyItems.length).toBeGreaterThan(3);
    const scores = keyItems.map((i) => i.risk ?? -1);
    expect(scores.every((s) => s > 0)).toBe(true);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    const top = [...cliAudit.keys].sort((a, b) => (b.risk?.score ?? 0) - (a.risk?.score ?? 0))[0];
    expect(keyItems[0]?.risk).toBe(top?.risk?.score);
    for (const i of keyItems) {
      const k = cliAudit.keys.find((x) => x.accessKeyId === i.accessKeyId);
      expect(i.risk).toBe(k?.risk?.score);
      expect(i.radius).toBe(k?.blastRadius?.classes[0] ?? null);
      expect(i.factors.length).toBeGreaterThan(0);
    }
    // The demo's policies make an administrator and escalation paths: one of them leads.
    expect(["administrator-equivalent", "can-escalate"]).toContain(keyItems[0]?.radius);
    expect(o.fixFirst.some((i) => i.overdueDays !== null && i.overdueDays > 0)).toBe(true);
    expect(o.fixFirst.every((i) => i.severity !== "info")).toBe(true);
    expect(o.accounts).toHaveLength(1);
    expect(o.accounts[0]?.findingsBySeverity).toEqual(o.findingsBySeverity);
    expect(o.accounts[0]?.overdue).toBe(o.overdue);
  });
});

describe("actions with --allow-actions", () => {
  it("POST /api/v1/audit stores a new audit and records the action", async () => {
    const before = (await store.listRecords("audit")).length;
    const res = await post(app(true), "/api/v1/audit");
    expect(res.status).toBe(201);
    const report = (await res.json()) as AuditReport;
    expect(report.keys.length).toBe(cliAudit.keys.length);
    expect((await store.listRecords("audit")).length).toBe(before + 1);
    const actions = await store.listRecords(ACTION_KIND);
    expect(actions.map((r) => r.data.action)).toContain("audit");
  });

  it("starts, advances and rolls back a rotation; the JSON equals `keywarden rotations`", async () => {
    const a = app(true);
    const envFile = join(home, "svc-backup.env");
    const bad = await post(a, "/api/v1/rotations", { userName: "svc-backup", to: ["stdout"] });
    expect(bad.status).toBe(400);
    const res = await post(a, "/api/v1/rotations", {
      userName: "svc-backup",
      to: [`dotenv:${envFile}`],
      observe: "0",
      soak: "7d",
    });
    expect(res.status, await res.clone().text()).toBe(201);
    const started = (await res.json()) as { id: string; step: string; state: string; newAccessKeyId: string };
    // A start never deactivates: it stops before the old key is touched.
    expect(started.step).toBe("deactivate");
    expect(await readFile(envFile, "utf8")).toContain(started.newAccessKeyId);

    const again = await post(a, "/api/v1/rotations", { userName: "svc-backup", to: [`dotenv:${envFile}`] });
    expect(again.status).toBe(409);

    const adv = await post(a, `/api/v1/rotations/${started.id}/advance`);
    expect(adv.status).toBe(200);
    const advanced = (await adv.json()) as { step: string; state: string; nextAt: string };
    expect(advanced).toMatchObject({ step: "soak", state: "waiting" });

    const list = await runCli(["rotations", "--format", "json"], { env });
    expect(await get("/api/v1/rotations")).toEqual(JSON.parse(list.stdout));
    const show = await runCli(["rotations", "show", started.id, "--format", "json"], { env });
    expect(await get(`/api/v1/rotations/${started.id}`)).toEqual(JSON.parse(show.stdout));

    const rb = await post(a, `/api/v1/rotations/${started.id}/rollback`);
    expect(rb.status).toBe(200);
    expect(((await rb.json()) as { state: string }).state).toBe("rolled-back");
    const actions = (await store.listRecords(ACTION_KIND)).map(
      (r) => `${String(r.data.action)}:${String(r.data.outcome)}`,
    );
    expect(actions).toEqual(
      expect.arrayContaining([
        "rotation-start:ok",
        "rotation-start:error",
        "rotation-advance:ok",
        "rotation-rollback:ok",
      ]),
    );
  });
});

describe("incidents, scan results and the dashboard files", () => {
  it("serves stored incidents and scan results", async () => {
    await store.putRecord({
      kind: "incident",
      id: "inc-test-1",
      subject: "AKIAIOSFODNN7EXAMPLE",
      data: { schemaVersion: 1, incidentId: "inc-test-1", accessKeyId: "AKIAIOSFODNN7EXAMPLE", events: [] },
    });
    await store.putRecord({
      kind: "scan-result",
      id: "scan-1",
      subject: "/repo",
      data: { root: "/repo", findings: [] },
    });
    const incidents = await get<{ incidentId: string }[]>("/api/v1/incidents");
    expect(incidents.map((i) => i.incidentId)).toEqual(["inc-test-1"]);
    expect(await get<{ accessKeyId: string }>("/api/v1/incidents/inc-test-1")).toMatchObject({
      accessKeyId: "AKIAIOSFODNN7EXAMPLE",
    });
    const pdf = await app(false).request("/api/v1/incidents/inc-test-1/report?format=pdf", { headers: auth });
    expect(pdf.status).toBe(400);
    const gone = await app(false).request("/api/v1/incidents/inc-nope/report", { headers: auth });
    expect(gone.status).toBe(404);
    const scans = await get<{ root: string }[]>("/api/v1/scans");
    expect(scans.map((s) => s.root)).toEqual(["/repo"]);
  });

  it("serves the built dashboard and nothing outside it", async () => {
    const dir = join(home, "dash");
    await mkdir(join(dir, "assets"), { recursive: true });
    await writeFile(join(dir, "index.html"), "<!doctype html><title>kw</title>");
    await writeFile(join(dir, "assets", "a.js"), "export {}");
    await writeFile(join(home, "secret.html"), "nope");
    const a = createApp({
      store,
      now: () => new Date(),
      runAudit: () => Promise.reject(new Error("unused")),
      rotations: rotationController(
        { stdout: process.stdout, stderr: process.stderr, env, cwd: home },
        store,
        {},
      ),
      tokenHash: hashToken(TOKEN),
      allowActions: false,
      dashboardDir: dir,
    });
    const index = await a.request("/");
    expect(index.status).toBe(200);
    expect(await index.text()).toContain("<title>kw</title>");
    expect((await a.request("/assets/a.js")).headers.get("Content-Type")).toMatch(/javascript/);
    expect((await a.request("/..%2Fsecret.html")).status).toBe(404);
    expect((await a.request("/../secret.html")).status).toBe(404);
  });
});

describe("POST /api/v1/respond", () => {
  function withRespond(allowActions: boolean) {
    const io = { stdout: { write: () => true }, stderr: { write: () => true }, env, cwd: home };
    const target = { endpointUrl: emu.endpoint, region: REGION, credentials: DUMMY_CREDENTIALS };
    return createApp({
      store,
      now: () => new Date(),
      runAudit: () => Promise.reject(new Error("unused")),
      rotations: rotationController(io, store, target),
      respond: respondRunner(io, store, target),
      tokenHash: hashToken(TOKEN),
      allowActions,
    });
  }

  it("contains the key like `keywarden respond --yes`, stores the incident and records the action", async () => {
    const frank = cliAudit.keys.find((k) => k.userName === "frank")?.accessKeyId ?? "";
    expect((await post(app(true), "/api/v1/respond", { accessKeyId: frank })).status).toBe(404);
    expect((await post(withRespond(false), "/api/v1/respond", { accessKeyId: frank })).status).toBe(403);
    expect((await post(withRespond(true), "/api/v1/respond", {})).status).toBe(400);
    const badSince = await post(withRespond(true), "/api/v1/respond", {
      accessKeyId: frank,
      since: "yesterday",
    });
    expect(badSince.status).toBe(400);
    const keys = await emu.iam().send(new ListAccessKeysCommand({ UserName: "frank" }));
    expect(keys.AccessKeyMetadata?.[0]?.Status).toBe("Active");

    const res = await post(withRespond(true), "/api/v1/respond", {
      accessKeyId: frank,
      regions: ["us-east-1"],
    });
    expect(res.status, await res.clone().text()).toBe(201);
    const report = (await res.json()) as {
      incidentId: string;
      userName: string;
      containment: { deactivated: boolean };
    };
    expect(report).toMatchObject({ userName: "frank", containment: { deactivated: true } });
    const after = await emu.iam().send(new ListAccessKeysCommand({ UserName: "frank" }));
    expect(after.AccessKeyMetadata?.[0]?.Status).toBe("Inactive");
    expect(await get<{ incidentId: string }>(`/api/v1/incidents/${report.incidentId}`)).toMatchObject({
      incidentId: report.incidentId,
    });
    const md = await app(false).request(`/api/v1/incidents/${report.incidentId}/report`, { headers: auth });
    expect(await md.text()).toMatch(/^# Incident inc-/);
    const actions = await store.listRecords(ACTION_KIND, { subject: frank });
    expect(actions.map((r) => `${String(r.data.action)}:${String(r.data.outcome)}`)).toEqual([
      "respond:ok",
      "respond:error",
    ]);
  });
});
