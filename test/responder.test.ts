import { CreateAccessKeyCommand, ListAccessKeysCommand, TagUserCommand } from "@aws-sdk/client-iam";
import { CreateTopicCommand, SNSClient } from "@aws-sdk/client-sns";
import { readFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createHandler } from "../src/responder/lambda.js";
import { CLAIM_KIND } from "../src/responder/state.js";
import { openSqliteStore } from "../src/store/sqlite.js";
import { startActionRecorder, type ActionRecorder } from "./helpers/action-recorder.js";
import { DUMMY_CREDENTIALS, REGION, useEmulator } from "./emulator/harness.js";

// The Lambda entry, invoked in-process with AWS's documented sample events (test/fixtures/events)
// against the emulator through the real SDK, seen from a recording proxy: which AWS calls each
// delivery makes, in what order. Containment must be `respond`'s: the key's account and its user
// at once, then UpdateAccessKey, then AttachUserPolicy, and nothing before them.

const emu = useEmulator();
const CONTEXT = {
  awsRequestId: "req-1",
  invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:keywarden-responder",
};
let recorder: ActionRecorder;
let hook: { url: string; bodies: string[]; close(): Promise<void> };
let storePath: string;

beforeEach(async () => {
  // The SDK's environment provider reads process.env itself (in Lambda, the function's role keys).
  vi.stubEnv("AWS_ACCESS_KEY_ID", "testing");
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", "testing");
  vi.stubEnv("AWS_SESSION_TOKEN", undefined);
  recorder = await startActionRecorder(emu.endpoint);
  hook = await receiver();
  storePath = join(await mkdtemp(join(tmpdir(), "kw-responder-")), "keywarden.db");
  // moto has AWSCompromisedKeyQuarantineV4 only when asked: as AWS accounts do today.
  const r = await fetch(new URL("/_test/iam/managed-policies", emu.endpoint), {
    method: "POST",
    body: JSON.stringify({ add: ["AWSCompromisedKeyQuarantineV4"] }),
  });
  expect(r.ok).toBe(true);
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await recorder.close();
  await hook.close();
});

