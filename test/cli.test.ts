// The `keywarden` CLI end to end: a child process per run (test/helpers/cli.ts), a clean
// environment, the emulator behind the real AWS SDK. What a user and a CI job see: the JSON
// contract, the other formats, exit codes, where the credentials come from, and that no secret
// ever reaches an output.
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutUserPolicyCommand } from "@aws-sdk/client-iam";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BulkUserSpec } from "../src/emulator/client.js";
import { ACCOUNT_ID, useEmulator } from "./emulator/harness.js";
import { awsFiles, lines, runCli, REPO_ROOT, type CliResult } from "./helpers/cli.js";

const emu = useEmulator();

const DAY = 86_400_000;
// Whole seconds, so the dates the emulator hands back compare exactly.
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const ago = (days: number) => new Date(NOW.getTime() - days * DAY);
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const SEVERITY_RANK: Record<string, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

/** Every finding here is medium or lower: alice's key is overdue for rotation, nothing worse. */
const USERS: BulkUserSpec[] = [
  {
    name: "alice",
    path: "/people/",
    create_date: ago(400),
    password: { last_used: ago(1) },
    mfa: "virtual",
    access_keys: [{ create_date: ago(200), last_used: { date: ago(2), service: "s3", region: "eu-west-1" } }],
  },
  {
    name: "bob",
    create_date: ago(30),
    access_keys: [{ create_date: ago(20), last_used: { date: ago(1), service: "ec2", region: "us-east-1" } }],
  },
  {
    name: "carol",
    create_date: ago(300),
    access_keys: [
      { create_date: ago(60), last_used: { date: ago(3), service: "sqs", region: "eu-west-1" } },
      { status: "Inactive", create_date: ago(10), last_used: null },
    ],
  },
  { name: "dave", create_date: ago(100) },
  { name: "erin", create_date: ago(50), password: { last_used: ago(5) }, mfa: "hardware" },
];
/** Created with the harness in beforeAll: an administrator, and a user holding exactly `keywarden permissions audit`. */
const ADMIN = "kw-admin";
const LEAST = "kw-least";
const USERS_WITH_KEYS = [
  ...USERS.filter((u) => (u.access_keys ?? []).length > 0).map((u) => u.name),
  ADMIN,
  LEAST,
];
const USERS_WITHOUT_KEYS = USERS.filter((u) => (u.access_keys ?? []).length === 0).map((u) => u.name);

let aliceKeyId = "";
let admin = { accessKeyId: "", secretAccessKey: "" };
let least = { accessKeyId: "", secretAccessKey: "" };
/** Every secret access key the emulator holds: none may ever appear in an output. */
const secrets: string[] = [];
/** Every output of every run, for the final secret check. */
const outputs: { what: string; text: string }[] = [];
let tmp = "";

