import { CreateAccessKeyCommand, ListAccessKeysCommand } from "@aws-sdk/client-iam";
import { readFileSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqliteStore } from "../src/store/sqlite.js";
import { startActionRecorder, type ActionRecorder } from "./helpers/action-recorder.js";
import { runCli } from "./helpers/cli.js";
import { useEmulator } from "./emulator/harness.js";

// `keywarden respond --event FILE` through the real CLI: the responder's path on a saved event,
// seen from the recording proxy in front of the emulator. A bad file stops before any AWS call.

const emu = useEmulator();
let recorder: ActionRecorder;
let home: string;
let dir: string;

beforeEach(async () => {
  recorder = await startActionRecorder(emu.endpoint);
  home = await mkdtemp(join(tmpdir(), "kw-event-home-"));
  dir = await mkdtemp(join(tmpdir(), "kw-event-"));
  const r = await fetch(new URL("/_test/iam/managed-policies", emu.endpoint), {
    method: "POST",
    body: JSON.stringify({ add: ["AWSCompromisedKeyQuarantineV4"] }),
  });
  expect(r.ok).toBe(true);
});
afterEach(async () => {
  await recorder.close();
});

const cli = (args: string[], extra: Record<string, string> = {}) =>
  runCli(args, {
    env: {
      ...extra,
      KEYWARDEN_HOME: home,
      AWS_ENDPOINT_URL: recorder.url,
      AWS_ACCESS_KEY_ID: "testing",
      AWS_SECRET_ACCESS_KEY: "testing",
      AWS_REGION: "us-east-1",
    },
  });

async function eventFile(name: string, key: string): Promise<string> {
  const text = readFileSync(new URL(`./fixtures/events/${name}.json`, import.meta.url), "utf8");
  const path = join(dir, `${name}.json`);
  await writeFile(path, text.replaceAll("AKIAIOSFODNN7EXAMPLE", key));
  return path;
}

async function leakedKey(user: string): Promise<string> {
  await emu.createUser(user);
  const r = await emu.iam().send(new CreateAccessKeyCommand({ UserName: user }));
  return r.AccessKey?.AccessKeyId ?? "";
}

async function status(user: string): Promise<string | undefined> {
  const keys = await emu.iam().send(new ListAccessKeysCommand({ UserName: user }));
  return keys.AccessKeyMetadata?.[0]?.Status;
}

async function incidents() {
  const store = await openSqliteStore(join(home, "keywarden.db"));
  try {
    return await store.listRecords("incident");
  } finally {
    await store.close();
  }
}

const calls = () => recorder.calls.map((c) => `${c.call} ${c.status}`);

