// The schedule explorer behind test/rotation-explore.test.ts: one rotation driven through the real
// engine, the real SDK adapters and a real store against the emulator, with a hook at every write
// boundary (src/rotation/boundaries.ts) that can crash the process, pause it for a second worker,
// or let an outside actor (a person, another store) act. After each schedule it recovers the way
// the README tells users to and checks the invariants I1-I6 of src/rotation/engine.ts.
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  ListAccessKeysCommand,
  UpdateAccessKeyCommand,
} from "@aws-sdk/client-iam";
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { iamRotationPort } from "../../src/aws/iam-rotation.js";
import { openSession, type AwsSession } from "../../src/aws/session.js";
import { makeTargets } from "../../src/cli/rotation-wiring.js";
import { instrument } from "../../src/rotation/boundaries.js";
import { RotationEngine, type EngineDeps } from "../../src/rotation/engine.js";
import { planRotation } from "../../src/rotation/plan.js";
import type { RotationJob, Store } from "../../src/store/types.js";
import { REGION, type CreatedKey, type EmulatorHarness } from "../emulator/harness.js";

export class Crash extends Error {
  constructor(readonly at: string) {
    super(`crashed at ${at}`);
  }
}

export type Outside =
  | "person-creates-key"
  | "person-deletes-old"
  | "person-deactivates-old"
  | "person-edits-target"
  | "person-removes-target"
  | "other-store-rotates";

export const OUTSIDE: readonly Outside[] = [
  "person-creates-key",
  "person-deletes-old",
  "person-deactivates-old",
  "person-edits-target",
  "person-removes-target",
  "other-store-rotates",
];

export type Schedule =
  | { kind: "record" }
  | { kind: "crash"; at: string; then: "resume" | "rollback" }
  | { kind: "crash-in-rollback"; firstAt: string; at: string }
  | { kind: "outside"; at: string; action: Outside }
  | { kind: "second-worker"; at: string };

export interface World {
  emu: EmulatorHarness;
  admin: CreatedKey;
  /** Opens a fresh store of the kind under test (SQLite file or a PostgreSQL database). */
  openStore: () => Promise<Store>;
  /** The second store of "other-store-rotates" (two laptops, or a laptop and the team's PostgreSQL). */
  openOtherStore: () => Promise<Store>;
}

export interface Outcome {
  schedule: Schedule;
  boundaries: string[];
  finalState: string;
  /** What went against an invariant; empty when the schedule holds. */
  violations: string[];
  /** The engine's progress lines, for replaying one schedule (KEYWARDEN_EXPLORE=<schedule JSON>). */
  log: string[];
}

const OTHER_SECRET = "OtherProfileSecretDoNotCopy0000000000000";
let counter = 0;

interface Setup {
  user: string;
  old: CreatedKey;
  dir: string;
  credentials: string;
  credentialsBefore: string;
  dotenv: string;
  secretId: string;
  secretBefore: string;
  home: string;
}

async function setUp(w: World): Promise<Setup> {
  const user = `svc${process.pid}x${++counter}`;
  const iam = w.emu.iam(w.admin);
  await iam.send(new CreateUserCommand({ UserName: user }));
  const k = (await iam.send(new CreateAccessKeyCommand({ UserName: user }))).AccessKey;
  const old = {
    userName: user,
    accessKeyId: k?.AccessKeyId ?? "",
    secretAccessKey: k?.SecretAccessKey ?? "",
  };
  const dir = await mkdtemp(join(tmpdir(), "kw-explore-"));
  const credentials = join(dir, "credentials");
  // Another profile's live secret sits in the same file: no backup may copy it (I6).
  const credentialsBefore =
    `# team file\n[other]\naws_access_key_id = AKIAOTHERPROFILE0000\naws_secret_access_key = ${OTHER_SECRET}\n\n` +
    `[app]\naws_access_key_id = ${old.accessKeyId}\naws_secret_access_key = ${old.secretAccessKey}\nregion = eu-west-1\n`;
  await writeFile(credentials, credentialsBefore, { mode: 0o600 });
  const secretId = `${user}/aws`;
  const secretBefore = JSON.stringify({
    AccessKeyId: old.accessKeyId,
    SecretAccessKey: old.secretAccessKey,
    app: "x",
  });
  await sm(w).send(new CreateSecretCommand({ Name: secretId, SecretString: secretBefore }));
  // The dotenv file does not exist before the rotation: rollback must leave it absent (I5).
  return {
    user,
    old,
    dir,
    credentials,
    credentialsBefore,
    dotenv: join(dir, "app.env"),
    secretId,
    secretBefore,
    home: join(dir, "home"),
  };
}