/** The dummy credentials the emulator accepts while auth checks are off. */
const DUMMY = { AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing" };

/** Runs the CLI and checks what every run must hold: no secret, no colour codes, no stack frames. */
async function kw(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const r = await runCli(args, { env });
  const what = `keywarden ${args.join(" ")}`;
  outputs.push({ what: `${what} (stdout)`, text: r.stdout }, { what: `${what} (stderr)`, text: r.stderr });
  for (const s of secrets) {
    expect(r.stdout, what).not.toContain(s);
    expect(r.stderr, what).not.toContain(s);
  }
  expect(r.stdout + r.stderr, what).not.toContain("\u001b[");
  expect(r.stderr, what).not.toMatch(/^\s+at /m);
  return r;
}

/** `keywarden audit` against the emulator with the dummy credentials. */
function audit(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return kw(["audit", "--endpoint-url", emu.endpoint, ...args], { ...DUMMY, ...env });
}

interface Json {
  schemaVersion: number;
  generatedAt: string;
  accounts: Record<string, unknown>[];
  keys: Record<string, unknown>[];
  findings: {
    ruleId: string;
    result: string;
    severity: string;
    accountId: string;
    userName: string | null;
    accessKeyId: string | null;
    message: string;
    remediation: string;
  }[];
  stats: { apiCalls: Record<string, number>; durationMs: number };
}

function parseReport(text: string): Json {
  return JSON.parse(text) as Json;
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "keywarden-cli-test-"));
  const seeded = await emu.client.bulkSeed({ users: USERS });
  for (const u of seeded.users) for (const k of u.access_keys) secrets.push(k.secret_access_key);
  aliceKeyId = seeded.users.find((u) => u.name === "alice")?.access_keys[0]?.access_key_id ?? "";
  // Root with hardware MFA and no keys: the root rules pass, so only lower findings remain.
  await emu.client.setRoot({ access_keys: [], mfa: "hardware" });

  const a = await emu.createAdmin(ADMIN);
  admin = { accessKeyId: a.accessKeyId, secretAccessKey: a.secretAccessKey };
  // The least-privilege user gets exactly the policy `keywarden permissions audit` prints.
  await emu.createUser(LEAST);
  const policy = await runCli(["permissions", "audit"]);
  expect(policy.code).toBe(0);
  await emu.iam().send(
    new PutUserPolicyCommand({
      UserName: LEAST,
      PolicyName: "keywarden-audit",
      PolicyDocument: policy.stdout,
    }),
  );
  const l = await emu.createKey(LEAST);
  least = { accessKeyId: l.accessKeyId, secretAccessKey: l.secretAccessKey };
  secrets.push(admin.secretAccessKey, least.secretAccessKey);
  expect(secrets).toHaveLength(6);
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("keywarden audit --format json", () => {
  let r: CliResult;
  let report: Json;
  beforeAll(async () => {
    r = await audit(["--format", "json"]);
    report = parseReport(r.stdout);
  });

  it("prints exactly the JSON contract and nothing on stderr", () => {
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(Object.keys(report).sort()).toEqual(
      ["accounts", "findings", "generatedAt", "keys", "schemaVersion", "stats"].sort(),
    );
    expect(report.schemaVersion).toBe(1);
    expect(report.generatedAt).toMatch(ISO_UTC);
    expect(Object.keys(report.stats).sort()).toEqual(["apiCalls", "durationMs"]);
    expect(Number.isInteger(report.stats.durationMs) && report.stats.durationMs >= 0).toBe(true);
    for (const n of Object.values(report.stats.apiCalls)) expect(Number.isInteger(n) && n > 0).toBe(true);

    expect(report.accounts).toHaveLength(1);
    expect(report.accounts[0]).toMatchObject({
      accountId: ACCOUNT_ID,
      users: USERS_WITH_KEYS.length + USERS_WITHOUT_KEYS.length,
      keys: 6,
      rootAccessKeysPresent: false,
      rootMfaEnabled: true,
    });
    expect(report.accounts[0]?.credentialReportGeneratedAt).toMatch(ISO_UTC);

    const keyFields = [
      "accessKeyId",
      "accountId",
      "ageDays",
      "blastRadius",
      "createdAt",
      "lastUsedAt",
      "lastUsedRegion",
      "lastUsedService",
      "risk",
      "status",
      "userName",
    ];
    expect(report.keys).toHaveLength(6);
    for (const k of report.keys) {
      expect(Object.keys(k).sort()).toEqual(keyFields);
      expect(k.accountId).toBe(ACCOUNT_ID);
      expect(k.createdAt).toMatch(ISO_UTC);
      if (k.lastUsedAt !== null) expect(k.lastUsedAt).toMatch(ISO_UTC);
      expect(["Active", "Inactive"]).toContain(k.status);
      const risk = k.risk as { score: number; factors: { points: number }[] };
      expect(risk.score).toBe(
        Math.min(
          100,
          risk.factors.reduce((n, f) => n + f.points, 0),
        ),
      );
    }
    const findingFields = [
      "accessKeyId",
      "accountId",
      "message",
      "remediation",
      "result",
      "ruleId",
      "severity",
      "userName",
    ];
    expect(report.findings.length).toBeGreaterThan(0);
    for (const f of report.findings) {
      expect(Object.keys(f).sort()).toEqual(findingFields);
      expect(["FAIL", "WARN", "PASS", "ERROR"]).toContain(f.result);
      expect(Object.keys(SEVERITY_RANK)).toContain(f.severity);
    }
  });

  it("shows each key with its full id, its dates in UTC ISO form and its age", () => {
    const alice = report.keys.find((k) => k.userName === "alice");
    // alice has no policy: her key can do nothing (blastRadius and risk are checked in test/blast-radius.test.ts).
    expect(alice).toEqual({
      blastRadius: { classes: ["nothing"], grants: [], conditional: false, unreadablePolicies: [] },
      risk: alice?.risk,
      accountId: ACCOUNT_ID,
      userName: "alice",
      accessKeyId: aliceKeyId,
      status: "Active",
      createdAt: ago(200).toISOString(),
      lastUsedAt: ago(2).toISOString(),
      lastUsedService: alice?.lastUsedService ?? null,
      lastUsedRegion: alice?.lastUsedRegion ?? null,
      ageDays: 200,
    });
    expect(typeof (alice?.risk as { score?: unknown } | undefined)?.score).toBe("number");
    const inactive = report.keys.find((k) => k.userName === "carol" && k.status === "Inactive");
    expect(inactive).toMatchObject({ createdAt: ago(10).toISOString(), lastUsedAt: null, ageDays: 10 });
    expect(new Set(report.keys.map((k) => k.userName))).toEqual(new Set(USERS_WITH_KEYS));
  });

  it("fails the 200-day-old key on access-key-rotation, with its full key id", () => {
    const rotation = report.findings.filter((f) => f.ruleId === "access-key-rotation" && f.result === "FAIL");
    expect(rotation).toHaveLength(1);
    expect(rotation[0]).toMatchObject({
      result: "FAIL",
      severity: "medium",
      accountId: ACCOUNT_ID,
      userName: "alice",
      accessKeyId: aliceKeyId,
    });
    expect(rotation[0]?.message).toContain("200 days");
    expect(rotation[0]?.remediation).toContain(aliceKeyId);
    // The other active keys are within the period: PASS, one per key.
    const passes = report.findings.filter((f) => f.ruleId === "access-key-rotation" && f.result === "PASS");
    expect(passes.map((f) => f.userName).sort()).toEqual(["bob", "carol", ADMIN, LEAST].sort());
  });

  it("takes thresholds from ./keywarden.yaml (or --config) unless a --*-days flag says otherwise", async () => {
    const dir = join(tmp, "with-policy");
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "keywarden.yaml"), "version: 1\nthresholds:\n  rotationDays: 45\n");
    const failing = async (args: string[]) => {
      const r = await runCli(["audit", "--endpoint-url", emu.endpoint, "--format", "json", ...args], {
        env: DUMMY,
        cwd: dir,
      });
      if (r.stdout === "") throw new Error(r.stderr);
      const out = JSON.parse(r.stdout) as Json;
      const users = out.findings
        .filter((f) => f.ruleId === "access-key-rotation" && f.result === "FAIL")
        .map((f) => f.userName);
      return { users: users.sort(), stderr: r.stderr };
    };
    // carol's key is 60 days old: past the policy's 45, within the default 90.
    const fromPolicy = await failing([]);
    expect(fromPolicy.users).toEqual(["alice", "carol"]);
    expect(fromPolicy.stderr).toContain(`thresholds from ${join(dir, "keywarden.yaml")}`);
    expect((await failing(["--rotation-days", "90"])).users).toEqual(["alice"]);
    await writeFile(
      join(dir, "strict.yaml"),
      "version: 1\nthresholds:\n  rotationDays: 10\n  expiringWithinDays: 3\n",
    );
    expect((await failing(["--config", "strict.yaml"])).users).toEqual(["alice", "bob", "carol"]);
  });

  it("gives account- and user-level findings a null accessKeyId", () => {
    const root = report.findings.filter((f) => f.ruleId === "root-access-key" || f.ruleId === "root-mfa");
    expect(root.map((f) => `${f.ruleId}:${f.result}`).sort()).toEqual([
      "root-access-key:PASS",
      "root-mfa:PASS",
    ]);
    for (const f of root)
      expect(f).toMatchObject({ accountId: ACCOUNT_ID, userName: null, accessKeyId: null });
    const twoKeys = report.findings.filter((f) => f.ruleId === "user-two-active-keys");
    expect(twoKeys.length).toBeGreaterThan(0);
    for (const f of twoKeys) expect(f.accessKeyId).toBeNull();
  });

  it("calls ListAccessKeys once per user with keys, never for users without", () => {
    expect(report.stats.apiCalls.ListAccessKeys).toBe(USERS_WITH_KEYS.length);
    expect(USERS_WITHOUT_KEYS.length).toBeGreaterThan(0);
    expect(report.stats.apiCalls.GetCallerIdentity).toBe(1);
    expect(report.stats.apiCalls.GetCredentialReport).toBeGreaterThanOrEqual(1);
  });
});

