// keywarden scan on data other projects wrote: inputs in the shapes of gitleaks', TruffleHog's,
// secretlint's and git-secrets' own AWS-rule fixtures (test/fixtures/scan/peers.ts names the
// origin of each). Every planted value found at its line, each secret tied to its own key id (and
// sure of it), key ids found with their secret reported as leaked pairs, the peers' allow markers
// honoured and counted, and none of their lookalikes reported.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { detect } from "../src/scan/detect.js";
import { fingerprintOf } from "../src/scan/finalize.js";
import { runScan } from "../src/scan/run.js";
import type { ScanReport } from "../src/scan/types.js";
import { makeKeyId, makeRng, makeSecret } from "./fixtures/scan/corpus.js";
import { FAMILIES, peerCorpus, type Family, type PeerPlanted } from "./fixtures/scan/peers.js";
import { writeCorpus } from "./fixtures/scan/repo.js";

const corpus = peerCorpus(makeRng(14));
let dir: string;
let report: ScanReport;

const pathsOf = (family: Family) =>
  new Set(corpus.files.filter((f) => f.family === family).map((f) => f.path));
const findingOf = (p: PeerPlanted) =>
  [...report.findings, ...(report.suppressed ?? [])].find(
    (f) => f.fingerprint === fingerprintOf(p.kind, p.value),
  );

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kw-scan-peers-"));
  await writeCorpus(dir, corpus.files);
  report = await runScan({
    paths: [dir],
    cwd: dir,
    mode: "tree",
    maxBytes: 10 * 1024 * 1024,
    baseline: null,
    join: null,
    clock: () => 0,
    showSuppressed: true,
  });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.each(FAMILIES)("%s-shaped fixtures", (family) => {
  it("every planted value at its line, paired with its own key id, and nothing else", () => {
    const paths = pathsOf(family);
    const planted = corpus.planted.filter((p) => paths.has(p.path));
    expect(planted.length).toBeGreaterThan(1);
    for (const p of planted) {
      const f = report.findings.find((x) => x.fingerprint === fingerprintOf(p.kind, p.value));
      expect(`${f?.path}:${f?.line}`, `${p.kind} planted at ${p.path}:${p.line}`).toBe(`${p.path}:${p.line}`);
      if (p.keyId !== undefined) expect(f?.accessKeyId, `key id of ${p.path}:${p.line}`).toBe(p.keyId);
      if (p.pairing) expect(f?.pairing, `pairing of ${p.path}:${p.line}`).toBe(p.pairing);
      if (p.leakedPair) {
        // A key id found with its secret carries the secret's severity and says so.
        const secret = planted.find((x) => x.kind === "secret-access-key" && x.keyId === p.value);
        expect([f?.severity, f?.pairedSecretLine]).toEqual(["high", secret?.line]);
        expect(f?.advice).toMatch(
          /^Leaked with its secret access key \(line \d+\): a working credential pair/,
        );
      }
    }
    const plantedFps = new Set(planted.map((p) => fingerprintOf(p.kind, p.value)));
    const extra = report.findings.filter((f) => paths.has(f.path) && !plantedFps.has(f.fingerprint));
    expect(extra.map((f) => `${f.kind} ${f.path}:${f.line}`)).toEqual([]);
  });

  it("the lookalikes of its shapes are not reported", () => {
    const paths = pathsOf(family);
    for (const l of corpus.lookalikes.filter((x) => paths.has(x.path))) {
      expect(
        report.findings.filter((f) => f.path === l.path && f.line === l.line),
        l.what,
      ).toEqual([]);
    }
  });
});

describe("pairing", () => {
  it("gitleaks' sample line above an INI pair: the secret is the pair's key's, not the first id's", () => {
    const p = corpus.planted.find((x) => x.path === "gitleaks/pair.ini" && x.kind === "secret-access-key");
    const f = p ? findingOf(p) : undefined;
    expect(p?.keyId?.endsWith("IFXG")).toBe(true);
    expect([f?.accessKeyId, f?.accountId, f?.pairing]).toEqual([
      p?.keyId,
      report.findings.find((x) => x.accessKeyId === p?.keyId && x.kind === "access-key-id")?.accountId,
      "sure",
    ]);
    const first = report.findings.find((x) => x.path === "gitleaks/pair.ini" && x.line === 1);
    expect([first?.accessKeyId?.endsWith("OLIA"), first?.severity, first?.pairedSecretLine]).toEqual([
      true,
      "medium",
      null,
    ]);
  });

  it("says so when it is not sure: two ids as near, or the only one in another section", () => {
    const rng = makeRng(99);
    const [a, b, s] = [makeKeyId(rng), makeKeyId(rng), makeSecret(rng)];
    const tie = detect(`${a}\n${s}\n${b}\n`).find((f) => f.kind === "secret-access-key");
    expect([tie?.keyId, tie?.pairing]).toEqual([a, "unsure"]);
    const across = detect(`[one]\naws_access_key_id = ${a}\n[two]\naws_secret_access_key = ${s}\n`).find(
      (f) => f.kind === "secret-access-key",
    );
    expect([across?.keyId, across?.pairing, across?.near]).toEqual([null, "unsure", { id: a, line: 2 }]);
    // YAML list items and code blocks are structures too.
    const yaml = detect(`- id: ${a}\n  name: x\n- id: ${b}\n  secret: ${s}\n`).find(
      (f) => f.kind === "secret-access-key",
    );
    expect([yaml?.keyId, yaml?.pairing]).toEqual([b, "sure"]);
  });
});

describe("allow markers of the tools users migrate from", () => {
  it("gitleaks:allow and detect-secrets' pragma hide their own line, are counted and listed", () => {
    expect(corpus.allowed.length).toBe(3);
    for (const p of corpus.allowed) {
      expect(report.findings.some((f) => f.fingerprint === fingerprintOf(p.kind, p.value))).toBe(false);
      const s = report.suppressed?.find((f) => f.fingerprint === fingerprintOf(p.kind, p.value));
      expect(`${s?.path}:${s?.line}`).toBe(`${p.path}:${p.line}`);
      expect(s?.suppressedBy).toBe(p.path.endsWith(".go") ? "gitleaks:allow" : "pragma: allowlist secret");
    }
    expect(report.stats.suppressed).toBe(3);
    // The id on the line after gitleaks' marker is still reported.
    expect(report.findings.some((f) => f.path === "gitleaks/aws.go" && f.line === 3)).toBe(true);
  });
});
