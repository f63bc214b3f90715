import { maskKeyId } from "../domain/key-id.js";
import { isFinished, type RotationJob, type Store } from "../store/types.js";
import type { IamRotationPort, KeyCredentials, KeyLastUse, RotationKey, Target } from "./ports.js";
import { RotationError } from "./errors.js";
import { holdUserLock, releaseUserLock, type UserLockDeps } from "./user-lock.js";

// The rotation job, one persisted step at a time. Each step is idempotent and its outcome is saved
// (with an audit event) before the next begins, so a crash anywhere ends, after --resume, in a
// consistent state. The secret is only ever in this process's memory and in the targets.
//
// What protects users whatever happens between two steps (the README's rotation section):
//  I1 keywarden deactivates or deletes only the key it was told to rotate, the inactive key the
//     user named, and the key whose id it saved as its own; a key of uncertain origin is left
//     alone and reported with the command that settles it;
//  I2 before the old key is deactivated, the new key is active and every target holds it;
//  I3 one actor advances a job at a time: the store's lease, a fresh read of the job, and a lock
//     on the IAM user that every store sees (user-lock.ts);
//  I4 every target is checked before a key exists;
//  I5 rollback puts each target back as it was, "did not exist" included, unless someone else
//     has written to it since;
//  I6 backups hold only the changed values and are removed when the job ends.

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
  /** IAM signed with the given key (self: the old key in recovery, the new one once it works). */
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
  /** Fischer's delay of the user lock (user-lock.ts); default 1.5 s. */
  lockSettleMs?: number;
  /** Test hook: called at named boundaries; a crash test kills the process there. */
  boundary?: (name: string) => void;
}

interface RunState {
  job: RotationJob;
  /** The new key with its secret, only between CreateAccessKey and the end of this process. */
  secret: KeyCredentials | null;
}

const DEFAULT_VERIFY_ATTEMPTS = 8;
const DEFAULT_LOCK_SETTLE_MS = 1_500;

export function optionsOf(job: RotationJob): JobOptions {
  const o = job.options;
  return {
    mode: o.mode === "self" ? "self" : "admin",
    observeMs: typeof o.observeMs === "number" ? o.observeMs : 0,
    soakMs: typeof o.soakMs === "number" ? o.soakMs : 0,
    replaceInactive: typeof o.replaceInactive === "string" ? o.replaceInactive : null,
  };
}

