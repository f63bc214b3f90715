// `keywarden enforce` end to end: the real CLI against the emulator, a real SQLite store and a
// real webhook receiver. Dry run first (nothing changes), then --apply deactivates an unused key,
// rotates an old one through the rotation engine into Secrets Manager, keeps to one key per user
// per run, records everything; pause stops it; --schedule runs until SIGTERM.
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IAMClient, ListAccessKeysCommand } from "@aws-sdk/client-iam";
import type { BuildMiddleware, MetadataBearer } from "@smithy/types";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifySignature } from "../src/notify/webhook.js";
import { cliCommand, REPO_ROOT, runCli } from "./helpers/cli.js";
import { REGION, useEmulator } from "./emulator/harness.js";

const emu = useEmulator();
const SECRET = "enforce-e2e-hook-secret";

interface Hit {
  body: string;
  ok: boolean;
}
let server: Server;
const hits: Hit[] = [];
let hookUrl = "";
let dir = "";

const POLICY = () => `version: 1
owners:
  tags: [owner]
  default: security@example.com
rules:
  access-key-rotation:
    timeline:
      warn: 76
      rotate: 90
      rotateTo: ["secretsmanager:keywarden/{user}"]
      observe: 0
      soak: 0
  access-key-unused:
    timeline: { warn: 45, deactivate: 60, delete: 90 }
notifications:
  channels:
    - type: webhook
      url: ${hookUrl}
      secretEnv: KW_HOOK_SECRET
`;

function env(): Record<string, string> {
  return {
    KEYWARDEN_HOME: join(dir, "home"),
    AWS_ENDPOINT_URL: emu.endpoint,
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
    AWS_REGION: REGION,
    KW_HOOK_SECRET: SECRET,
    KEYWARDEN_VERIFY_ATTEMPTS: "3",
    KEYWARDEN_LOCK_SETTLE_MS: "20",
  };
}

const kw = (args: string[]) => runCli(args, { cwd: dir, env: env() });

async function statuses(user: string): Promise<Record<string, string>> {
  const r = await emu.iam().send(new ListAccessKeysCommand({ UserName: user }));
  return Object.fromEntries((r.AccessKeyMetadata ?? []).map((k) => [k.AccessKeyId ?? "", k.Status ?? ""]));
}

interface PlanJson {
  applied: boolean;
  actions: {
    kind: string;
    accountId: string;
    userName: string;
    accessKeyId: string;
    status: string;
    skipReason: string | null;
    jobId: string | null;
  }[];
  notifications: { dedupeKey: string; kind: string }[];
  delivery: { sent: number; failed: number } | null;
}

