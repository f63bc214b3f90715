import { describe, expect, it } from "vitest";
import type { AuditReport } from "../domain/audit-report.js";
import { ALL_KEYS, fixtureReport } from "./fixture.js";
import { renderJson } from "./json.js";

const REPORT_KEYS = ["accounts", "findings", "generatedAt", "keys", "schemaVersion", "stats"];
const ACCOUNT_KEYS = [
  "accountId",
  "credentialReportGeneratedAt",
  "keys",
  "rootAccessKeysPresent",
  "rootMfaEnabled",
  "users",
];
const KEY_KEYS = [
  "accessKeyId",
  "accountId",
  "ageDays",
  "createdAt",
  "lastUsedAt",
  "lastUsedRegion",
  "lastUsedService",
  "status",
  "userName",
];
const FINDING_KEYS = [
  "accessKeyId",
  "accountId",
  "message",
  "remediation",
  "result",
  "ruleId",
  "severity",
  "userName",
];

function sortedKeys(o: object): string[] {
  return Object.keys(o).sort();
}

describe("renderJson", () => {
  it("round-trips to the same report", () => {
    const report = fixtureReport();
    const parsed = JSON.parse(renderJson(report)) as AuditReport;
    expect(parsed).toEqual(report);
  });

  it("has exactly the contract keys at every level", () => {
    const parsed = JSON.parse(renderJson(fixtureReport())) as AuditReport;
    expect(sortedKeys(parsed)).toEqual(REPORT_KEYS);
    expect(sortedKeys(parsed.stats)).toEqual(["apiCalls", "durationMs"]);
    for (const a of parsed.accounts) expect(sortedKeys(a)).toEqual(ACCOUNT_KEYS);
    for (const k of parsed.keys) expect(sortedKeys(k)).toEqual(KEY_KEYS);
    for (const f of parsed.findings) expect(sortedKeys(f)).toEqual(FINDING_KEYS);
  });

  it("drops properties that are not part of the contract", () => {
    const report = fixtureReport();
    const tainted = {
      ...report,
      extra: "x",
      keys: report.keys.map((k) => ({ ...k, secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" })),
      findings: report.findings.map((f) => ({ ...f, debug: { secret: "s3cr3t" } })),
    } as AuditReport;
    const out = renderJson(tainted);
    expect(out).not.toContain("wJalrXUtnFEMI");
    expect(out).not.toContain("secretAccessKey");
    expect(out).not.toContain("s3cr3t");
    expect(JSON.parse(out)).toEqual(report);
  });

  it("keeps full key ids, PASS findings and account-level nulls", () => {
    const report = fixtureReport();
    const out = renderJson(report);
    for (const id of ALL_KEYS) expect(out).toContain(`"accessKeyId": "${id}"`);
    const parsed = JSON.parse(out) as AuditReport;
    expect(parsed.findings.filter((f) => f.result === "PASS")).toHaveLength(3);
    expect(parsed.findings.some((f) => f.accessKeyId === null && f.userName === null)).toBe(true);
    expect(parsed.findings).toHaveLength(report.findings.length);
  });

  it("is pretty-printed with two spaces and ends with a newline", () => {
    const out = renderJson(fixtureReport());
    expect(out.startsWith('{\n  "schemaVersion": 1,\n')).toBe(true);
    expect(out.endsWith("}\n")).toBe(true);
    expect(out.endsWith("\n\n")).toBe(false);
  });
});
