import { maskKeyId } from "../domain/key-id.js";
import type { RotationJob, Store } from "../store/types.js";
import type { IamRotationPort, KeyCredentials, RotationKey, Target } from "./ports.js";
import { RotationError } from "./errors.js";

// The rotation job, one persisted step at a time. Each step is idempotent and its outcome is saved
// (with an audit event) before the next begins, so a crash anywhere ends, after --resume, in a
// consistent state. The secret is only ever in this process's memory and in the targets.

export type Step = "create" | "verify" | "observe" | "deactivate" | "soak" | "delete" | "rollback" | "done";

export interface JobOptions {
  mode: "self" | "admin";
  observeMs: number;
  soakMs: number;
  /** An inactive key of the user that may be deleted to make room (the user named it). */
  replaceInactive: string | null;
}

export interface EngineDeps {
  store: Store;
  /** IAM for the steps before the new key is verified (self: signed with the old key). */
  iam: IamRotationPort;
  /** IAM once the new key works (self: signed with it, since the old one is being retired). */
  iamWithNewKey: (key: KeyCredentials) => IamRotationPort;
  targets: (job: RotationJob) => Target[];
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  /** Who is acting, for the audit trail (e.g. the caller's ARN). */
  actor: string;
  /** Asks before a destructive step; resolves true when --yes was given. */
  confirm: (question: string) => Promise<boolean>;
  /** Human progress lines (stderr). Never given a secret. */
  log: (line: string) => void;
  /** Attempts for the new key's first sign-in (IAM is eventually consistent). */
  verifyAttempts?: number;
  /** Test hook: called at named boundaries; a crash test kills the process there. */
  boundary?: (name: string) => void;
}

interface RunState {
  job: RotationJob;
  /** The new key with its secret, only between CreateAccessKey and the end of this process. */
  secret: KeyCredentials | null;
}

const DEFAULT_VERIFY_ATTEMPTS = 8;
/** AWS's clock and ours may differ; a key this job created is not older than the job by more. */
const CLOCK_TOLERANCE_MS = 60_000;

/**
 * Keys this job created: the recorded new key, or one that appeared after the job was planned
 * (a crash between CreateAccessKey and saving its id). Never a key that existed at planning.
 */
function createdByJob(job: RotationJob, keys: RotationKey[]): RotationKey[] {
  const atPlan = Array.isArray(job.data.keysAtPlan) ? (job.data.keysAtPlan as string[]) : null;
  const since = new Date(job.createdAt).getTime() - CLOCK_TOLERANCE_MS;
  return keys.filter(
    (k) =>
      k.accessKeyId !== job.oldAccessKeyId &&
      (k.accessKeyId === job.newAccessKeyId ||
        (atPlan !== null && !atPlan.includes(k.accessKeyId) && k.createdAt.getTime() >= since)),
  );
}

function optionsOf(job: RotationJob): JobOptions {
  const o = job.options;
  return {
    mode: o.mode === "self" ? "self" : "admin",
    observeMs: typeof o.observeMs === "number" ? o.observeMs : 0,
    soakMs: typeof o.soakMs === "number" ? o.soakMs : 0,
    replaceInactive: typeof o.replaceInactive === "string" ? o.replaceInactive : null,
  };
}

export class RotationEngine {
  constructor(private readonly deps: EngineDeps) {}

  private async save(
    state: RunState,
    patch: Partial<Pick<RotationJob, "newAccessKeyId" | "step" | "state" | "nextAt" | "data">>,
    action: string,
    detail: Record<string, unknown> = {},
  ): Promise<void> {
    state.job = await this.deps.store.updateJob(state.job.id, state.job.version, patch, {
      step: state.job.step,
      action,
      actor: this.deps.actor,
      detail,
    });
  }

  private hit(name: string): void {
    this.deps.boundary?.(name);
  }

  private due(job: RotationJob): boolean {
    return job.nextAt === null || new Date(job.nextAt).getTime() <= this.deps.now().getTime();
  }

