import { createHash } from "node:crypto";
import { constants } from "node:fs";
import {
  access,
  chmod,
  mkdir,
  readFile,
  readdir,
  realpath,
  rm,
  rmdir,
  stat,
  writeFile,
} from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { EnvironmentError } from "../domain/errors.js";

// What the file targets (a credentials profile, a dotenv file) share: the checks made before a key
// exists, and the backup of the few values a rotation changes. A backup holds only those values
// (the target's own old key, on the user's own machine, 0600), never a copy of the whole file, and
// is removed when the job ends.

function errno(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException).code;
}

function targetError(spec: string, problem: string, fix: string, cause?: unknown): EnvironmentError {
  return new EnvironmentError("TARGET_UNUSABLE", `${spec}: ${problem}`, fix, { cause });
}

/** Why a path cannot be used, in words, for the errno codes a user can meet. */
function explain(code: string | undefined, path: string): string {
  switch (code) {
    case "ELOOP":
      return `${path} is a symbolic link that loops`;
    case "EISDIR":
      return `${path} is a directory, not a file`;
    case "EACCES":
    case "EPERM":
      return `${path} cannot be read or written by this user`;
    case "ENOTDIR":
      return `a part of ${path} is a file, not a directory`;
    default:
      return `${path} cannot be used (${code ?? "unknown error"})`;
  }
}

/** The nearest folder of `path` that exists: where a new file's folders would be created. */
async function nearestExistingDir(path: string): Promise<string> {
  let dir = dirname(resolve(path));
  for (;;) {
    try {
      if ((await stat(dir)).isDirectory()) return dir;
      throw Object.assign(new Error("not a directory"), { code: "ENOTDIR" });
    } catch (e) {
      if (errno(e) !== "ENOENT") throw e;
      const up = dirname(dir);
      if (up === dir) return dir;
      dir = up;
    }
  }
}

/**
 * Proves a file target can be read and replaced the way keywarden writes (a temp file in the same
 * folder, then rename): it is a regular file (or does not exist yet and its folder can be made),
 * it and its folder are writable. Returns its text, or null when it does not exist yet.
 */
export async function checkWritableFile(spec: string, path: string): Promise<string | null> {
  const fix = `Fix ${path} (or name another file with --to), then run the rotation again. Nothing was changed.`;
  let real: string;
  try {
    real = await realpath(path);
  } catch (e) {
    if (errno(e) !== "ENOENT") throw targetError(spec, explain(errno(e), path), fix, e);
    try {
      const dir = await nearestExistingDir(path);
      await access(dir, constants.W_OK | constants.X_OK);
    } catch (e2) {
      throw targetError(spec, explain(errno(e2) ?? "EACCES", dirname(resolve(path))), fix, e2);
    }
    return null;
  }
  try {
    const st = await stat(real);
    if (!st.isFile())
      throw Object.assign(new Error("not a file"), { code: st.isDirectory() ? "EISDIR" : "EINVAL" });
    await access(real, constants.R_OK | constants.W_OK);
    await access(dirname(real), constants.W_OK | constants.X_OK);
    return await readFile(real, "utf8");
  } catch (e) {
    const code = errno(e);
    throw targetError(
      spec,
      code === "EINVAL" ? `${path} is not a regular file` : explain(code, path),
      fix,
      e,
    );
  }
}

/** The text of a file, or null when it does not exist (any other problem is thrown, named). */
export async function readOrNull(spec: string, path: string): Promise<string | null> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    if (errno(e) === "ENOENT") return null;
    throw targetError(spec, explain(errno(e), path), `Fix ${path}, then run the command again.`, e);
  }
}

/** A backup's file name: readable, unique per target, safe on every file system. */
export function backupName(kind: string, ref: string): string {
  const hash = createHash("sha256").update(ref).digest("hex").slice(0, 8);
  return `${kind}-${basename(ref)
    .replace(/[^\w.-]+/g, "_")
    .slice(0, 40)}-${hash}.json`;
}

/** Writes the values restore needs to `dir/name` (0600, folder 0700) and returns its path. */
export async function saveBackup(
  dir: string,
  name: string,
  record: Record<string, unknown>,
): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, name);
  await writeFile(path, `${JSON.stringify(record)}\n`, { mode: 0o600 });
  await chmod(path, 0o600); // writeFile's mode passes through the umask, and an old file keeps its own
  return path;
}

export async function loadBackup(path: string): Promise<Record<string, unknown> | null> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
  } catch (e) {
    if (errno(e) === "ENOENT") return null;
    throw e;
  }
}

/** Removes a backup file, and its job folder once it is empty. */
export async function discardBackup(path: unknown): Promise<void> {
  if (typeof path !== "string") return;
  await rm(path, { force: true });
  const dir = dirname(path);
  try {
    if ((await readdir(dir)).length === 0) await rmdir(dir);
  } catch {
    // Already gone, or another target's backup is still there.
  }
}
