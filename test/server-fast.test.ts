// What decides the dashboard's speed, asserted without timing anything: stored audits are read
// and parsed once per version (not per request), a newly saved, replaced or deleted audit shows on
// the next request, and answers are compressed as the client accepts, with the same bytes inside.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuditKeyView, AuditReport } from "../src/domain/audit-report.js";
import type { Finding } from "../src/domain/types.js";
import { createApp } from "../src/server/app.js";
import { AUDIT_KIND, saveAudit } from "../src/server/audit-records.js";
import { negotiate } from "../src/server/compress.js";
import { hashToken } from "../src/server/token.js";
import type { Overview } from "../src/server/views.js";
import { openSqliteStore } from "../src/store/sqlite.js";
import type { Store } from "../src/store/types.js";

const TOKEN = "kwd_fast-path-test-token";
const auth = { Authorization: `Bearer ${TOKEN}` };
const ACCOUNT = "123456789012";
const DAY = 86_400_000;

/** A synthetic audit of `n` keys, every third with a finding: big enough to compress well. */
function audit(n: number, generatedAt: Date): AuditReport {
  const keys: AuditKeyView[] = Array.from({ length: n }, (_, i) => ({
    accountId: ACCOUNT,
    userName: `user-${i}`,
    accessKeyId: `AKIA${String(i).padStart(16, "0")}`,
    status: i % 5 === 0 ? "Inactive" : "Active",
    createdAt: new Date(generatedAt.getTime() - (i % 400) * DAY).toISOString(),
    lastUsedAt: null,
    lastUsedService: null,
    lastUsedRegion: null,
    ageDays: i % 400,
  }));
  const findings: Finding[] = keys
    .filter((_, i) => i % 3 === 0)
    .map((k) => ({
      ruleId: "KW-AGE-001",
      severity: "high",
      result: "FAIL",
      accountId: ACCOUNT,
      userName: k.userName,
      accessKeyId: k.accessKeyId,
      message: `key is ${k.ageDays} days old`,
      remediation: "rotate it",
    }));
  return {
    schemaVersion: 1,
    generatedAt: generatedAt.toISOString(),
    accounts: [
      {
        accountId: ACCOUNT,
        users: n,
        keys: n,
        rootAccessKeysPresent: false,
        rootMfaEnabled: true,
        credentialReportGeneratedAt: null,
      },
    ],
    keys,
    findings,
    stats: { apiCalls: {}, durationMs: 1 },
  };
}

/** The store, counting every call that reads payloads of audits (each one is a JSON parse). */
function counting(store: Store) {
  const counts = { auditPayloadReads: 0 };
  const wrapped = Object.create(store) as Store;
  wrapped.getRecord = (kind, id) => {
    if (kind === AUDIT_KIND) counts.auditPayloadReads++;
    return store.getRecord(kind, id);
  };
  wrapped.listRecords = (kind, filter) => {
    if (kind === AUDIT_KIND) counts.auditPayloadReads++;
    return store.listRecords(kind, filter);
  };
  return { store: wrapped, counts };
}

let dir = "";
let raw: Store;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "keywarden-fast-"));
  raw = await openSqliteStore(join(dir, "kw.db"));
  const t0 = Date.now() - 10 * DAY;
  // Ten stored audits, as in issue 19's measurement.
  for (let i = 0; i < 10; i++) await saveAudit(raw, audit(300, new Date(t0 + i * DAY)), {});
  // A scan result big enough that its listing is compressed per request (the generic middleware).
  await raw.putRecord({
    kind: "scan-result",
    id: "scan-1",
    subject: "repo",
    data: {
      hits: Array.from({ length: 100 }, (_, i) => ({ file: `src/file-${i}.ts`, line: i, rule: "aws-key" })),
    },
  });
  await mkdir(join(dir, "dashboard", "assets"), { recursive: true });
  await writeFile(join(dir, "dashboard", "index.html"), "<!doctype html><title>kw</title>\n");
  await writeFile(
    join(dir, "dashboard", "assets", "app-abc123.js"),
    "console.log('keywarden');\n".repeat(400),
  );
});

afterAll(async () => {
  await raw.close();
  await rm(dir, { recursive: true, force: true });
});

function app(store: Store) {
  return createApp({
    store,
    now: () => new Date(),
    runAudit: () => Promise.reject(new Error("no audits here")),
    rotations: {
      start: () => Promise.reject(new Error("no")),
      advance: () => Promise.reject(new Error("no")),
      rollback: () => Promise.reject(new Error("no")),
    },
    tokenHash: hashToken(TOKEN),
    allowActions: false,
    dashboardDir: join(dir, "dashboard"),
  });
}

