// The dashboard end to end in real headless Chromium (Debian's, through playwright-core): `keywarden
// serve --allow-actions` against a seeded emulator and a temp store; enter the token, see the
// seeded findings, open a key, start and advance a rotation; a screenshot of every page goes to
// test-artifacts/dashboard/. Any console error on the page (a CSP violation included) fails it.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { chromiumPath } from "../helpers/prerequisites.js";
import { afterAll, beforeAll, expect, it } from "vitest";
import { seedDemoPolicies } from "../../src/aws/demo-policies.js";
import { demoAccount } from "../../src/emulator/demo-account.js";
import { DUMMY_CREDENTIALS, REGION, useEmulator } from "../emulator/harness.js";
import { REPO_ROOT, runCli } from "../helpers/cli.js";
import { startServe, type Served } from "./serve.js";

const emu = useEmulator();
const SHOTS = join(REPO_ROOT, "test-artifacts", "dashboard");
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

let served: Served;
let context: BrowserContext;
let page: Page;
let home = "";
const consoleErrors: string[] = [];

/** `npm ci` builds the dashboard (prepare); a fresh checkout may not have yet. */
function ensureDashboardBuilt(): void {
  if (existsSync(join(REPO_ROOT, "dist", "dashboard", "index.html"))) return;
  const r = spawnSync(
    process.execPath,
    [join(REPO_ROOT, "node_modules", "vite", "bin", "vite.js"), "build"],
    {
      cwd: REPO_ROOT,
      encoding: "utf8",
    },
  );
  if (r.status !== 0) throw new Error(`vite build failed:\n${r.stderr}`);
}

/**
 * An incident and a scan result made by the real verbs: `keywarden respond` contains mallory's key,
 * `keywarden scan` finds svc-legacy-ftp's key id hard-coded in a file.
 */
