// Notification channels against real receivers: an SMTP server in this process (smtp-server), a
// node:http server for the webhook and the Slack webhook, and SNS on the emulator delivering to an
// HTTP subscription. Plus the dispatcher's once-only rule on a real SQLite store.
import { createServer, type Server } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateTopicCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UsageError } from "../src/domain/errors.js";
import { openSession } from "../src/aws/session.js";
import { snsPublisher } from "../src/aws/sns.js";
import { buildChannels } from "../src/notify/config.js";
import { dispatch } from "../src/notify/dispatch.js";
import { composeMessage, type NotificationItem } from "../src/notify/message.js";
import { slackPayload } from "../src/notify/slack.js";
import { openSqliteStore } from "../src/store/sqlite.js";
import { parsePolicy } from "../src/policy/load.js";
import { REGION, useEmulator } from "./emulator/harness.js";

const emu = useEmulator();

const item = (over: Partial<NotificationItem> = {}): NotificationItem => ({
  dedupeKey: "countdown:111122223333:AKIAIOSFODNN7EXAMPLE:access-key-rotation:rotate:7",
  kind: "countdown",
  owner: "alice@example.com",
  accountId: "111122223333",
  userName: "alice",
  accessKeyId: "AKIAIOSFODNN7EXAMPLE",
  ruleId: "access-key-rotation",
  stage: "rotate",
  deadline: "2026-04-01",
  daysLeft: 7,
  reason: "key AKIA************MPLE is 83 days old (rule access-key-rotation)",
  fix: "keywarden rotate --user alice --key AKIAIOSFODNN7EXAMPLE --to secretsmanager:iam/alice",
  ...over,
});

interface Hit {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** An HTTP receiver on port 0 answering each request with the next status in `script` (then 200). */
async function receiver(
  script: number[] = [],
): Promise<{ url: string; hits: Hit[]; close(): Promise<void> }> {
  const hits: Hit[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (body += c));
    req.on("end", () => {
      hits.push({ path: req.url ?? "", headers: req.headers, body });
      res.writeHead(script.shift() ?? 200).end("ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    hits,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => {
          r();
        });
      }),
  };
}

interface Mail {
  from: string;
  to: string[];
  raw: string;
  user: string | null;
  secure: boolean;
}

async function smtpSink(): Promise<{ port: number; mails: Mail[]; close(): Promise<void> }> {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === "kw" && auth.password === "s3cret-pass") cb(null, { user: auth.username });
      else cb(new Error("Invalid username or password"));
    },
    onData(stream, session, cb) {
      let raw = "";
      stream.setEncoding("utf8");
      stream.on("data", (c: string) => (raw += c));
      stream.on("end", () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          user: (session.user as string | undefined) ?? null,
          secure: session.secure,
        });
        cb();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.server.address() as { port: number }).port;
  return {
    port,
    mails,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => {
          r();
        });
      }),
  };
}

const noSleep = (_ms: number) => Promise.resolve();

function channelsFrom(yaml: string, env: NodeJS.ProcessEnv, sleep = noSleep) {
  const doc = parsePolicy(`version: 1\nnotifications:\n  channels:\n${yaml}`, "k.yaml");
  return buildChannels(doc.notifications?.channels ?? [], { env, sleep });
}

