import { hostname } from "node:os";
import { AccessDeniedError } from "../domain/errors.js";
import type { RotationJob } from "../store/types.js";
import { RotationError } from "./errors.js";
import type { IamRotationPort } from "./ports.js";

// One rotation per IAM user across every store and machine. A store's own lock only sees that
// store's jobs; two laptops, or a laptop and the team's PostgreSQL, each see only theirs. The IAM
// user itself is the one place all of them see, so the lock is a tag on the user naming the job
// and until when it holds:  keywarden:rotation = "rot-abc until 2026-12-05T10:00:00.000Z by host".
//
// Tags have no compare-and-set, so taking the lock follows Fischer's protocol: look, write only
// if free, wait longer than a writer can take between its look and its write, look again; the one
// whose name is still there holds it. Holding it is renewed at every step, and its expiry covers
// the job's next wait, so a job waiting seven days to observe keeps the user.

export const LOCK_TAG = "keywarden:rotation";
/** How long past its next due time a job holds the user, unless it renews the lock. */
export const LOCK_TTL_MS = 24 * 3_600_000;
const VALUE = /^(\S+) until (\S+)(?: by (\S+))?$/;

export interface UserLock {
  jobId: string;
  until: Date;
  by: string | null;
}

export function parseLock(value: string | undefined): UserLock | null {
  const m = value ? VALUE.exec(value) : null;
  if (!m?.[1] || !m[2]) return null;
  const until = new Date(m[2]);
  return Number.isNaN(until.getTime()) ? null : { jobId: m[1], until, by: m[3] ?? null };
}

/** Tag values allow letters, digits, spaces and _ . : / = + - @ only. */
export function formatLock(jobId: string, until: Date, by = hostname()): string {
  return `${jobId} until ${until.toISOString()} by ${by.replace(/[^\w.:/=+@-]/g, "-")}`.slice(0, 256);
}

export interface UserLockDeps {
  iam: IamRotationPort;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  /** Longer than a writer can take between its look and its write (Fischer's delay). */
  settleMs: number;
  /** True when the store knows the job and it has ended (its tag was left by a crash). */
  finishedHere: (jobId: string) => Promise<boolean>;
  log: (line: string) => void;
}

function lockedError(job: RotationJob, other: UserLock): RotationError {
  return new RotationError(
    "USER_LOCKED",
    `user ${job.userName} is being rotated by ${other.jobId}${other.by ? ` (from ${other.by})` : ""} until ${other.until.toISOString()}, a job this store does not run; only one rotation per user runs at a time`,
    `Let that rotation finish where it runs (\`keywarden rotations\` there). If it is gone for good, clear its lock with \`aws iam untag-user --user-name ${job.userName} --tag-keys ${LOCK_TAG}\`, then \`keywarden rotate --resume ${job.id}\`.`,
  );
}

async function tagsOf(
  deps: UserLockDeps,
  job: RotationJob,
  self: boolean,
): Promise<Record<string, string> | null> {
  try {
    return await deps.iam.listUserTags(job.userName);
  } catch (e) {
    // A user rotating their own key often may not tag themselves; they rotate from one machine.
    if (self && e instanceof AccessDeniedError) {
      deps.log(
        `Cannot hold the rotation lock on ${job.userName} (iam:ListUserTags/TagUser denied): only this store's lock protects the user.`,
      );
      return null;
    }
    throw e;
  }
}

/** Takes or renews the user's lock for `job`; throws USER_LOCKED when another job holds it. */
export async function holdUserLock(deps: UserLockDeps, job: RotationJob, self: boolean): Promise<void> {
  const tags = await tagsOf(deps, job, self);
  if (tags === null) return;
  const now = deps.now();
  const held = parseLock(tags[LOCK_TAG]);
  if (held && held.jobId !== job.id && held.until > now && !(await deps.finishedHere(held.jobId)))
    throw lockedError(job, held);
  const due = job.nextAt ? Math.max(new Date(job.nextAt).getTime(), now.getTime()) : now.getTime();
  const until = new Date(due + LOCK_TTL_MS);
  if (held?.jobId === job.id && held.until.getTime() - until.getTime() >= -LOCK_TTL_MS / 2) return;
  await deps.iam.tagUser(job.userName, LOCK_TAG, formatLock(job.id, until));
  if (held?.jobId === job.id) return; // a renewal: nobody else could write while we held it
  await deps.sleep(deps.settleMs);
  const after = parseLock((await deps.iam.listUserTags(job.userName))[LOCK_TAG]);
  if (after?.jobId !== job.id) {
    if (after) throw lockedError(job, after);
    throw new RotationError(
      "USER_LOCKED",
      `the rotation lock on ${job.userName} was removed while ${job.id} was taking it`,
      `Find out who removed the ${LOCK_TAG} tag, then \`keywarden rotate --resume ${job.id}\`.`,
    );
  }
}

/** Gives the user back once the job has ended (only if the tag still names this job). */
export async function releaseUserLock(deps: UserLockDeps, job: RotationJob, self: boolean): Promise<void> {
  const tags = await tagsOf(deps, job, self).catch(() => null);
  if (tags === null) return;
  if (parseLock(tags[LOCK_TAG])?.jobId === job.id) await deps.iam.untagUser(job.userName, LOCK_TAG);
}
