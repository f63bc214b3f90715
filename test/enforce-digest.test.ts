// Five simulated weeks with `digest: true`: each owner gets at most one email a day (a real SMTP
// server in this process receives them), listing every key of theirs that crossed a threshold;
// a webhook that always answers 400 fails for good, is never retried, and stops nothing.
import { createServer, type Server } from "node:http";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildChannels } from "../src/notify/config.js";
import { parsePolicy } from "../src/policy/load.js";
import { runEnforcement } from "../src/policy/enforce.js";
import { KeyModel, keyId, SimClock, tempStore, type ModelKey } from "./fixtures/policy/harness.js";

interface Mail {
  day: number;
  to: string[];
  raw: string;
}
const mails: Mail[] = [];
let today = 0;
let smtp: SMTPServer;
let smtpPort = 0;
let hook: Server;
let hookUrl = "";
let hookHits = 0;

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, session, cb) {
      let raw = "";
      stream.setEncoding("utf8");
      stream.on("data", (c: string) => (raw += c));
      stream.on("end", () => {
        mails.push({ day: today, to: session.envelope.rcptTo.map((r) => r.address), raw });
        cb();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, "127.0.0.1", r));
  smtpPort = (smtp.server.address() as { port: number }).port;
  hook = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      hookHits++;
      res.writeHead(400).end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, "127.0.0.1", r));
  hookUrl = `http://127.0.0.1:${(hook.address() as { port: number }).port}/hook`;
});

afterAll(async () => {
  await new Promise<void>((r) => {
    smtp.close(() => {
      r();
    });
  });
  await new Promise<void>((r) => {
    hook.close(() => {
      r();
    });
  });
});

describe("daily digest over weeks", () => {
  it("one email per owner per day, every notice in it once, a broken webhook never retried", async () => {
    const clock = new SimClock();
    const { store, cleanup } = await tempStore(clock);
    try {
      const yaml = `version: 1
owners:
  tags: [owner]
rules:
  access-key-rotation:
    timeline: { warn: 76, rotate: 90, deactivate: 100, delete: 110 }
notifications:
  digest: true
  channels:
    - type: email
      host: 127.0.0.1
      port: ${smtpPort}
      from: keywarden@example.com
      fallbackTo: [security@example.com]
    - type: webhook
      url: ${hookUrl}
      secretEnv: KW_HOOK
`;
      const policy = { file: "k.yaml", doc: parsePolicy(yaml, "k.yaml"), ownerMap: {} };
      const channels = buildChannels(policy.doc.notifications?.channels ?? [], {
        env: { KW_HOOK: "k" },
        sleep: () => Promise.resolve(),
      });
      const mk = (userName: string, owner: string | null, createdDay: number): ModelKey => ({
        userName,
        accessKeyId: keyId(),
        status: "Active",
        createdDay,
        lastUsedDay: createdDay + 1,
        tags: owner ? { owner } : {},
      });
      const model = new KeyModel(
        [
          mk("u1", "team@example.com", 0),
          mk("u2", "team@example.com", 0),
          mk("u3", "team@example.com", 3),
          mk("u4", "solo@example.com", 0),
          mk("u5", null, 0),
        ],
        clock,
      );
      const ports = model.ports();
      let items = 0;
      for (let day = 70; day <= 115; day++) {
        today = day;
        clock.day(day);
        const r = await runEnforcement({
          store,
          policy,
          ports,
          channels,
          now: clock.now,
          apply: true,
          owner: "t:1",
        });
        items += (r.notifications?.sent ?? 0) + (r.notifications?.failed ?? 0);
      }
      // At most one email per recipient per day.
      const perDay = new Map<string, number>();
      for (const m of mails)
        for (const to of m.to) perDay.set(`${m.day} ${to}`, (perDay.get(`${m.day} ${to}`) ?? 0) + 1);
      expect([...perDay.values()].every((n) => n === 1)).toBe(true);
      // The team's first digest (day 76) lists u1 and u2 together; u3 is three days behind.
      const first = mails.find((m) => m.to.includes("team@example.com"));
      expect(first?.day).toBe(76);
      expect(first?.raw).toContain("2 access key notices for team@example.com");
      expect(first?.raw).toMatch(/of u1: rotation due/);
      expect(first?.raw).toMatch(/of u2: rotation due/);
      expect(first?.raw).not.toMatch(/of u3:/);
      // The key without an owner went to fallbackTo; every recipient got mail.
      expect(new Set(mails.flatMap((m) => m.to))).toEqual(
        new Set(["team@example.com", "solo@example.com", "security@example.com"]),
      );
      // Each notice appeared in exactly one email.
      const records = await store.listRecords("notification", { limit: 1000 });
      expect(records).toHaveLength(items);
      for (const rec of records) {
        const key = (rec.data.item as { accessKeyId: string }).accessKeyId;
        const stage = (rec.data.item as { deadline: string }).deadline;
        const hits = mails.filter(
          (m) => m.raw.includes(`${key.slice(0, 4)}************${key.slice(-4)}`) && m.raw.includes(stage),
        );
        expect(hits.length).toBeGreaterThanOrEqual(1);
        expect(rec.data.channels).toMatchObject({
          email: { status: "sent" },
          webhook: { status: "failed", permanent: true },
        });
      }
      // The webhook got each digest once: a 400 is not retried, neither now nor on later runs.
      expect(hookHits).toBe(mails.length);
      // Enforcement went on regardless: every key was deactivated and deleted on schedule.
      expect(model.events.filter((e) => e.kind === "delete")).toHaveLength(5);
      // 46 daily runs, 5 keys of 3 owners: 60 notices in 38 digest emails.
      expect(items).toBe(60);
      expect(mails).toHaveLength(38);
    } finally {
      await cleanup();
    }
  });
});
