// vitest globalSetup: the CLI's sources transpiled once per test run into .test-dist/ (one file
// per source file, no bundling), so each of the few hundred CLI child processes the tests start
// loads plain JavaScript instead of transpiling every module again through tsx. That was about a
// third of a second per process.
//
// .test-dist sits at the repository root, two levels above its modules as dist/ and src/ are, so
// the paths the code finds from import.meta.url (package.json, the launcher, dist/dashboard) are
// the same. Set KEYWARDEN_TEST_CLI=tsx to run the sources through tsx instead.
import { readdirSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import { build } from "esbuild";
import { REPO_ROOT, TEST_DIST } from "./cli.js";

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith(".ts") && !e.name.endsWith(".test.ts") ? [path] : [];
  });
}

export default async function setup(): Promise<void> {
  if (process.env.KEYWARDEN_TEST_CLI === "tsx") return;
  const src = join(REPO_ROOT, "src");
  rmSync(TEST_DIST, { recursive: true, force: true });
  await build({
    entryPoints: sources(src).map((p) => relative(REPO_ROOT, p)),
    absWorkingDir: REPO_ROOT,
    outbase: "src",
    outdir: TEST_DIST,
    format: "esm",
    platform: "node",
    target: "node20",
    logLevel: "error",
  });
}
