// Archives: zip (jar, whl), tar, tar.gz, gz and archives nested in them are scanned, members
// reported as `archive!member`; a zip bomb, a lying header, a corrupt file or nesting past the
// depth limit is a warning and the scan goes on.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { archiveLimits, scanArchive, type ArchiveKind } from "../src/scan/archive.js";
import { fingerprintOf } from "../src/scan/finalize.js";
import { runScan, type ScanOptions } from "../src/scan/run.js";
import type { ScanReport } from "../src/scan/types.js";
import { runCli } from "./helpers/cli.js";
import { deflated, pyTar, pyZip, rawZip, zeros } from "./fixtures/scan/archives.js";
import { makeKeyId, makeRng, makeSecret } from "./fixtures/scan/corpus.js";
import { commitAll, gitIn, initRepo, writeCorpus } from "./fixtures/scan/repo.js";

const rng = makeRng(1414);
const K = Array.from({ length: 10 }, () => makeKeyId(rng));
const S1 = makeSecret(rng);
const MB = 1024 * 1024;
let dir: string;

function opts(over: Partial<ScanOptions> = {}): ScanOptions {
  return {
    paths: [dir],
    cwd: dir,
    mode: "tree",
    maxBytes: MB,
    baseline: null,
    join: null,
    clock: () => 0,
    threads: 0,
    ...over,
  };
}

const where = (r: ScanReport, value: string) =>
  r.findings
    .filter((f) => f.fingerprint === fingerprintOf("access-key-id", value))
    .map((f) => `${f.path}:${f.line}`);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kw-scan-archives-"));
  const longDir = `${"deeply-nested-folder/".repeat(6)}conf`;
  const deep = pyZip([{ name: "a.env", data: `AWS_ACCESS_KEY_ID=${K[5]}\n` }]);
  const deeper = pyZip([{ name: "too-deep.env", data: `AWS_ACCESS_KEY_ID=${K[9]}\n` }]);
  const innerTgz = pyTar(
    [
      { name: "deep.zip", data: deep },
      { name: "more/deepest.zip", data: pyZip([{ name: "deeper.zip", data: deeper }]) },
    ],
    { gzip: true },
  );
  await writeCorpus(dir, [
    {
      // A Spring Boot jar: properties inside, compiled classes beside them.
      path: "dist/app.jar",
      content: pyZip([
        {
          name: "BOOT-INF/classes/application.properties",
          data: `aws.accessKeyId=${K[0]}\naws.secretKey=${S1}\n`,
        },
        {
          name: "BOOT-INF/classes/App.class",
          data: Buffer.from([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 0x41, 0, 0]),
        },
      ]),
    },
    {
      path: "release.tgz",
      content: pyTar(
        [
          { name: "pkg/.env", data: `# prod\nAWS_ACCESS_KEY_ID=${K[1]}\n` },
          { name: `pkg/${longDir}/settings.ini`, data: `[p]\naws_access_key_id = ${K[2]}\n` },
        ],
        { gzip: true },
      ),
    },
    { path: "backup.tar", content: pyTar([{ name: "etc/creds", data: `key=${K[3]}\n` }], { pax: true }) },
    { path: "logs/app.log.gz", content: gzipSync(`start\nok\nusing ${K[4]}\n`) },
    { path: "bundle.zip", content: pyZip([{ name: "inner.tgz", data: innerTgz }]) },
    // A wheel as pip builds it, here with zip64 records on every member.
    {
      path: "dist/pkg-1.0-py3-none-any.whl",
      content: pyZip([{ name: "pkg/conf.py", data: `KEY_ID = "${K[6]}"\n` }], true),
    },
    {
      // 8 MB of zeros deflated to ~8 KB: a ratio no real file has; the honest member beside it is read.
      path: "bomb.zip",
      content: rawZip([zeros("zeros.bin.txt", 8 * MB), deflated("readme.txt", `key ${K[7]}\n`)]),
    },
    // Headers claiming 100 bytes for what inflates to 4 MB: stopped at the 1 MB limit.
    { path: "liar.zip", content: rawZip([zeros("small.txt", 4 * MB, 100)]) },
    { path: "broken.zip", content: pyZip([{ name: "x.env", data: `k=${K[8]}\n` }]).subarray(0, 40) },
  ]);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("archives in the tree", () => {
  it("finds keys in zip, jar, whl (zip64), tar (pax), tar.gz (GNU long names) and .gz members", async () => {
    const r = await runScan(opts());
    expect(where(r, K[0] ?? "")).toEqual(["dist/app.jar!BOOT-INF/classes/application.properties:1"]);
    const secret = r.findings.find((f) => f.fingerprint === fingerprintOf("secret-access-key", S1));
    expect([secret?.path, secret?.line, secret?.accessKeyId, secret?.pairing]).toEqual([
      "dist/app.jar!BOOT-INF/classes/application.properties",
      2,
      K[0],
      "sure",
    ]);
    expect(where(r, K[1] ?? "")).toEqual(["release.tgz!pkg/.env:2"]);
    expect(where(r, K[2] ?? "")[0]).toMatch(
      /^release\.tgz!pkg\/(deeply-nested-folder\/){6}conf\/settings\.ini:2$/,
    );
    expect(where(r, K[3] ?? "")).toEqual(["backup.tar!etc/creds:1"]);
    expect(where(r, K[4] ?? "")).toEqual(["logs/app.log.gz!app.log:3"]);
    expect(where(r, K[6] ?? "")).toEqual(["dist/pkg-1.0-py3-none-any.whl!pkg/conf.py:1"]);
  });

  it("opens archives nested three deep, warns about the fourth level", async () => {
    const r = await runScan(opts());
    expect(where(r, K[5] ?? "")).toEqual(["bundle.zip!inner.tgz!deep.zip!a.env:1"]);
    expect(where(r, K[9] ?? "")).toEqual([]);
    expect(r.warnings).toContainEqual(
      "bundle.zip!inner.tgz!more/deepest.zip!deeper.zip: an archive nested deeper than 3 levels, not opened",
    );
    const four = await runScan(opts({ archiveDepth: 4 }));
    expect(where(four, K[9] ?? "")).toEqual([
      "bundle.zip!inner.tgz!more/deepest.zip!deeper.zip!too-deep.env:1",
    ]);
  });

  it("a zip bomb, a lying header and a corrupt zip are warnings; the rest is still read", async () => {
    const r = await runScan(opts());
    expect(r.warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^bomb\.zip!zeros\.bin\.txt: claims to expand \d+x \(a zip bomb\?\), not read$/,
        ),
        expect.stringMatching(
          /^liar\.zip!small\.txt: expands past its limit \(1 MB; a zip bomb\?\), not read$/,
        ),
        expect.stringMatching(/^broken\.zip: not read whole \(/),
      ]),
    );
    expect(where(r, K[7] ?? "")).toEqual(["bomb.zip!readme.txt:1"]);
    expect(where(r, K[8] ?? "")).toEqual([]);
    // jar, tgz, tar, gz; bundle.zip with inner.tgz, deep.zip and deepest.zip; whl, bomb, liar, broken
    expect(r.stats.archives).toBe(12);
  });

  it("the CLI prints the warnings on stderr and exits on its findings, not on the bomb", async () => {
    const r = await runCli(
      ["scan", ".", "--offline", "--no-store", "--format", "json", "--max-file-mb", "1"],
      {
        cwd: dir,
      },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/keywarden: warning: bomb\.zip!zeros\.bin\.txt: claims to expand/);
    const report = JSON.parse(r.stdout) as { warnings: string[] };
    expect(report.warnings.length).toBeGreaterThanOrEqual(4);
  });

  it("--archive-depth 0 leaves archives unread; .keywardenignore on an archive covers its members", async () => {
    const off = await runScan(opts({ archiveDepth: 0 }));
    expect(off.findings.filter((f) => f.path.includes("!"))).toEqual([]);
    expect(off.stats.archives).toBe(0);
    await writeFile(join(dir, ".keywardenignore"), "dist/*.jar\n");
    try {
      const r = await runScan(opts());
      expect(r.findings.filter((f) => f.path.startsWith("dist/app.jar!"))).toEqual([]);
      expect(r.stats.suppressed).toBe(2);
    } finally {
      await rm(join(dir, ".keywardenignore"));
    }
  });
});

