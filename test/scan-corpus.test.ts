// The planted corpus: every planted credential found, in the files and in history; nothing
// reported for the lookalikes or the AWS documentation examples.
import { mkdtemp, rm, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fingerprintOf } from "../src/scan/finalize.js";
import { runScan, DEFAULT_MAX_BYTES, type ScanOptions } from "../src/scan/run.js";
import type { ScanReport } from "../src/scan/types.js";
import {
  lookalikeCorpus,
  makeKeyId,
  makeRng,
  makeSecret,
  plantedCorpus,
  type Planted,
} from "./fixtures/scan/corpus.js";
import { commitAll, initRepo, writeCorpus } from "./fixtures/scan/repo.js";

let dir: string;
const rng = makeRng(20260601);
const planted = plantedCorpus(rng);
const fakes = lookalikeCorpus(rng);
let deleted: Planted[] = [];
let firstCommit = "";

function opts(mode: ScanOptions["mode"]): ScanOptions {
  return {
    paths: [dir],
    cwd: dir,
    mode,
    maxBytes: DEFAULT_MAX_BYTES,
    baseline: null,
    join: null,
    clock: () => 0,
  };
}

function expectAllFound(report: ScanReport, items: Planted[], checkLines: boolean): void {
  const byFp = new Map(report.findings.map((f) => [f.fingerprint, f]));
  const missing = items.filter((p) => !byFp.has(fingerprintOf(p.kind, p.value)));
  expect(missing.map((m) => `${m.kind} ${m.path}:${m.line}`)).toEqual([]);
  if (checkLines) {
    for (const p of items) {
      const f = byFp.get(fingerprintOf(p.kind, p.value));
      expect(`${f?.path}:${f?.line}`, `${p.kind} in ${p.path}`).toBe(`${p.path}:${p.line}`);
    }
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kw-scan-corpus-"));
  initRepo(dir);
  // First commit: a key in a file that a later commit deletes (only history has it).
  const r2 = makeRng(7);
  const k = makeKeyId(r2);
  const s = makeSecret(r2);
  await writeCorpus(dir, [
    { path: "old/leaked.env", content: Buffer.from(`AWS_ACCESS_KEY_ID=${k}\nAWS_SECRET_ACCESS_KEY=${s}\n`) },
  ]);
  firstCommit = commitAll(dir, "add leaked env", "2023-05-01T10:00:00Z");
  deleted = [
    { kind: "access-key-id", value: k, path: "old/leaked.env", line: 1 },
    { kind: "secret-access-key", value: s, path: "old/leaked.env", line: 2 },
  ];
  await unlink(join(dir, "old/leaked.env"));
  commitAll(dir, "remove it", "2023-05-02T10:00:00Z");
  await writeCorpus(dir, [...planted.files, ...fakes.files]);
  commitAll(dir, "corpus", "2024-02-01T00:00:00Z");
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("planted corpus", () => {
  it("the working tree: every planted credential at its line, nothing else", async () => {
    const report = await runScan(opts("tree"));
    expect(planted.planted.length).toBeGreaterThan(45);
    expectAllFound(report, planted.planted, true);
    const plantedFps = new Set(planted.planted.map((p) => fingerprintOf(p.kind, p.value)));
    const extra = report.findings.filter((f) => !plantedFps.has(f.fingerprint));
    expect(extra.map((f) => `${f.kind} ${f.path}:${f.line}`)).toEqual([]);
    expect(report.findings.filter((f) => f.path === "docs/lookalikes.md")).toEqual([]);
    expect(report.stats.files).toBe(planted.files.length + fakes.files.length);
    // Ids of users, roles and policies are reported, low: they sign nothing.
    const principals = report.findings.filter((f) => f.path === "iam/export.json");
    expect(principals).toHaveLength(10);
    const byPrefix = (p: string) => principals.find((f) => f.accessKeyId?.startsWith(p));
    expect([byPrefix("AROA")?.severity, byPrefix("AROA")?.advice]).toEqual([
      "low",
      expect.stringContaining("unique id of an IAM role, not a credential"),
    ]);
    expect(byPrefix("ABIA")?.severity).toBe("medium"); // a bearer-token id is a credential's
    // The deleted file is not in the tree.
    expect(report.findings.some((f) => f.path === "old/leaked.env")).toBe(false);
  });

  it("history: the planted ones and the deleted file's, with first commit, author, date and inHead", async () => {
    const report = await runScan(opts("history"));
    expectAllFound(report, [...planted.planted, ...deleted], false);
    const plantedFps = new Set([...planted.planted, ...deleted].map((p) => fingerprintOf(p.kind, p.value)));
    expect(report.findings.filter((f) => !plantedFps.has(f.fingerprint))).toEqual([]);
    const gone = report.findings.filter((f) => f.path === "old/leaked.env");
    expect(gone).toHaveLength(2);
    for (const f of gone) {
      expect(f.commit).toBe(firstCommit);
      expect(f.author).toBe("Planter <planter@example.com>");
      expect(f.date).toBe("2023-05-01T10:00:00.000Z");
      expect(f.inHead).toBe(false);
      expect(f.advice).toMatch(/filter-repo/);
    }
    const live = report.findings.find((f) => f.path === "aws/credentials");
    expect(live?.inHead).toBe(true);
    expect(report.stats.blobs).toBeGreaterThanOrEqual(planted.files.length + 2);
  });

  it("decodes the account id from the key id offline", async () => {
    const acct = "210987654321";
    const k = makeKeyId(makeRng(3), "AKIA", acct);
    const sub = await mkdtemp(join(tmpdir(), "kw-scan-acct-"));
    try {
      await writeCorpus(sub, [{ path: "a.txt", content: Buffer.from(`k=${k}\n`) }]);
      const r = await runScan({ ...opts("tree"), paths: [sub], cwd: sub });
      expect(r.findings.map((f) => [f.accessKeyId, f.accountId])).toEqual([[k, acct]]);
    } finally {
      await rm(sub, { recursive: true, force: true });
    }
  });
});
