// `scan --history` in a bare or --mirror clone, as a server keeps its repositories: the history is
// all such a clone has, and all --history reads. .keywardenignore comes from HEAD there.
import { mkdir, mkdtemp, rm, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.js";
import { makeKeyId, makeRng, makeSecret } from "./fixtures/scan/corpus.js";
import { commitAll, gitIn, initRepo, writeCorpus } from "./fixtures/scan/repo.js";

const rng = makeRng(2718);
const KEY = makeKeyId(rng);
const SECRET = makeSecret(rng);
const VENDORED = makeKeyId(rng);
let tmp: string;
let work: string;
let first = "";

interface Report {
  findings: { kind: string; path: string; line: number; commit: string | null; inHead: boolean | null }[];
  stats: { blobs: number; suppressed: number };
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kw-scan-bare-"));
  work = join(tmp, "work");
  await mkdir(work);
  initRepo(work);
  await writeCorpus(work, [
    {
      path: "deploy/.env",
      content: Buffer.from(`AWS_ACCESS_KEY_ID=${KEY}\nAWS_SECRET_ACCESS_KEY=${SECRET}\n`),
    },
    { path: "vendor/lib.js", content: Buffer.from(`var k = "${VENDORED}";\n`) },
    { path: ".keywardenignore", content: Buffer.from("vendor/\n") },
  ]);
  first = commitAll(work, "leak", "2024-01-02T00:00:00Z");
  await unlink(join(work, "deploy/.env"));
  commitAll(work, "remove it", "2024-01-03T00:00:00Z");
  gitIn(tmp, ["clone", "-q", "--bare", work, join(tmp, "app.git")]);
  gitIn(tmp, ["clone", "-q", "--mirror", work, join(tmp, "mirror.git")]);
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("scan --history without a work tree", () => {
  it.each(["app.git", "mirror.git"])(
    "%s: every blob of every commit, HEAD's .keywardenignore honoured",
    async (name) => {
      const r = await runCli(
        ["scan", "--history", join(tmp, name), "--offline", "--no-store", "--format", "json"],
        {
          cwd: tmp,
        },
      );
      expect(r.code, r.stderr).toBe(1);
      const report = JSON.parse(r.stdout) as Report;
      expect(
        report.findings.map((f) => `${f.kind} ${f.path}:${f.line} ${f.commit} ${f.inHead}`).sort(),
      ).toEqual([
        `access-key-id deploy/.env:1 ${first} false`,
        `secret-access-key deploy/.env:2 ${first} false`,
      ]);
      expect(report.stats.suppressed).toBe(1);
      expect(report.stats.blobs).toBeGreaterThanOrEqual(3);
    },
  );

  it("run from inside the bare clone, with no path; --staged there is still a usage error", async () => {
    const bare = join(tmp, "app.git");
    const r = await runCli(["scan", "--history", "--offline", "--no-store", "--format", "json"], {
      cwd: bare,
    });
    expect(r.code).toBe(1);
    expect((JSON.parse(r.stdout) as Report).findings).toHaveLength(2);
    const staged = await runCli(["scan", "--staged", "--offline"], { cwd: bare });
    expect(staged.code).toBe(2);
    expect(staged.stderr).toMatch(/not inside a git repository, so --staged has nothing to read/);
  });
});
