import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
} from "@aws-sdk/client-iam";
import type { BuildMiddleware, MetadataBearer } from "@smithy/types";
import { spawn } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lookupItemOf } from "../src/emulator/client.js";
import type { IncidentReport } from "../src/response/types.js";
import { attackRecords, ATTACKER_IP, writeLogFolder } from "./fixtures/cloudtrail/attack.js";
import { cliCommand, REPO_ROOT, runCli } from "./helpers/cli.js";
import { DUMMY_CREDENTIALS, useEmulator } from "./emulator/harness.js";

// keywarden respond and incidents through the real CLI, on the emulator.

const emu = useEmulator();
const QUARANTINE = "arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3";

/** An IAM client acting in another account (moto's x-moto-account-id header). */
function iamIn(accountId: string): IAMClient {
  const client = new IAMClient({
    endpoint: emu.endpoint,
    region: "us-east-1",
    credentials: DUMMY_CREDENTIALS,
  });
  const header: BuildMiddleware<object, MetadataBearer> = (next) => (args) => {
    (args.request as { headers: Record<string, string> }).headers["x-moto-account-id"] = accountId;
    return next(args);
  };
  client.middlewareStack.add(header, { step: "build", name: "motoAccountId" });
  return client;
}

/**
 * Runs the CLI on a pseudo-terminal (util-linux `script`), typing `input`: the only way to show
 * the interactive confirmation, which keywarden offers only when stdin and stderr are terminals.
 */
