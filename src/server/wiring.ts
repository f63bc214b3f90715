import type { AwsTarget } from "../aws/session.js";
import type { CliIO } from "../cli/io.js";
import { UsageError } from "../domain/errors.js";
import { maskKeyId } from "../domain/key-id.js";
import { DEFAULT_THRESHOLDS } from "../rules/rule.js";
import { LOCKING_STATES, type RotationJob, type Store } from "../store/types.js";
import { lastUsedSourcesOf } from "./audit-records.js";
import type { AuditRun, RespondRunner, RotationController, StartRotationInput } from "./ports.js";

// The real adapters behind the API for `keywarden serve`: the audit `keywarden audit` runs and the
// rotation engine as `keywarden rotate` wires it (rotation-wiring.ts), driven from the page.

/**
 * The audit `keywarden audit` runs. With the dashboard's store, the risk score counts the keys its
 * stored scans found in code and its incidents name, as `keywarden audit` does from the same store.
 */
export function auditRunner(io: CliIO, target: AwsTarget, store?: Store): () => Promise<AuditRun> {
  return async () => {
    const [{ openSession }, { iamInventoryPort }, { runAudit }, { exposuresFrom }] = await Promise.all([
      import("../aws/session.js"),
      import("../aws/iam-inventory.js"),
      import("../audit/run.js"),
      import("../audit/exposures.js"),
    ]);
    const session = await openSession(target, io.env);
    const exposures = store
      ? exposuresFrom(await store.listRecords("incident"), await store.listRecords("scan-result"))
      : undefined;
    const { report, inventory } = await runAudit({
      ...(exposures ? { exposures } : {}),
      port: iamInventoryPort(session),
      apiCalls: () => session.counter.snapshot(),
      now: new Date(),
      thresholds: DEFAULT_THRESHOLDS,
    });
    return { report, lastUsedSources: lastUsedSourcesOf(inventory) };
  };
}

/** Who acted, for the job's audit trail: the caller, through the dashboard. */
const viaDashboard = (arn: string) => `${arn} (dashboard)`;

export function rotationController(io: CliIO, store: Store, target: AwsTarget): RotationController {
  async function withJob(id: string, run: (job: RotationJob) => Promise<RotationJob>): Promise<RotationJob> {
    const wiring = await import("../cli/rotation-wiring.js");
    const job = await store.getJob(id);
    if (!job) throw new UsageError(`there is no rotation ${id}`, "Pick one from the rotations page.");
    if (!(await wiring.claimForThisProcess(store, id))) {
      throw new UsageError(
        `rotation ${id} is being advanced by another keywarden process`,
        "Wait for it to finish, then reload.",
      );
    }
    try {
      return await run(job);
    } finally {
      await store.releaseJob(id, wiring.LEASE_OWNER);
    }
  }

  async function engineFor(job: RotationJob, confirmed: boolean) {
    const wiring = await import("../cli/rotation-wiring.js");
    const { iamInventoryPort } = await import("../aws/iam-inventory.js");
    const session = await wiring.sessionFor(
      // Explicit credentials and client hooks of the server's target carry over to the job's.
      { ...target, ...wiring.awsTargetForJob(job, target) },
      io,
      wiring.accountRoleOfJob(job),
    );
    const me = await iamInventoryPort(session).getCallerIdentity();
    // The page asked before advancing or rolling back; a start never deactivates or deletes.
    return wiring.makeEngine(io, store, session, {
      yes: confirmed,
      actor: viaDashboard(me.arn),
      confirm: () => Promise.resolve(confirmed),
    });
  }

  return {
    async start(input: StartRotationInput) {
      const [wiring, { iamInventoryPort }, { iamRotationPort }, { planRotation }, { parseDuration }, spec] =
        await Promise.all([
          import("../cli/rotation-wiring.js"),
          import("../aws/iam-inventory.js"),
          import("../aws/iam-rotation.js"),
          import("../rotation/plan.js"),
          import("../rotation/durations.js"),
          import("../rotation/target-spec.js"),
        ]);
      const targets = input.to.map(spec.parseTargetSpec);
      const observeMs = parseDuration("observe", input.observe);
      const soakMs = parseDuration("soak", input.soak);
      const session = await wiring.sessionFor(target, io);
      const me = await iamInventoryPort(session).getCallerIdentity();
      const holder = (
        await store.listJobs({ accountId: me.account, userName: input.userName, state: [...LOCKING_STATES] })
      )[0];
      if (holder) {
        const { JobLockedError } = await import("../store/errors.js");
        throw new JobLockedError(me.account, input.userName, {
          id: holder.id,
          step: holder.step,
          state: holder.state,
        });
      }
      const plan = await planRotation(iamRotationPort(session), {
        mode: "admin",
        accountId: me.account,
        userName: input.userName,
        accessKeyId: input.accessKeyId,
        targets,
        observeMs,
        soakMs,
        replaceInactive: null,
        aws: {
          profile: target.profile ?? null,
          region: session.region,
          endpointUrl: target.endpointUrl ?? null,
          role: null,
        },
      });
      const job = await store.createJob(plan, viaDashboard(me.arn));
      io.stderr.write(
        `keywarden: dashboard started rotation ${job.id} for ${input.userName} (${maskKeyId(job.oldAccessKeyId)})\n`,
      );
      return withJob(job.id, async (j) => (await engineFor(j, false)).advance(j));
    },
    advance: (id) => withJob(id, async (job) => (await engineFor(job, true)).advance(job)),
    rollback: (id) => withJob(id, async (job) => (await engineFor(job, true)).startRollback(job)),
  };
}

/**
 * Containment from the page, wired as `keywarden respond --yes` wires it (without --remediate:
 * removing what an attacker created stays a decision made at the terminal).
 */
export function respondRunner(io: CliIO, store: Store, target: AwsTarget): RespondRunner {
  return async (input) => {
    const [
      wiring,
      inputs,
      { respond, validateKeyId },
      { duckDbLogReader },
      { regionalClients },
      trail,
      iamResp,
    ] = await Promise.all([
      import("../cli/rotation-wiring.js"),
      import("../response/inputs.js"),
      import("../response/respond.js"),
      import("../response/logs.js"),
      import("../aws/regional.js"),
      import("../aws/cloudtrail.js"),
      import("../aws/iam-response.js"),
    ]);
    validateKeyId(input.accessKeyId);
    const since = inputs.parseSince(input.since ?? undefined, new Date());
    const regions = input.regions ? inputs.parseRegions(input.regions.join(",")) : undefined;
    const session = await wiring.sessionFor(target, io);
    const clients = regionalClients(session, {
      endpointUrl: target.endpointUrl,
      maxAttempts: target.maxAttempts,
    });
    try {
      const lookup = trail.lookupPort(session, clients, {
        pacing: trail.REAL_PACING,
        warn: (line) => io.stderr.write(`keywarden: warning: ${line}\n`),
      });
      return await respond(
        { accessKeyId: input.accessKeyId, since, logPaths: [], dryRun: false, remediate: false, regions },
        {
          iam: iamResp.responseIamPort(session),
          lookup,
          logs: duckDbLogReader(),
          now: () => new Date(),
          newIncidentId: inputs.newIncidentId,
          log: (line) => io.stderr.write(`keywarden: ${line}\n`),
          save: async (r) => {
            await store.putRecord({
              kind: "incident",
              id: r.incidentId,
              subject: r.accessKeyId,
              data: r as unknown as Record<string, unknown>,
            });
          },
          confirm: () => Promise.resolve(false),
        },
      );
    } finally {
      clients.destroy();
    }
  };
}