  /**
   * Runs every step that is due, stopping when the job finishes, fails, or must wait.
   * `secret` is the new key when this same process created it (a fresh rotation).
   */
  async advance(job: RotationJob, secret: KeyCredentials | null = null): Promise<RotationJob> {
    const state: RunState = { job, secret };
    for (;;) {
      const step = state.job.step as Step;
      if (state.job.state === "done" || state.job.state === "rolled-back" || step === "done") break;
      if (!this.due(state.job)) {
        if (state.job.state !== "waiting") await this.save(state, { state: "waiting" }, "waiting");
        break;
      }
      const before = state.job.version;
      switch (step) {
        case "create":
          await this.create(state);
          break;
        case "verify":
          await this.verify(state);
          break;
        case "observe":
          await this.observe(state);
          break;
        case "deactivate":
          await this.deactivate(state);
          break;
        case "soak":
          await this.save(state, { step: "delete", nextAt: null, state: "running" }, "soak-ended");
          break;
        case "delete":
          await this.delete(state);
          break;
        case "rollback":
          await this.rollback(state);
          break;
        default:
          throw new RotationError(
            "UNKNOWN_STEP",
            `job ${state.job.id} is in an unknown step "${state.job.step}"`,
            "Upgrade keywarden.",
          );
      }
      // A step that saved nothing is waiting for the user (a declined confirmation).
      if (state.job.version === before) break;
    }
    return state.job;
  }

  // ---- create + deliver -------------------------------------------------------------------

  private async create(state: RunState): Promise<void> {
    const { job } = state;
    const { iam } = this.deps;
    const opts = optionsOf(job);

    // 1. Make room, only with the inactive key the user named, and only if it is still inactive.
    if (opts.replaceInactive && job.data.replacedInactive !== true) {
      const keys = await iam.listAccessKeys(job.userName);
      const named = keys.find((k) => k.accessKeyId === opts.replaceInactive);
      if (named && named.status !== "Inactive") {
        throw new RotationError(
          "REPLACE_KEY_ACTIVE",
          `key ${maskKeyId(named.accessKeyId)} of ${job.userName} is Active; keywarden never deletes an active key to make room`,
          "Deactivate it first if nothing uses it, or name an inactive key with --replace-inactive.",
        );
      }
      if (named) await iam.deleteAccessKey(job.userName, named.accessKeyId);
      await this.save(state, { data: { ...job.data, replacedInactive: true } }, "deleted-inactive-key", {
        accessKeyId: opts.replaceInactive,
      });
    }

    // 2. Recover from a crash inside this step: a key we created whose secret was not delivered
    //    everywhere is useless (AWS shows a secret once). Put the targets back and delete it.
    const now = await iam.listAccessKeys(job.userName);
    const ours = createdByJob(state.job, now);
    if (ours.length > 0 || state.job.newAccessKeyId) {
      await this.restoreTargets(state);
      for (const k of ours) {
        await iam.deleteAccessKey(job.userName, k.accessKeyId);
        this.deps.log(
          `Deleted key ${maskKeyId(k.accessKeyId)}: it was created but its secret never reached every target.`,
        );
      }
      await this.save(state, { newAccessKeyId: null }, "deleted-undelivered-key", {
        accessKeyIds: ours.map((k) => k.accessKeyId),
      });
    }

    // 3. The two-key limit: refuse before creating anything.
    const remaining = ours.length > 0 ? await iam.listAccessKeys(job.userName) : now;
    if (remaining.length >= 2) {
      await this.save(state, { state: "failed" }, "refused-two-keys", {
        keys: remaining.map((k) => k.accessKeyId),
      });
      throw twoKeysError(
        job.userName,
        remaining.map((k) => k.accessKeyId).filter((id) => id !== job.oldAccessKeyId),
      );
    }

    // 4. Remember what every target holds now, so rollback can restore it.
    const targets = this.deps.targets(state.job);
    const backups: Record<string, unknown> = {
      ...(state.job.data.backups as Record<string, unknown> | undefined),
    };
    for (const t of targets) if (!(t.spec in backups)) backups[t.spec] = await t.backup();
    await this.save(state, { data: { ...state.job.data, backups } }, "backed-up-targets", {
      targets: Object.keys(backups),
    });

    // 5. Create the key and record its id at once (never its secret).
    const created = await iam.createAccessKey(job.userName);
    this.hit("after-create");
    await this.save(state, { newAccessKeyId: created.accessKeyId }, "created-key", {
      accessKeyId: created.accessKeyId,
    });
    this.hit("after-create-saved");
    state.secret = { accessKeyId: created.accessKeyId, secretAccessKey: created.secretAccessKey };
    this.deps.log(`Created key ${maskKeyId(created.accessKeyId)} for ${job.userName}.`);

    // 6. Deliver to every target, then record that the secret is safe.
    for (const [i, t] of targets.entries()) {
      await t.deliver(state.secret);
      this.deps.log(`Delivered the new key to ${t.spec}.`);
      if (i === 0) this.hit("mid-deliver");
    }
    this.hit("after-deliver");
    await this.save(
      state,
      {
        step: "verify",
        data: { ...state.job.data, delivered: true, deliveredAt: this.deps.now().toISOString() },
      },
      "delivered",
      { targets: targets.map((t) => t.spec) },
    );
  }

