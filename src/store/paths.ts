// Where keywarden keeps its own files: the database, and target backups that rollback restores.
// Backups of credentials files hold secrets, so the folder is private to the user (0700).
import { chmodSync, mkdirSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";

export const DATABASE_FILE_NAME = "keywarden.db";

/**
 * `$KEYWARDEN_HOME`, else `$XDG_DATA_HOME/keywarden`, else `~/.local/share/keywarden`.
 * A relative XDG_DATA_HOME is ignored, as the XDG base-directory spec asks.
 */
export function dataDir(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  const own = env.KEYWARDEN_HOME;
  if (own !== undefined && own !== "") return resolve(own);
  const xdg = env.XDG_DATA_HOME;
  if (xdg !== undefined && xdg !== "" && isAbsolute(xdg)) return join(xdg, "keywarden");
  return join(home, ".local", "share", "keywarden");
}

/** The default SQLite database: `<data dir>/keywarden.db`. */
export function defaultDatabasePath(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  return join(dataDir(env, home), DATABASE_FILE_NAME);
}

/**
 * Creates `dir` (and missing parents) with mode 0700, and tightens it to 0700 if it exists with
 * group or other access: it is keywarden's own folder and will hold credential backups.
 * Throws the fs error (ENOTDIR, EACCES...) for the caller to turn into a typed error.
 */
export function ensurePrivateDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = statSync(dir);
  if (!st.isDirectory()) {
    throw Object.assign(new Error(`ENOTDIR: not a directory, '${dir}'`), { code: "ENOTDIR", path: dir });
  }
  if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
  return dir;
}

/** The data folder, created private if missing. */
export function ensureDataDir(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  return ensurePrivateDir(dataDir(env, home));
}
