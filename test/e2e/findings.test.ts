// The dashboard's findings, end to end in real headless Chromium (Debian's, through playwright-core):
// an organization audit of two emulator accounts saved by `keywarden audit --accounts ... --save`,
// a rotation run by `keywarden rotate`, then `keywarden serve`. The overview's severity cards open
// the Findings page filtered; every open finding is there (the demo's critical and high ones are
// account- and user-level); the filters narrow it; "Fix first" ranks what is urgent; the
// organization view counts each account; commands copy from their blocks; a rotation's steps fold
// into one activity entry. Screenshots go to test-artifacts/dashboard-findings/. Any console
// error (a CSP violation included) fails it.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { chromiumPath } from "../helpers/prerequisites.js";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { AuditReport } from "../../src/domain/audit-report.js";
import { demoAccount } from "../../src/emulator/demo-account.js";
import { ACCOUNT_ID, DUMMY_CREDENTIALS, REGION, useEmulator } from "../emulator/harness.js";
import { REPO_ROOT, runCli } from "../helpers/cli.js";
import { startServe, type Served } from "./serve.js";

const emu = useEmulator();
const SHOTS = join(REPO_ROOT, "test-artifacts", "dashboard-findings");
const MEMBER = "210987654321";
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
let report: AuditReport;
const consoleErrors: string[] = [];

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

const open = () => report.findings.filter((f) => f.result !== "PASS");

beforeAll(async () => {
  const now = new Date();
  const ago = (n: number) => new Date(now.getTime() - n * 86_400_000);
  const account = demoAccount(now);
  await emu.client.bulkSeed({ users: account.users });
  await emu.client.setRoot(account.root);
  // A member account: an old deploy key and a console user without MFA.
  await emu.client.bulkSeed({
    account_id: MEMBER,
    users: [
      {
        name: "deploy",
        create_date: ago(500),
        access_keys: [{ create_date: ago(400), last_used: { date: ago(1) } }],
      },
      { name: "ops-erin", create_date: ago(200), password: { last_used: ago(2) } },
    ],
  });
  await emu.client.setRoot({ account_id: MEMBER, access_keys: [], mfa: "hardware" });

  home = await mkdtemp(join(tmpdir(), "keywarden-e2e-findings-"));
  const env = {
    KEYWARDEN_HOME: home,
    AWS_ENDPOINT_URL: emu.endpoint,
    AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey,
    AWS_REGION: REGION,
    KEYWARDEN_VERIFY_ATTEMPTS: "3",
    KEYWARDEN_LOCK_SETTLE_MS: "20",
  };
  // A rotation with several steps, for the activity feed.
  const rotate = await runCli(
    [
      "rotate",
      "--user",
      "svc-backup",
      "--to",
      `dotenv:${join(home, "svc-backup.env")}`,
      "--observe",
      "0",
      "--delete-now",
      "--yes",
    ],
    { env },
  );
  expect(rotate.code, rotate.stderr).toBe(0);
  const audit = await runCli(
    ["audit", "--accounts", `${ACCOUNT_ID},${MEMBER}`, "--save", "--format", "json", "--fail-on", "none"],
    { env },
  );
  expect(audit.code, audit.stderr).toBe(0);
  report = JSON.parse(audit.stdout) as AuditReport;
  expect(report.accounts.map((a) => a.accountId).sort()).toEqual([ACCOUNT_ID, MEMBER].sort());

  await rm(SHOTS, { recursive: true, force: true });
  await mkdir(SHOTS, { recursive: true });
  served = await startServe(["--port", "0", "--no-audit"], env);
  context = await chromium.launchPersistentContext(await mkdtemp(join(tmpdir(), "keywarden-chromium-")), {
    executablePath: chromiumPath(),
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
  });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], {
    origin: served.url.replace(/\/$/, ""),
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on("console", (m) => {
    if (m.type() === "error") consoleErrors.push(m.text());
  });
  page.on("pageerror", (e) => consoleErrors.push(e.message));
  await page.goto(served.url);
  await page.getByLabel("Access token").fill(served.token ?? "");
  await page.getByRole("button", { name: "Open the dashboard" }).click();
}, 180_000);

afterAll(async () => {
  await context.close();
  await served.stop();
  await rm(home, { recursive: true, force: true });
});

it("overview: fix first, the organization's accounts, a rotation as one activity entry", async () => {
  const fix = page.getByTestId("fix-first");
  await expect.poll(() => fix.locator("li").count()).toBeGreaterThan(3);
  // The root key first (critical, no one key's), then keys by the audit's risk score, highest
  // first; advice (info) never makes the list.
  expect(await fix.locator("li").first().textContent()).toMatch(
    /^critical.*account 123456789012.*root user has no access keys/i,
  );
  const scores = (await fix.locator("li .risk-score").allTextContents()).map(Number);
  expect(scores.length).toBeGreaterThan(2);
  expect(scores).toEqual([...scores].sort((a, b) => b - a));
  const best = Math.max(...report.keys.map((k) => k.risk?.score ?? 0));
  expect(scores[0]).toBe(best);
  const severities = await fix.locator("li .badge[class*=sev-]").allTextContents();
  expect(severities).not.toContain("info");
  expect(await fix.textContent()).toMatch(/days past rotation/);

  const org = page.getByTestId("organization");
  expect(await org.locator("tbody tr").count()).toBe(2);
  const member = org.locator("tbody tr", { hasText: MEMBER });
  const memberOpen = open().filter((f) => f.accountId === MEMBER);
  expect(
    await member
      .locator("td")
      .nth(3 + 1)
      .textContent(),
  ).toBe(String(memberOpen.filter((f) => f.severity === "high").length));

  const job = page.locator("ul.activity li.job");
  expect(await job.count()).toBe(1);
  expect(await job.textContent()).toMatch(/svc-backup: rotation rot-\S+ done, \d+ steps/);
  await job.locator("summary").click();
  expect(await job.locator("ol.steps li").count()).toBeGreaterThan(3);
  await shot("01-overview");
});