async function seedRecords(env: Record<string, string>, keyOf: (user: string) => string): Promise<void> {
  const respond = await runCli(
    ["respond", keyOf("mallory"), "--yes", "--regions", "us-east-1", "--format", "json"],
    {
      env,
    },
  );
  expect(respond.code, respond.stderr).toBe(0);
  const app = join(home, "app");
  await mkdir(join(app, "config"), { recursive: true });
  await writeFile(
    join(app, "config", "settings.py"),
    `# settings\nREGION = "us-east-1"\nAWS_ACCESS_KEY_ID = "${keyOf("svc-legacy-ftp")}"\n`,
  );
  const scan = await runCli(["scan", app], { env });
  expect(scan.stderr).not.toMatch(/not stored/);
  expect(scan.code, scan.stderr).toBe(1);
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

beforeAll(async () => {
  ensureDashboardBuilt();
  await rm(SHOTS, { recursive: true, force: true });
  await mkdir(SHOTS, { recursive: true });
  const account = demoAccount(new Date());
  const seeded = await emu.client.bulkSeed({ users: account.users });
  await emu.client.setRoot(account.root);
  // The demo's policies, so keys differ in blast radius and the risk ranking means something.
  await seedDemoPolicies(emu.endpoint, REGION, DUMMY_CREDENTIALS);
  const keyOf = (user: string) =>
    seeded.users.find((u) => u.name === user)?.access_keys[0]?.access_key_id ?? "";
  home = await mkdtemp(join(tmpdir(), "keywarden-e2e-"));
  const env = {
    KEYWARDEN_HOME: home,
    AWS_ENDPOINT_URL: emu.endpoint,
    AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey,
    AWS_REGION: REGION,
    KEYWARDEN_VERIFY_ATTEMPTS: "3",
    KEYWARDEN_LOCK_SETTLE_MS: "20",
  };
  await seedRecords(env, keyOf);
  served = await startServe(["--port", "0", "--allow-actions"], env);
  context = await chromium.launchPersistentContext(await mkdtemp(join(tmpdir(), "keywarden-chromium-")), {
    executablePath: chromiumPath(),
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on("console", (m) => {
    if (m.type() === "error") consoleErrors.push(m.text());
  });
  page.on("pageerror", (e) => consoleErrors.push(e.message));
}, 120_000);

afterAll(async () => {
  await context.close();
  await served.stop();
});

it("walks the dashboard: token, findings, a key, a rotation started and advanced", async () => {
  expect(served.token).not.toBeNull();
  expect(served.stderr()).toMatch(/audit saved \(\d+ keys\)/);
  await page.goto(served.url);
  await page.getByLabel("Access token").fill(served.token ?? "");
  await shot("01-token");
  await page.getByRole("button", { name: "Open the dashboard" }).click();

  // Overview: the seeded account's findings by severity, the age histogram, keys due soon.
  const cards = page.getByTestId("severity-counts");
  await expect.poll(() => cards.textContent()).toMatch(/\d+critical\d+high/);
  const high = Number(await page.locator(".sev-card.sev-high .count").textContent());
  expect(high).toBeGreaterThan(0);
  expect(await page.locator("svg.histogram rect.bar-active").count()).toBe(6);
  await expect.poll(() => page.locator("main").textContent()).toContain("svc-terraform");
  // Fix first: the root's critical finding, then keys by risk score, highest first, each with the
  // factors that weigh most.
  const fix = page.getByTestId("fix-first");
  expect(await fix.locator("li").first().textContent()).toMatch(/^critical.*account \d{12}/);
  const fixScores = (await fix.locator("li .risk-score").allTextContents()).map(Number);
  expect(fixScores.length).toBeGreaterThan(3);
  expect(fixScores).toEqual([...fixScores].sort((a, b) => b - a));
  expect(await fix.locator("li").nth(1).textContent()).toMatch(/blastRadius (administrator|can-escalate)/);
  expect(await fix.textContent()).toMatch(/keys by risk score/);
  await shot("02-overview");

  // The token lives in this tab's sessionStorage only: no cookie, nothing in localStorage, and a
  // reload does not ask again.
  expect(await page.evaluate<string>("document.cookie")).toBe("");
  expect(await page.evaluate<number>("localStorage.length")).toBe(0);
  expect(await page.evaluate<string | null>("sessionStorage.getItem('keywarden.token')")).toBe(served.token);
  expect((await context.cookies()).length).toBe(0);
  await page.reload();
  await expect.poll(() => cards.textContent()).toMatch(/critical/);

  // Keys: riskiest first by default; the factors on hover (title) and when a score is opened.
  await page.getByRole("link", { name: "Keys", exact: true }).click();
  const scoreCells = page.locator("table.keys > tbody > tr > td.risk .risk-score");
  await expect.poll(() => scoreCells.count()).toBeGreaterThan(10);
  expect(await page.locator("th", { hasText: "Risk" }).getAttribute("aria-sort")).toBe("descending");
  const scores = (await scoreCells.allTextContents()).map(Number);
  expect(scores).toEqual([...scores].sort((a, b) => b - a));
  const first = page.locator("table.keys > tbody > tr").first();
  expect(await first.locator("td.risk .badge.radius").textContent()).toMatch(/admin-equivalent|can-escalate/);
  const hover = (await first.locator("td.risk summary").getAttribute("title")) ?? "";
  expect(hover).toMatch(/^blastRadius (administrator-equivalent|can-escalate): \+\d+ of 40$/m);
  expect(hover).toMatch(/^keyAge \d+: \+\d+ of 15$/m);
  await first.locator("td.risk summary").click();
  expect(await first.getByTestId("risk-factors").locator("tbody tr").count()).toBeGreaterThanOrEqual(7);
  // svc-terraform holds AdministratorAccess: its key says so.
  const terraform = page.locator("table.keys > tbody > tr", { hasText: "svc-terraform" }).first();
  expect(await terraform.locator("td.risk .badge.radius").textContent()).toBe("admin-equivalent");
  await shot("03-keys-risk");
  await page.getByRole("button", { name: /^Risk/ }).click();
  expect(await page.locator("th", { hasText: "Risk" }).getAttribute("aria-sort")).toBe("ascending");
  const ascending = (await scoreCells.allTextContents()).map(Number);
  expect(ascending).toEqual([...ascending].sort((a, b) => a - b));

  // Sortable and filterable; the seeded stale key is there with its finding.
  await page.getByLabel("Filter keys").fill("svc-legacy");
  await expect.poll(() => page.locator("table.keys > tbody > tr").count()).toBe(1);
  await page.getByLabel("Filter keys").fill("");
  await page.getByRole("button", { name: /^User/ }).click();
  const firstUser = await page.locator("table.keys > tbody > tr > td:nth-child(2)").first().textContent();
  expect(firstUser).toBe("alice");
  await page.getByRole("button", { name: /^Age \(days\)/ }).click();
  await page.getByRole("button", { name: /^Age \(days\)/ }).click();
  expect(await page.locator("table.keys > tbody > tr > td:nth-child(2)").first().textContent()).toBe(
    "svc-legacy-ftp",
  );
  await shot("03-keys");

  // One key: its last use, findings and timeline.
  await page.locator("table.keys > tbody > tr").first().getByRole("link").click();
  await expect.poll(() => page.getByTestId("last-used").textContent()).toMatch(/s3 in us-east-1/);
  const main = page.locator("main");
  expect(await main.textContent()).toMatch(/access-key-rotation|access-key-unused/);
  expect(await page.locator("ol.timeline li").count()).toBeGreaterThanOrEqual(3);
  // Its risk: the score, each factor with points and weight, the class and what grants it.
  const risk = page.getByTestId("key-risk");
  expect(await risk.locator("h2 .risk-score").textContent()).toMatch(/^\d+$/);
  expect(await risk.getByTestId("risk-factors").textContent()).toMatch(/keyAge.*lastUse.*ownerMfa/);
  expect(await risk.textContent()).toMatch(/Blast radius: /);
  // The scan stored before `serve` audited found this key in code: the score counts it.
  expect(await risk.getByTestId("risk-factors").textContent()).toMatch(/foundInCodetrue1515/);
  await shot("04-key");

  // Respond from the key's page: contained, investigated, stored as an incident.
  await page.getByLabel("CloudTrail regions").fill("us-east-1");
  await page.getByRole("button", { name: "Respond" }).click();
  expect(await page.locator("dialog[open]").textContent()).toMatch(/Contain AKIA\*+\w{4} of svc-legacy-ftp/);
  await page.locator("dialog[open] button[data-confirm]").click();
  await page.waitForURL(/#\/incidents\/inc-/);
  await expect.poll(() => page.locator("main").textContent()).toMatch(/Deactivatedyes/);
  expect(await page.locator("main").textContent()).toContain("svc-legacy-ftp");
  await shot("04b-responded");

  // Rotations: start one for svc-backup into a dotenv file, confirm in the dialog.
  await page.getByRole("link", { name: "Rotations" }).click();
  await page.getByLabel("User").selectOption("svc-backup");
  const envFile = join(home, "svc-backup.env");
  await page.getByLabel("New secret goes to").fill(`dotenv:${envFile}`);
  await page.getByLabel("Observe").fill("0");
  await page.getByLabel("Soak").fill("7d");
  await shot("05-rotations-start");
  await page.getByRole("button", { name: "Start rotation" }).click();
  await page.locator("dialog[open] button[data-confirm]").click();
  await page.waitForURL(/#\/rotations\/rot-/);
  await expect.poll(() => page.getByTestId("next-step").textContent()).toBe("Next: deactivate, due now");
  expect(await readFile(envFile, "utf8")).toMatch(/AWS_ACCESS_KEY_ID=AKIA/);
  await shot("06-rotation-started");

  // Advance: the old key is deactivated and the job waits out its soak.
  await page.getByRole("button", { name: "Advance" }).click();
  expect(await page.locator("dialog[open]").textContent()).toMatch(
    /Deactivate the old key AKIA\*+\w{4} of svc-backup\?/,
  );
  await shot("07-rotation-confirm");
  await page.locator("dialog[open] button[data-confirm]").click();
  await expect
    .poll(() => page.getByTestId("next-step").textContent())
    .toMatch(/^Next: soak, due .* \(in 7 d\)$/);
  expect(await page.locator("main").textContent()).toContain("deactivated-old-key");
  // Nothing is due for 7 days: Advance waits; Roll back puts the old key back.
  expect(await page.getByRole("button", { name: "Advance" }).isDisabled()).toBe(true);
  await shot("08-rotation-advanced");

  await page.getByRole("link", { name: "Rotations" }).click();
  await expect.poll(() => page.locator(".card.job").count()).toBe(1);
  expect(await page.locator(".card.job .badge").textContent()).toBe("waiting");
  await shot("09-rotations");

  await page.locator(".card.job h2 a").click();
  await page.getByRole("button", { name: "Roll back" }).click();
  await page.locator("dialog[open] button[data-confirm]").click();
  await expect.poll(() => page.getByTestId("next-step").textContent()).toMatch(/^Rolled back/);
  expect(await page.getByRole("button", { name: "Advance" }).count()).toBe(0);
  // Undone, not green: the steps the job had passed are drawn as rolled back.
  expect(await page.locator(".progress li.done").count()).toBe(0);
  expect(await page.locator(".progress li.undone").count()).toBeGreaterThan(0);
  await shot("09b-rotation-rolled-back");

  // Incidents and scan results, from the store.
  await page.getByRole("link", { name: "Incidents" }).click();
  await expect.poll(() => page.locator("main table tbody tr").count()).toBe(2);
  const users = await page.locator("main table tbody tr td:nth-child(3)").allTextContents();
  expect(users.sort()).toEqual(["mallory", "svc-legacy-ftp"]);
  await shot("10-incidents");
  await page.locator("main table tbody tr", { hasText: "mallory" }).getByRole("link").click();
  await expect.poll(() => page.getByTestId("incident-report").textContent()).toMatch(/^# Incident inc-/);
  expect(await page.locator("main").textContent()).toMatch(/Deactivatedyes/);
  await shot("10b-incident");
  await page.getByRole("link", { name: "Scan results" }).click();
  await expect.poll(() => page.locator("main table tbody tr").count()).toBe(1);
  await shot("11-scans");
  await page.locator("main table tbody tr a").click();
  await expect.poll(() => page.locator("main").textContent()).toContain("config/settings.py:3");
  expect(await page.locator("main").textContent()).toContain("svc-legacy-ftp");
  await shot("12-scan");

  // Dark theme follows the system.
  await page.emulateMedia({ colorScheme: "dark" });
  await page.getByRole("link", { name: "Overview" }).click();
  await expect.poll(() => cards.textContent()).toMatch(/critical/);
  // A string: the test's tsconfig has no DOM types.
  const bg = await page.evaluate<string>("getComputedStyle(document.body).backgroundColor");
  expect(bg).toBe("rgb(13, 17, 23)");
  await shot("13-overview-dark");

  expect(consoleErrors).toEqual([]);
  // The listener does see the page's errors: this check is not vacuous.
  await page.evaluate("console.error('probe')");
  await expect.poll(() => consoleErrors).toEqual(["probe"]);
}, 120_000);
