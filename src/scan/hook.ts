// The git pre-commit hook: a small sh script that runs `keywarden scan --staged`. It is ours when
// it carries MARKER; anyone else's hook is never overwritten without --force (and then kept as a
// backup next to it).
import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import { ConflictError } from "../domain/errors.js";
import { gitOk } from "./git.js";

export const MARKER = "# keywarden pre-commit hook";

export const PRE_COMMIT_FRAMEWORK_SNIPPET = `# .pre-commit-config.yaml (https://pre-commit.com)
repos:
  - repo: local
    hooks:
      - id: keywarden-scan
        name: keywarden scan --staged (hard-coded AWS keys)
        entry: keywarden scan --staged --format table
        language: system
        pass_filenames: false
`;

/** POSIX sh single-quoting. */
export function shQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}

export function hookScript(command: string[]): string {
  return `#!/bin/sh
${MARKER} (installed by \`keywarden hook install\`; remove this file to uninstall).
# Blocks a commit that adds AWS credentials. Accept a line with a keywarden:allow comment.
exec ${command.map(shQuote).join(" ")} scan --staged --format table --no-color
`;
}

export interface InstallResult {
  path: string;
  /** "installed", "updated" (ours was there) or "replaced" (a foreign hook, moved to backup). */
  action: "installed" | "updated" | "replaced";
  backup: string | null;
}

export async function installHook(
  repoDir: string,
  command: string[],
  force: boolean,
): Promise<InstallResult> {
  // --git-path honours core.hooksPath and worktrees.
  const rel = (await gitOk(repoDir, ["rev-parse", "--git-path", "hooks"])).toString("utf8").trim();
  const hooks = isAbsolute(rel) ? rel : join(repoDir, rel);
  await mkdir(hooks, { recursive: true });
  const path = join(hooks, "pre-commit");
  let existing: string | null = null;
  try {
    existing = await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  let action: InstallResult["action"] = "installed";
  let backup: string | null = null;
  if (existing !== null) {
    if (existing.includes(MARKER)) action = "updated";
    else if (!force) {
      throw new ConflictError(
        "HOOK_EXISTS",
        `${path} is another tool's pre-commit hook; keywarden did not touch it`,
        "Add `keywarden scan --staged` to that hook yourself, or pass --force to replace it (it is kept as pre-commit.keywarden-backup).",
      );
    } else {
      backup = `${path}.keywarden-backup`;
      await rename(path, backup);
      action = "replaced";
    }
  }
  await writeFile(path, hookScript(command), { mode: 0o755 });
  await chmod(path, 0o755);
  return { path, action, backup };
}