/** Keys that appeared after planning that the job cannot claim: a person's, or one whose id was lost. */
function strangers(job: RotationJob, keys: RotationKey[]): RotationKey[] {
  const atPlan = Array.isArray(job.data.keysAtPlan) ? (job.data.keysAtPlan as string[]) : [];
  return keys.filter(
    (k) =>
      k.accessKeyId !== job.oldAccessKeyId &&
      k.accessKeyId !== job.newAccessKeyId &&
      !atPlan.includes(k.accessKeyId),
  );
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

  /** Saves the job as failed (a person must decide) and throws the reason. */
  private async fail(
    state: RunState,
    action: string,
    error: RotationError,
    detail: Record<string, unknown> = {},
  ): Promise<never> {
    await this.save(state, { state: "failed" }, action, { ...detail, reason: error.message });
    throw error;
  }

  private hit(name: string): void {
    this.deps.boundary?.(name);
  }

  private due(job: RotationJob): boolean {
    return job.nextAt === null || new Date(job.nextAt).getTime() <= this.deps.now().getTime();
  }

  private lockDeps(iam: IamRotationPort): UserLockDeps {
    return {
      iam,
      now: this.deps.now,
      sleep: this.deps.sleep,
      settleMs: this.deps.lockSettleMs ?? DEFAULT_LOCK_SETTLE_MS,
      finishedHere: async (id) => {
        const j = await this.deps.store.getJob(id);
        return j !== null && isFinished(j.state);
      },
      log: this.deps.log,
    };
  }

  /**
   * Runs every step that is due, stopping when the job finishes, fails, or must wait.
   * `secret` is the new key when this same process created it (a fresh rotation).
   * The job is read again first: a caller's copy (a list taken before claiming) may be stale,
   * and acting on it could repeat a step another worker has finished.
   */
  async advance(job: RotationJob, secret: KeyCredentials | null = null): Promise<RotationJob> {
    const fresh = await this.deps.store.getJob(job.id);
    if (!fresh)
      throw new RotationError(
        "NO_JOB",
        `rotation ${job.id} no longer exists`,
        "List them with `keywarden rotations`.",
      );
    const state: RunState = { job: fresh, secret };
    if (isFinished(fresh.state) || fresh.step === "done") {
      await this.cleanUp(state);
      return state.job;
    }
    for (;;) {
      const step = state.job.step as Step;
      if (isFinished(state.job.state) || step === "done") break;
      if (!this.due(state.job)) {
        if (state.job.state !== "waiting") await this.save(state, { state: "waiting" }, "waiting");
        break;
      }
      const before = state.job.version;
      try {
        await holdUserLock(
          this.lockDeps(this.iamFor(state)),
          state.job,
          optionsOf(state.job).mode === "self",
        );
      } catch (e) {
        // Another job (from another store) holds the user: a person decides, not the scheduler.
        if (e instanceof RotationError && e.code === "USER_LOCKED") await this.fail(state, "user-locked", e);
        throw e;
      }
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
    if (isFinished(state.job.state)) await this.cleanUp(state);
    else if (state.job.state === "waiting")
      // The lock must outlive the wait (an observe of 7 days), or another store could take the user.
      await holdUserLock(this.lockDeps(this.iamFor(state)), state.job, optionsOf(state.job).mode === "self");
    return state.job;
  }

  /** A finished job gives back the user's lock and forgets its backups (again, after a crash). */
  private async cleanUp(state: RunState): Promise<void> {
    const backups = (state.job.data.backups ?? {}) as Record<string, Record<string, unknown>>;
    for (const t of this.deps.targets(state.job)) await t.discard(backups[t.spec] ?? {});
    try {
      await releaseUserLock(
        this.lockDeps(this.iamFor(state)),
        state.job,
        optionsOf(state.job).mode === "self",
      );
    } catch (e) {
      this.deps.log(`Could not release the rotation lock on ${state.job.userName}: ${(e as Error).message}`);
    }
  }

  /**
   * IAM for this moment of the job. A self-rotation signs with the key its targets hold: the old
   * one until the new one is delivered and verified. After a crash the profile may already hold
   * an undelivered new key, so recovery signs with the old key read back from a restored target.
   */
  private iamFor(state: RunState, oldKey: KeyCredentials | null = null): IamRotationPort {
    if (optionsOf(state.job).mode !== "self") return this.deps.iam;
    if (oldKey) return this.deps.iamWithNewKey(oldKey);
    if (state.secret && state.job.step !== "create") return this.deps.iamWithNewKey(state.secret);
    return this.deps.iam;
  }

  // ---- create + deliver -------------------------------------------------------------------

  private async create(state: RunState): Promise<void> {
    const { userName, id } = state.job;
    let iam = this.iamFor(state);
    let keys = await iam.listAccessKeys(userName);

    // 1. Recover from a crash inside this step. A key whose id this job saved but whose secret was
    //    not delivered everywhere is useless (AWS shows a secret once): put the targets back, then
    //    delete it. A key that appeared while the id was not saved yet may be a person's: leave it.
    const ownId = state.job.newAccessKeyId;
    if (ownId) {
      const lines = await this.restoreTargets(state, ownId);
      const oldKey = await this.oldKeyFromTargets(state);
      iam = this.iamFor(state, oldKey);
      if (keys.some((k) => k.accessKeyId === ownId)) {
        await iam.deleteAccessKey(userName, ownId);
        this.deps.log(
          `Deleted key ${maskKeyId(ownId)}: this job created it but its secret never reached every target.`,
        );
      }
      await this.save(
        state,
        { newAccessKeyId: null, data: { ...state.job.data, creating: null } },
        "deleted-undelivered-key",
        {
          accessKeyId: ownId,
          targets: lines,
        },
      );
      keys = await iam.listAccessKeys(userName);
    } else if (state.job.data.creating) {
      const unknown = strangers(state.job, keys);
      if (unknown.length > 0) {
        const ids = unknown.map((k) => k.accessKeyId);
        const first = ids[0] ?? "";
        await this.fail(
          state,
          "uncertain-key",
          new RotationError(
            "UNCERTAIN_KEY",
            `key ${ids.join(", ")} of ${userName} appeared while rotation ${id} was creating its key, and the process stopped before saving which key it made; keywarden leaves a key it cannot prove is its own`,
            `If nobody else made it, its secret is lost: \`aws iam delete-access-key --user-name ${userName} --access-key-id ${first}\`, then \`keywarden rotate --resume ${id}\`. If a person made it, keep it and close this job with \`keywarden rotate --rollback ${id}\`.`,
          ),
          { accessKeyIds: ids },
        );
      }
    }

    // 2. The key to rotate must still be there and active: a person may have acted since the plan.
    const old = keys.find((k) => k.accessKeyId === state.job.oldAccessKeyId);
    if (old?.status !== "Active") {
      const what = old ? "was deactivated" : "was deleted";
      await this.fail(
        state,
        old ? "old-key-inactive" : "old-key-gone",
        new RotationError(
          old ? "OLD_KEY_INACTIVE" : "OLD_KEY_GONE",
          `the key being rotated, ${maskKeyId(state.job.oldAccessKeyId)} of ${userName}, ${what} by someone else before a new key was made; nothing was created`,
          old
            ? `Re-activate it and \`keywarden rotate --resume ${id}\`, or close this job with \`keywarden rotate --rollback ${id}\`.`
            : `Close this job with \`keywarden rotate --rollback ${id}\`; rotate the user's current key with a new \`keywarden rotate\`.`,
        ),
      );
    }

    // 3. Make room, only with the inactive key the user named, and only if it is still inactive.
    const opts = optionsOf(state.job);
    if (opts.replaceInactive && state.job.data.replacedInactive !== true) {
      const named = keys.find((k) => k.accessKeyId === opts.replaceInactive);
      if (named && named.status !== "Inactive") {
        await this.fail(
          state,
          "refused-replace-active",
          new RotationError(
            "REPLACE_KEY_ACTIVE",
            `key ${maskKeyId(named.accessKeyId)} of ${userName} is Active; keywarden never deletes an active key to make room`,
            "Deactivate it first if nothing uses it, or name an inactive key with --replace-inactive.",
          ),
        );
      }
      if (named) await iam.deleteAccessKey(userName, named.accessKeyId);
      await this.save(
        state,
        { data: { ...state.job.data, replacedInactive: true } },
        "deleted-inactive-key",
        {
          accessKeyId: opts.replaceInactive,
        },
      );
      keys = keys.filter((k) => k.accessKeyId !== opts.replaceInactive);
    }

    // 4. The two-key limit: refuse before creating anything.
    if (keys.length >= 2) {
      const others = keys.map((k) => k.accessKeyId).filter((k) => k !== state.job.oldAccessKeyId);
      await this.fail(state, "refused-two-keys", twoKeysError(userName, others), {
        keys: keys.map((k) => k.accessKeyId),
      });
    }

    // 5. Every target must take a key before one exists (a file that does not parse, a folder
    //    that cannot be written, a secret that cannot be read).
    const targets = this.deps.targets(state.job);
    for (const t of targets) {
      try {
        await t.preflight();
      } catch (e) {
        await this.save(state, { state: "failed" }, "target-unusable", {
          target: t.spec,
          reason: (e as Error).message,
        });
        throw e;
      }
    }

    // 6. Remember what every target holds now, so rollback can restore it.
    const backups: Record<string, unknown> = {
      ...(state.job.data.backups as Record<string, unknown> | undefined),
    };
    for (const t of targets) if (!(t.spec in backups)) backups[t.spec] = await t.backup();
    await this.save(
      state,
      { state: "running", data: { ...state.job.data, backups, creating: this.deps.now().toISOString() } },
      "backed-up-targets",
      { targets: Object.keys(backups) },
    );

    // 7. Create the key and record its id at once (never its secret). Between the two, a crash
    //    leaves a key of uncertain origin (step 1 above).
    let created: Awaited<ReturnType<IamRotationPort["createAccessKey"]>>;
    try {
      created = await iam.createAccessKey(userName);
    } catch (e) {
      // A definite refusal (the two-key limit reached by a person meanwhile, access denied) made
      // no key: say so, so that a later look does not take a person's key for one of ours. A
      // timeout or a 5xx may have made one: the marker stays and step 1 decides.
      if (definiteRefusal(e)) {
        await this.save(
          state,
          { state: "failed", data: { ...state.job.data, creating: null } },
          "create-refused",
          {
            reason: (e as Error).message,
          },
        );
      }
      throw e;
    }
    this.hit("after-create");
    await this.save(state, { newAccessKeyId: created.accessKeyId }, "created-key", {
      accessKeyId: created.accessKeyId,
    });
    this.hit("after-create-saved");
    state.secret = { accessKeyId: created.accessKeyId, secretAccessKey: created.secretAccessKey };
    this.deps.log(`Created key ${maskKeyId(created.accessKeyId)} for ${userName}.`);

    // 8. Deliver to every target, then record that the secret is safe.
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
        data: {
          ...state.job.data,
          creating: null,
          delivered: true,
          deliveredAt: this.deps.now().toISOString(),
        },
      },
      "delivered",
      { targets: targets.map((t) => t.spec) },
    );
  }

  /** The old key with its secret, from the first target that holds it (self-rotation recovery). */
  private async oldKeyFromTargets(state: RunState): Promise<KeyCredentials | null> {
    if (optionsOf(state.job).mode !== "self") return null;
    for (const t of this.deps.targets(state.job)) {
      const c = await t.readBackCredentials().catch(() => null);
      if (c?.accessKeyId === state.job.oldAccessKeyId) return c;
    }
    return null;
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
    if (creds && !state.secret) state.secret = creds;
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
    await this.checkTargetsHold(state, targets, newId);
    const lastUse = await this.lastUse(this.iamFor(state), job.oldAccessKeyId);
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

  private async checkTargetsHold(state: RunState, targets: Target[], newId: string): Promise<void> {
    for (const t of targets) {
      const held = await t.readBackKeyId();
      if (held !== null && held !== newId) {
        throw new RotationError(
          "VERIFY_TARGET",
          `${t.spec} holds ${maskKeyId(held)}, not the new key ${maskKeyId(newId)}`,
          `Check who else writes to ${t.spec}, then \`keywarden rotate --resume ${state.job.id}\` or --rollback.`,
        );
      }
    }
  }

  /** The old key's last use; none once a person has deleted the key (the steps after cope with that). */
  private async lastUse(iam: IamRotationPort, accessKeyId: string): Promise<KeyLastUse> {
    try {
      return await iam.getAccessKeyLastUsed(accessKeyId);
    } catch (e) {
      const name = (e as { cause?: { name?: string } }).cause?.name;
      if (name === "NoSuchEntityException" || name === "NoSuchEntity")
        return { at: null, service: null, region: null };
      throw e;
    }
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
      const lu = await this.lastUse(this.deps.iam, job.oldAccessKeyId);
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
          { lastUsedAt: lu.at.toISOString(), service: lu.service, region: lu.region },
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
    const newId = job.newAccessKeyId ?? "";
    const iam = this.iamFor(state);
    // I2, again, right before the one step that can lock someone out: the new key must still be
    // active and every target must still hold it (a person may have acted since verify).
    const keys = await iam.listAccessKeys(job.userName);
    const fresh = keys.find((k) => k.accessKeyId === newId);
    if (fresh?.status !== "Active") {
      await this.fail(
        state,
        "refused-deactivate",
        new RotationError(
          "NEW_KEY_GONE",
          `the new key ${maskKeyId(newId)} is ${fresh ? "inactive" : "deleted"}: deactivating the old key now would leave ${job.userName} without a working key`,
          `Find out who changed it. Then re-activate it and \`keywarden rotate --resume ${job.id}\`, or \`keywarden rotate --rollback ${job.id}\`.`,
        ),
      );
    }
    try {
      await this.checkTargetsHold(state, this.deps.targets(job), newId);
    } catch (e) {
      await this.fail(state, "refused-deactivate", e as RotationError);
    }
    const old = keys.find((k) => k.accessKeyId === job.oldAccessKeyId);
    if (old?.status === "Active") {
      const ok = await this.deps.confirm(
        `Deactivate the old key ${maskKeyId(job.oldAccessKeyId)} of ${job.userName}? (rollback stays possible until it is deleted)`,
      );
      if (!ok) {
        this.deps.log(`Not deactivated. Continue later with \`keywarden rotate --resume ${job.id}\`.`);
        return;
      }
      await iam.updateAccessKey(job.userName, job.oldAccessKeyId, "Inactive");
      this.hit("after-deactivate");
    }
    const soakMs = optionsOf(job).soakMs;
    await this.save(
      state,
      {
        step: soakMs > 0 ? "soak" : "delete",
        nextAt: soakMs > 0 ? new Date(this.deps.now().getTime() + soakMs).toISOString() : null,
        state: soakMs > 0 ? "waiting" : "running",
        data: { ...job.data, deactivatedAt: this.deps.now().toISOString() },
      },
      old ? "deactivated-old-key" : "old-key-already-gone",
      { accessKeyId: job.oldAccessKeyId },
    );
    this.deps.log(
      old
        ? `Deactivated the old key ${maskKeyId(job.oldAccessKeyId)}.`
        : `The old key ${maskKeyId(job.oldAccessKeyId)} was already deleted by someone else.`,
    );
  }

  private async delete(state: RunState): Promise<void> {
    const { job } = state;
    const iam = this.iamFor(state);
    const old = (await iam.listAccessKeys(job.userName)).find((k) => k.accessKeyId === job.oldAccessKeyId);
    if (old?.status === "Active") {
      await this.fail(
        state,
        "refused-delete-active",
        new RotationError(
          "OLD_KEY_ACTIVE",
          `the old key ${maskKeyId(job.oldAccessKeyId)} is Active again; keywarden deletes only the inactive key it retired`,
          `Find out who re-activated it; then \`keywarden rotate --rollback ${job.id}\` or deactivate it and --resume.`,
        ),
        { accessKeyId: job.oldAccessKeyId },
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
    const fresh = (await this.deps.store.getJob(job.id)) ?? job;
    if (fresh.state === "done" || fresh.step === "done") {
      const ended = await this.advance(fresh); // a crash after the end may have left clean-up undone
      if (ended.state === "rolled-back") return ended;
      throw new RotationError(
        "ROLLBACK_TOO_LATE",
        `rotation ${fresh.id} is done: the old key was deleted and cannot come back`,
        "Rotate again if the new key must be replaced.",
      );
    }
    const state: RunState = { job: fresh, secret: null };
    if (fresh.step !== "rollback") {
      await this.save(
        state,
        {
          step: "rollback",
          state: "running",
          nextAt: null,
          data: { ...fresh.data, rollbackFrom: fresh.step },
        },
        "rollback-started",
      );
    }
    return this.advance(state.job);
  }

  /** Restores every target that still holds `ourKeyId`; one line per target says what it did. */
  private async restoreTargets(state: RunState, ourKeyId: string | null): Promise<string[]> {
    const backups = (state.job.data.backups ?? {}) as Record<string, Record<string, unknown>>;
    const lines: string[] = [];
    for (const t of this.deps.targets(state.job)) {
      const b = backups[t.spec];
      const line = b ? await t.restore(b, ourKeyId) : `${t.spec}: not changed by this job`;
      this.deps.log(line);
      lines.push(line);
    }
    return lines;
  }

  private async rollback(state: RunState): Promise<void> {
    const { job } = state;
    const ownId = job.newAccessKeyId;
    const keys = await this.deps.iam.listAccessKeys(job.userName);
    const old = keys.find((k) => k.accessKeyId === job.oldAccessKeyId);
    if (!old && ownId && keys.some((k) => k.accessKeyId === ownId)) {
      await this.fail(
        state,
        "rollback-impossible",
        new RotationError(
          "ROLLBACK_TOO_LATE",
          `the old key ${maskKeyId(job.oldAccessKeyId)} no longer exists`,
          "Keep the new key; rotate again if needed.",
        ),
      );
    }
    // Old key first, so there is never a moment with no working key.
    let iam = this.deps.iam;
    if (old && old.status !== "Active") await iam.updateAccessKey(job.userName, job.oldAccessKeyId, "Active");
    const lines = await this.restoreTargets(state, ownId);
    this.hit("rollback-restored");
    iam = this.iamFor(state, await this.oldKeyFromTargets(state));
    if (ownId && keys.some((k) => k.accessKeyId === ownId)) await iam.deleteAccessKey(job.userName, ownId);
    const left = strangers(job, keys).map((k) => k.accessKeyId);
    // Keys that appeared while the job was creating its own, with its id unsaved: maybe ours.
    const uncertain = job.data.creating ? left : [];
    await this.save(state, { step: "done", state: "rolled-back", nextAt: null }, "rolled-back", {
      reactivated: old ? job.oldAccessKeyId : null,
      deletedNewKeys: ownId ? [ownId] : [],
      leftAlone: left,
      uncertainKeys: uncertain,
      targets: lines,
    });
    this.deps.log(
      old
        ? `Rolled back ${job.id}: the old key ${maskKeyId(job.oldAccessKeyId)} is active${ownId ? " and the new key is deleted" : ""}.`
        : `Closed ${job.id}: its old key was deleted by someone else and it never made a key.`,
    );
    for (const k of uncertain)
      this.deps.log(
        `Left alone: key ${k} appeared while this job was creating its key, and keywarden cannot prove it made it. If nobody else made it, its secret is lost: \`aws iam delete-access-key --user-name ${job.userName} --access-key-id ${k}\`.`,
      );
    const others = left.filter((k) => !uncertain.includes(k));
    if (others.length > 0)
      this.deps.log(`Left alone: ${others.map(maskKeyId).join(", ")} (not made by this job).`);
  }
}

/** AWS answered the request with a 4xx: it was refused, nothing was made. */
function definiteRefusal(e: unknown): boolean {
  const status = (e as { cause?: { $metadata?: { httpStatusCode?: number } } }).cause?.$metadata
    ?.httpStatusCode;
  return typeof status === "number" && status >= 400 && status < 500;
}

export function twoKeysError(userName: string, others: string[]): RotationError {
  const inactiveHint = others.length > 0 ? others.map(maskKeyId).join(", ") : "the other key";
  return new RotationError(
    "TWO_KEYS",
    `user ${userName} already has two access keys (the other: ${inactiveHint}); AWS allows two, so there is no room for a new one`,
    "If the other key is inactive and unused, pass --replace-inactive <its id> to delete it first; keywarden never deletes an active key to make room.",
  );
}