describe("credentials and endpoint sources (auth checks on, so only the right key works)", () => {
  const BOGUS_DEFAULT =
    "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = bogus\n";
  beforeAll(async () => {
    await emu.client.setAuth(true);
  });
  afterAll(async () => {
    await emu.client.setAuth(false);
  });

  function expectAudited(r: CliResult): Json {
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const report = parseReport(r.stdout);
    expect(report.accounts[0]?.accountId).toBe(ACCOUNT_ID);
    expect(report.findings.filter((f) => f.result === "ERROR")).toEqual([]);
    return report;
  }

  it("the dummy credentials are refused now (the control for the tests below)", async () => {
    const r = await audit(["--format", "json"]);
    expect(r.code).toBe(3);
    expect(lines(r.stderr)).toHaveLength(1);
  });

  it("reads AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY and AWS_ENDPOINT_URL from the environment", async () => {
    const files = await awsFiles(await mkdtemp(join(tmp, "env-")), { credentials: BOGUS_DEFAULT });
    const r = await kw(["audit", "--format", "json"], {
      ...files,
      AWS_ACCESS_KEY_ID: admin.accessKeyId,
      AWS_SECRET_ACCESS_KEY: admin.secretAccessKey,
      AWS_ENDPOINT_URL: emu.endpoint,
    });
    expectAudited(r);
  });

  it("uses the profile named by --profile from the credentials file", async () => {
    const files = await awsFiles(await mkdtemp(join(tmp, "profile-")), {
      credentials: `${BOGUS_DEFAULT}\n[auditor]\naws_access_key_id = ${admin.accessKeyId}\naws_secret_access_key = ${admin.secretAccessKey}\n`,
      config: "[profile auditor]\nregion = eu-west-1\n",
    });
    const r = await kw(
      ["audit", "--profile", "auditor", "--endpoint-url", emu.endpoint, "--format", "json"],
      files,
    );
    expectAudited(r);
  });

  it("--profile beats keys in the environment, quietly (no SDK warning on stderr)", async () => {
    const files = await awsFiles(await mkdtemp(join(tmp, "profile-env-")), {
      credentials: `[auditor]\naws_access_key_id = ${admin.accessKeyId}\naws_secret_access_key = ${admin.secretAccessKey}\n`,
    });
    // These keys do not exist in the emulator: used, they would fail with exit 3.
    const r = await kw(
      ["audit", "--profile", "auditor", "--endpoint-url", emu.endpoint, "--format", "json"],
      {
        ...files,
        AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
        AWS_SECRET_ACCESS_KEY: "bogus",
      },
    );
    expectAudited(r);
  });

  it("uses AWS_PROFILE when no --profile is given", async () => {
    const files = await awsFiles(await mkdtemp(join(tmp, "aws-profile-")), {
      credentials: `${BOGUS_DEFAULT}\n[auditor]\naws_access_key_id = ${admin.accessKeyId}\naws_secret_access_key = ${admin.secretAccessKey}\n`,
    });
    const r = await kw(["audit", "--endpoint-url", emu.endpoint, "--format", "json"], {
      ...files,
      AWS_PROFILE: "auditor",
    });
    expectAudited(r);
  });

  it("honours endpoint_url in the profile's config section, with --profile and with AWS_PROFILE", async () => {
    const files = await awsFiles(await mkdtemp(join(tmp, "endpoint-")), {
      credentials: `${BOGUS_DEFAULT}\n[emu]\naws_access_key_id = ${admin.accessKeyId}\naws_secret_access_key = ${admin.secretAccessKey}\n`,
      config: `[default]\nregion = us-east-1\n\n[profile emu]\nregion = us-east-1\nendpoint_url = ${emu.endpoint}\n`,
    });
    // No --endpoint-url and no AWS_ENDPOINT_URL: only the config file knows where the emulator is.
    expectAudited(await kw(["audit", "--profile", "emu", "--format", "json"], files));
    expectAudited(await kw(["audit", "--format", "json"], { ...files, AWS_PROFILE: "emu" }));
  });

  it("audits cleanly with exactly the policy `keywarden permissions audit` prints", async () => {
    const r = await kw(["audit", "--endpoint-url", emu.endpoint, "--format", "json", "--fail-on", "info"], {
      AWS_ACCESS_KEY_ID: least.accessKeyId,
      AWS_SECRET_ACCESS_KEY: least.secretAccessKey,
    });
    const report = parseReport(r.stdout);
    expect(report.findings.filter((f) => f.ruleId === "collection")).toEqual([]);
    expect(report.findings.filter((f) => f.result === "ERROR")).toEqual([]);
    expect(report.keys).toHaveLength(6);
    // --fail-on info: the WARN (info) findings about long-term keys make it exit 1.
    expect(report.findings.some((f) => f.result === "WARN")).toBe(true);
    expect(r.code).toBe(1);
  });
});