describe("damaged archives", () => {
  it("every truncation and byte flip of a zip, a tar and a tar.gz is at worst a warning", () => {
    const key = makeKeyId(rng);
    const samples: [string, ArchiveKind, Buffer][] = [
      ["a.zip", "zip", rawZip([deflated("a/b.env", `K=${key}\n`), deflated("c.txt", "hello\n".repeat(50))])],
      ["a.tar", "tar", pyTar([{ name: "x/y.env", data: `K=${key}\n` }])],
      ["a.tgz", "gzip", pyTar([{ name: "x/y.env", data: `K=${key}\n` }], { gzip: true })],
    ];
    const limits = archiveLimits(MB);
    const flip = makeRng(5);
    for (const [name, kind, good] of samples) {
      expect(scanArchive(name, good, kind, limits).findings.map((f) => f.value)).toEqual([key]);
      for (let cut = 0; cut < good.length; cut += Math.max(1, Math.floor(good.length / 97))) {
        expect(() => scanArchive(name, good.subarray(0, cut), kind, limits)).not.toThrow();
      }
      for (let i = 0; i < 300; i++) {
        const bad = Buffer.from(good);
        const at = Math.floor(flip() * bad.length);
        bad[at] = Math.floor(flip() * 256);
        expect(() => scanArchive(name, bad, kind, limits)).not.toThrow();
      }
    }
  });
});

describe("archives in history and in a commit", () => {
  it("history reports a member of a committed archive with the commit that added it; staged blocks it", async () => {
    const repo = await mkdtemp(join(tmpdir(), "kw-scan-archives-git-"));
    try {
      initRepo(repo);
      const k = makeKeyId(rng);
      await writeCorpus(repo, [
        {
          path: "release/site.zip",
          content: pyZip([{ name: "conf/.env", data: `X=1\nAWS_ACCESS_KEY_ID=${k}\n` }]),
        },
      ]);
      const sha = commitAll(repo, "add release", "2024-03-01T00:00:00Z");
      const h = await runScan({ ...opts(), paths: [repo], cwd: repo, mode: "history" });
      const f = h.findings.find((x) => x.fingerprint === fingerprintOf("access-key-id", k));
      expect([f?.path, f?.line, f?.commit, f?.inHead]).toEqual(["release/site.zip!conf/.env", 2, sha, true]);

      const k2 = makeKeyId(rng);
      await writeCorpus(repo, [
        { path: "release/next.zip", content: pyZip([{ name: "a.ini", data: `k=${k2}\n` }]) },
      ]);
      gitIn(repo, ["add", "release/next.zip"]);
      const s = await runScan({ ...opts(), paths: [repo], cwd: repo, mode: "staged" });
      expect(s.findings.map((x) => `${x.path}:${x.line}`)).toEqual(["release/next.zip!a.ini:1"]);
    } finally {
      await rm(repo, { recursive: true, force: true });
    }
  });
});