async function receiver(): Promise<{ url: string; bodies: string[]; close(): Promise<void> }> {
  const bodies: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (body += c));
    req.on("end", () => {
      bodies.push(body);
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`,
    bodies,
    close: () =>
      new Promise<void>((r) =>
        server.close(() => {
          r();
        }),
      ),
  };
}

async function env(extra: Record<string, string> = {}): Promise<NodeJS.ProcessEnv> {
  const sns = new SNSClient({ region: REGION, endpoint: emu.endpoint, credentials: DUMMY_CREDENTIALS });
  const topic = await sns.send(new CreateTopicCommand({ Name: "security-team" }));
  sns.destroy();
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_ENDPOINT_URL: recorder.url,
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
    AWS_REGION: REGION,
    KEYWARDEN_STORE: storePath,
    KEYWARDEN_REGIONS: REGION,
    KEYWARDEN_SNS_TOPIC_ARN: topic.TopicArn ?? "",
    KW_HOOK_SECRET: "hook-signing-secret",
    KEYWARDEN_CONFIG_JSON: JSON.stringify({
      version: 1,
      owners: { default: "security@example.com" },
      notifications: { channels: [{ type: "webhook", url: hook.url, secretEnv: "KW_HOOK_SECRET" }] },
    }),
    ...extra,
  };
}

/** A fixture event naming `key` (the fixtures carry AWS's documentation example id). */
function eventFor(name: string, key: string, patch: Record<string, unknown> = {}): unknown {
  const text = readFileSync(new URL(`./fixtures/events/${name}.json`, import.meta.url), "utf8");
  return { ...(JSON.parse(text.replaceAll("AKIAIOSFODNN7EXAMPLE", key)) as object), ...patch };
}

async function leakedKey(user: string): Promise<string> {
  await emu.createUser(user);
  await emu
    .iam()
    .send(new TagUserCommand({ UserName: user, Tags: [{ Key: "owner", Value: `${user}@example.com` }] }));
  const r = await emu.iam().send(new CreateAccessKeyCommand({ UserName: user }));
  return r.AccessKey?.AccessKeyId ?? "";
}

async function status(user: string): Promise<string | undefined> {
  const keys = await emu.iam().send(new ListAccessKeysCommand({ UserName: user }));
  return keys.AccessKeyMetadata?.[0]?.Status;
}

const calls = () => recorder.calls.map((c) => `${c.call} ${c.status}`);

async function records(kind: string) {
  const store = await openSqliteStore(storePath);
  try {
    return await store.listRecords(kind);
  } finally {
    await store.close();
  }
}

/** respond's containment, as test/respond-containment.test.ts asserts it for the CLI. */
function expectRespondContainment(seen: string[]): void {
  expect([...seen.slice(0, 2)].sort()).toEqual(["iam:GetAccessKeyLastUsed 200", "sts:GetAccessKeyInfo 200"]);
  expect(seen.slice(2, 4)).toEqual(["iam:UpdateAccessKey 200", "iam:AttachUserPolicy 200"]);
}

describe("the responder's Lambda entry, one event kind after another", () => {
  it.each([
    ["health-credentials-exposed", "health-exposed"],
    ["guardduty-iam-user", "guardduty"],
    ["keywarden-scan-hit", "keywarden-scan"],
  ])(
    "%s: contains the key with respond's four calls first, stores one incident, tells owner and team",
    async (fixture, kind) => {
      const user = `leak-${kind}`;
      const key = await leakedKey(user);
      const handler = createHandler(await env());
      const result = await handler(eventFor(fixture, key), CONTEXT);
      expect(result).toMatchObject({ kind, ignored: null, keys: [{ status: "contained" }] });
      expectRespondContainment(calls());
      // Investigation, owner lookup and the team topic come after containment, never before.
      const after = calls().slice(4);
      expect(after).toContain("cloudtrail:LookupEvents 200");
      expect(after).toContain("sns:Publish 200");
      expect(calls().filter((c) => c.startsWith("sts:GetCallerIdentity"))).toEqual([]);
      expect(await status(user)).toBe("Inactive");

      const incidents = await records("incident");
      expect(incidents).toHaveLength(1);
      expect(incidents[0]?.data).toMatchObject({
        accessKeyId: key,
        userName: user,
        containment: { deactivated: true },
        trigger: { kind },
      });
      // The owner (the user's owner tag) and the team hear once; no secret is ever sent or stored.
      expect(hook.bodies).toHaveLength(1);
      const body = JSON.parse(hook.bodies[0] ?? "{}") as { owner: string; notifications: { kind: string }[] };
      expect(body.owner).toBe(`${user}@example.com`);
      expect(body.notifications[0]?.kind).toBe("incident");
      expect(hook.bodies[0]).not.toContain("testing");
    },
    180_000,
  );
});

describe("at-least-once delivery", () => {
  it("the same event delivered twice contains once, writes one incident, and the second makes no AWS call", async () => {
    const key = await leakedKey("leak-twice");
    const e = eventFor("guardduty-iam-user", key);
    const handler = createHandler(await env());
    await handler(e, CONTEXT);
    recorder.clear();
    const again = await handler(e, { ...CONTEXT, awsRequestId: "req-2" });
    expect(again.keys).toEqual([expect.objectContaining({ status: "duplicate" })]);
    expect(again.keys[0]?.incidentId).toMatch(/^inc-/);
    expect(recorder.calls).toEqual([]);
    expect(await records("incident")).toHaveLength(1);
    expect(hook.bodies).toHaveLength(1);
  }, 180_000);

  it("two deliveries at once (two Lambda containers, one store): one contains, the other does nothing", async () => {
    const key = await leakedKey("leak-race");
    const e = eventFor("health-credentials-exposed", key);
    const vars = await env();
    const [a, b] = await Promise.all([
      createHandler(vars)(e, { ...CONTEXT, awsRequestId: "req-a" }),
      createHandler(vars)(e, { ...CONTEXT, awsRequestId: "req-b" }),
    ]);
    const statuses = [a.keys[0]?.status, b.keys[0]?.status].sort();
    expect(statuses[0]).toBe("contained");
    expect(["duplicate", "in-progress"]).toContain(statuses[1]);
    expect(calls().filter((c) => c.startsWith("iam:UpdateAccessKey"))).toHaveLength(1);
    expect(calls().filter((c) => c.startsWith("iam:AttachUserPolicy"))).toHaveLength(1);
    expect(await records("incident")).toHaveLength(1);
  }, 180_000);

  it("an older event delivered after a newer one does not contain again", async () => {
    const key = await leakedKey("leak-late");
    const handler = createHandler(await env());
    // GuardDuty's finding (07:02) arrives first; AWS Health's older notice (06:27) after it.
    const newer = await handler(eventFor("guardduty-iam-user", key), CONTEXT);
    expect(newer.keys[0]?.status).toBe("contained");
    recorder.clear();
    const older = await handler(eventFor("health-credentials-exposed", key), CONTEXT);
    expect(older.keys[0]).toMatchObject({ status: "superseded", incidentId: newer.keys[0]?.incidentId });
    expect(recorder.calls).toEqual([]);
    expect(await records("incident")).toHaveLength(1);
  }, 180_000);

  it("a newer event after an older one contains again (the key may have been re-enabled)", async () => {
    const key = await leakedKey("leak-again");
    const handler = createHandler(await env());
    await handler(eventFor("health-credentials-exposed", key), CONTEXT);
    recorder.clear();
    const newer = await handler(eventFor("guardduty-iam-user", key), CONTEXT);
    expect(newer.keys[0]?.status).toBe("contained");
    expectRespondContainment(calls());
    expect(await records("incident")).toHaveLength(2);
  }, 180_000);

  it("a worker that died after containing, before finishing its claim: taken over after the lease, one incident", async () => {
    const key = await leakedKey("leak-died");
    const e = eventFor("guardduty-iam-user", key);
    const handler = createHandler(await env());
    const first = await handler(e, CONTEXT);
    const incidentId = first.keys[0]?.incidentId;
    // Put the claim back as the dead worker left it: held, 16 minutes ago, never finished.
    const store = await openSqliteStore(storePath);
    const [held] = await store.listRecords(CLAIM_KIND);
    await store.putRecord({
      kind: CLAIM_KIND,
      id: held?.id ?? "",
      subject: key,
      data: {
        ...held?.data,
        state: "claimed",
        worker: "dead-worker",
        claimedAt: new Date(Date.now() - 16 * 60_000).toISOString(),
      },
    });
    await store.close();
    recorder.clear();
    const again = await handler(e, { ...CONTEXT, awsRequestId: "req-retry" });
    expect(again.keys[0]).toMatchObject({ status: "contained", incidentId });
    expectRespondContainment(calls());
    expect(await status("leak-died")).toBe("Inactive");
    const incidents = await records("incident");
    expect(incidents.map((r) => r.id)).toEqual([incidentId]);
    expect(incidents[0]?.data.incidentId).toBe(incidentId);
    expect((await records(CLAIM_KIND))[0]?.data).toMatchObject({ state: "done", incidentId });
  }, 180_000);

  it("a containment that fails releases its claim: the next delivery tries again", async () => {
    // A key nobody in the account holds: respond refuses (KEY_NOT_FOUND / other account).
    const e = eventFor("keywarden-scan-hit", "AKIAIOSFODNN7EXAMPLE");
    const handler = createHandler(await env());
    await expect(handler(e, CONTEXT)).rejects.toThrow(/not contained/);
    expect(await records(CLAIM_KIND)).toEqual([]);
    const first = recorder.calls.length;
    expect(first).toBeGreaterThan(0);
    await expect(handler(e, CONTEXT)).rejects.toThrow(/not contained/);
    expect(recorder.calls.length).toBeGreaterThan(first);
    expect(recorder.calls.map((c) => c.call)).not.toContain("iam:AttachUserPolicy");
    expect(await records("incident")).toEqual([]);
  }, 180_000);
});

describe("events the responder does not act on", () => {
  it("a GuardDuty finding on session credentials, a finding without a key and an unknown event: no AWS call", async () => {
    const handler = createHandler(await env());
    recorder.clear();
    const session = await handler(eventFor("guardduty-session-credentials", "unused"), CONTEXT);
    expect(session.ignored).toMatch(/temporary credentials/);
    const keyless = eventFor("guardduty-iam-user", "unused") as { detail: { resource: unknown } };
    keyless.detail.resource = { resourceType: "Instance" };
    expect((await handler(keyless, CONTEXT)).ignored).toMatch(/no IAM access key/);
    expect(
      (await handler({ ...(eventFor("keywarden-scan-hit", "x") as object), source: "aws.s3" }, CONTEXT))
        .ignored,
    ).toMatch(/aws\.s3/);
    expect(recorder.calls).toEqual([]);
    expect(await records(CLAIM_KIND)).toEqual([]);
  }, 60_000);
});
