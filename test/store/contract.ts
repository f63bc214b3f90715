// The behaviour every Store must have, whatever the database. sqlite.test.ts runs it against a
// temp SQLite file per test; a PostgreSQL store runs the same function against its own database.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  CONFLICT_EXIT_CODE,
  JobExistsError,
  JobLockedError,
  JobNotFoundError,
  StaleJobError,
} from "../../src/store/errors.js";
import type { CreateJobInput, JobState, RotationJob, Store } from "../../src/store/types.js";
import { jobInput, SECRET_SHAPED, T0 } from "./fixtures.js";

const MIN = 60_000;

export interface StoreFactory {
  /** A fresh, empty store whose createdAt/updatedAt/event times come from `clock`. */
  open(clock: () => Date): Promise<Store>;
  /** Called after each test, after the store was closed. */
  cleanup?(): Promise<void>;
}

export function storeContract(name: string, factory: StoreFactory): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    let now: Date;
    const clock = () => now;
    const tick = (ms = 1000) => {
      now = new Date(now.getTime() + ms);
    };

    beforeEach(async () => {
      now = T0;
      store = await factory.open(clock);
    });
    afterEach(async () => {
      await store.close();
      await factory.cleanup?.();
    });

    const finish = (job: RotationJob, state: JobState) =>
      store.updateJob(
        job.id,
        job.version,
        { state, step: "done" },
        { step: "done", action: state, actor: "test" },
      );

    describe("jobs", () => {
      it("creates a job with a short id, version 1, the clock's time and a job-created event", async () => {
        const job = await store.createJob(jobInput(), "alice@laptop");
        expect(job.id).toMatch(/^rot-[0-9a-z]{6,}-[0-9a-z]{5}$/);
        expect(job).toMatchObject({
          accountId: "123456789012",
          userName: "alice",
          oldAccessKeyId: "AKIAIOSFODNN7EXAMPLE",
          newAccessKeyId: null,
          step: "create",
          state: "running",
          nextAt: null,
          version: 1,
          createdAt: T0.toISOString(),
          updatedAt: T0.toISOString(),
          targets: [{ kind: "profile", ref: "default", file: "/home/alice/.aws/credentials" }],
          options: { observeMs: 0, soakMs: 86_400_000, self: true },
        });
        expect(await store.getJob(job.id)).toEqual(job);
        const events = await store.events(job.id);
        expect(events).toHaveLength(1);
        expect(events[0]).toMatchObject({
          jobId: job.id,
          step: "create",
          action: "job-created",
          actor: "alice@laptop",
        });
        expect(events[0]?.at).toBe(T0.toISOString());
      });

      it("gives two jobs created in the same millisecond different ids", async () => {
        const a = await store.createJob(jobInput({ userName: "a" }), "t");
        const b = await store.createJob(jobInput({ userName: "b" }), "t");
        expect(a.id).not.toBe(b.id);
      });

      it("keeps a caller-chosen id and refuses it a second time", async () => {
        const job = await store.createJob(jobInput({ id: "rot-fixed-1" }), "t");
        expect(job.id).toBe("rot-fixed-1");
        const again = store.createJob(jobInput({ id: "rot-fixed-1", userName: "bob" }), "t");
        await expect(again).rejects.toBeInstanceOf(JobExistsError);
        expect(await store.listJobs({ userName: "bob" })).toEqual([]);
      });

      it("returns null for an unknown job and no events", async () => {
        expect(await store.getJob("rot-nope")).toBeNull();
        expect(await store.events("rot-nope")).toEqual([]);
      });

      it("normalizes nextAt to UTC ISO text", async () => {
        const job = await store.createJob(jobInput({ nextAt: "2025-03-01T12:00:00+02:00" }), "t");
        expect(job.nextAt).toBe("2025-03-01T10:00:00.000Z");
        await expect(
          store.createJob(jobInput({ userName: "x", nextAt: "tomorrow-ish" }), "t"),
        ).rejects.toThrow(/nextAt must be an ISO time/);
      });

      it("lists newest first, filtered by state, user and account", async () => {
        const a = await store.createJob(jobInput({ userName: "a" }), "t");
        tick();
        const b = await store.createJob(jobInput({ userName: "b", state: "waiting" }), "t");
        tick();
        const c = await store.createJob(jobInput({ userName: "c", accountId: "210987654321" }), "t");
        tick();
        await finish(a, "done");
        const ids = (jobs: RotationJob[]) => jobs.map((j) => j.id);
        expect(ids(await store.listJobs())).toEqual([c.id, b.id, a.id]);
        expect(ids(await store.listJobs({ state: ["running", "waiting"] }))).toEqual([c.id, b.id]);
        expect(ids(await store.listJobs({ state: ["done"] }))).toEqual([a.id]);
        expect(ids(await store.listJobs({ userName: "b" }))).toEqual([b.id]);
        expect(ids(await store.listJobs({ accountId: "210987654321" }))).toEqual([c.id]);
        expect(await store.listJobs({ state: [] })).toEqual([]);
        expect(await store.listJobs({ userName: "zed" })).toEqual([]);
      });

      it("orders jobs created in the same instant newest first too", async () => {
        const a = await store.createJob(jobInput({ userName: "a" }), "t");
        const b = await store.createJob(jobInput({ userName: "b" }), "t");
        expect((await store.listJobs()).map((j) => j.id)).toEqual([b.id, a.id]);
      });
    });

    describe("updates", () => {
      it("applies a patch and its event in one call, bumping the version", async () => {
        const job = await store.createJob(jobInput(), "t");
        tick(5 * MIN);
        const updated = await store.updateJob(
          job.id,
          1,
          {
            newAccessKeyId: "AKIAI44QH8DHBEXAMPLE",
            step: "verify",
            data: { backups: ["/root/.local/share/keywarden/backups/credentials.1"] },
          },
          { step: "create", action: "key-created", actor: "t", detail: { keyId: "AKIAI44QH8DHBEXAMPLE" } },
        );
        expect(updated).toMatchObject({
          id: job.id,
          version: 2,
          step: "verify",
          state: "running",
          newAccessKeyId: "AKIAI44QH8DHBEXAMPLE",
          data: { backups: ["/root/.local/share/keywarden/backups/credentials.1"] },
          createdAt: T0.toISOString(),
          updatedAt: now.toISOString(),
          targets: job.targets,
          options: job.options,
          oldAccessKeyId: job.oldAccessKeyId,
        });
        expect(await store.getJob(job.id)).toEqual(updated);
        const events = await store.events(job.id);
        expect(events.map((e) => e.action)).toEqual(["job-created", "key-created"]);
        expect(events[1]).toMatchObject({ at: now.toISOString(), detail: { keyId: "AKIAI44QH8DHBEXAMPLE" } });
      });

      it("sets and clears nextAt and newAccessKeyId with explicit nulls, leaves them alone when absent", async () => {
        const job = await store.createJob(jobInput(), "t");
        const e = { step: "observe", action: "wait", actor: "t" };
        const waiting = await store.updateJob(
          job.id,
          1,
          { state: "waiting", nextAt: "2025-03-08T10:00:00Z", newAccessKeyId: "AKIAI44QH8DHBEXAMPLE" },
          e,
        );
        expect(waiting.nextAt).toBe("2025-03-08T10:00:00.000Z");
        const same = await store.updateJob(job.id, 2, { step: "deactivate" }, e);
        expect(same.nextAt).toBe("2025-03-08T10:00:00.000Z");
        expect(same.newAccessKeyId).toBe("AKIAI44QH8DHBEXAMPLE");
        const cleared = await store.updateJob(job.id, 3, { nextAt: null, newAccessKeyId: null }, e);
        expect(cleared.nextAt).toBeNull();
        expect(cleared.newAccessKeyId).toBeNull();
        expect(cleared.version).toBe(4);
      });

      it("refuses a stale version with StaleJobError (exit 7) and writes nothing", async () => {
        const job = await store.createJob(jobInput(), "t");
        const e = { step: "create", action: "step", actor: "worker-a" };
        await store.updateJob(job.id, 1, { step: "verify" }, e);
        const stale = store.updateJob(job.id, 1, { step: "observe" }, { ...e, actor: "worker-b" });
        await expect(stale).rejects.toBeInstanceOf(StaleJobError);
        await expect(stale).rejects.toMatchObject({
          code: "STALE_JOB",
          exitCode: CONFLICT_EXIT_CODE,
          expectedVersion: 1,
          actualVersion: 2,
        });
        await expect(stale).rejects.toThrow(`rotation ${job.id} changed while this process was advancing it`);
        const after = await store.getJob(job.id);
        expect(after).toMatchObject({ version: 2, step: "verify" });
        expect((await store.events(job.id)).map((ev) => ev.actor)).toEqual(["t", "worker-a"]);
      });

      it("refuses to update or add events to an unknown job", async () => {
        const e = { step: "x", action: "y", actor: "t" };
        await expect(store.updateJob("rot-nope", 1, { step: "verify" }, e)).rejects.toBeInstanceOf(
          JobNotFoundError,
        );
        await expect(store.appendEvent("rot-nope", e)).rejects.toMatchObject({
          code: "JOB_NOT_FOUND",
          exitCode: 2,
        });
      });

      it("appends events oldest first with increasing ids", async () => {
        const job = await store.createJob(jobInput(), "t");
        tick();
        const a = await store.appendEvent(job.id, {
          step: "observe",
          action: "old-key-used",
          actor: "t",
          detail: { service: "s3" },
        });
        tick();
        const b = await store.appendEvent(job.id, { step: "observe", action: "still-waiting", actor: "t" });
        expect(b.id).toBeGreaterThan(a.id);
        expect(a).toMatchObject({
          jobId: job.id,
          at: new Date(T0.getTime() + 1000).toISOString(),
          detail: { service: "s3" },
        });
        expect(b.detail).toEqual({});
        const events = await store.events(job.id);
        expect(events.map((e) => e.action)).toEqual(["job-created", "old-key-used", "still-waiting"]);
        expect(events[2]).toEqual(b);
        // Appending an event does not change the job.
        expect((await store.getJob(job.id))?.version).toBe(1);
      });
    });

    describe("one rotation per user", () => {
      it("refuses a second job for the same user while the first runs, naming it", async () => {
        const first = await store.createJob(jobInput(), "t");
        const second = store.createJob(jobInput({ oldAccessKeyId: "AKIAI44QH8DHBEXAMPLE" }), "t");
        await expect(second).rejects.toBeInstanceOf(JobLockedError);
        await expect(second).rejects.toMatchObject({
          code: "JOB_LOCKED",
          exitCode: CONFLICT_EXIT_CODE,
          existing: { id: first.id, step: "create", state: "running" },
        });
        await expect(second).rejects.toThrow(
          `user alice (account 123456789012) already has rotation ${first.id} in step create`,
        );
        const err = (await second.catch((e: unknown) => e)) as JobLockedError;
        expect(err.fix).toBe(
          `Run \`keywarden rotate --resume ${first.id}\` or \`keywarden rotate --rollback ${first.id}\`.`,
        );
        expect(await store.listJobs({ userName: "alice" })).toHaveLength(1);
      });

      it("holds the lock while waiting or failed, and releases it when done or rolled back", async () => {
        let job = await store.createJob(jobInput(), "t");
        const e = { step: "x", action: "y", actor: "t" };
        for (const state of ["waiting", "failed"] as const) {
          job = await store.updateJob(job.id, job.version, { state }, e);
          await expect(store.createJob(jobInput(), "t")).rejects.toMatchObject({
            code: "JOB_LOCKED",
            existing: { id: job.id, state },
          });
        }
        await finish(job, "done");
        const next = await store.createJob(jobInput(), "t");
        expect(next.id).not.toBe(job.id);
        await finish(next, "rolled-back");
        const third = await store.createJob(jobInput(), "t");
        expect(third.state).toBe("running");
        expect(await store.listJobs({ userName: "alice" })).toHaveLength(3);
      });

      it("locks per account and user, not per name alone", async () => {
        await store.createJob(jobInput(), "t");
        await expect(store.createJob(jobInput({ userName: "bob" }), "t")).resolves.toMatchObject({
          userName: "bob",
        });
        await expect(store.createJob(jobInput({ accountId: "210987654321" }), "t")).resolves.toMatchObject({
          accountId: "210987654321",
        });
      });

      it("refuses to re-open a finished job while another holds the user", async () => {
        const old = await finish(await store.createJob(jobInput(), "t"), "done");
        const current = await store.createJob(jobInput(), "t");
        const reopen = store.updateJob(
          old.id,
          old.version,
          { state: "running" },
          { step: "x", action: "reopen", actor: "t" },
        );
        await expect(reopen).rejects.toMatchObject({ code: "JOB_LOCKED", existing: { id: current.id } });
        expect(await store.getJob(old.id)).toEqual(old);
        expect((await store.events(old.id)).map((e) => e.action)).not.toContain("reopen");
      });
    });

    describe("due jobs", () => {
      it("returns running and waiting jobs whose time has come, longest-due first", async () => {
        const e = { step: "x", action: "y", actor: "t" };
        const nowJob = await store.createJob(jobInput({ userName: "now" }), "t");
        const soon = await store.createJob(
          jobInput({ userName: "soon", state: "waiting", nextAt: "2025-03-01T10:30:00Z" }),
          "t",
        );
        const past = await store.createJob(
          jobInput({ userName: "past", state: "waiting", nextAt: "2025-03-01T09:00:00Z" }),
          "t",
        );
        await store.createJob(
          jobInput({ userName: "later", state: "waiting", nextAt: "2025-03-08T10:00:00Z" }),
          "t",
        );
        const failed = await store.createJob(jobInput({ userName: "failed" }), "t");
        await store.updateJob(failed.id, 1, { state: "failed" }, e);
        await finish(await store.createJob(jobInput({ userName: "done" }), "t"), "done");

        const ids = async (at: Date) => (await store.dueJobs(at)).map((j) => j.id);
        expect(await ids(T0)).toEqual([past.id, nowJob.id]);
        expect(await ids(new Date("2025-03-01T10:30:00.000Z"))).toEqual([past.id, nowJob.id, soon.id]);
        expect(await ids(new Date("2025-03-01T10:29:59.999Z"))).not.toContain(soon.id);
        expect(await ids(new Date("2025-04-01T00:00:00Z"))).toHaveLength(4);
      });
    });

    describe("leases", () => {
      it("lets one owner at a time advance a job until release or expiry", async () => {
        const job = await store.createJob(jobInput(), "t");
        expect(await store.claimJob(job.id, "pid-1", 60_000, T0)).toBe(true);
        expect(await store.claimJob(job.id, "pid-2", 60_000, T0)).toBe(false);
        expect(await store.claimJob(job.id, "pid-2", 60_000, new Date(T0.getTime() + 59_999))).toBe(false);
        // The holder may renew, which moves the expiry.
        expect(await store.claimJob(job.id, "pid-1", 60_000, new Date(T0.getTime() + 30_000))).toBe(true);
        expect(await store.claimJob(job.id, "pid-2", 60_000, new Date(T0.getTime() + 60_000))).toBe(false);
        // Expired: another owner takes it.
        expect(await store.claimJob(job.id, "pid-2", 60_000, new Date(T0.getTime() + 90_000))).toBe(true);
        expect(await store.claimJob(job.id, "pid-1", 60_000, new Date(T0.getTime() + 90_000))).toBe(false);
        // Releasing someone else's lease does nothing; releasing your own frees the job.
        await store.releaseJob(job.id, "pid-1");
        expect(await store.claimJob(job.id, "pid-3", 60_000, new Date(T0.getTime() + 91_000))).toBe(false);
        await store.releaseJob(job.id, "pid-2");
        expect(await store.claimJob(job.id, "pid-3", 60_000, new Date(T0.getTime() + 91_000))).toBe(true);
      });

      it("tells who holds an unexpired lease", async () => {
        const job = await store.createJob(jobInput(), "t");
        expect(await store.leaseOwner(job.id, T0)).toBeNull();
        await store.claimJob(job.id, "host:123", 60_000, T0);
        expect(await store.leaseOwner(job.id, new Date(T0.getTime() + 59_999))).toBe("host:123");
        expect(await store.leaseOwner(job.id, new Date(T0.getTime() + 60_000))).toBeNull();
        await store.releaseJob(job.id, "host:123");
        expect(await store.leaseOwner(job.id, T0)).toBeNull();
        expect(await store.leaseOwner("rot-nope", T0)).toBeNull();
      });

      it("does not change the job's version, and refuses unknown jobs", async () => {
        const job = await store.createJob(jobInput(), "t");
        await store.claimJob(job.id, "pid-1", 1000, T0);
        expect(await store.getJob(job.id)).toEqual(job);
        await expect(store.claimJob("rot-nope", "pid-1", 1000, T0)).rejects.toBeInstanceOf(JobNotFoundError);
        await expect(store.claimJob(job.id, "pid-1", 0, T0)).rejects.toThrow(/leaseMs/);
      });
    });

    describe("no secrets", () => {
      const refusal = /refusing to store something shaped like a secret access key/;

      it("refuses a secret-shaped value anywhere in a new job and writes nothing", async () => {
        const cases: Partial<CreateJobInput>[] = [
          { data: { deep: { list: [1, { value: SECRET_SHAPED }] } } },
          { options: { note: `secret=${SECRET_SHAPED}` } },
          { targets: [{ kind: "dotenv", ref: SECRET_SHAPED }] },
          { data: { [SECRET_SHAPED]: true } },
        ];
        for (const c of cases) {
          const attempt = store.createJob(jobInput(c), "t");
          await expect(attempt).rejects.toThrow(refusal);
          const message = ((await attempt.catch((e: unknown) => e)) as Error).message;
          expect(message).not.toContain(SECRET_SHAPED);
        }
        expect(await store.listJobs()).toEqual([]);
      });

      it("refuses a secret-shaped value in an update or event and leaves the job as it was", async () => {
        const job = await store.createJob(jobInput(), "t");
        const e = { step: "create", action: "key-created", actor: "t" };
        await expect(store.updateJob(job.id, 1, { data: { k: [SECRET_SHAPED] } }, e)).rejects.toThrow(
          refusal,
        );
        await expect(
          store.updateJob(job.id, 1, { targets: [{ kind: "ssm", ref: "/app/key", file: SECRET_SHAPED }] }, e),
        ).rejects.toThrow(refusal);
        await expect(
          store.updateJob(job.id, 1, { step: "verify" }, { ...e, detail: { s: SECRET_SHAPED } }),
        ).rejects.toThrow(refusal);
        await expect(
          store.appendEvent(job.id, { ...e, detail: { nested: { s: SECRET_SHAPED } } }),
        ).rejects.toThrow(refusal);
        expect(await store.getJob(job.id)).toEqual(job);
        expect(await store.events(job.id)).toHaveLength(1);
      });

      it("accepts the non-secret values jobs do hold", async () => {
        const data = {
          keyId: "AKIAIOSFODNN7EXAMPLE",
          sha1: "da39a3ee5e6b4b0d3255bfef95601890afd80709",
          backup: "/root/.local/share/keywarden/backups/rot-m1x2y3z4-k7q2p/credentials.bak",
          versionId: "EXAMPLE1-90ab-cdef-fedc-ba987EXAMPLE",
          arn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/aws-key-AbCdEf",
          longer: `${SECRET_SHAPED}x`,
        };
        const job = await store.createJob(jobInput({ data }), "t");
        expect((await store.getJob(job.id))?.data).toEqual(data);
      });
    });

    describe("records, settings and named locks", () => {
      const incident = (id: string, subject: string | null = "AKIAIOSFODNN7EXAMPLE") => ({
        kind: "incident",
        id,
        subject,
        data: { incidentId: id, events: [{ eventName: "CreateUser", n: 1 }], ok: true },
      });

      it("puts, reads back and replaces a record, keeping its createdAt", async () => {
        const first = await store.putRecord(incident("inc-1"));
        expect(first).toEqual({
          kind: "incident",
          id: "inc-1",
          subject: "AKIAIOSFODNN7EXAMPLE",
          createdAt: T0.toISOString(),
          updatedAt: T0.toISOString(),
          data: { incidentId: "inc-1", events: [{ eventName: "CreateUser", n: 1 }], ok: true },
        });
        expect(await store.getRecord("incident", "inc-1")).toEqual(first);
        tick(5000);
        const second = await store.putRecord({ ...incident("inc-1"), data: { replaced: true } });
        expect(second.createdAt).toBe(T0.toISOString());
        expect(second.updatedAt).toBe(new Date(T0.getTime() + 5000).toISOString());
        expect(second.data).toEqual({ replaced: true });
        expect(await store.getRecord("incident", "nope")).toBeNull();
        expect(await store.getRecord("notification", "inc-1")).toBeNull();
      });

      it("adds a record only once: the second add of the same id returns null and changes nothing", async () => {
        const added = await store.addRecord({
          kind: "notification",
          id: "alice:AKIA1:rotate:14d",
          data: { n: 1 },
        });
        expect(added?.data).toEqual({ n: 1 });
        tick();
        expect(
          await store.addRecord({ kind: "notification", id: "alice:AKIA1:rotate:14d", data: { n: 2 } }),
        ).toBeNull();
        expect((await store.getRecord("notification", "alice:AKIA1:rotate:14d"))?.data).toEqual({ n: 1 });
        const racers = await Promise.all(
          [1, 2, 3, 4].map((n) => store.addRecord({ kind: "notification", id: "race", data: { n } })),
        );
        expect(racers.filter((r) => r !== null)).toHaveLength(1);
      });

      it("lists a kind newest first, by subject, since a time and up to a limit", async () => {
        await store.putRecord(incident("a", "AKIA1"));
        tick();
        await store.putRecord(incident("b", "AKIA2"));
        tick();
        await store.putRecord(incident("c", "AKIA1"));
        await store.putRecord({ kind: "scan-result", id: "s1", data: {} });
        const ids = (rs: { id: string }[]) => rs.map((r) => r.id);
        expect(ids(await store.listRecords("incident"))).toEqual(["c", "b", "a"]);
        expect(ids(await store.listRecords("incident", { subject: "AKIA1" }))).toEqual(["c", "a"]);
        expect(
          ids(await store.listRecords("incident", { since: new Date(T0.getTime() + 1000).toISOString() })),
        ).toEqual(["c", "b"]);
        expect(ids(await store.listRecords("incident", { limit: 1 }))).toEqual(["c"]);
        expect(ids(await store.listRecords("scan-result"))).toEqual(["s1"]);
        expect(await store.listRecords("audit")).toEqual([]);
        expect(await store.deleteRecord("incident", "b")).toBe(true);
        expect(await store.deleteRecord("incident", "b")).toBe(false);
        expect(ids(await store.listRecords("incident"))).toEqual(["c", "a"]);
      });

      it("lists record stamps in listRecords' order and filters, and a replacement changes the stamp", async () => {
        await store.putRecord(incident("a", "AKIA1"));
        tick();
        await store.putRecord(incident("b", "AKIA2"));
        tick();
        await store.putRecord(incident("c", "AKIA1"));
        const stamps = await store.listRecordStamps("incident");
        const records = await store.listRecords("incident");
        expect(stamps.map((s) => [s.id, s.subject, s.createdAt, s.updatedAt])).toEqual(
          records.map((r) => [r.id, r.subject, r.createdAt, r.updatedAt]),
        );
        expect(stamps.every((s) => typeof s.stamp === "string" && s.stamp !== "")).toBe(true);
        expect(stamps.map((s) => s.id)).toEqual(["c", "b", "a"]);
        expect((await store.listRecordStamps("incident", { subject: "AKIA1" })).map((s) => s.id)).toEqual([
          "c",
          "a",
        ]);
        expect((await store.listRecordStamps("incident", { limit: 1 })).map((s) => s.id)).toEqual(["c"]);
        expect(
          (
            await store.listRecordStamps("incident", { since: new Date(T0.getTime() + 1000).toISOString() })
          ).map((s) => s.id),
        ).toEqual(["c", "b"]);
        expect(await store.listRecordStamps("audit")).toEqual([]);
        await expect(store.listRecordStamps("Bad Kind")).rejects.toThrow(/record kind/);

        const before = (await store.listRecordStamps("incident", { subject: "AKIA2" }))[0]?.stamp;
        tick();
        await store.putRecord({ ...incident("b", "AKIA2"), data: { replaced: true } });
        const after = (await store.listRecordStamps("incident", { subject: "AKIA2" }))[0]?.stamp;
        expect(after).toBeDefined();
        expect(after).not.toBe(before);
        // Untouched records keep theirs: a cache keyed by stamp stays valid for them.
        expect((await store.listRecordStamps("incident")).find((s) => s.id === "a")?.stamp).toBe(
          stamps.find((s) => s.id === "a")?.stamp,
        );
        await store.deleteRecord("incident", "c");
        expect((await store.listRecordStamps("incident")).map((s) => s.id)).toEqual(["b", "a"]);
      });

      it("refuses bad kinds, empty ids and secret-shaped data, storing nothing", async () => {
        await expect(store.putRecord({ kind: "Bad Kind", id: "x", data: {} })).rejects.toThrow(/record kind/);
        await expect(store.putRecord({ kind: "incident", id: "", data: {} })).rejects.toThrow(/record id/);
        await expect(
          store.putRecord({ kind: "incident", id: "x", data: { leaked: { secret: SECRET_SHAPED } } }),
        ).rejects.toThrow(/secret/i);
        await expect(store.setSetting("server.tokenHash", SECRET_SHAPED)).rejects.toThrow(/secret/i);
        await expect(store.listRecords("incident", { limit: 0 })).rejects.toThrow(/limit/);
        expect(await store.listRecords("incident")).toEqual([]);
        expect(await store.getSetting("server.tokenHash")).toBeNull();
      });

      it("sets, replaces and clears settings", async () => {
        expect(await store.getSetting("enforce.paused")).toBeNull();
        await store.setSetting("enforce.paused", "paused by alice");
        expect(await store.getSetting("enforce.paused")).toBe("paused by alice");
        await store.setSetting("enforce.paused", "again");
        expect(await store.getSetting("enforce.paused")).toBe("again");
        await store.setSetting("enforce.paused", null);
        expect(await store.getSetting("enforce.paused")).toBeNull();
      });

      it("gives a named lock to one owner until it is released or its lease runs out", async () => {
        expect(await store.acquireLock("enforce", "w1", 60_000, now)).toBe(true);
        expect(await store.acquireLock("enforce", "w2", 60_000, now)).toBe(false);
        expect(await store.acquireLock("enforce", "w1", 60_000, now)).toBe(true);
        expect(await store.acquireLock("other", "w2", 60_000, now)).toBe(true);
        await store.releaseLock("enforce", "w2");
        expect(await store.acquireLock("enforce", "w2", 60_000, now)).toBe(false);
        await store.releaseLock("enforce", "w1");
        expect(await store.acquireLock("enforce", "w2", 60_000, now)).toBe(true);
        const later = new Date(now.getTime() + 60_001);
        expect(await store.acquireLock("enforce", "w3", 60_000, later)).toBe(true);
        const racers = await Promise.all(["a", "b", "c"].map((o) => store.acquireLock("race", o, 1000, now)));
        expect(racers.filter(Boolean)).toHaveLength(1);
      });
    });
  });
}
