// The CLI as users run it: compiled JavaScript (tsc), not tsx, whose start-up transpiling would be
// measured as keywarden's time. Built into a scratch folder so the bench never touches dist/.
import { spawnSync } from "node:child_process";
import { copyFile, mkdir, symlink } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const REPO = fileURLToPath(new URL("..", import.meta.url));

/** Compiles keywarden under `work` and returns the path of its bin.js. */
export async function buildKeywarden(work: string): Promise<string> {
  const out = join(work, "kw");
  await mkdir(out, { recursive: true });
  const r = spawnSync(
    process.execPath,
    [
      join(REPO, "node_modules/typescript/bin/tsc"),
      "-p",
      join(REPO, "tsconfig.build.json"),
      "--outDir",
      join(out, "dist"),
    ],
    { encoding: "utf8" },
  );
  // tsc emits even when another module has a type error; only a missing entry point is fatal.
  const bin = join(out, "dist", "cli", "bin.js");
  if (spawnSync(process.execPath, [bin, "--version"], { encoding: "utf8" }).status !== 0) {
    await copyFile(join(REPO, "package.json"), join(out, "package.json"));
    await symlink(join(REPO, "node_modules"), join(out, "node_modules"));
  }
  if (spawnSync(process.execPath, [bin, "--version"], { encoding: "utf8" }).status !== 0) {
    throw new Error(`could not build keywarden for the bench:\n${r.stdout}${r.stderr}`);
  }
  return bin;
}