  // ---- verify ---------------------------------------------------------------------------

  private async credentialsForVerify(state: RunState, targets: Target[]): Promise<KeyCredentials | null> {
    if (state.secret?.accessKeyId === state.job.newAccessKeyId) return state.secret;
    for (const t of targets) {
      const c = await t.readBackCredentials();
      if (c?.accessKeyId === state.job.newAccessKeyId) return c;
    }
    return null;
  }

  private async verify(state: RunState): Promise<void> {
    const { job } = state;
    const newId = job.newAccessKeyId;
    if (!newId)
      throw new RotationError(
        "NO_NEW_KEY",
        `job ${job.id} reached verify without a new key`,
        "Roll it back.",
      );
    const targets = this.deps.targets(job);
    const creds = await this.credentialsForVerify(state, targets);
    let signedInAs: string | null = null;
    if (creds) {
      signedInAs = await this.signInWithRetry(creds);
      // IAM user names cannot contain "/", so the ARN's last segment is exactly the user name.
      const isUser =
        /^arn:aws[\w-]*:iam::\d{12}:user\//.test(signedInAs) && signedInAs.endsWith(`/${job.userName}`);
      if (!isUser) {
        throw new RotationError(
          "VERIFY_WRONG_USER",
          `the new key signs in as ${signedInAs}, not as user ${job.userName}`,
          `Roll back with \`keywarden rotate --rollback ${job.id}\`.`,
        );
      }
    } else {
      // The secret only went to stdout and this process no longer has it: prove what we can.
      const keys = await this.deps.iam.listAccessKeys(job.userName);
      if (!keys.some((k) => k.accessKeyId === newId && k.status === "Active")) {
        throw new RotationError(
          "VERIFY_FAILED",
          `the new key ${maskKeyId(newId)} is not active`,
          `Roll back with \`keywarden rotate --rollback ${job.id}\`.`,
        );
      }
    }
    for (const t of targets) {
      const held = await t.readBackKeyId();
      if (held !== null && held !== newId) {
        throw new RotationError(
          "VERIFY_TARGET",
          `${t.spec} holds ${maskKeyId(held)}, not the new key ${maskKeyId(newId)}`,
          `Check who else writes to ${t.spec}, then \`keywarden rotate --resume ${job.id}\` or --rollback.`,
        );
      }
    }
    const iam = creds && optionsOf(job).mode === "self" ? this.deps.iamWithNewKey(creds) : this.deps.iam;
    const lastUse = await iam.getAccessKeyLastUsed(job.oldAccessKeyId);
    const opts = optionsOf(job);
    const nextAt = new Date(this.deps.now().getTime() + opts.observeMs).toISOString();
    await this.save(
      state,
      {
        step: "observe",
        nextAt,
        state: opts.observeMs > 0 ? "waiting" : "running",
        data: {
          ...job.data,
          verifiedAt: this.deps.now().toISOString(),
          verifiedBySignIn: creds !== null,
          oldLastUsedAtStart: lastUse.at?.toISOString() ?? null,
        },
      },
      "verified",
      { signedInAs, targets: targets.map((t) => t.spec) },
    );
    this.deps.log(
      creds
        ? `Verified: the new key signs in as ${signedInAs ?? "?"} and every target holds it.`
        : "Verified that the new key exists and is active (its secret went to stdout only, so it could not sign in here).",
    );
  }