describe("--fail-on", () => {
  let report: Json;
  beforeAll(async () => {
    report = parseReport((await audit(["--format", "json", "--fail-on", "none"])).stdout);
  });

  it("the seeded account has medium findings and nothing at high or above (the premise)", () => {
    const notPass = report.findings.filter((f) => f.result !== "PASS");
    const worst = Math.max(...notPass.map((f) => SEVERITY_RANK[f.severity] ?? 99));
    expect(worst).toBe(SEVERITY_RANK.medium);
  });

  it("exits 1 when a finding is at or above the threshold", async () => {
    expect((await audit(["--format", "json", "--fail-on", "medium"])).code).toBe(1);
    expect((await audit(["--format", "json", "--fail-on", "low"])).code).toBe(1);
  });

  it("exits 0 when only lower findings exist (default high, and critical)", async () => {
    expect((await audit(["--format", "json"])).code).toBe(0);
    expect((await audit(["--format", "json", "--fail-on", "critical"])).code).toBe(0);
  });

  it("exits 0 with --fail-on none even though findings fail", async () => {
    const r = await audit(["--format", "json", "--fail-on", "none", "--rotation-days", "30"]);
    expect(r.code).toBe(0);
    expect(parseReport(r.stdout).findings.filter((f) => f.result === "FAIL").length).toBeGreaterThan(1);
  });
});

