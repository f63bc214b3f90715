import { credentialsFilePath } from "../credentials/file.js";
import { dotenvTarget } from "./dotenv-target.js";
import { profileTarget } from "./profile-target.js";
import type { Target, TargetSpec } from "./ports.js";
import { formatTargetSpec } from "./target-spec.js";

// Targets on this machine: a credentials-file profile, a dotenv file, stdout. Each file target
// keeps only the values it changes, in keywarden's private data folder (0600), until the job ends.

export interface LocalTargetContext {
  env: NodeJS.ProcessEnv;
  /** Folder for this job's backups (created 0700 on first use, removed when the job ends). */
  backupDir: string;
  /** Where `stdout` targets print the new key, once. */
  stdout: { write(s: string): unknown };
  userName: string;
}

function stdoutTarget(ctx: LocalTargetContext): Target {
  return {
    spec: "stdout",
    describe: () => ["stdout: print the new key once as JSON (AccessKeyId, SecretAccessKey, UserName)"],
    preflight: () => Promise.resolve(),
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
    restore: (_b, ours) =>
      Promise.resolve(
        ours
          ? "stdout: what was printed cannot be taken back (the key it names is deleted)"
          : "stdout: nothing printed",
      ),
    discard: () => Promise.resolve(),
  };
}

export function localTarget(spec: TargetSpec, ctx: LocalTargetContext): Target {
  switch (spec.kind) {
    case "profile":
      return profileTarget(
        formatTargetSpec(spec),
        spec.file ?? credentialsFilePath(ctx.env),
        spec.ref,
        ctx.backupDir,
      );
    case "dotenv":
      return dotenvTarget(formatTargetSpec(spec), spec.ref, ctx.backupDir);
    case "stdout":
      return stdoutTarget(ctx);
    default:
      throw new Error(`${spec.kind} is not a local target`);
  }
}