  private async signInWithRetry(creds: KeyCredentials): Promise<string> {
    const attempts = this.deps.verifyAttempts ?? DEFAULT_VERIFY_ATTEMPTS;
    let delay = 1_000;
    let last: unknown;
    for (let i = 1; i <= attempts; i++) {
      try {
        return (await this.deps.iam.whoAmIWith(creds)).arn;
      } catch (e) {
        last = e;
        if (i < attempts) {
          await this.deps.sleep(delay);
          delay = Math.min(delay * 2, 8_000);
        }
      }
    }
    throw new RotationError(
      "VERIFY_FAILED",
      `the new key did not sign in after ${attempts} attempts (${(last as Error).message})`,
      "IAM may still be propagating it: run `keywarden rotate --resume <id>` in a minute, or --rollback.",
      { cause: last },
    );
  }

  // ---- observe / deactivate / delete ------------------------------------------------------

  private async observe(state: RunState): Promise<void> {
    const { job } = state;
    const opts = optionsOf(job);
    if (opts.mode === "admin" && opts.observeMs > 0) {
      const lu = await this.deps.iam.getAccessKeyLastUsed(job.oldAccessKeyId);
      // "Still used" means used since the last look (or since the new key was delivered): the
      // old key's last use must stop advancing before it is deactivated.
      const since = job.data.lastLookAt ?? job.data.deliveredAt;
      const lookedAt = this.deps.now().toISOString();
      if (lu.at && typeof since === "string" && lu.at > new Date(since)) {
        // Someone still uses the old key: deactivating now would break them. Look again later.
        const again = new Date(
          this.deps.now().getTime() + Math.min(opts.observeMs, 86_400_000),
        ).toISOString();
        await this.save(
          state,
          { nextAt: again, state: "waiting", data: { ...job.data, lastLookAt: lookedAt } },
          "old-key-still-used",
          {
            lastUsedAt: lu.at.toISOString(),
            service: lu.service,
            region: lu.region,
          },
        );
        this.deps.log(
          `The old key ${maskKeyId(job.oldAccessKeyId)} was used after the new one was delivered ` +
            `(${lu.at.toISOString()}, ${lu.service ?? "?"} in ${lu.region ?? "?"}); not deactivating. Next look: ${again}.`,
        );
        return;
      }
    }
    await this.save(state, { step: "deactivate", nextAt: null, state: "running" }, "observed-quiet");
  }

  private async deactivate(state: RunState): Promise<void> {
    const { job } = state;
    const ok = await this.deps.confirm(
      `Deactivate the old key ${maskKeyId(job.oldAccessKeyId)} of ${job.userName}? (rollback stays possible until it is deleted)`,
    );
    if (!ok) {
      this.deps.log(`Not deactivated. Continue later with \`keywarden rotate --resume ${job.id}\`.`);
      return;
    }
    const iam = this.iamAfterVerify(state);
    await iam.updateAccessKey(job.userName, job.oldAccessKeyId, "Inactive");
    this.hit("after-deactivate");
    const soakMs = optionsOf(job).soakMs;
    await this.save(
      state,
      {
        step: soakMs > 0 ? "soak" : "delete",
        nextAt: soakMs > 0 ? new Date(this.deps.now().getTime() + soakMs).toISOString() : null,
        state: soakMs > 0 ? "waiting" : "running",
        data: { ...job.data, deactivatedAt: this.deps.now().toISOString() },
      },
      "deactivated-old-key",
      { accessKeyId: job.oldAccessKeyId },
    );
    this.deps.log(`Deactivated the old key ${maskKeyId(job.oldAccessKeyId)}.`);
  }

  private iamAfterVerify(state: RunState): IamRotationPort {
    return optionsOf(state.job).mode === "self" && state.secret
      ? this.deps.iamWithNewKey(state.secret)
      : this.deps.iam;
  }

