import { describe, expect, it } from "vitest";
import { maskKeyId } from "../domain/key-id.js";
import { ALL_KEYS, KEY_ALICE, fixtureFindings, fixtureReport } from "./fixture.js";
import { fitColumns, renderTable, wrapText } from "./table.js";

// eslint-disable-next-line no-control-regex -- looking for escape sequences is the point
const ANSI = /\u001b\[[0-9;]*m/;
// eslint-disable-next-line no-control-regex -- looking for escape sequences is the point
const ANSI_ALL = /\u001b\[[0-9;]*m/g;
const FULL_ID = /\b(?:AKIA|ASIA)[A-Z2-7]{16}\b/;

const remediationLines = new Set(
  fixtureFindings().flatMap((f) => f.remediation.split("\n").map((l) => l.trim())),
);

describe("renderTable", () => {
  const report = fixtureReport();
  const plain = renderTable(report, { color: false, showPass: false, width: 100 });
  const lines = plain.split("\n");

  it("prints no escape codes without colour, and some with it", () => {
    expect(plain).not.toMatch(ANSI);
    const coloured = renderTable(report, { color: true, showPass: false, width: 100 });
    expect(coloured).toMatch(ANSI);
    expect(coloured.replace(ANSI_ALL, "")).toBe(plain);
  });

  it("shows masked key ids, and full ids only on remediation lines", () => {
    for (const k of report.keys) expect(plain).toContain(maskKeyId(k.accessKeyId));
    const withFullId = lines.filter((l) => FULL_ID.test(l));
    expect(withFullId.length).toBeGreaterThan(0);
    for (const l of withFullId) expect(remediationLines).toContain(l.trim());
    // The FAIL message names the key: masked there, whole in the command below it.
    expect(plain).toContain(`Active access key ${maskKeyId(KEY_ALICE)} is 120 days old`);
    expect(plain).toContain(`keywarden rotate --user alice --key ${KEY_ALICE}`);
  });

  it("has an account header with the root and credential report facts", () => {
    const header = lines.filter((l) => l.includes("Account 123456789012")).join(" ");
    expect(header).toContain("users: 4");
    expect(header).toContain("root keys: PRESENT");
    expect(header).toContain("root MFA: OFF");
    expect(plain).toContain("credential report: 2025-06-01 11:58 UTC");
    expect(plain).toContain("credential report: unavailable");
  });

  it("lists each key with status, age, last use and its worst non-PASS result", () => {
    const row = (user: string): string => lines.find((l) => l.startsWith(`│ ${user} `)) ?? "";
    expect(row("alice")).toContain("Active");
    expect(row("alice")).toContain("120");
    expect(row("alice")).toContain("2025-05-29");
    expect(row("alice")).toContain("FAIL high");
    expect(row("bob")).toContain("WARN medium");
    // carol has an ERROR (medium) and a FAIL (low): the FAIL is the worst.
    expect(row("carol")).toContain("FAIL low");
    expect(row("carol")).toContain("never");
    expect(row("=HYPERLINK(1)")).toContain("PASS");
    expect(plain).toContain("s3 eu-west-1");
  });

  it("groups findings by severity, hides PASS unless asked", () => {
    const order = [
      "CRITICAL (1)",
      "HIGH (1)",
      "MEDIUM (2)",
      "LOW (1)",
      "INFO (1): advice, with remediation under --all or --format json",
    ].map((h) => lines.indexOf(h));
    for (const i of order) expect(i).toBeGreaterThan(0);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(lines.some((l) => l.trimStart().startsWith("PASS "))).toBe(false);
    expect(plain).toContain("3 PASS (not shown)");
    // Advice is one line each: its remediation waits for --all.
    const info = lines.indexOf("INFO (1): advice, with remediation under --all or --format json");
    expect(lines[info + 2] ?? "").not.toMatch(/Remediation/);

    const withPass = renderTable(report, { color: false, showPass: true, width: 100 });
    expect(withPass.split("\n").filter((l) => l.trimStart().startsWith("PASS "))).toHaveLength(3);
    expect(withPass).toContain("HIGH (3)");
    expect(withPass).not.toContain("(not shown)");
  });

  it("prints the account-level finding, messages and remediation on indented lines", () => {
    const i = lines.findIndex((l) => l.includes("root-access-key"));
    expect(lines[i]).toContain("(account)");
    expect(lines[i + 1]).toMatch(/^ {9}The root user has an active access key/);
    expect(lines[i + 2]?.trim()).toBe("Remediation:");
    expect(lines[i + 3]).toMatch(/^ {11}Sign in as root/);
    // The hostile message keeps its line break, each line indented.
    expect(plain).toContain('         Key "expires" soon, in 10 days\n         plan | rotate now\n');
  });

  it("summarizes results, severities, API calls and duration", () => {
    expect(plain).toMatch(/Summary +3 FAIL {2}1 ERROR {2}2 WARN {2}3 PASS/);
    expect(plain).toMatch(/Severity +1 critical {2}1 high {2}2 medium {2}1 low {2}1 info/);
    expect(plain).toContain("7 total");
    expect(plain).toContain("GetAccessKeyLastUsed 3");
    expect(plain).toMatch(/Duration +1\.8 s/);
  });

  it("stays within 100 columns (commands excepted, so they can be copied whole)", () => {
    for (const l of lines) {
      if (remediationLines.has(l.trim())) continue;
      expect(l.length, l).toBeLessThanOrEqual(100);
    }
    const narrow = renderTable(report, { color: false, showPass: true, width: 80 });
    for (const l of narrow.split("\n")) {
      if (remediationLines.has(l.trim())) continue;
      expect(l.length, l).toBeLessThanOrEqual(80);
    }
  });

  it("never passes control characters through to the terminal", () => {
    const evil = fixtureReport();
    const first = evil.findings[0];
    if (first === undefined) throw new Error("fixture has findings");
    first.message = "boom \u001b]0;pwned\u0007 \u001b[31mred\u001b[0m";
    first.remediation = `aws iam x\u001b[2J --access-key-id ${KEY_ALICE}`;
    const out = renderTable(evil, { color: false, showPass: false, width: 100 });
    expect(out).not.toContain("\u001b");
    expect(out).not.toContain("\u0007");
  });

  it("handles an empty report", () => {
    const out = renderTable(
      { ...report, accounts: [], keys: [], findings: [], stats: { apiCalls: {}, durationMs: 12 } },
      { color: false, showPass: false },
    );
    expect(out).toContain("No accounts audited.");
    expect(out).toContain("No FAIL, WARN or ERROR findings.");
    expect(out).toMatch(/API calls +0 total/);
    expect(out).not.toMatch(FULL_ID);
  });

  it("does not leak full ids of keys whose finding is hidden", () => {
    for (const id of ALL_KEYS) {
      for (const l of lines.filter((x) => x.includes(id))) expect(remediationLines).toContain(l.trim());
    }
  });
});

describe("wrapText", () => {
  it("wraps on spaces and keeps explicit line breaks", () => {
    expect(wrapText("aaa bbb ccc", 7)).toEqual(["aaa bbb", "ccc"]);
    expect(wrapText("a\nb", 10)).toEqual(["a", "b"]);
    expect(wrapText("averyveryverylongword x", 5)).toEqual(["averyveryverylongword", "x"]);
  });
});

describe("fitColumns", () => {
  it("keeps natural widths that fit", () => {
    expect(fitColumns([10, 20], [5, 5], [true, true], 100)).toEqual([10, 20]);
  });

  it("shrinks only flexible columns, small needs first", () => {
    const w = fitColumns([15, 22, 40, 40], [15, 22, 16, 31], [true, false, true, true], 100);
    expect(w[0]).toBe(15);
    expect(w[1]).toBe(22);
    expect(w.reduce((a, b) => a + b, 0) + 5).toBeLessThanOrEqual(100);
    expect(w[3]).toBeGreaterThanOrEqual(31);
  });
});