let alice = "";
let bob = "";
let carol: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "keywarden-enforce-e2e-"));
  server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (body += c));
    req.on("end", () => {
      hits.push({ body, ok: verifySignature(body, req.headers["x-keywarden-signature"] as string, SECRET) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  hookUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
  await writeFile(join(dir, "keywarden.yaml"), POLICY());
  await emu.createUser("alice", { tags: { owner: "alice@example.com" } });
  alice = (
    await emu.createKey("alice", {
      createdDaysAgo: 80,
      lastUsed: { daysAgo: 70, service: "s3", region: REGION },
    })
  ).accessKeyId;
  await emu.createUser("bob", { tags: { owner: "bob@example.com" } });
  bob = (
    await emu.createKey("bob", {
      createdDaysAgo: 95,
      lastUsed: { daysAgo: 2, service: "sts", region: REGION },
    })
  ).accessKeyId;
  await emu.createUser("carol");
  carol = [
    (
      await emu.createKey("carol", {
        createdDaysAgo: 85,
        lastUsed: { daysAgo: 70, service: "s3", region: REGION },
      })
    ).accessKeyId,
    (
      await emu.createKey("carol", {
        createdDaysAgo: 85,
        lastUsed: { daysAgo: 70, service: "s3", region: REGION },
      })
    ).accessKeyId,
  ].sort();
});

afterAll(async () => {
  await new Promise<void>((r) => {
    server.close(() => {
      r();
    });
  });
  await rm(dir, { recursive: true, force: true });
});

describe("keywarden enforce against the emulator", () => {
  it("a dry run prints the plan and changes nothing", async () => {
    const r = await kw(["enforce", "--format", "json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout) as PlanJson;
    expect(plan.applied).toBe(false);
    const summary = plan.actions.map(
      (a) => `${a.kind} ${a.userName} ${a.status}${a.skipReason ? ` (${a.skipReason})` : ""}`,
    );
    expect(summary).toEqual([
      "deactivate alice planned",
      "rotate bob planned",
      "deactivate carol planned",
      "deactivate carol skipped (another key of this user changes in this run)",
    ]);
    expect(await statuses("alice")).toEqual({ [alice]: "Active" });
    expect(await statuses("carol")).toEqual({ [carol[0] ?? ""]: "Active", [carol[1] ?? ""]: "Active" });
    expect(hits).toEqual([]);
    const table = await kw(["enforce", "--format", "table"]);
    expect(table.stdout).toContain("Enforcement plan (dry run");
    expect(table.stdout).toMatch(/deactivate\s+alice\s+AKIA\*+\w{4}\s+access-key-unused\s+70\s+planned/);
  });

  it("a channel secret that is not set: the dry run warns, --apply refuses before any change", async () => {
    await writeFile(
      join(dir, "no-secret.yaml"),
      POLICY().replace("secretEnv: KW_HOOK_SECRET", "secretEnv: KW_NOT_SET"),
    );
    const dry = await kw(["enforce", "--config", "no-secret.yaml", "--format", "json"]);
    expect(dry.code).toBe(0);
    expect(dry.stderr).toContain(
      "keywarden: warning: notification channel webhook: environment variable KW_NOT_SET (secretEnv) is not set; --apply will refuse to run.",
    );
    const apply = await kw(["enforce", "--config", "no-secret.yaml", "--apply", "--yes"]);
    expect(apply.code).toBe(2);
    expect(apply.stderr.trim().split("\n")).toHaveLength(1);
    expect(await statuses("alice")).toEqual({ [alice]: "Active" });
    expect(hits).toEqual([]);
  });

  it("--apply without --yes and without a terminal changes nothing", async () => {
    const r = await kw(["enforce", "--apply", "--format", "json"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("Pass --yes");
    expect(await statuses("alice")).toEqual({ [alice]: "Active" });
  });

  it("--apply --yes deactivates, rotates through the engine, notifies once, and records it all", async () => {
    const r = await kw(["enforce", "--apply", "--yes", "--format", "json"]);
    expect(r.code).toBe(0);
    const run = JSON.parse(r.stdout) as PlanJson;
    expect(run.applied).toBe(true);
    expect(run.actions.map((a) => `${a.kind} ${a.userName} ${a.status}`)).toEqual([
      "deactivate alice done",
      "rotate bob done",
      "deactivate carol done",
      "deactivate carol skipped",
    ]);
    expect(await statuses("alice")).toEqual({ [alice]: "Inactive" });
    expect(await statuses("carol")).toEqual({ [carol[0] ?? ""]: "Inactive", [carol[1] ?? ""]: "Active" });
    // bob's rotation ran to the end (observe 0, soak 0): one new key, in Secrets Manager.
    const bobKeys = await statuses("bob");
    expect(Object.keys(bobKeys)).toHaveLength(1);
    expect(bobKeys[bob]).toBeUndefined();
    const sm = new SecretsManagerClient({
      endpoint: emu.endpoint,
      region: REGION,
      credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    });
    const secret = await sm.send(new GetSecretValueCommand({ SecretId: "keywarden/bob" }));
    expect(secret.SecretString).toContain(Object.keys(bobKeys)[0] ?? "missing");
    const jobs = await kw(["rotations", "--format", "json"]);
    expect(
      (JSON.parse(jobs.stdout) as { userName: string; state: string }[]).map(
        (j) => `${j.userName} ${j.state}`,
      ),
    ).toEqual(["bob done"]);

    // Every notification arrived signed; the store lists them as sent.
    expect(hits.length).toBeGreaterThanOrEqual(3);
    expect(hits.every((h) => h.ok)).toBe(true);
    expect(run.delivery).toMatchObject({ failed: 0 });
    const listed = await kw(["notifications", "--format", "json"]);
    const notes = JSON.parse(listed.stdout) as {
      dedupeKey: string;
      status: string;
      kind: string;
      userName: string;
    }[];
    expect(notes.length).toBe(run.notifications.length);
    expect(notes.every((n) => n.status === "sent")).toBe(true);
    expect(
      notes
        .filter((n) => n.kind === "action")
        .map((n) => n.userName)
        .sort(),
    ).toEqual(["alice", "bob", "carol"]);
    expect(listed.stdout).not.toContain(SECRET);
  });

  it("the next run changes carol's second key, and sends nothing twice", async () => {
    const before = hits.length;
    const r = await kw(["enforce", "--apply", "--yes", "--format", "json"]);
    expect(r.code).toBe(0);
    expect(await statuses("carol")).toEqual({ [carol[0] ?? ""]: "Inactive", [carol[1] ?? ""]: "Inactive" });
    const keys = hits.flatMap((h) =>
      (JSON.parse(h.body) as { notifications: { dedupeKey: string }[] }).notifications.map(
        (n) => n.dedupeKey,
      ),
    );
    expect(new Set(keys).size).toBe(keys.length);
    expect(hits.length).toBe(before + 1);
  });

  it("pause stops enforcement; resume lets it run", async () => {
    expect((await kw(["pause", "--reason", "incident 42"])).code).toBe(0);
    const paused = await kw(["enforce", "--apply", "--yes", "--format", "json"]);
    expect(paused.code).toBe(0);
    expect(paused.stderr).toContain("enforcement is paused");
    expect((JSON.parse(paused.stdout) as { paused: boolean }).paused).toBe(true);
    expect((await kw(["resume"])).code).toBe(0);
    const dry = await kw(["enforce", "--format", "json"]);
    expect((JSON.parse(dry.stdout) as { paused: boolean }).paused).toBe(false);
  });

  it("a run is refused (exit 7) while another process holds the enforcement lock", async () => {
    const { openStore } = await import("../src/store/open.js");
    const store = await openStore({ env: env() });
    try {
      expect(await store.acquireLock("enforce", "other-host:4242", 60_000, new Date())).toBe(true);
      const r = await kw(["enforce", "--apply", "--yes", "--format", "json"]);
      expect(r.code).toBe(7);
      expect(r.stderr.trim().split("\n")).toEqual([
        "keywarden: another keywarden enforce run holds the enforcement lock. Wait for it to finish (a crashed run's lock expires after 30 minutes), then run again.",
      ]);
      expect(r.stdout).toBe("");
    } finally {
      await store.releaseLock("enforce", "other-host:4242");
      await store.close();
    }
  });

  it("notifications lists what was sent as a table", async () => {
    const r = await kw(["notifications", "--format", "table"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^WHEN\s+STATUS\s+KIND\s+OWNER\s+USER\s+KEY\s+STAGE\s+DEADLINE\s+CHANNELS/);
    expect(r.stdout).toMatch(
      /sent\s+action\s+alice@example\.com\s+alice\s+AKIA\*{12}\w{4}\s+deactivate\s+\S+\s+webhook:sent/,
    );
    expect(r.stdout).not.toContain(alice);
  });

  it("--schedule runs on the cron expression and exits cleanly on SIGTERM", async () => {
    const child = spawn(
      process.execPath,
      [
        ...cliCommand(),
        "enforce",
        "--apply",
        "--yes",
        "--format",
        "json",
        "--config",
        join(dir, "keywarden.yaml"),
        "--schedule",
        "* * * * * *",
      ],
      {
        cwd: REPO_ROOT,
        env: {
          PATH: process.env.PATH ?? "/usr/bin:/bin",
          HOME: dir,
          NO_COLOR: "1",
          AWS_EC2_METADATA_DISABLED: "true",
          ...env(),
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
    child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
    const exited = new Promise<number | null>((r) =>
      child.on("close", (code) => {
        r(code);
      }),
    );
    for (let i = 0; i < 300 && (stdout.match(/"schemaVersion"/g) ?? []).length < 2; i++)
      await new Promise((x) => setTimeout(x, 100));
    child.kill("SIGTERM");
    const code = await exited;
    expect(stderr).toContain('enforcing on "* * * * * *"');
    expect((stdout.match(/"schemaVersion"/g) ?? []).length).toBeGreaterThanOrEqual(2);
    expect(stderr).toMatch(/SIGTERM: stopped/);
    expect(code).toBe(0);
  });

  it("permissions enforce lists what enforce --apply calls", async () => {
    const r = await kw(["permissions", "enforce"]);
    const actions =
      (JSON.parse(r.stdout) as { Statement: { Action: string[] }[] }).Statement[0]?.Action ?? [];
    for (const a of [
      "iam:UpdateAccessKey",
      "iam:DeleteAccessKey",
      "iam:CreateAccessKey",
      "iam:ListAccessKeys",
      "sns:Publish",
      "secretsmanager:PutSecretValue",
    ])
      expect(actions).toContain(a);
  });

  it("scope.accounts reaches a member account through the role, and acts there", async () => {
    const member = "222233334444";
    const ago = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString();
    const seeded = await emu.client.bulkSeed({
      account_id: member,
      users: [
        {
          name: "remote",
          tags: { owner: "remote@example.com" },
          access_keys: [{ create_date: ago(80), last_used: { date: ago(70), service: "s3" } }],
        },
      ],
    });
    const remoteKey = seeded.users[0]?.access_keys[0]?.access_key_id ?? "";
    await writeFile(
      join(dir, "multi.yaml"),
      POLICY().replace(
        "version: 1\n",
        `version: 1\nscope:\n  accounts: ["123456789012", "${member}"]\n  roleName: OrganizationAccountAccessRole\n`,
      ),
    );
    const r = await kw(["enforce", "--config", "multi.yaml", "--apply", "--yes", "--format", "json"]);
    expect(r.code).toBe(0);
    const run = JSON.parse(r.stdout) as PlanJson;
    expect(run.actions.map((a) => `${a.kind} ${a.accountId} ${a.userName} ${a.status}`)).toEqual([
      `deactivate ${member} remote done`,
    ]);
    const iamIn = new IAMClient({
      endpoint: emu.endpoint,
      region: REGION,
      credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    });
    const header: BuildMiddleware<object, MetadataBearer> = (next) => (args) => {
      (args.request as { headers: Record<string, string> }).headers["x-moto-account-id"] = member;
      return next(args);
    };
    iamIn.middlewareStack.add(header, { step: "build", name: "motoAccountId" });
    const keys = await iamIn.send(new ListAccessKeysCommand({ UserName: "remote" }));
    expect(keys.AccessKeyMetadata?.map((k) => [k.AccessKeyId, k.Status])).toEqual([[remoteKey, "Inactive"]]);
  });
});

describe("keywarden enforce when no notification gets through", () => {
  it("exits 1 and says why the webhook could not be reached (the socket's reason)", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((r) =>
      closed.close(() => {
        r();
      }),
    );
    await emu.createUser("dave", { tags: { owner: "dave@example.com" } });
    await emu.createKey("dave", {
      createdDaysAgo: 50,
      lastUsed: { daysAgo: 50, service: "s3", region: REGION },
    });
    const other = await mkdtemp(join(tmpdir(), "keywarden-enforce-down-"));
    await writeFile(
      join(other, "keywarden.yaml"),
      POLICY()
        .replace(hookUrl, `http://127.0.0.1:${port}/hook`)
        .replace("secretEnv: KW_HOOK_SECRET", "secretEnv: KW_HOOK_SECRET\n      retries: 0"),
    );
    const r = await runCli(["enforce", "--apply", "--yes"], {
      cwd: other,
      env: { ...env(), KEYWARDEN_HOME: join(other, "home") },
    });
    expect(r.stderr).toContain(`ECONNREFUSED 127.0.0.1:${port}`);
    expect(r.stderr).not.toContain("(TypeError)");
    expect(r.code).toBe(1);
  });
});
