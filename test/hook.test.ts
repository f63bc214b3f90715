// keywarden hook install on a real repository: a commit adding a key is blocked, a clean commit
// passes, another tool's hook is left alone unless --force.
import { execFileSync, spawnSync } from "node:child_process";
import { access, constants, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MARKER } from "../src/scan/hook.js";
import { lines, runCli } from "./helpers/cli.js";
import { makeKeyId, makeRng, makeSecret } from "./fixtures/scan/corpus.js";
import { GIT_ENV, commitAll, gitIn, initRepo } from "./fixtures/scan/repo.js";

let tmp: string;
let repo: string;
const rng = makeRng(99);

function commit(dir: string, message: string) {
  return spawnSync("git", ["commit", "-m", message], {
    cwd: dir,
    env: { ...process.env, ...GIT_ENV, HOME: dir, NO_COLOR: "1" },
    encoding: "utf8",
  });
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kw-hook-"));
  repo = join(tmp, "repo");
  execFileSync("mkdir", [repo]);
  initRepo(repo);
  await writeFile(join(repo, "README.md"), "hello\n");
  commitAll(repo, "init");
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("keywarden hook install", () => {
  it("installs an executable pre-commit hook and prints the pre-commit framework snippet", async () => {
    const r = await runCli(["hook", "install"], { cwd: repo });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("pre-commit hook installed");
    expect(r.stdout).toContain("entry: keywarden scan --staged");
    const hook = join(repo, ".git", "hooks", "pre-commit");
    await access(hook, constants.X_OK);
    expect(await readFile(hook, "utf8")).toContain(MARKER);
  });

  it("blocks a commit that adds a key; lets a clean commit through", async () => {
    const key = makeKeyId(rng);
    await writeFile(
      join(repo, "settings.py"),
      `AWS_ACCESS_KEY_ID = "${key}"\nAWS_SECRET_ACCESS_KEY = "${makeSecret(rng)}"\n`,
    );
    gitIn(repo, ["add", "settings.py"]);
    const blocked = commit(repo, "add settings");
    expect(blocked.status).not.toBe(0);
    expect(blocked.stdout + blocked.stderr).toContain("commit blocked");
    // git sends a hook's stdout to stderr.
    expect(blocked.stdout + blocked.stderr).toContain("settings.py:1");
    expect(gitIn(repo, ["log", "--oneline"]).trim().split("\n")).toHaveLength(1);

    // Take the key out: the same file now commits.
    await writeFile(join(repo, "settings.py"), 'AWS_PROFILE = "deploy"\n');
    gitIn(repo, ["add", "settings.py"]);
    const started = performance.now();
    const clean = commit(repo, "settings without keys");
    expect(clean.status, clean.stderr).toBe(0);
    expect(performance.now() - started).toBeGreaterThan(0);
    expect(gitIn(repo, ["log", "--oneline"]).trim().split("\n")).toHaveLength(2);
  });

  it("a key already accepted with keywarden:allow does not block", async () => {
    await writeFile(join(repo, "fixture.py"), `K = "${makeKeyId(rng)}"  # keywarden:allow test data\n`);
    gitIn(repo, ["add", "fixture.py"]);
    expect(commit(repo, "fixture").status).toBe(0);
  });

  it("refuses to replace another tool's hook without --force; keeps it as a backup with --force", async () => {
    const other = join(tmp, "other");
    execFileSync("mkdir", [other]);
    initRepo(other);
    const hook = join(other, ".git", "hooks", "pre-commit");
    await writeFile(hook, "#!/bin/sh\necho lint\n", { mode: 0o755 });
    const refused = await runCli(["hook", "install"], { cwd: other });
    expect(refused.code).toBe(7);
    expect(lines(refused.stderr)).toHaveLength(1);
    expect(refused.stderr).toMatch(/--force/);
    expect(await readFile(hook, "utf8")).toBe("#!/bin/sh\necho lint\n");
    const forced = await runCli(["hook", "install", "--force"], { cwd: other });
    expect(forced.code).toBe(0);
    expect(await readFile(`${hook}.keywarden-backup`, "utf8")).toBe("#!/bin/sh\necho lint\n");
    expect(await readFile(hook, "utf8")).toContain(MARKER);
    // Ours is updated in place without --force.
    const again = await runCli(["hook", "install"], { cwd: other });
    expect(again.stdout).toContain("pre-commit hook updated");
  });

  it("outside a repository: exit 2", async () => {
    const r = await runCli(["hook", "install", tmp], { cwd: tmp });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not inside a git repository/);
  });
});