function sm(w: World): SecretsManagerClient {
  return new SecretsManagerClient({ endpoint: w.emu.endpoint, region: REGION, credentials: w.admin });
}

async function session(w: World): Promise<AwsSession> {
  return openSession(
    { endpointUrl: w.emu.endpoint, region: REGION, credentials: w.admin },
    { AWS_SHARED_CREDENTIALS_FILE: "/nonexistent", AWS_CONFIG_FILE: "/nonexistent" },
  );
}

function deps(w: World, s: AwsSession, store: Store, home: string, log: string[]): EngineDeps {
  const io = {
    env: { KEYWARDEN_HOME: home },
    stdout: { write: () => true },
    stderr: { write: () => true },
    cwd: home,
  };
  return {
    store,
    iam: iamRotationPort(s),
    iamWithNewKey: (key) => iamRotationPort(s, key),
    targets: (job) => makeTargets(s, io, job),
    now: () => new Date(),
    sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 5))),
    actor: "explorer",
    confirm: () => Promise.resolve(true),
    log: (line) => log.push(line),
    verifyAttempts: 2,
    lockSettleMs: 5,
  };
}

async function keysOf(w: World, user: string): Promise<{ id: string; status: string }[]> {
  const r = await w.emu.iam(w.admin).send(new ListAccessKeysCommand({ UserName: user }));
  return (r.AccessKeyMetadata ?? []).map((k) => ({ id: k.AccessKeyId ?? "", status: k.Status ?? "" }));
}

async function signsIn(w: World, id: string, secret: string): Promise<boolean> {
  try {
    await w.emu.sts({ accessKeyId: id, secretAccessKey: secret }).send(new GetCallerIdentityCommand({}));
    return true;
  } catch {
    return false;
  }
}

async function readOr(path: string): Promise<string | null> {
  return readFile(path, "utf8").catch(() => null);
}

/** What each target holds now: [key id, secret] or null. */
async function held(w: World, s: Setup): Promise<Record<string, { id: string; secret: string } | null>> {
  const cred = (await readOr(s.credentials)) ?? "";
  const app = /\[app\]\naws_access_key_id = (\S+)\naws_secret_access_key = (\S+)/.exec(cred);
  const env = (await readOr(s.dotenv)) ?? "";
  const envId = /AWS_ACCESS_KEY_ID=(\S+)/.exec(env)?.[1];
  const envSecret = /AWS_SECRET_ACCESS_KEY=(\S+)/.exec(env)?.[1];
  const secret = await sm(w)
    .send(new GetSecretValueCommand({ SecretId: s.secretId, VersionStage: "AWSCURRENT" }))
    .then((r) => JSON.parse(r.SecretString ?? "{}") as { AccessKeyId?: string; SecretAccessKey?: string })
    .catch(() => null);
  return {
    profile: app?.[1] && app[2] ? { id: app[1], secret: app[2] } : null,
    dotenv: envId && envSecret ? { id: envId, secret: envSecret } : null,
    secretsmanager:
      secret?.AccessKeyId && secret.SecretAccessKey
        ? { id: secret.AccessKeyId, secret: secret.SecretAccessKey }
        : null,
  };
}

/** Claims the job as a worker (`rotations advance` / `rotate --resume`) and advances it. */
async function advanceAs(
  engine: RotationEngine,
  store: Store,
  job: RotationJob,
  owner: string,
): Promise<RotationJob | Error> {
  if (!(await store.claimJob(job.id, owner, 600_000, new Date()))) return new Error("lease held");
  try {
    return await engine.advance(job);
  } catch (e) {
    return e as Error;
  } finally {
    await store.releaseJob(job.id, owner);
  }
}