it("the critical card opens every critical finding, account-level ones included", async () => {
  await page.locator(".sev-card.sev-critical").click();
  await page.waitForURL(/#\/findings\?severity=critical$/);
  const critical = open().filter((f) => f.severity === "critical");
  await expect.poll(() => page.locator("li.finding").count()).toBe(critical.length);
  expect(critical.length).toBeGreaterThan(0);
  expect(await page.locator("li.finding[data-severity=critical]").count()).toBe(critical.length);
  expect(await page.locator("main").textContent()).toContain("root-access-key");
  expect(await page.getByRole("button", { name: /^critical/ }).getAttribute("aria-pressed")).toBe("true");
  await shot("02-findings-critical");

  // Add high: the user-level console-MFA findings appear too.
  await page.getByRole("button", { name: /^high/ }).click();
  await page.waitForURL(/severity=critical%2Chigh|severity=critical,high/);
  const top = open().filter((f) => f.severity === "critical" || f.severity === "high");
  await expect.poll(() => page.locator("li.finding").count()).toBe(top.length);
  expect(await page.locator("li.finding[data-rule=console-user-mfa]").count()).toBe(
    top.filter((f) => f.ruleId === "console-user-mfa").length,
  );
});

it("filters by rule, account and user, and clears", async () => {
  await page.goto(`${served.url}#/findings`);
  await expect.poll(() => page.locator("li.finding").count()).toBe(open().length);
  expect(await page.getByTestId("findings-count").textContent()).toMatch(
    new RegExp(`^${open().length} of ${open().length} open findings`),
  );

  await page.getByLabel("Rule").selectOption("access-key-rotation");
  const rotation = open().filter((f) => f.ruleId === "access-key-rotation");
  await expect.poll(() => page.locator("li.finding").count()).toBe(rotation.length);

  await page.getByLabel("Account").selectOption(MEMBER);
  await expect
    .poll(() => page.locator("li.finding").count())
    .toBe(rotation.filter((f) => f.accountId === MEMBER).length);
  expect(await page.locator("li.finding").first().textContent()).toContain("deploy");
  await shot("03-findings-filtered");

  await page.getByRole("link", { name: "Clear filters" }).click();
  await page.getByLabel("User").selectOption("ops-erin");
  await page.waitForURL(/user=ops-erin/);
  const erin = open().filter((f) => f.userName === "ops-erin");
  await expect.poll(() => page.locator("li.finding").count()).toBe(erin.length);
  expect(erin.some((f) => f.ruleId === "console-user-mfa")).toBe(true);
  await shot("04-findings-user");
});

it("shows remediation as command blocks with a Copy button, here and on a key's page", async () => {
  const item = page.locator("li.finding[data-rule=console-user-mfa]").first();
  const block = item.locator(".cmd").first();
  const command = (await block.locator("code").textContent()) ?? "";
  expect(command).toMatch(/^aws iam create-virtual-mfa-device --virtual-mfa-device-name ops-erin/);
  // No backticks left in the text: the commands are blocks now.
  expect(await item.locator(".fix").textContent()).not.toContain("`");
  await block.getByRole("button", { name: "Copy command" }).click();
  await expect.poll(() => block.getByRole("button").textContent()).toBe("Copied");
  expect(await page.evaluate<string>("navigator.clipboard.readText()")).toBe(command);

  const stale = report.keys.find((k) => k.userName === "svc-legacy-ftp");
  await page.goto(`${served.url}#/keys/${stale?.accessKeyId ?? ""}`);
  await expect.poll(() => page.locator("ul.findings .cmd").count()).toBeGreaterThan(0);
  const cmds = await page.locator("ul.findings .cmd code").allTextContents();
  expect(
    cmds.some((c) =>
      c.startsWith(`keywarden rotate --user svc-legacy-ftp --key ${stale?.accessKeyId ?? ""}`),
    ),
  ).toBe(true);
  await shot("05-key-remediation");
});

it("has no console errors (CSP included), and the listener works", async () => {
  await page.emulateMedia({ colorScheme: "dark" });
  await page.goto(`${served.url}#/findings?severity=high`);
  await expect.poll(() => page.locator("li.finding").count()).toBeGreaterThan(0);
  await shot("06-findings-dark");
  expect(consoleErrors).toEqual([]);
  await page.evaluate("console.error('probe')");
  await expect.poll(() => consoleErrors).toEqual(["probe"]);
});
