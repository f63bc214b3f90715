// keywarden scan through the real CLI: formats, --fail-on, suppressions, what is skipped, the
// stored result, usage errors, and the repository's own tree.
import { execSync } from "node:child_process";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../src/store/open.js";
import { REPO_ROOT, lines, runCli } from "./helpers/cli.js";
import { makeKeyId, makeRng, makeSecret } from "./fixtures/scan/corpus.js";
import { commitAll, initRepo, writeCorpus } from "./fixtures/scan/repo.js";

const rng = makeRng(4242);
const KEY = makeKeyId(rng, "AKIA", "123456789012");
const SECRET = makeSecret(rng);
const KEY2 = makeKeyId(rng);
const OUTSIDE_KEY = makeKeyId(rng);
const BIG_KEY = makeKeyId(rng);
const IGNORED_KEY = makeKeyId(rng);
let tmp: string;
let tree: string;
let home: string;

interface JsonReport {
  schemaVersion: number;
  findings: {
    kind: string;
    accessKeyId: string | null;
    accountId: string | null;
    path: string;
    line: number;
    severity: string;
    fingerprint: string;
    keyStatus: string;
    inHead: boolean | null;
    advice: string;
  }[];
  stats: {
    files: number;
    bytes: number;
    blobs: number;
    durationMs: number;
    suppressed: number;
    skipped: { binary: number; large: number; symlinks: number };
  };
}