function onTerminal(
  args: string[],
  env: Record<string, string>,
  input: string,
): Promise<{ code: number | null; output: string }> {
  const quote = (a: string) => `'${a.replace(/'/g, "'\\''")}'`;
  const command = [process.execPath, ...cliCommand(), ...args].map(quote).join(" ");
  return new Promise((resolve, reject) => {
    const child = spawn("script", ["-qec", command, "/dev/null"], {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: env.KEYWARDEN_HOME ?? tmpdir(),
        NO_COLOR: "1",
        ...env,
      },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      output += d;
      // Answer once the question is on the screen.
      if (input && output.includes("[y/N]")) {
        child.stdin.write(input);
        input = "";
      }
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => (output += d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`no answer on the terminal:\n${output}`));
    }, 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

async function env(): Promise<Record<string, string>> {
  const home = await mkdtemp(join(tmpdir(), "kw-respond-"));
  return {
    KEYWARDEN_HOME: home,
    AWS_ENDPOINT_URL: emu.endpoint,
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
    AWS_REGION: "us-east-1",
  };
}

async function leakedKey(user: string): Promise<string> {
  await emu.createUser(user);
  const key = (await emu.createKey(user)).accessKeyId;
  await emu.client.seedCloudTrailEvents(
    attackRecords({ accessKeyId: key, userName: user }).map(lookupItemOf),
  );
  return key;
}

async function state(
  user: string,
  key: string,
): Promise<{ status?: string | undefined; policies: string[] }> {
  const keys = await emu.iam().send(new ListAccessKeysCommand({ UserName: user }));
  const pol = await emu.iam().send(new ListAttachedUserPoliciesCommand({ UserName: user }));
  return {
    status: keys.AccessKeyMetadata?.find((k) => k.AccessKeyId === key)?.Status,
    policies: (pol.AttachedPolicies ?? []).map((p) => p.PolicyArn ?? ""),
  };
}

const REGIONS = ["--regions", "us-east-1,eu-west-1"];

describe("keywarden respond", () => {
  it("states what the key could do until containment, leaving the quarantine out", async () => {
    const key = await leakedKey("blast-admin");
    await emu.iam().send(
      new AttachUserPolicyCommand({
        UserName: "blast-admin",
        PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess",
      }),
    );
    const r = await runCli(["respond", key, "--yes", "--regions", "us-east-1", "--format", "json"], {
      env: await env(),
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/blast radius until containment: administrator-equivalent, can-escalate/);
    expect(r.stderr).toContain("AdministratorAccess #1");
    const report = JSON.parse(r.stdout) as IncidentReport;
    expect(report.blastRadius?.classes[0]).toBe("administrator-equivalent");
    expect(report.steps.map((s) => s.what)).toContainEqual(
      expect.stringMatching(/^Blast radius until containment: administrator-equivalent/),
    );
  });

  it("contains, investigates, prints the JSON contract, and stores the incident for `incidents`", async () => {
    const key = await leakedKey("ci-deployer");
    const e = await env();
    const r = await runCli(
      ["respond", key, "--yes", "--since", "2026-11-20T00:00:00Z", ...REGIONS, "--format", "json"],
      { env: e },
    );
    expect(r.stderr).toMatch(/contained AKIA\*+\w{4} in \d+\.\d\d s/);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as IncidentReport;
    expect(report).toMatchObject({
      schemaVersion: 1,
      accessKeyId: key,
      userName: "ci-deployer",
      accountId: "123456789012",
    });
    expect(report.containment).toMatchObject({ deactivated: true, quarantinePolicyArn: QUARANTINE });
    // Its speed is a benchmark's business (no wall-clock assertion on a shared machine).
    expect(report.containment.secondsToContain).toBeGreaterThan(0);
    expect(report.suspicious.map((s) => s.category)).toEqual(
      expect.arrayContaining([
        "iam-persistence",
        "compute",
        "data",
        "network",
        "defense-evasion",
        "discovery",
      ]),
    );
    expect(report.newSinceBaseline?.sourceIPs).toEqual([ATTACKER_IP]);
    expect(report.created.length).toBeGreaterThanOrEqual(6);
    expect(await state("ci-deployer", key)).toEqual({ status: "Inactive", policies: [QUARANTINE] });
    expect(r.stdout).not.toContain("wJalrXUtnFEMI");

    const list = await runCli(["incidents", "--format", "json"], { env: e });
    expect(list.code).toBe(0);
    const listed = JSON.parse(list.stdout) as { incidentId: string; accessKeyId: string; events: number }[];
    expect(listed).toEqual([
      expect.objectContaining({ incidentId: report.incidentId, accessKeyId: key, events: 13 }),
    ]);

    const table = await runCli(["incidents", "--format", "table"], { env: e });
    expect(table.stdout).toContain(report.incidentId);
    expect(table.stdout).not.toContain(key); // masked in the list

    const show = await runCli(["incidents", "show", report.incidentId, "--format", "markdown"], { env: e });
    expect(show.code).toBe(0);
    expect(show.stdout).toContain("## Root Cause");
    expect(show.stdout).toContain("aws iam delete-user --user-name support-backup");

    const out = join(e.KEYWARDEN_HOME ?? "", "incident.html");
    const html = await runCli(["incidents", "report", report.incidentId, "--format", "html", "--out", out], {
      env: e,
    });
    expect(html.code).toBe(0);
    expect(await readFile(out, "utf8")).toContain("<h2>Investigation / Troubleshooting Steps</h2>");

    const json = await runCli(["incidents", "report", report.incidentId, "--format", "json"], { env: e });
    expect(JSON.parse(json.stdout)).toEqual(report);

    const missing = await runCli(["incidents", "show", "inc-nope"], { env: e });
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("investigates the trail's log files with --logs --no-lookup", async () => {
    await emu.createUser("from-logs");
    const key = (await emu.createKey("from-logs")).accessKeyId;
    await emu.client.seedCloudTrailEvents([]);
    const root = await writeLogFolder(key, "from-logs");
    const r = await runCli(["respond", key, "--yes", "--no-lookup", "--logs", root, "--format", "json"], {
      env: await env(),
    });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as IncidentReport;
    expect(report.sources).toMatchObject({ lookupRegions: [], logFiles: 4 });
    expect(report.events).toHaveLength(13);
    expect(report.events.every((e) => e.origin === "logs")).toBe(true);
    expect(report.created.map((c) => c.type)).toContain("ec2-instance");
    expect(r.stdout).not.toContain("wJalrXUtnFEMI");
  });

  it("--remediate --yes removes the backdoor user the key created, and --dry-run --remediate only says it would", async () => {
    await emu.createUser("owner");
    const key = (await emu.createKey("owner")).accessKeyId;
    await emu.createUser("backdoor-admin");
    const backdoorKey = (await emu.createKey("backdoor-admin")).accessKeyId;
    const records = attackRecords({
      accessKeyId: key,
      userName: "owner",
      backdoorUser: "backdoor-admin",
      backdoorKeyId: backdoorKey,
    });
    await emu.client.seedCloudTrailEvents(records.map(lookupItemOf));
    const e = await env();

    const dry = await runCli(
      ["respond", key, "--dry-run", "--remediate", "--regions", "us-east-1", "--format", "json"],
      { env: e },
    );
    expect(dry.code).toBe(0);
    const planned = JSON.parse(dry.stdout) as IncidentReport;
    expect(planned.created.find((c) => c.type === "iam-user")?.remediation?.detail).toBe(
      "dry run: would remove",
    );
    expect(
      (await emu.iam().send(new ListAccessKeysCommand({ UserName: "backdoor-admin" }))).AccessKeyMetadata,
    ).toHaveLength(1);

    const r = await runCli(
      ["respond", key, "--yes", "--remediate", "--regions", "us-east-1", "--format", "json"],
      { env: e },
    );
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as IncidentReport;
    expect(report.created.find((c) => c.type === "iam-user")?.remediation?.status).toBe("removed");
    await expect(
      emu.iam().send(new ListAccessKeysCommand({ UserName: "backdoor-admin" })),
    ).rejects.toMatchObject({
      name: "NoSuchEntityException",
    });
    expect(await state("owner", key)).toEqual({ status: "Inactive", policies: [QUARANTINE] });
  });

  it("contains a member account's key through the organization role with --account", async () => {
    const member = "210987654321";
    const iam = iamIn(member);
    await iam.send(new CreateUserCommand({ UserName: "member-ci" }));
    const key =
      (await iam.send(new CreateAccessKeyCommand({ UserName: "member-ci" }))).AccessKey?.AccessKeyId ?? "";
    await emu.client.seedCloudTrailEvents(
      attackRecords({ accessKeyId: key, userName: "member-ci", accountId: member }).map(lookupItemOf),
    );
    const e = await env();

    const here = await runCli(["respond", key, "--yes", "--regions", "us-east-1"], { env: e });
    expect(here.code).toBe(7);
    expect(here.stderr).toContain(`--account ${member}`);

    const r = await runCli(
      ["respond", key, "--yes", "--account", member, "--regions", "us-east-1", "--format", "json"],
      { env: e },
    );
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as IncidentReport;
    expect(report).toMatchObject({ accountId: member, userName: "member-ci" });
    const keys = await iam.send(new ListAccessKeysCommand({ UserName: "member-ci" }));
    expect(keys.AccessKeyMetadata?.[0]?.Status).toBe("Inactive");
    const pol = await iam.send(new ListAttachedUserPoliciesCommand({ UserName: "member-ci" }));
    expect((pol.AttachedPolicies ?? []).map((p) => p.PolicyArn)).toEqual([QUARANTINE]);

    const bad = await runCli(["respond", key, "--yes", "--account", "12345"], { env: e });
    expect(bad.code).toBe(2);
  });

  it("--dry-run changes nothing and stores nothing, but still investigates", async () => {
    const key = await leakedKey("dry-user");
    const e = await env();
    const r = await runCli(["respond", key, "--dry-run", ...REGIONS, "--format", "markdown"], { env: e });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("dry run: nothing changed");
    expect(r.stdout).toContain("| Compute | 1 |");
    expect(await state("dry-user", key)).toEqual({ status: "Active", policies: [] });
    const list = await runCli(["incidents", "--format", "json"], { env: e });
    expect(JSON.parse(list.stdout)).toEqual([]);
  });

  it("without a terminal and without --yes refuses in one line and changes nothing", async () => {
    const key = await leakedKey("no-tty");
    const r = await runCli(["respond", key, ...REGIONS], { env: await env() });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("--yes");
    expect(await state("no-tty", key)).toEqual({ status: "Active", policies: [] });
  });

  it("on a terminal, asks before containing: no changes nothing, yes contains", async () => {
    const key = await leakedKey("asked");
    const e = await env();
    const no = await onTerminal(["respond", key, "--regions", "us-east-1", "--format", "json"], e, "n\n");
    expect(no.output).toContain("Contain AKIA");
    expect(no.output).toContain("not confirmed; nothing changed");
    expect(no.code).toBe(1);
    expect(await state("asked", key)).toEqual({ status: "Active", policies: [] });
    const yes = await onTerminal(["respond", key, "--regions", "us-east-1", "--format", "json"], e, "y\n");
    expect(yes.code).toBe(0);
    expect(yes.output).toMatch(/contained AKIA\*+\w{4} in/);
    expect(await state("asked", key)).toEqual({ status: "Inactive", policies: [QUARANTINE] });
  });

  it("rejects a malformed key id and an unknown key with one-line errors", async () => {
    const e = await env();
    const bad = await runCli(["respond", "not-a-key", "--yes"], { env: e });
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    const unknown = await runCli(["respond", "AKIAIOSFODNN7EXAMPLE", "--yes", ...REGIONS], { env: e });
    expect(unknown.code).toBe(7);
    expect(unknown.stderr).toMatch(/belongs to account|no IAM user/);
    expect(unknown.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("`permissions respond` and `permissions trail` list the actions the verbs call", async () => {
    const r = await runCli(["permissions", "respond", "trail"], { env: await env() });
    expect(r.code).toBe(0);
    const policy = JSON.parse(r.stdout) as { Statement: { Action: string[] }[] };
    const actions = policy.Statement.flatMap((s) => s.Action);
    for (const a of [
      "sts:GetAccessKeyInfo",
      "iam:UpdateAccessKey",
      "iam:AttachUserPolicy",
      "cloudtrail:LookupEvents",
      "ec2:DescribeRegions",
      // --org: the key's account, its membership, the organization role.
      "organizations:DescribeAccount",
      "sts:AssumeRole",
    ])
      expect(actions).toContain(a);
    expect(policy.Statement[1]?.Action).toContain("organizations:DescribeAccount");
  });
});
