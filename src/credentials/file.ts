// The AWS shared credentials/config files on disk: where they are, reading them, and replacing
// them safely. Writes are atomic (a temp file in the same folder, fsync, rename, fsync of the
// folder), leave the file at mode 0600 or stricter, keep its owner, follow a symlinked file to its
// real location instead of replacing the link, and never leave a temp file behind.
// Nothing here logs, and no error message carries a secret.
import { randomBytes } from "node:crypto";
import type { Stats } from "node:fs";
import { mkdir, open, readFile, readlink, realpath, rename, unlink } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { homedir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { UsageError } from "../domain/errors.js";
import { isAccessKeyId, maskKeyId } from "../domain/key-id.js";
import { CredentialsFileError } from "./errors.js";
import {
  decodeIniBytes,
  findProfilesWithValue,
  getProfile,
  parseIni,
  removeKey,
  serialize,
  setValue,
  type IniDocument,
  type IniKind,
  type IniWarning,
} from "./ini.js";

export type PathEnv = Readonly<Record<string, string | undefined>>;

function nonEmpty(s: string | undefined): s is string {
  return s !== undefined && s !== "";
}

/** The home folder the AWS SDK for JavaScript uses: HOME, USERPROFILE, HOMEDRIVE+HOMEPATH, then the OS. */
function homeDir(env: PathEnv): string {
  if (nonEmpty(env.HOME)) return env.HOME;
  if (nonEmpty(env.USERPROFILE)) return env.USERPROFILE;
  if (nonEmpty(env.HOMEPATH)) return `${env.HOMEDRIVE ?? "C:\\"}${env.HOMEPATH}`;
  return homedir();
}

function expandPath(p: string, env: PathEnv): string {
  if (p === "~") return homeDir(env);
  if (p.startsWith("~/")) return join(homeDir(env), p.slice(2));
  return resolve(p);
}

/** `AWS_SHARED_CREDENTIALS_FILE` (a leading `~/` expanded), else `~/.aws/credentials`. */
export function credentialsFilePath(env: PathEnv = process.env): string {
  const configured = env.AWS_SHARED_CREDENTIALS_FILE;
  return nonEmpty(configured) ? expandPath(configured, env) : join(homeDir(env), ".aws", "credentials");
}

/** `AWS_CONFIG_FILE` (a leading `~/` expanded), else `~/.aws/config`. */
export function configFilePath(env: PathEnv = process.env): string {
  const configured = env.AWS_CONFIG_FILE;
  return nonEmpty(configured) ? expandPath(configured, env) : join(homeDir(env), ".aws", "config");
}

function errnoCode(e: unknown): string | undefined {
  if (typeof e === "object" && e !== null && "code" in e && typeof e.code === "string") return e.code;
  return undefined;
}

const ERRNO_TEXT: Readonly<Record<string, string>> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  EROFS: "read-only file system",
  ENOTDIR: "a part of the path is not a folder",
  EISDIR: "a folder is in the way",
  ENOTEMPTY: "a folder is in the way",
  ELOOP: "too many symbolic links",
  EMFILE: "too many open files",
  EIO: "input/output error",
};

/** An fs error as `EACCES (permission denied)`; never file contents. */
function describe(e: unknown): string {
  const code = errnoCode(e);
  if (code !== undefined) {
    const text = ERRNO_TEXT[code];
    return text === undefined ? code : `${code} (${text})`;
  }
  return e instanceof Error ? e.message : "unknown error";
}

function unreadable(path: string, why: string, cause?: unknown): CredentialsFileError {
  return new CredentialsFileError(
    "CREDENTIALS_FILE_UNREADABLE",
    `Cannot read ${path}: ${why}.`,
    `Check that ${path} is a regular file you can read (ls -l ${path}).`,
    { path },
    cause === undefined ? undefined : { cause },
  );
}

function writeFailed(path: string, why: string, cause?: unknown): CredentialsFileError {
  return new CredentialsFileError(
    "CREDENTIALS_FILE_WRITE_FAILED",
    `Could not write ${path}: ${why}. The file is unchanged.`,
    `Check that you can write to the folder of ${path} (ls -ld ${dirname(path)}) and that the disk is not full, then run the command again.`,
    { path },
    cause === undefined ? undefined : { cause },
  );
}