describe("email over SMTP", () => {
  let sink: Awaited<ReturnType<typeof smtpSink>>;
  beforeAll(async () => {
    sink = await smtpSink();
  });
  afterAll(async () => {
    await sink.close();
  });

  it("delivers to the owner over STARTTLS with the password from the named variable", async () => {
    const [ch] = channelsFrom(
      `    - type: email\n      host: 127.0.0.1\n      port: ${sink.port}\n      requireTLS: true\n      rejectUnauthorized: false\n      userEnv: KW_SMTP_USER\n      passwordEnv: KW_SMTP_PASS\n      from: keywarden@example.com\n`,
      { KW_SMTP_USER: "kw", KW_SMTP_PASS: "s3cret-pass" },
    );
    await ch?.send(composeMessage("alice@example.com", [item()]));
    const mail = sink.mails.at(-1);
    expect(mail?.to).toEqual(["alice@example.com"]);
    expect(mail?.user).toBe("kw");
    expect(mail?.secure).toBe(true);
    expect(mail?.raw).toContain(
      "Subject: [keywarden] AKIA************MPLE of alice: rotation due 2026-04-01",
    );
    expect(mail?.raw).toContain("Fix: keywarden rotate --user alice --key AKIAIOSFODNN7EXAMPLE");
    expect(mail?.raw).toContain("Deadline: 2026-04-01");
  });

  it("refuses the server's self-signed certificate unless told otherwise", async () => {
    const [ch] = channelsFrom(
      `    - type: email\n      host: 127.0.0.1\n      port: ${sink.port}\n      requireTLS: true\n      from: keywarden@example.com\n`,
      {},
    );
    await expect(ch?.send(composeMessage("alice@example.com", [item()]))).rejects.toThrow(/certificate/i);
  });

  it("an owner without an address goes to fallbackTo", async () => {
    const [ch] = channelsFrom(
      `    - type: email\n      host: 127.0.0.1\n      port: ${sink.port}\n      rejectUnauthorized: false\n      from: keywarden@example.com\n      fallbackTo: [security@example.com]\n`,
      {},
    );
    await ch?.send(composeMessage("team-payments", [item({ owner: "team-payments" })]));
    expect(sink.mails.at(-1)?.to).toEqual(["security@example.com"]);
  });

  it("a secret variable that is not set stops before anything is sent", () => {
    expect(() =>
      channelsFrom(
        `    - type: email\n      host: h\n      passwordEnv: KW_MISSING\n      userEnv: KW_U\n      from: a@example.com\n`,
        { KW_U: "x" },
      ),
    ).toThrow(UsageError);
    expect(() =>
      channelsFrom(
        `    - type: email\n      host: h\n      passwordEnv: KW_MISSING\n      from: a@example.com\n`,
        {},
      ),
    ).toThrow(/KW_MISSING \(passwordEnv\) is not set/);
  });
});

describe("generic webhook", () => {
  it("signs the exact body with HMAC-SHA256 and retries 5xx with backoff", async () => {
    const r = await receiver([503, 502]);
    const waits: number[] = [];
    const [ch] = channelsFrom(
      `    - type: webhook\n      url: ${r.url}\n      secretEnv: KW_HOOK\n      retries: 3\n`,
      { KW_HOOK: "hook-secret" },
      (ms) => {
        waits.push(ms);
        return Promise.resolve();
      },
    );
    await ch?.send(composeMessage("alice@example.com", [item()]));
    await r.close();
    expect(r.hits).toHaveLength(3);
    expect(waits).toEqual([500, 1000]);
    const { createHmac } = await import("node:crypto");
    for (const h of r.hits) {
      const want = `sha256=${createHmac("sha256", "hook-secret").update(h.body).digest("hex")}`;
      expect(h.headers["x-keywarden-signature"]).toBe(want);
      expect(h.headers["content-type"]).toBe("application/json");
    }
    const body = JSON.parse(r.hits[2]?.body ?? "{}") as { notifications: NotificationItem[] };
    expect(body.notifications[0]).toMatchObject({
      userName: "alice",
      deadline: "2026-04-01",
      stage: "rotate",
    });
  });

  it("does not retry a 4xx, and gives up after the retries", async () => {
    const r = await receiver([400, 500, 500, 500, 500]);
    const [ch] = channelsFrom(
      `    - type: webhook\n      url: ${r.url}\n      secretEnv: KW_HOOK\n      retries: 2\n`,
      { KW_HOOK: "k" },
    );
    await expect(ch?.send(composeMessage(null, [item()]))).rejects.toThrow("HTTP 400");
    expect(r.hits).toHaveLength(1);
    await expect(ch?.send(composeMessage(null, [item()]))).rejects.toThrow("HTTP 500");
    expect(r.hits).toHaveLength(4);
    await r.close();
  });
});

