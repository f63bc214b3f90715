// `keywarden audit --format ocsf` and `--format asff`: every finding of the seeded demo account as
// an OCSF Compliance Finding / an ASFF finding, checked against the attributes each schema requires.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuditReport } from "../src/domain/audit-report.js";
import { demoAccount } from "../src/emulator/demo-account.js";
import type { AsffFinding } from "../src/report/asff.js";
import { fixtureReport } from "../src/report/fixture.js";
import { findingId } from "../src/report/finding-facts.js";
import { renderOcsf, toOcsfEvents, type OcsfEvent } from "../src/report/ocsf.js";
import { renderAsff } from "../src/report/asff.js";
import { DUMMY_CREDENTIALS, REGION, useEmulator } from "./emulator/harness.js";
import { runCli } from "./helpers/cli.js";

const emu = useEmulator();

/**
 * The attributes OCSF 1.x requires of a Compliance Finding (class_uid 2003), by object, as the
 * schema defines them in github.com/ocsf/ocsf-schema: events/base_event.json (activity_id,
 * category_uid, class_uid, metadata, severity_id, time, type_uid), events/findings/finding.json
 * (finding_info), events/findings/compliance_finding.json (compliance), profiles/cloud.json
 * (cloud, for events that declare the cloud profile), objects/metadata.json (product, version),
 * objects/product.json (name; vendor_name in the 1.x releases that require it), objects/
 * finding_info.json (uid), objects/compliance.json (standards, required through 1.4.0, the version
 * keywarden writes) and objects/cloud.json (provider).
 */
const OCSF_REQUIRED: Record<string, readonly string[]> = {
  "": [
    "activity_id",
    "category_uid",
    "class_uid",
    "compliance",
    "finding_info",
    "metadata",
    "severity_id",
    "time",
    "type_uid",
    "cloud",
  ],
  metadata: ["product", "version"],
  "metadata.product": ["name", "vendor_name"],
  finding_info: ["uid"],
  compliance: ["standards"],
  cloud: ["provider"],
};

/** The attributes ASFF requires (AWS Security Hub API reference, AwsSecurityFinding). */
const ASFF_REQUIRED = [
  "AwsAccountId",
  "CreatedAt",
  "Description",
  "GeneratorId",
  "Id",
  "ProductArn",
  "Resources",
  "SchemaVersion",
  "Severity",
  "Title",
  "Types",
  "UpdatedAt",
] as const;

function at(obj: unknown, path: string): unknown {
  return path === ""
    ? obj
    : path.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], obj);
}

function present(v: unknown): boolean {
  return v !== undefined && v !== null && v !== "" && !(Array.isArray(v) && v.length === 0);
}

/** Every required attribute missing from an event, as paths. */
function missingOcsf(e: OcsfEvent): string[] {
  const out: string[] = [];
  for (const [obj, attrs] of Object.entries(OCSF_REQUIRED)) {
    for (const a of attrs)
      if (!present(at(e, obj === "" ? a : `${obj}.${a}`))) out.push(obj === "" ? a : `${obj}.${a}`);
  }
  return out;
}

const OPTS = { version: "1.2.3", region: "eu-west-1" };

describe("OCSF Compliance Finding (unit, fixture report)", () => {
  it("is one event per finding, each with every required attribute and the class's fixed values", () => {
    const report = fixtureReport();
    const events = toOcsfEvents(report, OPTS);
    expect(events).toHaveLength(report.findings.length);
    for (const e of events) {
      expect(missingOcsf(e)).toEqual([]);
      expect(e).toMatchObject({ class_uid: 2003, category_uid: 2, activity_id: 1, type_uid: 200301 });
      expect([1, 2, 3, 4, 5]).toContain(e.severity_id);
      expect(e.time).toBe(Date.parse(report.generatedAt));
      expect(at(e, "metadata.version")).toMatch(/^1\.\d+\.\d+$/);
    }
    // The checker is not vacuous: it names what an event lacks.
    const broken = structuredClone(events[0]) as Record<string, Record<string, unknown>>;
    delete broken.finding_info?.uid;
    delete broken.time;
    expect(missingOcsf(broken)).toEqual(["time", "finding_info.uid"]);
  });

  it("carries the key, user, account, rule, CIS and Security Hub references, status and remediation", () => {
    const report = fixtureReport();
    const events = toOcsfEvents(report, OPTS);
    const i = report.findings.findIndex((f) => f.ruleId === "access-key-rotation" && f.result === "FAIL");
    const f = report.findings[i];
    const e = events[i];
    expect(at(e, "resources.0")).toMatchObject({ uid: f?.accessKeyId, type: "AwsIamAccessKey" });
    expect(at(e, "resources.0.owner")).toMatchObject({
      name: "alice",
      uid: "arn:aws:iam::123456789012:user/alice",
    });
    expect(at(e, "cloud")).toMatchObject({ provider: "AWS", account: { uid: "123456789012", type_id: 10 } });
    expect(at(e, "compliance")).toMatchObject({
      control: "access-key-rotation",
      status_id: 3,
      status: "Fail",
      status_code: "FAIL",
    });
    expect(at(e, "compliance.requirements")).toEqual([
      "CIS AWS Foundations Benchmark v3.0.0 1.14",
      "CIS AWS Foundations Benchmark v5.0.0 1.13",
      "CIS AWS Foundations Benchmark v7.0.0 2.12",
      "AWS Foundational Security Best Practices IAM.3",
    ]);
    expect(at(e, "remediation.desc")).toContain("keywarden rotate --user alice");
    expect(at(e, "finding_info.uid")).toBe(`keywarden/123456789012/access-key-rotation/${f?.accessKeyId}`);
    // Account-level: the account is the resource; a passing check is resolved.
    const root = events[report.findings.findIndex((x) => x.ruleId === "root-access-key")];
    expect(at(root, "resources.0")).toMatchObject({ type: "AwsAccount", uid: "AWS::::Account:123456789012" });
    const pass = events[report.findings.findIndex((x) => x.result === "PASS")] as Record<string, unknown>;
    expect(pass).toMatchObject({ status_id: 4, compliance: { status_id: 1 } });
  });

  it("gives each finding the same id on every run, and different findings different ids", () => {
    const a = fixtureReport();
    const b = { ...fixtureReport(), generatedAt: "2025-07-01T00:00:00.000Z" };
    const ids = (r: AuditReport) => toOcsfEvents(r, OPTS).map((e) => at(e, "finding_info.uid"));
    expect(ids(a)).toEqual(ids(b));
    expect(new Set(ids(a)).size).toBe(a.findings.length);
    // Two collection errors of one account differ by what failed.
    const base = a.findings[7];
    if (!base) throw new Error("fixture has 9 findings");
    const e1 = {
      ...base,
      ruleId: "collection",
      message: "Could not collect ListUsers (iam:ListUsers) for account 1; x",
    };
    const e2 = {
      ...e1,
      message: "Could not collect GetAccountSummary (iam:GetAccountSummary) for account 1; x",
    };
    expect(findingId(e1)).not.toBe(findingId(e2));
    expect(findingId(e1)).toBe(findingId({ ...e1, message: `${e1.message.split(";")[0]}; other detail` }));
  });
});