function missingFile(path: string, what: string): CredentialsFileError {
  return new CredentialsFileError(
    "CREDENTIALS_FILE_MISSING",
    `${what} ${path} does not exist.`,
    "Check the path (AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE choose other files).",
    { path },
  );
}

// ---------------------------------------------------------------------------------------------
// Reading

export interface IniFile {
  readonly path: string;
  readonly kind: IniKind;
  /** The file does not exist: doc is empty, raw is "". */
  readonly missing: boolean;
  readonly doc: IniDocument;
  /** The text as read (a byte order mark included). */
  readonly raw: string;
  /** The bytes as read. */
  readonly bytes: Buffer;
  /** Permission bits (mode & 0o777), undefined when missing. */
  readonly mode: number | undefined;
  readonly mtimeMs: number | undefined;
}

/** Reads and parses a credentials/config file. A missing file is an empty document flagged `missing`. */
export async function readIniFile(path: string, kind: IniKind): Promise<IniFile> {
  let fh: FileHandle;
  try {
    fh = await open(path, "r");
  } catch (e) {
    if (errnoCode(e) === "ENOENT") {
      return {
        path,
        kind,
        missing: true,
        doc: parseIni("", { kind, path }),
        raw: "",
        bytes: Buffer.alloc(0),
        mode: undefined,
        mtimeMs: undefined,
      };
    }
    throw unreadable(path, describe(e), e);
  }
  let st: Stats;
  let bytes: Buffer;
  try {
    st = await fh.stat();
    if (!st.isFile()) throw unreadable(path, "it is not a regular file");
    bytes = await fh.readFile();
  } catch (e) {
    if (e instanceof CredentialsFileError) throw e;
    throw unreadable(path, describe(e), e);
  } finally {
    await fh.close();
  }
  const raw = decodeIniBytes(bytes, path);
  return {
    path,
    kind,
    missing: false,
    doc: parseIni(raw, { kind, path }),
    raw,
    bytes,
    mode: st.mode & 0o777,
    mtimeMs: st.mtimeMs,
  };
}

// ---------------------------------------------------------------------------------------------
// Atomic write

export interface AtomicWriteOptions {
  /** Mode for a file that does not exist yet (default 0o600); group and other bits are never set. */
  readonly mode?: number;
  /**
   * Replace the file only if it still holds these bytes (null: only if it still does not exist),
   * checked just before the rename; otherwise CREDENTIALS_FILE_CHANGED and nothing is written.
   */
  readonly expected?: string | Uint8Array | null;
  /** Test seam: runs after the temp file is written and synced, before the rename. */
  readonly beforeRename?: (tempPath: string) => void | Promise<void>;
}

export interface AtomicWriteResult {
  /** The file written: `path` with symlinks resolved. */
  readonly path: string;
  /** The file's permission bits now. */
  readonly mode: number;
  /** The permission bits before, undefined when the file was created. */
  readonly previousMode: number | undefined;
  /** The file was group/other-accessible (or executable) and is now 0600. */
  readonly modeFixed: boolean;
  readonly created: boolean;
}

async function resolveTarget(path: string): Promise<string> {
  const abs = resolve(path);
  try {
    return await realpath(abs);
  } catch (e) {
    if (errnoCode(e) !== "ENOENT") throw writeFailed(path, describe(e), e);
  }
  try {
    return resolve(dirname(abs), await readlink(abs)); // a symlink to a file not created yet
  } catch {
    return abs; // not a symlink: the file simply does not exist yet
  }
}

async function statOrUndefined(path: string, shownPath: string): Promise<Stats | undefined> {
  try {
    const fh = await open(path, "r");
    try {
      return await fh.stat();
    } finally {
      await fh.close();
    }
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return undefined;
    throw writeFailed(shownPath, describe(e), e);
  }
}

async function readOrNull(path: string): Promise<Buffer | null> {
  try {
    return await readFile(path);
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return null;
    throw e;
  }
}

