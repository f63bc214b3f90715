// `keywarden audit --format html` in real headless Chromium (Debian's, through playwright-core): the
// page of the seeded demo account, opened from a file with every network request recorded. It loads
// nothing but itself, breaks no rule of its own Content-Security-Policy, lists the findings by
// severity, sorts its tables on a click, copies each command to the clipboard, and prints without
// its buttons. Screenshots (screen and print) go to test-artifacts/report-html/.
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { chromiumPath } from "./helpers/prerequisites.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuditReport } from "../src/domain/audit-report.js";
import { demoAccount } from "../src/emulator/demo-account.js";
import { DUMMY_CREDENTIALS, REGION, useEmulator } from "./emulator/harness.js";
import { REPO_ROOT, runCli } from "./helpers/cli.js";

const emu = useEmulator();
const SHOTS = join(REPO_ROOT, "test-artifacts", "report-html");
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

let dir = "";
let html = "";
let report: AuditReport;
let context: BrowserContext;
let page: Page;
const requests: string[] = [];
const consoleErrors: string[] = [];

beforeAll(async () => {
  const account = demoAccount(new Date());
  await emu.client.bulkSeed({ users: account.users });
  await emu.client.setRoot(account.root);
  dir = await mkdtemp(join(tmpdir(), "keywarden-html-"));
  const env = {
    AWS_ENDPOINT_URL: emu.endpoint,
    AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey,
    AWS_REGION: REGION,
  };
  const out = join(dir, "audit.html");
  const r = await runCli(["audit", "--format", "html", "-o", out, "--fail-on", "none"], { env });
  expect(r.code, r.stderr).toBe(0);
  html = await readFile(out, "utf8");
  const j = await runCli(["audit", "--format", "json", "--fail-on", "none"], { env });
  report = JSON.parse(j.stdout) as AuditReport;

  await rm(SHOTS, { recursive: true, force: true });
  await mkdir(SHOTS, { recursive: true });
  context = await chromium.launchPersistentContext(await mkdtemp(join(tmpdir(), "keywarden-chromium-")), {
    executablePath: chromiumPath(),
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
  });
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  page = context.pages()[0] ?? (await context.newPage());
  page.on("request", (req) => requests.push(req.url()));
  page.on("console", (m) => {
    if (m.type() === "error") consoleErrors.push(m.text());
  });
  page.on("pageerror", (e) => consoleErrors.push(e.message));
  await page.goto(pathToFileURL(out).href);
}, 120_000);

afterAll(async () => {
  await context.close();
  await rm(dir, { recursive: true, force: true });
});

describe("audit --format html", () => {
  it("is one self-contained file: no external URL, inline CSS and script allowed by hash only", () => {
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<(link|img|iframe|object)\b/i);
    expect(html).not.toMatch(/<script[^>]*\bsrc=/i);
    expect(html).toMatch(
      /Content-Security-Policy" content="default-src 'none'; style-src 'sha256-[^']+'; script-src 'sha256-[^']+'/,
    );
    // No inline style attributes (the CSP would block them) and no secret anywhere.
    expect(html).not.toMatch(/\sstyle=/);
    expect(html).not.toContain(DUMMY_CREDENTIALS.secretAccessKey + "\u0000");
  });

  it("loads nothing but itself and breaks no rule of its CSP", async () => {
    await expect.poll(() => page.locator("table.keys tbody tr").count()).toBe(report.keys.length);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatch(/^file:\/\//);
    expect(consoleErrors).toEqual([]);
    await page.screenshot({ path: join(SHOTS, "01-report.png"), fullPage: true });
  });

  it("lists every open finding by severity, account- and user-level ones included", async () => {
    const open = report.findings.filter((f) => f.result !== "PASS");
    expect(await page.locator("tr.finding").count()).toBe(open.length);
    for (const s of ["critical", "high", "medium", "low", "info"] as const) {
      const n = open.filter((f) => f.severity === s).length;
      expect(await page.locator(`#sev-${s} tr.finding`).count()).toBe(n);
      expect(await page.locator(`.card.sev-${s} .n`).textContent()).toBe(String(n));
    }
    // The demo's critical and high findings are account- and user-level: they are on the page.
    const critical = await page.locator("#sev-critical").textContent();
    expect(critical).toContain("root-access-key");
    expect(await page.locator("#sev-high").textContent()).toMatch(/console-user-mfa.*bob/s);
    // Sections come most severe first.
    expect(await page.locator("section[id^=sev-]").first().getAttribute("id")).toBe("sev-critical");
  });

  it("sorts a table by the column clicked, both ways", async () => {
    const ages = () =>
      page
        .locator("table.keys tbody tr td:nth-child(5)")
        .allTextContents()
        .then((t) => t.map(Number));
    const header = page.locator("table.keys th", { hasText: "Age (days)" });
    await header.getByRole("button").click();
    const asc = await ages();
    expect(asc).toEqual([...asc].sort((a, b) => a - b));
    expect(await header.getAttribute("aria-sort")).toBe("ascending");
    await header.getByRole("button").click();
    const desc = await ages();
    expect(desc).toEqual([...asc].sort((a, b) => b - a));
    const users = page.locator("table.keys th", { hasText: "User" }).getByRole("button");
    await users.click();
    const names = await page.locator("table.keys tbody tr td:nth-child(1)").allTextContents();
    expect(names).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  });

  it("copies a remediation command, whole, with its Copy button", async () => {
    const block = page.locator("#sev-high .cmd").first();
    const command = (await block.locator("code").textContent()) ?? "";
    expect(command).toMatch(/^aws iam /);
    await block.getByRole("button", { name: "Copy command" }).click();
    await expect.poll(() => block.getByRole("button").textContent()).toBe("Copied");
    expect(await page.evaluate<string>("navigator.clipboard.readText()")).toBe(command);
    // Commands keep whole key ids (they are to be run); the prose around them masks them.
    const rotation = page.locator("tr.finding", { hasText: "access-key-rotation" }).first();
    const cmds = await rotation.locator(".cmd code").allTextContents();
    expect(cmds.some((c) => /--key (AKIA|ASIA)[A-Z2-7]{16}\b/.test(c))).toBe(true);
    expect(await rotation.locator("td").nth(5).textContent()).toMatch(/^AKIA\*{12}[A-Z2-7]{4}$/);
  });

  it("prints readably: no buttons, whole rows, black on white", async () => {
    await page.emulateMedia({ media: "print" });
    expect(await page.locator("button.copy").first().isVisible()).toBe(false);
    const bg = await page.evaluate<string>("getComputedStyle(document.body).backgroundColor");
    expect(bg).toBe("rgb(255, 255, 255)");
    const avoid = await page.evaluate<string>(
      "getComputedStyle(document.querySelector('tr.finding')).breakInside",
    );
    expect(avoid).toBe("avoid");
    await page.screenshot({ path: join(SHOTS, "02-report-print.png"), fullPage: true });
    const pdf = await page.pdf({ format: "A4" });
    expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
    await page.emulateMedia({ media: "screen" });
    expect(consoleErrors).toEqual([]);
  });
});
