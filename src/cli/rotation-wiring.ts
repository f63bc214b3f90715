import { hostname } from "node:os";
import { join } from "node:path";
import { iamRotationPort } from "../aws/iam-rotation.js";
import { secretsManagerTarget, ssmParameterTarget } from "../aws/secret-targets.js";
import type { AwsSession, AwsTarget } from "../aws/session.js";
import { instrument, matchesBoundary } from "../rotation/boundaries.js";
import { RotationEngine, type EngineDeps } from "../rotation/engine.js";
import { localTarget } from "../rotation/local-targets.js";
import type { KeyCredentials, Target, TargetSpec } from "../rotation/ports.js";
import { openStore as openStoreFrom } from "../store/open.js";
import { dataDir } from "../store/paths.js";
import type { RotationJob, Store } from "../store/types.js";
import type { CliIO } from "./io.js";
import { signsWithOneMfaSession } from "./rotation-mfa.js";
import { confirmer, type AccountRole, type RotationFlags } from "./aws-wiring.js";

export {
  accountRoleOf,
  awsTargetOf,
  confirmer,
  sessionFor,
  type AccountRole,
  type RotationFlags,
} from "./aws-wiring.js";

// Builds the rotation engine's adapters for the CLI: the AWS session, the targets, the store,
// confirmation prompts and the crash-test hook.

/** The store KEYWARDEN_STORE names (a postgres:// URL or a SQLite path), else the default SQLite file. */
export async function openStore(io: CliIO): Promise<Store> {
  return openStoreFrom({ env: io.env });
}

/** The same AWS a stored job was started with, unless the flags say otherwise now. */
export function awsTargetForJob(job: RotationJob, flags: RotationFlags): AwsTarget {
  const aws = (job.options.aws ?? {}) as Record<string, string | null>;
  return {
    profile: flags.profile ?? aws.profile ?? undefined,
    region: flags.region ?? aws.region ?? undefined,
    endpointUrl: flags.endpointUrl ?? aws.endpointUrl ?? undefined,
    maxAttempts: flags.maxAttempts,
  };
}

export function makeTargets(
  session: AwsSession,
  io: CliIO,
  job: { id: string; userName: string; targets: TargetSpec[] },
): Target[] {
  const ctx = {
    env: io.env,
    backupDir: join(dataDir(io.env), "backups", job.id),
    stdout: io.stdout,
    userName: job.userName,
  };
  return job.targets.map((spec) => {
    if (spec.kind === "secretsmanager") return secretsManagerTarget(session, spec.ref);
    if (spec.kind === "ssm") return ssmParameterTarget(session, spec.ref);
    return localTarget(spec, ctx);
  });
}

/**
 * KEYWARDEN_CRASH_AT=<boundary> makes the process die there with SIGKILL, as a power cut would:
 * the crash tests use it to prove that --resume recovers from every step boundary. It takes the
 * engine's named points (after-create, mid-deliver, ...) and every write boundary that
 * src/rotation/boundaries.ts names (after:iam.createAccessKey, before:target.deliver#2, ...).
 */
function crashHook(env: NodeJS.ProcessEnv): ((name: string) => void) | undefined {
  const at = env.KEYWARDEN_CRASH_AT;
  if (!at) return undefined;
  return (name) => {
    if (matchesBoundary(at, name)) process.kill(process.pid, "SIGKILL");
  };
}

/** A non-negative integer from the environment (test and tuning knobs), else undefined. */
function envInt(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const v = env[name];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

export function makeEngine(
  io: CliIO,
  store: Store,
  session: AwsSession,
  opts: { yes: boolean; actor: string; confirm?: (question: string) => Promise<boolean> },
): RotationEngine {
  const iam = iamRotationPort(session);
  const boundary = crashHook(io.env);
  const verifyAttempts = envInt(io.env, "KEYWARDEN_VERIFY_ATTEMPTS");
  const lockSettleMs = envInt(io.env, "KEYWARDEN_LOCK_SETTLE_MS");
  const deps: EngineDeps = {
    store,
    iam,
    // With an MFA session (rotate --mfa-serial) every call of the run keeps signing with it: the
    // new key alone carries no MFA, and a policy that requires MFA would deny it.
    iamWithNewKey: (key: KeyCredentials) =>
      signsWithOneMfaSession(session) ? iam : iamRotationPort(session, key),
    targets: (job) => makeTargets(session, io, job),
    now: () => new Date(),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    actor: opts.actor,
    confirm: opts.confirm ?? confirmer(io, opts.yes),
    log: (line) => io.stderr.write(`keywarden: ${line}\n`),
    ...(verifyAttempts !== undefined ? { verifyAttempts } : {}),
    ...(lockSettleMs !== undefined ? { lockSettleMs } : {}),
    ...(boundary ? { boundary } : {}),
  };
  return new RotationEngine(boundary ? instrument(deps, boundary) : deps);
}

/**
 * Removes the backup folders of this store's jobs that have ended: a crash after a job's end can
 * leave one, and a backup holds the target's old key. A folder of a job this store does not know
 * is kept (the same data folder may serve another store, whose rollback may need it).
 */
export async function sweepBackups(store: Store, io: CliIO): Promise<void> {
  const { readdir, rm } = await import("node:fs/promises");
  const root = join(dataDir(io.env), "backups");
  const dirs = await readdir(root).catch(() => [] as string[]);
  for (const id of dirs) {
    const job = await store.getJob(id);
    if (job && (job.state === "done" || job.state === "rolled-back"))
      await rm(join(root, id), { recursive: true, force: true });
  }
}

const LEASE_MS = 10 * 60_000;

/** This process, as a lease owner: host and pid, so a later run can tell a crashed owner. */
export const LEASE_OWNER = `${hostname()}:${process.pid}`;

function ownerIsDead(owner: string): boolean {
  const [host, pid] = owner.split(":");
  if (host !== hostname() || !pid || !/^\d+$/.test(pid)) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/**
 * Takes the job's lease. A lease held by a process of this machine that no longer exists (a crash,
 * a kill -9) is taken over at once instead of waiting for it to expire; a live holder is refused.
 */
export async function claimForThisProcess(store: Store, id: string): Promise<boolean> {
  if (await store.claimJob(id, LEASE_OWNER, LEASE_MS, new Date())) return true;
  const holder = await store.leaseOwner(id, new Date());
  if (holder === null || !ownerIsDead(holder))
    return holder === null && store.claimJob(id, LEASE_OWNER, LEASE_MS, new Date());
  await store.releaseJob(id, holder);
  return store.claimJob(id, LEASE_OWNER, LEASE_MS, new Date());
}

/** How a job reaches AWS again later (`rotations advance`, `enforce`): stored in its options. */
export function awsOptionsOf(
  flags: RotationFlags,
  region: string,
  role: AccountRole | undefined,
): Record<string, unknown> {
  return {
    profile: flags.profile ?? null,
    region,
    endpointUrl: flags.endpointUrl ?? null,
    role: role
      ? { accountId: role.accountId, roleName: role.roleName, externalId: role.externalId ?? null }
      : null,
  };
}

/** Where a stored job said it reached AWS through a role, if it did. */
export function accountRoleOfJob(job: RotationJob): AccountRole | undefined {
  const r = (job.options.aws as { role?: AccountRole | null } | undefined)?.role;
  return r && typeof r.accountId === "string" && typeof r.roleName === "string" ? r : undefined;
}