describe("Slack incoming webhook", () => {
  it("posts valid Block Kit: text fallback, a header, one mrkdwn section per key, a context", async () => {
    const r = await receiver();
    const [ch] = channelsFrom(`    - type: slack\n      webhookUrlEnv: KW_SLACK\n`, { KW_SLACK: r.url });
    const items = [
      item(),
      item({
        dedupeKey: "b",
        userName: "bob",
        accessKeyId: "AKIAI44QH8DHBEXAMPLE",
        kind: "action",
        outcome: "deactivated by keywarden enforce",
      }),
    ];
    await ch?.send(composeMessage("alice@example.com", items));
    await r.close();
    const payload = JSON.parse(r.hits[0]?.body ?? "{}") as {
      text: string;
      blocks: Record<string, unknown>[];
    };
    expect(payload).toEqual(slackPayload(composeMessage("alice@example.com", items)));
    expect(typeof payload.text).toBe("string");
    expect(payload.blocks.length).toBeLessThanOrEqual(50);
    const [header, s1, s2, ctx] = payload.blocks as [
      { type: string; text: { type: string; text: string } },
      { type: string; text: { type: string; text: string } },
      { type: string; text: { type: string; text: string } },
      { type: string; elements: { type: string; text: string }[] },
    ];
    expect(header.type).toBe("header");
    expect(header.text.type).toBe("plain_text");
    expect(header.text.text.length).toBeLessThanOrEqual(150);
    for (const s of [s1, s2]) {
      expect(s.type).toBe("section");
      expect(s.text.type).toBe("mrkdwn");
      expect(s.text.text.length).toBeLessThanOrEqual(3000);
    }
    expect(s1.text.text).toContain("`AKIA************MPLE`");
    expect(s1.text.text).toContain("*Fix:* `keywarden rotate --user alice");
    expect(s2.text.text).toContain("deactivated by keywarden enforce");
    expect(ctx.type).toBe("context");
    expect(ctx.elements[0]?.type).toBe("mrkdwn");
    // Every block is one of the kinds Slack accepts in a message, with no unknown keys.
    for (const b of payload.blocks) expect(["header", "section", "context"]).toContain(b.type);
  });
});

describe("SNS topic on the emulator", () => {
  it("publishes the message; an HTTP subscriber of the topic receives it", async () => {
    const r = await receiver();
    const sns = new SNSClient({
      endpoint: emu.endpoint,
      region: REGION,
      credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    });
    const topic = await sns.send(new CreateTopicCommand({ Name: "keywarden-notices" }));
    await sns.send(new SubscribeCommand({ TopicArn: topic.TopicArn, Protocol: "http", Endpoint: r.url }));
    const session = await openSession(
      {
        endpointUrl: emu.endpoint,
        region: REGION,
        credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
      },
      {},
    );
    const doc = parsePolicy(
      `version: 1\nnotifications:\n  channels:\n    - type: sns\n      topicArn: ${topic.TopicArn}\n`,
      "k.yaml",
    );
    const [ch] = buildChannels(doc.notifications?.channels ?? [], {
      env: {},
      sleep: noSleep,
      snsPublisher: () => snsPublisher(session, { endpoint: emu.endpoint }),
    });
    await ch?.send(composeMessage("alice@example.com", [item()]));
    for (let i = 0; i < 50 && !r.hits.some((h) => h.body.includes('"Notification"')); i++)
      await new Promise((x) => setTimeout(x, 50));
    await r.close();
    const note = r.hits
      .map((h) => JSON.parse(h.body) as { Type: string; Message: string; Subject?: string })
      .find((m) => m.Type === "Notification");
    expect(note?.Message).toContain("Key: AKIA************MPLE");
    expect(note?.Message).toContain("Fix: keywarden rotate --user alice");
    expect(note?.Subject).toContain("[keywarden] AKIA************MPLE of alice");
    expect(session.counter.snapshot()).toEqual({ Publish: 1 });
  });
});

describe("dispatch", () => {
  it("a digest is one message per owner; the same notifications are never sent twice", async () => {
    const dir = await mkdtemp(join(tmpdir(), "keywarden-notify-"));
    const store = await openSqliteStore(join(dir, "k.db"));
    const r = await receiver();
    try {
      const channels = channelsFrom(`    - type: webhook\n      url: ${r.url}\n      secretEnv: KW_HOOK\n`, {
        KW_HOOK: "k",
      });
      const items = [
        item({ dedupeKey: "a1" }),
        item({ dedupeKey: "a2" }),
        item({ dedupeKey: "b1", owner: "bob@example.com" }),
      ];
      const opts = {
        store,
        channels,
        now: () => new Date("2026-04-01T06:00:00Z"),
        digest: true,
        runId: "enf-1",
      };
      const first = await dispatch(opts, items);
      expect(first).toMatchObject({ sent: 3, failed: 0, duplicates: 0 });
      expect(r.hits).toHaveLength(2);
      const again = await dispatch({ ...opts, runId: "enf-2" }, items);
      expect(again).toMatchObject({ sent: 0, duplicates: 3 });
      expect(r.hits).toHaveLength(2);
      const rec = await store.getRecord("notification", "a1");
      expect(rec?.data).toMatchObject({
        status: "sent",
        attempts: 1,
        channels: { webhook: { status: "sent" } },
      });
    } finally {
      await r.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