async function keepOwner(fh: FileHandle, previous: Stats, shownPath: string): Promise<void> {
  const uid = process.getuid?.();
  const gid = process.getgid?.();
  if (uid === undefined || (previous.uid === uid && previous.gid === gid)) return;
  try {
    await fh.chown(previous.uid, previous.gid);
  } catch (e) {
    // The group alone does not matter at mode 0600 or stricter; the owner does.
    if (previous.uid !== uid) throw writeFailed(shownPath, "cannot keep the file's owner", e);
  }
}

async function syncDir(dir: string): Promise<void> {
  try {
    const d = await open(dir, "r");
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch {
    // The rename has happened; syncing the folder only makes it durable sooner (not every
    // platform or file system supports it).
  }
}

/**
 * Replaces `path` with `data` atomically: readers see the old file or the new one, never a mix.
 * An existing file keeps its mode if it was 0600 or stricter, else becomes 0600 (reported as
 * modeFixed); a new file gets 0600 (its folder is created 0700). On any failure the temp file is
 * removed and the original is untouched.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  opts: AtomicWriteOptions = {},
): Promise<AtomicWriteResult> {
  const target = await resolveTarget(path);
  const previous = await statOrUndefined(target, path);
  if (previous !== undefined && !previous.isFile()) throw writeFailed(path, "it is not a regular file");
  const previousMode = previous === undefined ? undefined : previous.mode & 0o777;
  let mode: number;
  if (previousMode === undefined) mode = (opts.mode ?? 0o600) & 0o600;
  else mode = (previousMode & ~0o600) === 0 ? previousMode : 0o600;
  const dir = dirname(target);
  if (previous === undefined) {
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw writeFailed(path, describe(e), e);
    }
  }

  const temp = join(dir, `.${basename(target)}.keywarden-${randomBytes(8).toString("hex")}.tmp`);
  let fh: FileHandle | undefined;
  let created = false;
  try {
    fh = await open(temp, "wx", 0o600);
    created = true;
    await fh.chmod(mode); // open's mode passes through the umask; set it exactly
    if (previous !== undefined) await keepOwner(fh, previous, path);
    await fh.writeFile(data);
    await fh.sync();
    await fh.close();
    fh = undefined;
    await opts.beforeRename?.(temp);
    if (opts.expected !== undefined) {
      const now = await readOrNull(target);
      const expected = opts.expected === null ? null : Buffer.from(opts.expected);
      const same = now === null || expected === null ? now === expected : now.equals(expected);
      if (!same) {
        throw new CredentialsFileError(
          "CREDENTIALS_FILE_CHANGED",
          `${path} changed while keywarden was editing it; nothing was written.`,
          "Run the command again (close editors or tools that are writing the file first).",
          { path },
        );
      }
    }
    await rename(temp, target);
  } catch (e) {
    if (fh !== undefined) await fh.close().catch(() => undefined);
    if (created) await unlink(temp).catch(() => undefined);
    if (e instanceof CredentialsFileError) throw e;
    throw writeFailed(path, describe(e), e);
  }
  await syncDir(dir);
  return {
    path: target,
    mode,
    previousMode,
    modeFixed: previousMode !== undefined && mode !== previousMode,
    created: previous === undefined,
  };
}

/** writeFileAtomic for the text of a credentials/config file. */
export function writeIniFileAtomic(
  path: string,
  text: string,
  opts: AtomicWriteOptions = {},
): Promise<AtomicWriteResult> {
  return writeFileAtomic(path, text, opts);
}

// ---------------------------------------------------------------------------------------------
// Backups

async function writeBackup(bytes: Uint8Array, path: string, backupDir: string, now: Date): Promise<string> {
  const stamp = now.toISOString().replace(/[:.]/g, "-");
  const backupPath = join(
    resolve(backupDir),
    `${basename(path)}.${stamp}.${randomBytes(4).toString("hex")}.bak`,
  );
  await writeFileAtomic(backupPath, bytes, { mode: 0o600, expected: null });
  return backupPath;
}

/**
 * Copies the file's current bytes to a new file in `backupDir` (created 0700), mode 0600, and
 * returns its path. The backup holds the same secrets as the file: keep it private.
 */
export async function backupFile(
  path: string,
  backupDir: string,
  opts: { now?: Date } = {},
): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    if (errnoCode(e) === "ENOENT") throw missingFile(path, "The file to back up,");
    throw unreadable(path, describe(e), e);
  }
  return writeBackup(bytes, path, backupDir, opts.now ?? new Date());
}