describe("respond --event FILE", () => {
  it("contains the key with respond's calls first; a replay changes nothing and calls nothing", async () => {
    const key = await leakedKey("event-cli");
    const file = await eventFile("guardduty-iam-user", key);
    // The Lambda's notification variables work for a replay too: a real local webhook receiver.
    const bodies: string[] = [];
    const server = createServer((req, res) => {
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (c: string) => (body += c));
      req.on("end", () => {
        bodies.push(body);
        res.writeHead(200).end("ok");
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const notify = {
      KW_HOOK_SECRET: "hook-signing-secret",
      KEYWARDEN_CONFIG_JSON: JSON.stringify({
        version: 1,
        owners: { default: "security@example.com" },
        notifications: {
          channels: [
            {
              type: "webhook",
              url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`,
              secretEnv: "KW_HOOK_SECRET",
            },
          ],
        },
      }),
    };
    const r = await cli(
      ["respond", "--event", file, "--yes", "--regions", "us-east-1", "--format", "json"],
      notify,
    );
    expect(r.stderr).toContain("contained");
    expect(r.code).toBe(0);
    expect([...calls().slice(0, 2)].sort()).toEqual([
      "iam:GetAccessKeyLastUsed 200",
      "sts:GetAccessKeyInfo 200",
    ]);
    expect(calls().slice(2, 4)).toEqual(["iam:UpdateAccessKey 200", "iam:AttachUserPolicy 200"]);
    expect(calls().slice(4)).toContain("cloudtrail:LookupEvents 200");
    const report = JSON.parse(r.stdout) as { accessKeyId: string; containment: { deactivated: boolean } };
    expect(report).toMatchObject({ accessKeyId: key, containment: { deactivated: true } });
    expect(await status("event-cli")).toBe("Inactive");
    expect(await incidents()).toHaveLength(1);

    recorder.clear();
    expect(bodies).toHaveLength(1);
    expect(JSON.parse(bodies[0] ?? "{}")).toMatchObject({
      owner: "security@example.com",
      notifications: [{ kind: "incident", accessKeyId: key }],
    });
    const again = await cli(["respond", "--event", file, "--yes", "--regions", "us-east-1"], notify);
    await new Promise<void>((r) =>
      server.close(() => {
        r();
      }),
    );
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/duplicate \(incident inc-/);
    expect(recorder.calls).toEqual([]);
    expect(await incidents()).toHaveLength(1);
    expect(bodies).toHaveLength(1);
  }, 180_000);

  it("--dry-run changes nothing and stores nothing", async () => {
    const key = await leakedKey("event-dry");
    const file = await eventFile("health-credentials-exposed", key);
    const r = await cli([
      "respond",
      "--event",
      file,
      "--dry-run",
      "--regions",
      "us-east-1",
      "--format",
      "json",
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("dry-run");
    expect(calls().filter((c) => /UpdateAccessKey|AttachUserPolicy/.test(c))).toEqual([]);
    expect(await status("event-dry")).toBe("Active");
    expect(await incidents()).toEqual([]);
  }, 180_000);

  it("an event about session credentials is not acted on: exit 0, no AWS call", async () => {
    const file = await eventFile("guardduty-session-credentials", "unused");
    const r = await cli(["respond", "--event", file, "--yes"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/not acted on: .*temporary credentials/);
    expect(recorder.calls).toEqual([]);
  }, 60_000);
});

describe("respond --event: usage errors before any AWS call (exit 2, one line)", () => {
  it.each([
    [
      "a missing file",
      () => Promise.resolve(["respond", "--event", join(dir, "nope.json"), "--yes"]),
      /cannot be read/,
    ],
    [
      "a file that is not JSON",
      async () => {
        await writeFile(join(dir, "bad.json"), "{ not json");
        return ["respond", "--event", join(dir, "bad.json"), "--yes"];
      },
      /not JSON/,
    ],
    [
      "JSON that is not an EventBridge event",
      async () => {
        await writeFile(join(dir, "plain.json"), JSON.stringify({ accessKeyId: "AKIAIOSFODNN7EXAMPLE" }));
        return ["respond", "--event", join(dir, "plain.json"), "--yes"];
      },
      /not an EventBridge event/,
    ],
    [
      "both a key and --event",
      async () => [
        "respond",
        "AKIAIOSFODNN7EXAMPLE",
        "--event",
        await eventFile("keywarden-scan-hit", "AKIAIOSFODNN7EXAMPLE"),
        "--yes",
      ],
      /not both/,
    ],
    [
      "--event with --remediate",
      async () => [
        "respond",
        "--event",
        await eventFile("keywarden-scan-hit", "AKIAIOSFODNN7EXAMPLE"),
        "--yes",
        "--remediate",
      ],
      /does not take --remediate/,
    ],
    [
      "no terminal and no --yes",
      async () => ["respond", "--event", await eventFile("keywarden-scan-hit", "AKIAIOSFODNN7EXAMPLE")],
      /no terminal to confirm/,
    ],
    ["neither a key nor --event", () => Promise.resolve(["respond"]), /needs the access key id/],
  ])(
    "%s",
    async (_what, args, message) => {
      const r = await cli(await args());
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(recorder.calls).toEqual([]);
    },
    60_000,
  );
});

describe("permissions responder", () => {
  it("lists respond's actions (no removal) plus what the Lambda adds", async () => {
    const r = await runCli(["permissions", "responder"]);
    expect(r.code).toBe(0);
    const actions = (JSON.parse(r.stdout) as { Statement: { Action: string[] }[] }).Statement.flatMap(
      (s) => s.Action,
    );
    for (const a of [
      "sts:GetAccessKeyInfo",
      "iam:GetAccessKeyLastUsed",
      "iam:UpdateAccessKey",
      "iam:AttachUserPolicy",
      "cloudtrail:LookupEvents",
      "iam:ListUserTags",
      "sns:Publish",
      "secretsmanager:GetSecretValue",
      "sts:AssumeRole",
    ])
      expect(actions).toContain(a);
    expect(actions).not.toContain("iam:DeleteAccessKey");
  }, 60_000);
});
