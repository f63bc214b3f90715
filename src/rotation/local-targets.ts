import { copyFile, mkdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { credentialsFilePath, writeFileAtomic } from "../credentials/file.js";
import { getProfile, parseIni, removeKey, serialize, setValue } from "../credentials/ini.js";
import { readDotenv, setDotenv } from "./dotenv.js";
import type { KeyCredentials, Target, TargetSpec } from "./ports.js";
import { formatTargetSpec } from "./target-spec.js";

// Targets on this machine: a credentials-file profile, a dotenv file, stdout. Backups are copies
// of the file in keywarden's private data folder (mode 0600): the user's own secret, kept on the
// user's own machine, so that rollback can put it back. Restores are surgical (only the key
// lines), so edits made to other lines since the backup survive.

export interface LocalTargetContext {
  env: NodeJS.ProcessEnv;
  /** Folder for this job's backups (created 0700 on first use). */
  backupDir: string;
  /** Where `stdout` targets print the new key, once. */
  stdout: { write(s: string): unknown };
  userName: string;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function backupCopy(
  path: string,
  ctx: LocalTargetContext,
  label: string,
): Promise<Record<string, unknown>> {
  if (!(await exists(path))) return { existed: false, path };
  await mkdir(ctx.backupDir, { recursive: true, mode: 0o700 });
  const copy = join(ctx.backupDir, `${label.replace(/[^\w.-]+/g, "_")}.bak`);
  await copyFile(path, copy);
  const { chmod } = await import("node:fs/promises");
  await chmod(copy, 0o600);
  return { existed: true, path, backup: copy };
}

function profileTarget(spec: TargetSpec, ctx: LocalTargetContext): Target {
  const file = spec.file ?? credentialsFilePath(ctx.env);
  const profile = spec.ref;
  const read = async () =>
    parseIni(await readFile(file, "utf8").catch(() => ""), { kind: "credentials", file });
  const write = async (values: KeyCredentials | null, previous: string) => {
    const doc = parseIni(previous, { kind: "credentials", file });
    if (values) {
      setValue(doc, profile, "aws_access_key_id", values.accessKeyId);
      setValue(doc, profile, "aws_secret_access_key", values.secretAccessKey);
      // A long-term key has no session token; a stale one would make every call fail.
      removeKey(doc, profile, "aws_session_token");
    }
    await writeFileAtomic(file, serialize(doc));
  };
  return {
    spec: formatTargetSpec(spec),
    describe: (id) => [
      `${file}: set aws_access_key_id${id ? ` = ${id}` : ""} and aws_secret_access_key in [${profile}] (atomic write, mode 0600)`,
    ],
    backup: () => backupCopy(file, ctx, `profile-${profile}`),
    async deliver(key) {
      await write(key, await readFile(file, "utf8").catch(() => ""));
    },
    async readBackKeyId() {
      return getProfile(await read(), profile)?.aws_access_key_id ?? null;
    },
    async readBackCredentials() {
      const p = getProfile(await read(), profile);
      return p?.aws_access_key_id && p.aws_secret_access_key
        ? { accessKeyId: p.aws_access_key_id, secretAccessKey: p.aws_secret_access_key }
        : null;
    },
    async restore(backup) {
      if (typeof backup.backup !== "string") return;
      const old = getProfile(
        parseIni(await readFile(backup.backup, "utf8"), { kind: "credentials", file }),
        profile,
      );
      if (!old?.aws_access_key_id || !old.aws_secret_access_key) return;
      await write(
        { accessKeyId: old.aws_access_key_id, secretAccessKey: old.aws_secret_access_key },
        await readFile(file, "utf8").catch(() => ""),
      );
    },
  };
}

function dotenvTarget(spec: TargetSpec, ctx: LocalTargetContext): Target {
  const file = spec.ref;
  const read = async () => readDotenv(await readFile(file, "utf8").catch(() => ""));
  const write = async (key: KeyCredentials) => {
    const text = await readFile(file, "utf8").catch(() => "");
    await writeFileAtomic(
      file,
      setDotenv(text, { AWS_ACCESS_KEY_ID: key.accessKeyId, AWS_SECRET_ACCESS_KEY: key.secretAccessKey }),
    );
  };
  return {
    spec: formatTargetSpec(spec),
    describe: (id) => [
      `${file}: set AWS_ACCESS_KEY_ID${id ? `=${id}` : ""} and AWS_SECRET_ACCESS_KEY (atomic write, mode 0600)`,
    ],
    backup: () => backupCopy(file, ctx, `dotenv-${file}`),
    deliver: write,
    async readBackKeyId() {
      return (await read()).get("AWS_ACCESS_KEY_ID") ?? null;
    },
    async readBackCredentials() {
      const v = await read();
      const id = v.get("AWS_ACCESS_KEY_ID");
      const secret = v.get("AWS_SECRET_ACCESS_KEY");
      return id && secret ? { accessKeyId: id, secretAccessKey: secret } : null;
    },
    async restore(backup) {
      if (typeof backup.backup !== "string") return;
      const old = readDotenv(await readFile(backup.backup, "utf8"));
      const id = old.get("AWS_ACCESS_KEY_ID");
      const secret = old.get("AWS_SECRET_ACCESS_KEY");
      if (id && secret) await write({ accessKeyId: id, secretAccessKey: secret });
    },
  };
}

function stdoutTarget(ctx: LocalTargetContext): Target {
  return {
    spec: "stdout",
    describe: () => ["stdout: print the new key once as JSON (AccessKeyId, SecretAccessKey, UserName)"],
    backup: () => Promise.resolve({ existed: false }),
    deliver(key) {
      ctx.stdout.write(
        `${JSON.stringify({ UserName: ctx.userName, AccessKeyId: key.accessKeyId, SecretAccessKey: key.secretAccessKey })}\n`,
      );
      return Promise.resolve();
    },
    readBackKeyId: () => Promise.resolve(null),
    readBackCredentials: () => Promise.resolve(null),
    // What was printed cannot be taken back; the new key is deleted by rollback, so it is dead anyway.
    restore: () => Promise.resolve(),
  };
}

export function localTarget(spec: TargetSpec, ctx: LocalTargetContext): Target {
  switch (spec.kind) {
    case "profile":
      return profileTarget(spec, ctx);
    case "dotenv":
      return dotenvTarget(spec, ctx);
    case "stdout":
      return stdoutTarget(ctx);
    default:
      throw new Error(`${spec.kind} is not a local target`);
  }
}