describe("outputs", () => {
  it("--output FILE writes the report to the file and nothing to stdout", async () => {
    const file = join(tmp, "audit.json");
    const r = await audit(["--output", file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(lines(r.stderr)).toEqual([`keywarden: report written to ${file}`]);
    const text = await readFile(file, "utf8");
    outputs.push({ what: "--output file", text });
    // Without --format, a file gets the JSON contract.
    const report = parseReport(text);
    expect(report.schemaVersion).toBe(1);
    expect(report.keys.some((k) => k.accessKeyId === aliceKeyId)).toBe(true);
    for (const s of secrets) expect(text).not.toContain(s);
  });

  it("--output with --format csv writes CSV to the file", async () => {
    const file = join(tmp, "audit.csv");
    const r = await audit(["--format", "csv", "-o", file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    const text = await readFile(file, "utf8");
    outputs.push({ what: "--output csv file", text });
    expect(
      text.startsWith("ruleId,result,severity,accountId,userName,accessKeyId,message,remediation\r\n"),
    ).toBe(true);
  });

  it("--stats prints the per-operation call counts on stderr, matching the report", async () => {
    const r = await audit(["--format", "json", "--stats"]);
    expect(r.code).toBe(0);
    const report = parseReport(r.stdout);
    const stderr = lines(r.stderr);
    expect(stderr).toHaveLength(1);
    const m = /^keywarden: (\d+) AWS calls \((.*)\) in (\d+) ms$/.exec(stderr[0] ?? "");
    expect(m, stderr[0]).not.toBeNull();
    const counts: Record<string, number> = {};
    for (const pair of (m?.[2] ?? "").split(", ")) {
      const [op = "", n = ""] = pair.split("=");
      counts[op] = Number(n);
    }
    expect(counts).toEqual(report.stats.apiCalls);
    expect(Number(m?.[1])).toBe(Object.values(report.stats.apiCalls).reduce((a, b) => a + b, 0));
    expect(counts.ListAccessKeys).toBe(USERS_WITH_KEYS.length);
  });

  it("without --stats, stderr stays empty", async () => {
    const r = await audit(["--format", "json"]);
    expect(r.stderr).toBe("");
  });

  it("--format csv prints RFC 4180 rows, one per finding, with full key ids", async () => {
    const r = await audit(["--format", "csv"]);
    expect(r.code).toBe(0);
    expect(r.stdout.endsWith("\r\n")).toBe(true);
    const rows = r.stdout.split("\r\n").slice(0, -1);
    expect(rows[0]).toBe("ruleId,result,severity,accountId,userName,accessKeyId,message,remediation");
    const json = parseReport((await audit(["--format", "json"])).stdout);
    expect(rows).toHaveLength(json.findings.length + 1);
    expect(
      rows.some((row) =>
        row.startsWith(`access-key-rotation,FAIL,medium,${ACCOUNT_ID},alice,${aliceKeyId},`),
      ),
    ).toBe(true);
  });

  it("--format markdown prints a GitHub-flavoured report with masked key ids in the tables", async () => {
    const r = await audit(["--format", "markdown"]);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith("# keywarden audit report\n")).toBe(true);
    expect(r.stdout).toContain("## Findings");
    expect(r.stdout).toMatch(/^\| Result \| Severity \| Rule \|/m);
    expect(r.stdout).toMatch(/^\| --- \|/m);
    const masked = `${aliceKeyId.slice(0, 4)}${"*".repeat(aliceKeyId.length - 8)}${aliceKeyId.slice(-4)}`;
    expect(r.stdout).toContain(`\`${masked}\``);
    // The full id appears only inside the remediation commands, never as the table's Key cell.
    expect(r.stdout).not.toContain(`| \`${aliceKeyId}\` |`);
  });
});

describe("help, version, rules and permissions", () => {
  it("--version prints the package version and exits 0", async () => {
    const pkg = JSON.parse(await readFile(join(REPO_ROOT, "package.json"), "utf8")) as { version: string };
    const r = await kw(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it("--help lists the verbs and exits 0", async () => {
    const r = await kw(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: keywarden");
    for (const verb of ["audit", "demo", "rules", "permissions"])
      expect(r.stdout).toMatch(new RegExp(`^\\s+${verb}\\b`, "m"));
  });

  it("audit --help shows the options and the exit codes and exits 0", async () => {
    const r = await kw(["audit", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: keywarden audit");
    for (const flag of ["--profile", "--endpoint-url", "--format", "--fail-on", "--output", "--stats"]) {
      expect(r.stdout).toContain(flag);
    }
    expect(r.stdout).toContain("Exit codes: 0");
  });

  it("rules --format json lists the 10 rules", async () => {
    const r = await kw(["rules", "--format", "json"]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { schemaVersion: number; rules: { id: string; severity: string }[] };
    expect(out.schemaVersion).toBe(1);
    expect(out.rules).toHaveLength(10);
    expect(new Set(out.rules.map((x) => x.id)).size).toBe(10);
    expect(out.rules.map((x) => x.id)).toContain("access-key-rotation");
    for (const rule of out.rules) expect(Object.keys(SEVERITY_RANK)).toContain(rule.severity);
  });

  it("permissions audit prints an IAM policy that covers every IAM call the audit makes", async () => {
    const r = await kw(["permissions", "audit"]);
    expect(r.code).toBe(0);
    const policy = JSON.parse(r.stdout) as {
      Version: string;
      Statement: { Sid: string; Effect: string; Action: string[]; Resource: string }[];
    };
    expect(policy.Version).toBe("2012-10-17");
    expect(policy.Statement).toHaveLength(1);
    const [statement] = policy.Statement;
    expect(statement).toMatchObject({ Effect: "Allow", Resource: "*" });
    expect(statement?.Sid).toMatch(/^[A-Za-z0-9]+$/);
    expect(statement?.Action).toContain("iam:GenerateCredentialReport");
    expect(statement?.Action).toContain("iam:ListAccessKeys");
    for (const a of statement?.Action ?? []) expect(a).toMatch(/^iam:[A-Za-z]+$/);

    const report = parseReport((await audit(["--format", "json", "--last-used", "always"])).stdout);
    const called = Object.keys(report.stats.apiCalls).filter((op) => op !== "GetCallerIdentity");
    expect(called).toContain("GetAccessKeyLastUsed");
    for (const op of called) expect(statement?.Action).toContain(`iam:${op}`);
  });
});

describe("secrets", () => {
  it("no secret access key of any seeded key appears in any output", () => {
    expect(secrets).toHaveLength(6);
    expect(outputs.length).toBeGreaterThan(20);
    for (const { what, text } of outputs) {
      for (const s of secrets) expect(text.includes(s), `${what} contains a secret`).toBe(false);
    }
  });
});

describe("risk", () => {
  it("--sort risk orders the keys by risk score, highest first", async () => {
    const r = await audit(["--format", "json", "--sort", "risk"]);
    const keys = (parseReport(r.stdout).keys as { risk: { score: number } }[]).map((k) => k.risk.score);
    expect(keys.length).toBeGreaterThan(1);
    expect(keys).toEqual([...keys].sort((a, b) => b - a));
  });

  it("the table shows each key's risk and blast radius, and a Fix first list", async () => {
    const r = await audit(["--format", "table", "--no-color"]);
    expect(r.stdout).toContain("Risk");
    expect(r.stdout).toContain("Fix first");
    expect(r.stdout).toMatch(/1\. risk \d+ {2}\S+ AKIA\*{12}\w{4} {2}[a-z-]+/);
  });

  it("counts an incident and a scan finding the store holds for a key", async () => {
    const { openStore } = await import("../src/store/open.js");
    const path = join(tmp, "risk-store.db");
    const store = await openStore({ env: { KEYWARDEN_STORE: path } });
    await store.putRecord({ kind: "incident", id: "inc-risk", subject: aliceKeyId, data: {} });
    await store.putRecord({
      kind: "scan-result",
      id: "scan-risk",
      subject: "/repo",
      data: { findings: [{ accessKeyId: aliceKeyId }] },
    });
    await store.close();
    const r = await audit(["--format", "json"], { KEYWARDEN_STORE: path });
    const alice = (parseReport(r.stdout).keys as { userName: string; risk: { factors: object[] } }[]).find(
      (k) => k.userName === "alice",
    );
    expect(alice?.risk.factors).toContainEqual({ name: "incident", value: true, weight: 20, points: 20 });
    expect(alice?.risk.factors).toContainEqual({ name: "foundInCode", value: true, weight: 15, points: 15 });
  });

  it("--sort takes only risk", async () => {
    const r = await audit(["--sort", "age"]);
    expect(r.code).toBe(2);
  });
});