/** Puts a backup's bytes back at `path`, atomically (mode rules as writeFileAtomic). */
export async function restoreBackup(backupPath: string, path: string): Promise<AtomicWriteResult> {
  let bytes: Buffer;
  try {
    bytes = await readFile(backupPath);
  } catch (e) {
    if (errnoCode(e) === "ENOENT") throw missingFile(backupPath, "The backup");
    throw unreadable(backupPath, describe(e), e);
  }
  return writeFileAtomic(path, bytes);
}

// ---------------------------------------------------------------------------------------------
// The edits rotation needs

export interface ReplaceKeyOptions {
  readonly oldAccessKeyId: string;
  readonly newAccessKeyId: string;
  readonly newSecretAccessKey: string;
  /** Only these profiles (each must hold the old key, or already hold the new one); default: every profile holding the old key. */
  readonly profiles?: readonly string[] | undefined;
  /** Default "credentials"; "config" edits keys stored in the config file. */
  readonly kind?: IniKind;
  /** Back up the bytes read to this folder before writing (see backupFile). */
  readonly backupDir?: string | undefined;
  readonly now?: Date;
}

export interface ReplaceKeyResult {
  /** The file written (symlinks resolved), or the given path when nothing needed writing. */
  readonly path: string;
  readonly profilesChanged: readonly string[];
  /** Profiles that already held the new key and secret (a resumed rotation): left as they were. */
  readonly profilesAlreadyCurrent: readonly string[];
  /** Profiles whose aws_session_token (or aws_security_token) line was removed. */
  readonly sessionTokensRemoved: readonly string[];
  /** The file had looser permissions than 0600 and now has 0600. */
  readonly modeFixed: boolean;
  readonly backupPath: string | undefined;
  /** What the file does that the AWS tools read differently (see IniWarning). */
  readonly warnings: readonly IniWarning[];
}