describe("audit --format ocsf / asff on the demo account", () => {
  let report: AuditReport;
  let ocsf: OcsfEvent[];
  let asff: AsffFinding[];
  const env = () => ({
    AWS_ENDPOINT_URL: emu.endpoint,
    AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey,
    AWS_REGION: REGION,
  });

  beforeAll(async () => {
    const account = demoAccount(new Date());
    await emu.client.bulkSeed({ users: account.users });
    await emu.client.setRoot(account.root);
    const [j, o, a] = await Promise.all(
      ["json", "ocsf", "asff"].map((f) =>
        runCli(["audit", "--format", f, "--fail-on", "none"], { env: env() }),
      ),
    );
    for (const r of [j, o, a]) expect(r?.code, r?.stderr).toBe(0);
    report = JSON.parse(j?.stdout ?? "") as AuditReport;
    ocsf = JSON.parse(o?.stdout ?? "") as OcsfEvent[];
    asff = JSON.parse(a?.stdout ?? "") as AsffFinding[];
  }, 120_000);

  afterAll(() => undefined);

  it("writes one valid Compliance Finding per finding", () => {
    expect(report.findings.length).toBeGreaterThan(100);
    expect(ocsf).toHaveLength(report.findings.length);
    for (const e of ocsf) expect(missingOcsf(e), String(at(e, "finding_info.uid"))).toEqual([]);
    expect(new Set(ocsf.map((e) => at(e, "finding_info.uid"))).size).toBe(ocsf.length);
    // The demo's critical and high findings (account- and user-level) are there.
    const sev = (id: number) =>
      ocsf.filter((e) => e.severity_id === id && at(e, "compliance.status_id") !== 1);
    expect(
      sev(5)
        .map((e) => at(e, "compliance.control"))
        .sort(),
    ).toEqual(["root-access-key", "root-mfa"]);
    expect(sev(4).length).toBe(
      report.findings.filter((f) => f.severity === "high" && f.result !== "PASS").length,
    );
    expect(at(ocsf[0], "cloud.region")).toBe(REGION);
  });

  it("writes one valid ASFF finding per finding, within Security Hub's limits", () => {
    expect(asff).toHaveLength(report.findings.length);
    for (const f of asff) {
      for (const k of ASFF_REQUIRED) expect(present(f[k]), `${f.Id} ${k}`).toBe(true);
      expect(f.SchemaVersion).toBe("2018-10-08");
      expect(f.ProductArn).toBe(
        `arn:aws:securityhub:${REGION}:${f.AwsAccountId}:product/${f.AwsAccountId}/default`,
      );
      expect(f.Title.length).toBeLessThanOrEqual(256);
      expect(f.Description.length).toBeLessThanOrEqual(1024);
      expect(f.Remediation.Recommendation.Text.length).toBeLessThanOrEqual(512);
      expect(["INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"]).toContain(f.Severity.Label);
      expect(["PASSED", "WARNING", "FAILED", "NOT_AVAILABLE"]).toContain(f.Compliance.Status);
    }
    expect(new Set(asff.map((f) => f.Id)).size).toBe(asff.length);
    const rotation = asff.find(
      (f) => f.GeneratorId === "keywarden/access-key-rotation" && f.Compliance.Status === "FAILED",
    );
    expect(rotation?.Compliance.RelatedRequirements).toContain("CIS AWS Foundations Benchmark v7.0.0/2.12");
    expect(rotation?.Resources[0]?.Details).toMatchObject({
      AwsIamAccessKey: { Status: "Active", PrincipalType: "IAMUser" },
    });
    expect(rotation?.ProductFields["keywarden/SecurityHubControls"]).toBe("IAM.3");
  });

  it("renders the same bytes for the same report (pure renderers)", () => {
    const r = fixtureReport();
    expect(renderOcsf(r, OPTS)).toBe(renderOcsf(r, OPTS));
    expect(renderAsff(r, OPTS)).toBe(renderAsff(r, OPTS));
  });
});