const scan = (args: string[], env: Record<string, string> = {}) =>
  runCli(["scan", ...args], { env: { KEYWARDEN_HOME: home, ...env }, cwd: tree });

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kw-scan-cli-"));
  tree = join(tmp, "tree");
  home = join(tmp, "home");
  await mkdir(home);
  await mkdir(tree);
  initRepo(tree);
  await writeCorpus(tree, [
    {
      path: "config/prod.ini",
      content: Buffer.from(`[p]\naws_access_key_id = ${KEY}\naws_secret_access_key = ${SECRET}\n`),
    },
    { path: "src/other.ts", content: Buffer.from(`export const k = "${KEY2}";\n`) },
    { path: ".gitignore", content: Buffer.from("build/\n*.log\n") },
    { path: "build/out.js", content: Buffer.from(`var k="${IGNORED_KEY}";\n`) },
    { path: "debug.log", content: Buffer.from(`key ${IGNORED_KEY}\n`) },
    { path: "docs/readme.md", content: Buffer.from("Use AKIAIOSFODNN7EXAMPLE in examples.\n") },
  ]);
  // A file over --max-file-mb 1, and a symlink to a key outside the tree: neither is read.
  await writeFile(join(tree, "big.txt"), `${"x".repeat(2 * 1024 * 1024)}\n${BIG_KEY}\n`);
  await writeFile(join(tmp, "outside.txt"), `${OUTSIDE_KEY}\n`);
  await symlink(join(tmp, "outside.txt"), join(tree, "link.txt"));
  commitAll(tree, "init");
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("keywarden scan (CLI)", () => {
  it("json: the contract, masked secrets, .gitignore, size limit and symlinks respected", async () => {
    const r = await scan(["--format", "json", "--offline", "--no-store", "--max-file-mb", "1"]);
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain(SECRET);
    const report = JSON.parse(r.stdout) as JsonReport;
    expect(report.schemaVersion).toBe(1);
    const got = report.findings.map((f) => `${f.kind} ${f.path}:${f.line}`).sort();
    expect(got).toEqual([
      "access-key-id config/prod.ini:2",
      "access-key-id src/other.ts:1",
      "secret-access-key config/prod.ini:3",
    ]);
    const secret = report.findings.find((f) => f.kind === "secret-access-key");
    // The whole id: JSON is where the user (or a script) takes it from to act on the key.
    expect(secret?.accessKeyId).toBe(KEY);
    expect(secret?.accountId).toBe("123456789012");
    expect(secret?.severity).toBe("high");
    expect(secret?.advice).toContain(`\`keywarden respond ${KEY}\``);
    expect(secret?.advice).not.toMatch(/whole id/);
    expect(secret?.keyStatus).toBe("Unknown");
    expect(secret?.fingerprint).toMatch(/^[0-9a-f]{32}$/);
    expect(report.findings.find((f) => f.path === "src/other.ts")?.accessKeyId).toBe(KEY2);
    expect(report.stats.skipped.large).toBe(1);
    expect(report.stats.skipped.symlinks).toBe(1);
    expect(r.stdout).not.toContain(IGNORED_KEY);
    expect(r.stdout).not.toContain(OUTSIDE_KEY);
    expect(r.stdout).not.toContain(BIG_KEY);
  });

  it("sarif 2.1.0 with rules, locations and partialFingerprints; markdown and table", async () => {
    const r = await scan(["--format", "sarif", "--offline", "--no-store"]);
    const sarif = JSON.parse(r.stdout) as {
      version: string;
      runs: {
        tool: { driver: { name: string; rules: { id: string }[] } };
        results: {
          ruleId: string;
          level: string;
          locations: {
            physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } };
          }[];
          partialFingerprints: Record<string, string>;
          message: { text: string };
          properties: { accessKeyId?: string };
        }[];
      }[];
    };
    expect(sarif.version).toBe("2.1.0");
    const run = sarif.runs[0];
    expect(run?.tool.driver.rules.map((x) => x.id)).toEqual([
      "aws-access-key-id",
      "aws-secret-access-key",
      "aws-session-token",
    ]);
    const res = run?.results.find((x) => x.ruleId === "aws-secret-access-key");
    expect(res?.level).toBe("error");
    expect(res?.locations[0]?.physicalLocation.artifactLocation.uri).toBe("config/prod.ini");
    expect(res?.locations[0]?.physicalLocation.region.startLine).toBe(3);
    expect(res?.partialFingerprints["keywarden/v1"]).toMatch(/^[0-9a-f]{32}$/);
    // Code scanning alerts carry the whole id the user acts on.
    expect(res?.properties.accessKeyId).toBe(KEY);
    expect(res?.message.text).toContain(`\`keywarden respond ${KEY}\``);
    expect(r.stdout).not.toContain(SECRET);

    const md = await scan(["--format", "markdown", "--offline", "--no-store"]);
    expect(md.stdout).toContain("| severity | kind | location |");
    expect(md.stdout).toContain("`config/prod.ini:3:");
    const table = await scan(["--format", "table", "--offline", "--no-store"]);
    expect(table.stdout).toMatch(/HIGH\s+AWS secret access key\s+config\/prod\.ini:3/);
    // The table masks the key everywhere but in the command to run (as audit's remediation does).
    const masked = `AKIA${"*".repeat(12)}${KEY.slice(-4)}`;
    expect(table.stdout).toContain(`key ${masked}`);
    expect(table.stdout.split(KEY).length - 1).toBe(
      table.stdout.split(`\`keywarden respond ${KEY}\``).length - 1,
    );
    expect(table.stdout).not.toContain(`key ${KEY}`);
    const shown = await scan(["--format", "table", "--offline", "--no-store", "--show-ids"]);
    expect(shown.stdout).toContain(`key ${KEY}`);
    expect(md.stdout).toContain(`| \`${masked}\` |`);
    for (const out of [md.stdout, table.stdout, shown.stdout]) expect(out).not.toContain(SECRET);
  });

  it("--fail-on sets the exit code", async () => {
    expect((await scan(["--offline", "--no-store", "--fail-on", "critical"])).code).toBe(0);
    expect((await scan(["--offline", "--no-store", "--fail-on", "high"])).code).toBe(1);
    expect((await scan(["--offline", "--no-store", "--fail-on", "none"])).code).toBe(0);
  });

  it("keywarden:allow comments, .keywardenignore and --baseline suppress accepted findings", async () => {
    const dir = join(tmp, "suppress");
    const a = makeKeyId(rng);
    const b = makeKeyId(rng);
    const c = makeKeyId(rng);
    const d = makeKeyId(rng);
    await writeCorpus(dir, [
      { path: "a.py", content: Buffer.from(`k = "${a}"  # keywarden:allow test fixture\n`) },
      { path: "b.py", content: Buffer.from(`# keywarden:allow next line\nk = "${b}"\n`) },
      { path: "vendor/c.js", content: Buffer.from(`k="${c}"\n`) },
      { path: "d.js", content: Buffer.from(`k="${d}"\n`) },
    ]);
    const run = (args: string[]) =>
      runCli(["scan", ".", "--offline", "--no-store", "--format", "json", ...args], {
        cwd: dir,
        env: { KEYWARDEN_HOME: home },
      });
    let r = JSON.parse((await run([])).stdout) as JsonReport;
    expect(r.findings.map((f) => f.path).sort()).toEqual(["d.js", "vendor/c.js"]);
    // The two allow markers are counted, not silently dropped.
    expect(r.stats.suppressed).toBe(2);
    const dFp = r.findings.find((f) => f.path === "d.js")?.fingerprint ?? "";
    await writeFile(join(dir, ".keywardenignore"), `vendor/\n${dFp}  # accepted: d.js\n`);
    const quiet = await run([]);
    r = JSON.parse(quiet.stdout) as JsonReport;
    expect(r.findings).toEqual([]);
    expect(r.stats.suppressed).toBe(4);
    expect(quiet.code).toBe(0);
    expect((await run(["--no-ignore-file"])).code).toBe(1);
    // --show-suppressed lists each accepted finding with what accepted it.
    const listed = JSON.parse((await run(["--show-suppressed"])).stdout) as JsonReport & {
      suppressed: { path: string; suppressedBy: string }[];
    };
    expect(listed.suppressed.map((f) => `${f.path} ${f.suppressedBy}`).sort()).toEqual([
      "a.py keywarden:allow",
      "b.py keywarden:allow",
      "d.js .keywardenignore",
      "vendor/c.js .keywardenignore",
    ]);

    // A baseline: the report of today; tomorrow only new findings count.
    await rm(join(dir, ".keywardenignore"));
    await writeFile(join(tmp, "baseline.json"), (await run([])).stdout);
    const e = makeKeyId(rng);
    await writeFile(join(dir, "e.js"), `k="${e}"\n`);
    const after = await run(["--baseline", join(tmp, "baseline.json")]);
    r = JSON.parse(after.stdout) as JsonReport;
    expect(r.findings.map((f) => f.path)).toEqual(["e.js"]);
    expect(r.stats.suppressed).toBe(4);
  });

  it("stores the result as a scan-result record unless --no-store", async () => {
    const r = await scan(["--format", "json", "--offline"]);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/warning/);
    const store = await openStore({ env: { KEYWARDEN_HOME: home } });
    try {
      const records = await store.listRecords("scan-result");
      expect(records).toHaveLength(1);
      const rec = records[0];
      expect(rec?.subject).toBe(tree);
      const data = rec?.data as unknown as JsonReport & { root: string; startedAt: string };
      expect(data.schemaVersion).toBe(1);
      expect(data.root).toBe(tree);
      expect(new Date(data.startedAt).getTime()).toBeGreaterThan(0);
      // Without --max-file-mb 1, big.txt's key counts too.
      expect(data.findings).toHaveLength(4);
      expect(JSON.stringify(data)).not.toContain(SECRET);
    } finally {
      await store.close();
    }
  });

  it("bad input: one-line errors, exit 2", async () => {
    const both = await scan(["--history", "--staged"]);
    expect(both.code).toBe(2);
    expect(lines(both.stderr)).toHaveLength(1);
    expect(both.stderr).toMatch(/cannot be combined/);
    const notRepo = await runCli(["scan", "--history", tmp], { env: { KEYWARDEN_HOME: home } });
    expect(notRepo.code).toBe(2);
    expect(notRepo.stderr).toMatch(/not inside a git repository/);
    const noBaseline = await scan(["--offline", "--baseline", "nope.json"]);
    expect(noBaseline.code).toBe(2);
    expect(lines(noBaseline.stderr)).toHaveLength(1);
    const missing = await scan(["--offline", "no-such-dir"]);
    expect(missing.code).toBe(2);
  });

  it("the keywarden repository itself (its committed tree) has nothing to report", async () => {
    // The committed files only: other work in progress in the checkout is not the repository's.
    const copy = join(tmp, "self");
    await mkdir(copy);
    execSync(`git archive HEAD | tar -x -C ${JSON.stringify(copy)}`, { cwd: REPO_ROOT });
    const r = await runCli(
      ["scan", copy, "--offline", "--no-store", "--format", "json", "--fail-on", "info"],
      {
        env: { KEYWARDEN_HOME: home },
      },
    );
    const report = JSON.parse(r.stdout) as JsonReport;
    expect(report.findings.map((f) => `${f.path}:${f.line}`)).toEqual([]);
    expect(report.stats.files).toBeGreaterThan(100);
    expect(r.code).toBe(0);
  });
});