function checkSecret(secret: string): void {
  // Never quote the secret: say only what is wrong with it.
  if (secret === "" || /\s/.test(secret) || /^[#;]/.test(secret)) {
    throw new UsageError(
      "The new secret access key is empty, contains whitespace or starts with `#` or `;`.",
      "Pass the SecretAccessKey exactly as IAM returned it.",
    );
  }
}

/**
 * Replaces an access key in the credentials file: every profile holding `aws_access_key_id =
 * <old>` (or only the named profiles) gets the new id and secret, loses its session token, and the
 * file is written atomically; every other byte stays as it was. A file that does not parse is
 * left untouched (CREDENTIALS_FILE_INVALID naming the line).
 */
export async function replaceKeyInCredentialsFile(
  path: string,
  opts: ReplaceKeyOptions,
): Promise<ReplaceKeyResult> {
  const { oldAccessKeyId, newAccessKeyId, newSecretAccessKey } = opts;
  if (!isAccessKeyId(oldAccessKeyId) || !isAccessKeyId(newAccessKeyId)) {
    throw new UsageError(
      `Not an access key id: ${maskKeyId(isAccessKeyId(oldAccessKeyId) ? newAccessKeyId : oldAccessKeyId)}.`,
      "Pass access key ids as IAM shows them (AKIA followed by 16 characters).",
    );
  }
  if (oldAccessKeyId === newAccessKeyId) {
    throw new UsageError(
      "The old and new access key ids are the same.",
      "Pass the id of the newly created key.",
    );
  }
  checkSecret(newSecretAccessKey);

  const kind = opts.kind ?? "credentials";
  const file = await readIniFile(path, kind);
  if (file.missing) throw missingFile(path, "The credentials file");
  const doc = file.doc;
  const holdingOld = findProfilesWithValue(doc, "aws_access_key_id", oldAccessKeyId);
  const isCurrent = (profile: string): boolean => {
    const values = getProfile(doc, profile);
    return (
      !holdingOld.includes(profile) &&
      values?.aws_access_key_id === newAccessKeyId &&
      values.aws_secret_access_key === newSecretAccessKey
    );
  };

  let targets: string[];
  let alreadyCurrent: string[];
  if (opts.profiles !== undefined) {
    const wanted = [...new Set(opts.profiles)];
    targets = wanted.filter((p) => holdingOld.includes(p));
    alreadyCurrent = wanted.filter((p) => !holdingOld.includes(p) && isCurrent(p));
    const wrong = wanted.filter((p) => !targets.includes(p) && !alreadyCurrent.includes(p));
    if (wrong.length > 0) {
      throw new CredentialsFileError(
        "CREDENTIALS_KEY_NOT_FOUND",
        `${wrong.length === 1 ? "Profile" : "Profiles"} ${wrong.map((p) => `\`${p}\``).join(", ")} in ${path} ${
          wrong.length === 1 ? "does" : "do"
        } not hold the access key ${maskKeyId(oldAccessKeyId)}; nothing was written.`,
        holdingOld.length > 0
          ? `The key is in ${holdingOld.map((p) => `\`${p}\``).join(", ")}; name those profiles, or name none to update every profile holding it.`
          : "Check the profile names and the file (AWS_SHARED_CREDENTIALS_FILE chooses another file).",
        { path },
      );
    }
  } else {
    targets = holdingOld;
    alreadyCurrent = findProfilesWithValue(doc, "aws_access_key_id", newAccessKeyId).filter(isCurrent);
    if (targets.length === 0 && alreadyCurrent.length === 0) {
      throw new CredentialsFileError(
        "CREDENTIALS_KEY_NOT_FOUND",
        `No profile in ${path} holds the access key ${maskKeyId(oldAccessKeyId)}; nothing was written.`,
        "Name the profile to write the new key to, or check AWS_SHARED_CREDENTIALS_FILE.",
        { path },
      );
    }
  }

  if (targets.length === 0) {
    return {
      path,
      profilesChanged: [],
      profilesAlreadyCurrent: alreadyCurrent,
      sessionTokensRemoved: [],
      modeFixed: false,
      backupPath: undefined,
      warnings: doc.warnings,
    };
  }

  const sessionTokensRemoved: string[] = [];
  for (const profile of targets) {
    setValue(doc, profile, "aws_access_key_id", newAccessKeyId);
    setValue(doc, profile, "aws_secret_access_key", newSecretAccessKey);
    const token = removeKey(doc, profile, "aws_session_token");
    const legacy = removeKey(doc, profile, "aws_security_token");
    if (token.changed || legacy.changed) sessionTokensRemoved.push(profile);
  }
  const backupPath =
    opts.backupDir === undefined
      ? undefined
      : await writeBackup(file.bytes, path, opts.backupDir, opts.now ?? new Date());
  const written = await writeFileAtomic(path, serialize(doc), { expected: file.bytes });
  return {
    path: written.path,
    profilesChanged: targets,
    profilesAlreadyCurrent: alreadyCurrent,
    sessionTokensRemoved,
    modeFixed: written.modeFixed,
    backupPath,
    warnings: doc.warnings,
  };
}

/** Profiles in the file holding `aws_access_key_id = <accessKeyId>` ([] when the file does not exist). */
export async function profilesHoldingKey(
  path: string,
  accessKeyId: string,
  kind: IniKind = "credentials",
): Promise<string[]> {
  const file = await readIniFile(path, kind);
  return findProfilesWithValue(file.doc, "aws_access_key_id", accessKeyId);
}

/** The access key id the AWS tools read for the profile, or undefined (no file, profile or key). */
export async function readProfileKeyId(
  path: string,
  profile: string,
  kind: IniKind = "credentials",
): Promise<string | undefined> {
  const file = await readIniFile(path, kind);
  return getProfile(file.doc, profile)?.aws_access_key_id;
}