  private async delete(state: RunState): Promise<void> {
    const { job } = state;
    const iam = this.iamAfterVerify(state);
    const old = (await iam.listAccessKeys(job.userName)).find((k) => k.accessKeyId === job.oldAccessKeyId);
    if (old?.status === "Active") {
      await this.save(state, { state: "failed" }, "refused-delete-active", {
        accessKeyId: job.oldAccessKeyId,
      });
      throw new RotationError(
        "OLD_KEY_ACTIVE",
        `the old key ${maskKeyId(job.oldAccessKeyId)} is Active again; keywarden deletes only the inactive key it retired`,
        `Find out who re-activated it; then \`keywarden rotate --rollback ${job.id}\` or deactivate it and --resume.`,
      );
    }
    if (old) {
      const ok = await this.deps.confirm(
        `Delete the old key ${maskKeyId(job.oldAccessKeyId)} of ${job.userName}? This cannot be undone.`,
      );
      if (!ok) {
        this.deps.log(`Not deleted. Continue later with \`keywarden rotate --resume ${job.id}\`.`);
        return;
      }
      await iam.deleteAccessKey(job.userName, job.oldAccessKeyId);
    }
    this.hit("after-delete");
    await this.save(state, { step: "done", state: "done", nextAt: null }, "deleted-old-key", {
      accessKeyId: job.oldAccessKeyId,
    });
    this.deps.log(`Deleted the old key ${maskKeyId(job.oldAccessKeyId)}. Rotation ${job.id} is done.`);
  }

  // ---- rollback -------------------------------------------------------------------------

  /** Marks the job for rollback; advance() then carries it out (and resumes it after a crash). */
  async startRollback(job: RotationJob): Promise<RotationJob> {
    if (job.state === "done" || job.step === "done") {
      throw new RotationError(
        "ROLLBACK_TOO_LATE",
        `rotation ${job.id} is done: the old key was deleted and cannot come back`,
        "Rotate again if the new key must be replaced.",
      );
    }
    if (job.state === "rolled-back") return job;
    const state: RunState = { job, secret: null };
    await this.save(
      state,
      { step: "rollback", state: "running", nextAt: null, data: { ...job.data, rollbackFrom: job.step } },
      "rollback-started",
    );
    return this.advance(state.job);
  }

  private async restoreTargets(state: RunState): Promise<void> {
    const backups = (state.job.data.backups ?? {}) as Record<string, Record<string, unknown>>;
    for (const t of this.deps.targets(state.job)) {
      const b = backups[t.spec];
      if (b) {
        await t.restore(b);
        this.deps.log(`Restored ${t.spec} to its previous contents.`);
      }
    }
  }

  private async rollback(state: RunState): Promise<void> {
    const { job } = state;
    const { iam } = this.deps;
    const keys = await iam.listAccessKeys(job.userName);
    const old = keys.find((k) => k.accessKeyId === job.oldAccessKeyId);
    if (!old) {
      await this.save(state, { state: "failed" }, "rollback-impossible");
      throw new RotationError(
        "ROLLBACK_TOO_LATE",
        `the old key ${maskKeyId(job.oldAccessKeyId)} no longer exists`,
        "Keep the new key; rotate again if needed.",
      );
    }
    // Old key first, so there is never a moment with no working key.
    if (old.status !== "Active") await iam.updateAccessKey(job.userName, job.oldAccessKeyId, "Active");
    await this.restoreTargets(state);
    this.hit("rollback-restored");
    const created = createdByJob(job, keys);
    for (const k of created) await iam.deleteAccessKey(job.userName, k.accessKeyId);
    await this.save(state, { step: "done", state: "rolled-back", nextAt: null }, "rolled-back", {
      reactivated: job.oldAccessKeyId,
      deletedNewKeys: created.map((k) => k.accessKeyId),
    });
    this.deps.log(
      `Rolled back ${job.id}: the old key ${maskKeyId(job.oldAccessKeyId)} is active and every target holds it again.`,
    );
  }
}

export function twoKeysError(userName: string, others: string[]): RotationError {
  const inactiveHint = others.length > 0 ? others.map(maskKeyId).join(", ") : "the other key";
  return new RotationError(
    "TWO_KEYS",
    `user ${userName} already has two access keys (the other: ${inactiveHint}); AWS allows two, so there is no room for a new one`,
    "If the other key is inactive and unused, pass --replace-inactive <its id> to delete it first; keywarden never deletes an active key to make room.",
  );
}