/** Runs one schedule and checks I1-I6. */
export async function explore(w: World, schedule: Schedule): Promise<Outcome> {
  const s = await setUp(w);
  const store = await w.openStore();
  const aws = await session(w);
  const log: string[] = [];
  const violations: string[] = [];
  const boundaries: string[] = [];
  const base = deps(w, aws, store, s.home, log);
  const targets = [
    { kind: "profile" as const, ref: "app", file: s.credentials },
    { kind: "dotenv" as const, ref: s.dotenv },
    { kind: "secretsmanager" as const, ref: s.secretId },
  ];
  // Keys only the outside actor may touch, and what it broke itself.
  const created: string[] = [];
  const createdBy = new Map<string, string>();
  const personKeys: string[] = [];
  const brokenByPerson = new Set<string>();
  const acted = { removedTarget: false, editedTarget: false, otherStore: null as Store | null };
  const touched: { op: string; key: string; by: string }[] = [];
  const watch = (d: EngineDeps, by: string): EngineDeps => {
    const wrap = (p: EngineDeps["iam"]): EngineDeps["iam"] => ({
      ...p,
      createAccessKey: async (u) => {
        const k = await p.createAccessKey(u);
        created.push(k.accessKeyId);
        createdBy.set(k.accessKeyId, by === "other-store" ? "other-store" : "job-1");
        return k;
      },
      updateAccessKey: async (u, id, st) => {
        touched.push({ op: `update-${st}`, key: id, by });
        return p.updateAccessKey(u, id, st);
      },
      deleteAccessKey: async (u, id) => {
        touched.push({ op: "delete", key: id, by });
        return p.deleteAccessKey(u, id);
      },
    });
    return { ...d, iam: wrap(d.iam), iamWithNewKey: (k) => wrap(d.iamWithNewKey(k)) };
  };

  // Both stores plan the same rotation: the user's only active key, into the same targets.
  const planInput = {
    mode: "admin" as const,
    accountId: "123456789012",
    userName: s.user,
    accessKeyId: null,
    targets,
    observeMs: 0,
    soakMs: 0,
    replaceInactive: null,
    aws: {},
  };
  const input = await planRotation(iamRotationPort(aws), planInput);
  const job = await store.createJob(input, "explorer");
  const snapshot = (await store.dueJobs(new Date())).find((j) => j.id === job.id) ?? job;

  const outside = async (action: Outside): Promise<void> => {
    const iam = w.emu.iam(w.admin);
    const keys = await keysOf(w, s.user);
    switch (action) {
      case "person-creates-key":
        if (keys.length < 2) {
          const k = (await iam.send(new CreateAccessKeyCommand({ UserName: s.user }))).AccessKey;
          personKeys.push(k?.AccessKeyId ?? "");
        }
        break;
      case "person-deletes-old":
        if (keys.some((k) => k.id === s.old.accessKeyId)) {
          await iam.send(new DeleteAccessKeyCommand({ UserName: s.user, AccessKeyId: s.old.accessKeyId }));
          brokenByPerson.add(s.old.accessKeyId);
        }
        break;
      case "person-deactivates-old":
        if (keys.some((k) => k.id === s.old.accessKeyId)) {
          await iam.send(
            new UpdateAccessKeyCommand({
              UserName: s.user,
              AccessKeyId: s.old.accessKeyId,
              Status: "Inactive",
            }),
          );
          brokenByPerson.add(s.old.accessKeyId);
        }
        break;
      case "person-edits-target":
        // A person adds a line of their own to the dotenv file (and so creates it if missing).
        await writeFile(s.dotenv, `${(await readOr(s.dotenv)) ?? ""}DEBUG=1\n`, { mode: 0o600 });
        acted.editedTarget = true;
        break;
      case "person-removes-target":
        await rm(s.dotenv, { force: true });
        acted.removedTarget = true;
        break;
      case "other-store-rotates": {
        const otherStore = await w.openOtherStore();
        acted.otherStore = otherStore;
        const otherDeps = watch(deps(w, aws, otherStore, join(s.dir, "home2"), log), "other-store");
        try {
          const plan = await planRotation(otherDeps.iam, planInput);
          const j2 = await otherStore.createJob(plan, "other-store");
          await advanceAs(new RotationEngine(otherDeps), otherStore, j2, "other");
        } catch {
          // Refused at plan time (two keys, no active key): that is a legitimate answer.
        }
        break;
      }
    }
  };

  const hook = async (name: string): Promise<void> => {
    boundaries.push(name);
    if (
      (schedule.kind === "crash" || schedule.kind === "crash-in-rollback") &&
      name === (schedule.kind === "crash" ? schedule.at : schedule.firstAt)
    )
      throw new Crash(name);
    if (schedule.kind === "outside" && name === schedule.at) await outside(schedule.action);
    if (schedule.kind === "second-worker" && name === schedule.at) {
      // A second worker with the list it took before the first one started: the first one holds
      // the lease now, so it must step back, and nothing may change.
      const second = new RotationEngine(watch(deps(w, aws, store, s.home, log), "worker-2"));
      const r = await advanceAs(second, store, snapshot, "worker-2");
      if (!(r instanceof Error))
        violations.push(`I3: a second worker advanced ${job.id} while the first held it`);
    }
  };

  // The first run: `keywarden rotate` in one process.
  const first = new RotationEngine(instrument(watch(base, "worker-1"), hook));
  await store.claimJob(job.id, "worker-1", 600_000, new Date());
  await first.advance(job).catch((e: unknown) => {
    if (!(e instanceof Crash)) log.push(`the first run stopped: ${(e as Error).message}`);
  });
  // A dead process's lease is taken over (claimForThisProcess); a live one gives it back.
  await store.releaseJob(job.id, "worker-1");

  // Recovery as the README says: `rotations advance` (with the stale list of before) / `rotate --resume`,
  // or `rotate --rollback`.
  const recover = new RotationEngine(watch(deps(w, aws, store, s.home, log), "recovery"));
  if (schedule.kind === "crash" && schedule.then === "rollback") {
    await recover.startRollback(snapshot).catch((e: unknown) => e);
  } else if (schedule.kind === "crash-in-rollback") {
    const rb = new RotationEngine(
      instrument(watch(deps(w, aws, store, s.home, log), "rollback"), (name) => {
        boundaries.push(`rollback:${name}`);
        if (name === schedule.at) throw new Crash(name);
      }),
    );
    await rb.startRollback(snapshot).catch((e: unknown) => e);
    await recover.advance(snapshot).catch((e: unknown) => e);
  } else {
    await advanceAs(recover, store, snapshot, "worker-2");
  }
  let final = (await store.getJob(job.id)) as RotationJob;
  // A key of uncertain origin: the operator settles it as told. They know whether they made it:
  // keywarden's (its secret is lost) is deleted, then --resume; their own is kept, and --rollback.
  const events = await store.events(job.id);
  for (const e of events) log.push(`event ${e.step} ${e.action} ${JSON.stringify(e.detail)}`);
  const uncertain = events.flatMap((e) =>
    e.action === "uncertain-key" || e.action === "rolled-back"
      ? (((e.detail.accessKeyIds ?? e.detail.uncertainKeys) as string[] | undefined) ?? [])
      : [],
  );
  for (const id of uncertain) {
    if (!created.includes(id)) {
      violations.push(`I1: ${id} was reported as maybe keywarden's, but a person made it`);
      continue;
    }
    await w.emu.iam(w.admin).send(new DeleteAccessKeyCommand({ UserName: s.user, AccessKeyId: id }));
  }
  if (final.state === "failed" && uncertain.length > 0) {
    await advanceAs(recover, store, final, "operator");
    final = (await store.getJob(job.id)) as RotationJob;
  }

  // ---- the invariants -------------------------------------------------------------------
  const keys = await keysOf(w, s.user);
  const newId = final.newAccessKeyId;
  // I1: only the old key, keys keywarden made and saved, never a person's key.
  for (const t of touched) {
    const mine = t.by === "other-store" ? "other-store" : "job-1";
    const owner = createdBy.get(t.key);
    // The old key is the one both jobs were told to rotate; a key is otherwise only its maker's.
    const allowed = t.key === s.old.accessKeyId || owner === mine;
    if (!allowed || personKeys.includes(t.key))
      violations.push(`I1: ${t.by} did ${t.op} on ${t.key}, not its own`);
  }
  for (const p of personKeys)
    if (!keys.some((k) => k.id === p)) violations.push(`I1: the person's key ${p} is gone`);

  // I2: every target holds a key that works, unless the person broke that key themselves.
  const now = await held(w, s);
  for (const [name, h] of Object.entries(now)) {
    if (h === null) {
      // Only the dotenv file may be absent: it did not exist before the rotation.
      const absentOk = name === "dotenv" && (acted.removedTarget || final.state !== "done");
      if (!absentOk) violations.push(`I2: ${name} holds no key (job ${final.state} at ${final.step})`);
      continue;
    }
    if (brokenByPerson.has(h.id)) continue;
    if (!(await signsIn(w, h.id, h.secret)))
      violations.push(
        `I2: ${name} holds ${h.id}, which does not sign in (job ${final.state} at ${final.step})`,
      );
  }
  const personBrokeAll = brokenByPerson.has(s.old.accessKeyId) && keys.every((k) => k.status !== "Active");
  if (!keys.some((k) => k.status === "Active") && !personBrokeAll)
    violations.push("I2: the user has no active key");

  if (final.state === "done") {
    if (keys.some((k) => k.id === s.old.accessKeyId)) violations.push("done, but the old key still exists");
    for (const [name, h] of Object.entries(now))
      if (h && h.id !== newId && !acted.editedTarget)
        violations.push(`done, but ${name} holds ${h.id}, not ${newId}`);
  }
  // No orphan: every key keywarden made still exists only if a target holds it.
  const heldIds = Object.values(now).map((h) => h?.id);
  for (const k of keys)
    if (created.includes(k.id) && !heldIds.includes(k.id))
      violations.push(`orphan: ${k.id} (${k.status}) is held by no target`);

  // I5: a rollback puts every target back exactly, "did not exist" included.
  if (final.state === "rolled-back" && !acted.editedTarget && !acted.removedTarget && !acted.otherStore) {
    if ((await readOr(s.credentials)) !== s.credentialsBefore)
      violations.push("I5: the credentials file differs after rollback");
    if ((await readOr(s.dotenv)) !== null)
      violations.push("I5: the dotenv file exists after rollback; it did not before");
    const v = await sm(w).send(
      new GetSecretValueCommand({ SecretId: s.secretId, VersionStage: "AWSCURRENT" }),
    );
    if (v.SecretString !== s.secretBefore) violations.push("I5: the secret's value differs after rollback");
    if (!keys.some((k) => k.id === s.old.accessKeyId && k.status === "Active"))
      violations.push("I5: the old key is not active after rollback");
  }

  // I6: backups hold no other profile's secret, and are gone once the job has ended.
  const backups = join(s.home, "backups", job.id);
  const left = await readdir(backups).catch(() => [] as string[]);
  for (const f of left) {
    const p = join(backups, f);
    if ((await readFile(p, "utf8")).includes(OTHER_SECRET))
      violations.push(`I6: backup ${f} holds another profile's secret`);
    if (((await stat(p)).mode & 0o077) !== 0) violations.push(`I6: backup ${f} is readable by others`);
  }
  if ((final.state === "done" || final.state === "rolled-back") && left.length > 0)
    violations.push(`I6: ${left.length} backup file(s) left after the job ended`);
  const stored = JSON.stringify([final, await store.events(job.id)]);
  for (const secret of [s.old.secretAccessKey, OTHER_SECRET])
    if (stored.includes(secret)) violations.push("I6: a secret is in the store");

  await store.close();
  if (acted.otherStore) await acted.otherStore.close();
  await rm(s.dir, { recursive: true, force: true });
  return { schedule, boundaries, finalState: `${final.state}@${final.step}`, violations, log };
}