describe("stored audits are parsed once per version, not per request", () => {
  it("reads the latest audit's payload on the first request only, across /overview, /keys, /findings, /audit", async () => {
    const { store, counts } = counting(raw);
    const a = app(store);
    const first = await a.request("/api/v1/keys", { headers: auth });
    expect(first.status).toBe(200);
    const afterFirst = counts.auditPayloadReads;
    expect(afterFirst).toBe(1);
    for (let i = 0; i < 3; i++) {
      for (const path of [
        "/api/v1/keys",
        "/api/v1/findings",
        "/api/v1/audit",
        "/api/v1/keys/AKIA0000000000000003",
      ]) {
        expect((await a.request(path, { headers: auth })).status, path).toBe(200);
      }
    }
    expect(counts.auditPayloadReads).toBe(afterFirst);
    // The overview's activity line of each of the ten audits counts its findings: ten reads, once.
    expect((await a.request("/api/v1/overview", { headers: auth })).status).toBe(200);
    const afterOverview = counts.auditPayloadReads;
    expect(afterOverview).toBe(afterFirst + 10);
    for (let i = 0; i < 3; i++)
      expect((await a.request("/api/v1/overview", { headers: auth })).status).toBe(200);
    expect(counts.auditPayloadReads).toBe(afterOverview);
  });

  it("shows a newly saved audit, a replaced one and a deletion on the next request", async () => {
    const { store, counts } = counting(raw);
    const a = app(store);
    const keysCount = async () =>
      ((await (await a.request("/api/v1/keys", { headers: auth })).json()) as { keys: unknown[] }).keys
        .length;
    expect(await keysCount()).toBe(300);
    // Saved by another writer (as `keywarden audit --save` would): the app's cache is not told.
    const saved = await saveAudit(raw, audit(7, new Date()), {});
    expect(await keysCount()).toBe(7);
    const overview = (await (await a.request("/api/v1/overview", { headers: auth })).json()) as Overview;
    expect(overview.audit?.keys).toBe(7);
    expect(overview.recentActivity.filter((x) => x.kind === "audit")[0]?.text).toMatch(/3 findings/);
    const reads = counts.auditPayloadReads;
    await raw.putRecord({ ...saved, data: { ...saved.data, keys: [] } });
    expect(await keysCount()).toBe(0);
    expect(counts.auditPayloadReads).toBe(reads + 1);
    await raw.deleteRecord(AUDIT_KIND, saved.id);
    expect(await keysCount()).toBe(300);
  });
});

describe("compression", () => {
  it("picks br, then gzip, honouring q values and refusals", () => {
    expect(negotiate(undefined)).toBe("identity");
    expect(negotiate("gzip, deflate, br")).toBe("br");
    expect(negotiate("gzip")).toBe("gzip");
    expect(negotiate("br;q=0, gzip")).toBe("gzip");
    expect(negotiate("br;q=0.5, gzip;q=0.9")).toBe("gzip");
    expect(negotiate("*")).toBe("br");
    expect(negotiate("*;q=0, identity")).toBe("identity");
    expect(negotiate("gzip;q=0, br;q=0")).toBe("identity");
    expect(negotiate("deflate")).toBe("identity");
  });

  const decode = (enc: string | null, bytes: Buffer) =>
    enc === "br" ? brotliDecompressSync(bytes) : enc === "gzip" ? gunzipSync(bytes) : bytes;

  for (const path of [
    "/api/v1/keys",
    "/api/v1/overview",
    "/api/v1/scans",
    "/api/v1/rotations",
    "/",
    "/assets/app-abc123.js",
  ]) {
    it(`sends ${path} compressed as asked, with the identity bytes inside`, async () => {
      const a = app(raw);
      const plain = await a.request(path, { headers: { ...auth, "Accept-Encoding": "identity" } });
      expect(plain.status).toBe(200);
      expect(plain.headers.get("Content-Encoding")).toBeNull();
      expect(plain.headers.get("Vary")).toMatch(/Accept-Encoding/);
      const plainBytes = Buffer.from(await plain.arrayBuffer());
      expect(plain.headers.get("Content-Length")).toBe(String(plainBytes.length));
      for (const enc of ["gzip", "br"]) {
        const res = await a.request(path, { headers: { ...auth, "Accept-Encoding": enc } });
        expect(res.status).toBe(200);
        expect(res.headers.get("Vary")).toMatch(/Accept-Encoding/);
        const bytes = Buffer.from(await res.arrayBuffer());
        expect(res.headers.get("Content-Length")).toBe(String(bytes.length));
        if (plainBytes.length < 1024) {
          // Small answers go as they are: compression would not pay for itself.
          expect(res.headers.get("Content-Encoding")).toBeNull();
          expect(bytes.equals(plainBytes)).toBe(true);
          continue;
        }
        expect(res.headers.get("Content-Encoding")).toBe(enc);
        expect(bytes.length).toBeLessThan(plainBytes.length / 2);
        const inside = decode(enc, bytes);
        // /overview carries its generation time: compare it without that field.
        if (path.endsWith("/overview")) {
          const strip = (b: Buffer) => ({ ...(JSON.parse(b.toString()) as object), generatedAt: null });
          expect(strip(inside)).toEqual(strip(plainBytes));
        } else {
          expect(inside.equals(plainBytes)).toBe(true);
        }
      }
    });
  }

  it("answers HEAD with the headers and length of GET, and no body", async () => {
    const a = app(raw);
    const headers = { ...auth, "Accept-Encoding": "gzip" };
    const get = await a.request("/api/v1/keys", { headers });
    const head = await a.request("/api/v1/keys", { method: "HEAD", headers });
    expect(head.status).toBe(200);
    expect(head.headers.get("Content-Encoding")).toBe("gzip");
    expect(head.headers.get("Content-Length")).toBe(get.headers.get("Content-Length"));
    expect((await head.arrayBuffer()).byteLength).toBe(0);
  });

  it("keeps the security headers and the assets' cache policy on compressed answers", async () => {
    const a = app(raw);
    const res = await a.request("/assets/app-abc123.js", { headers: { "Accept-Encoding": "br" } });
    expect(res.headers.get("Content-Encoding")).toBe("br");
    expect(res.headers.get("Cache-Control")).toBe("public, max-age=31536000, immutable");
    expect(res.headers.get("Content-Type")).toMatch(/^text\/javascript/);
    expect(res.headers.get("Content-Security-Policy")).toMatch(/default-src 'self'/);
    const index = await a.request("/", { headers: { "Accept-Encoding": "gzip" } });
    expect(index.headers.get("Content-Encoding")).toBeNull(); // 33 bytes: sent as is
    expect(index.headers.get("Cache-Control")).toBe("no-cache");
    expect(await index.text()).toMatch(/<title>kw<\/title>/);
  });
});
