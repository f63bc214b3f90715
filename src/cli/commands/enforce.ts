import type { Command } from "@commander-js/extra-typings";
import { resolve } from "node:path";
import { ConflictError, UsageError } from "../../domain/errors.js";
import { maskKeyId } from "../../domain/key-id.js";
import type { AwsSession } from "../../aws/session.js";
import type { LoadedPolicy } from "../../policy/load.js";
import type { EnforcePorts, EnforceResult } from "../../policy/enforce.js";
import type { PlannedAction } from "../../policy/plan.js";
import type { Store } from "../../store/types.js";
import type { Finding, Inventory } from "../../domain/types.js";
import type { AccountRole } from "../rotation-wiring.js";
import { parseChoice, parseIntFlag } from "../errors.js";
import { defaultFormat, withOutputFile } from "../common-options.js";
import type { CliIO } from "../io.js";

interface EnforceFlags {
  profile?: string;
  region?: string;
  endpointUrl?: string;
  maxAttempts?: number;
  config?: string;
  apply?: boolean;
  yes?: boolean;
  maxChanges?: number;
  schedule?: string | boolean;
  format?: "table" | "json";
  dryRun?: boolean;
  output?: string;
}

const DAY_MS = 86_400_000;
const ADMIN_DEFAULT = "7d";

async function loadFor(flags: EnforceFlags, io: CliIO): Promise<LoadedPolicy> {
  const { loadPolicy, DEFAULT_POLICY_FILE } = await import("../../policy/load.js");
  const policy = await loadPolicy(resolve(io.cwd, flags.config ?? DEFAULT_POLICY_FILE));
  const { effectiveThresholds } = await import("../../policy/model.js");
  effectiveThresholds(policy);
  return policy;
}

/** AWS for the enforcement run: the audit's inventory, the rotation port, the rotation engine. */
async function makePorts(
  flags: EnforceFlags,
  io: CliIO,
  store: Store,
  session: AwsSession,
  policy: LoadedPolicy,
): Promise<EnforcePorts> {
  const [wiring, { iamInventoryPort }, { iamRotationPort }, { runAudit }, model, { parseDuration }] =
    await Promise.all([
      import("../rotation-wiring.js"),
      import("../../aws/iam-inventory.js"),
      import("../../aws/iam-rotation.js"),
      import("../../audit/run.js"),
      import("../../policy/model.js"),
      import("../../rotation/durations.js"),
    ]);
  const [{ planRotation }, { parseTargetSpec }, { collectionFinding }, { DEFAULT_ROLE_NAME }] =
    await Promise.all([
      import("../../rotation/plan.js"),
      import("../../rotation/target-spec.js"),
      import("../../rules/evaluate.js"),
      import("../../aws/organizations.js"),
    ]);
  const me = await iamInventoryPort(session).getCallerIdentity();
  const thresholds = model.effectiveThresholds(policy);
  const scope = policy.doc.scope;
  // The caller's own account, or every account the scope lists (others through the role).
  const accounts = scope?.accounts ?? [me.account];
  const roleOf = (accountId: string): AccountRole | undefined =>
    accountId === me.account
      ? undefined
      : { accountId, roleName: scope?.roleName ?? DEFAULT_ROLE_NAME, externalId: scope?.externalId };
  const sessions = new Map<string, Promise<AwsSession>>();
  const sessionOf = (accountId: string): Promise<AwsSession> => {
    let s = sessions.get(accountId);
    if (!s) {
      const role = roleOf(accountId);
      s = role ? wiring.sessionFor(wiring.awsTargetOf(flags), io, role) : Promise.resolve(session);
      sessions.set(accountId, s);
    }
    return s;
  };
  const iamOf = async (accountId: string) => iamRotationPort(await sessionOf(accountId));
  const engineFor = (s: AwsSession) =>
    wiring.makeEngine(io, store, s, { yes: true, actor: `${me.arn} (keywarden enforce)` });

  // The inventory can be hours old (credential report): look again right before a change.
  const stillQuiet = async (a: PlannedAction) => {
    if (a.allowRecentlyUsed) return;
    const use = await (await iamOf(a.accountId)).getAccessKeyLastUsed(a.accessKeyId);
    if (use.at && Date.now() - use.at.getTime() < DAY_MS)
      throw new ConflictError(
        "KEY_RECENTLY_USED",
        `key ${maskKeyId(a.accessKeyId)} was used at ${use.at.toISOString()}, within 24 hours`,
        "It is left alone; the policy's touchRecentlyUsed allows it.",
      );
  };
  return {
    async collect(now) {
      const inventory: Inventory = { accounts: [], users: [], keys: [], errors: [] };
      const findings: Finding[] = [];
      for (const accountId of accounts) {
        let s: AwsSession;
        try {
          s = await sessionOf(accountId);
        } catch (e) {
          // An account that cannot be reached is an ERROR finding; its keys are not touched.
          const err = {
            accountId,
            userName: null,
            accessKeyId: null,
            operation: "AssumeRole",
            permission: "sts:AssumeRole",
            code: (e as { code?: string }).code ?? "AssumeRoleFailed",
            message: (e as Error).message,
          };
          inventory.errors.push(err);
          findings.push(collectionFinding(err));
          continue;
        }
        const { report, inventory: part } = await runAudit({
          port: iamInventoryPort(s),
          apiCalls: () => s.counter.snapshot(),
          now,
          thresholds,
        });
        inventory.accounts.push(...part.accounts);
        inventory.users.push(...part.users);
        inventory.keys.push(...part.keys);
        inventory.errors.push(...part.errors);
        findings.push(...report.findings.filter((f) => model.ruleEnabled(policy.doc, f.ruleId)));
      }
      return { inventory, findings };
    },
    async deactivate(a) {
      await stillQuiet(a);
      await (await iamOf(a.accountId)).updateAccessKey(a.userName, a.accessKeyId, "Inactive");
    },
    async delete(a) {
      await stillQuiet(a);
      const iam = await iamOf(a.accountId);
      const k = (await iam.listAccessKeys(a.userName)).find((x) => x.accessKeyId === a.accessKeyId);
      // Never delete an active key, whatever the inventory said.
      if (k?.status !== "Inactive")
        throw new ConflictError(
          "KEY_ACTIVE",
          `key ${maskKeyId(a.accessKeyId)} is active`,
          "It is deactivated first.",
        );
      await iam.deleteAccessKey(a.userName, a.accessKeyId);
    },
    async startRotation(a) {
      const s = await sessionOf(a.accountId);
      const role = roleOf(a.accountId);
      const input = await planRotation(iamRotationPort(s), {
        mode: "admin",
        accountId: a.accountId,
        userName: a.userName,
        accessKeyId: a.accessKeyId,
        targets: a.targets.map(parseTargetSpec),
        observeMs: parseDuration("observe", a.observe ?? ADMIN_DEFAULT),
        soakMs: parseDuration("soak", a.soak ?? ADMIN_DEFAULT),
        replaceInactive: null,
        // As `rotate --account` records it, so `rotations advance` reaches the account again.
        aws: wiring.awsOptionsOf(flags, session.region, role),
      });
      const job = await store.createJob(input, me.arn);
      await wiring.claimForThisProcess(store, job.id);
      try {
        const after = await engineFor(s).advance(job);
        return { jobId: after.id, state: after.state, step: after.step };
      } finally {
        await store.releaseJob(job.id, wiring.LEASE_OWNER);
      }
    },
    async advanceDueJobs(now) {
      let advanced = 0;
      let failed = 0;
      for (const job of await store.dueJobs(now)) {
        if (!(await wiring.claimForThisProcess(store, job.id))) continue;
        try {
          const s = await wiring.sessionFor(
            wiring.awsTargetForJob(job, flags),
            io,
            wiring.accountRoleOfJob(job),
          );
          await engineFor(s).advance(job);
          advanced++;
        } catch (e) {
          failed++;
          io.stderr.write(`keywarden: rotation ${job.id}: ${(e as Error).message}\n`);
        } finally {
          await store.releaseJob(job.id, wiring.LEASE_OWNER);
        }
      }
      return { advanced, failed };
    },
  };
}

async function runOnce(
  flags: EnforceFlags,
  io: CliIO,
  store: Store,
  session: AwsSession,
): Promise<EnforceResult> {
  const [{ runEnforcement }, { buildChannels }, wiring, { snsPublisher }] = await Promise.all([
    import("../../policy/enforce.js"),
    import("../../notify/config.js"),
    import("../rotation-wiring.js"),
    import("../../aws/sns.js"),
  ]);
  const policy = await loadFor(flags, io);
  const build = () =>
    buildChannels(policy.doc.notifications?.channels ?? [], {
      env: io.env,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      snsPublisher: () => snsPublisher(session, flags.endpointUrl ? { endpoint: flags.endpointUrl } : {}),
    });
  let channels: ReturnType<typeof build> = [];
  if (flags.apply) channels = build();
  else {
    // A dry run sends nothing, but says now what would stop --apply.
    try {
      build();
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      io.stderr.write(`keywarden: warning: ${e.message}; --apply will refuse to run. ${e.fix}\n`);
    }
  }
  const ports = await makePorts(flags, io, store, session, policy);
  const confirm = wiring.confirmer(io, flags.yes === true);
  return runEnforcement({
    store,
    policy,
    ports,
    channels,
    now: () => new Date(),
    apply: flags.apply === true,
    maxChanges: flags.maxChanges,
    owner: wiring.LEASE_OWNER,
    confirm: (plan) =>
      confirm(
        `Apply ${plan.actions.filter((a) => a.status === "planned").length} key change(s) listed above?`,
      ),
    log: (line) => io.stderr.write(`keywarden: ${line}\n`),
  });
}

async function print(flags: EnforceFlags, io: CliIO, result: EnforceResult): Promise<void> {
  const { planJson, planTable } = await import("../../policy/render.js");
  const format = flags.format ?? defaultFormat(io, ["table", "json"] as const, "table", flags.output);
  io.stdout.write(format === "json" ? `${JSON.stringify(planJson(result), null, 2)}\n` : planTable(result));
  if (result.declined)
    io.stderr.write("keywarden: nothing was changed (not confirmed). Pass --yes to apply without asking.\n");
}

async function enforce(flags: EnforceFlags, io: CliIO): Promise<number> {
  if (flags.dryRun && flags.apply)
    throw new UsageError(
      "--dry-run and --apply contradict each other",
      "Pass one of them (a dry run is the default).",
    );
  if (flags.output !== undefined && flags.schedule !== undefined)
    throw new UsageError(
      "--output writes one report, and --schedule runs until stopped",
      "Drop --output (each scheduled run prints its plan on stdout), or drop --schedule.",
    );
  const policy = await loadFor(flags, io);
  let schedule: string | null = null;
  if (flags.schedule !== undefined) {
    const { cronProblem } = await import("../../policy/schema.js");
    schedule =
      typeof flags.schedule === "string" ? flags.schedule : (policy.doc.enforcement?.schedule ?? null);
    if (!schedule)
      throw new UsageError(
        "--schedule needs a cron expression",
        'Pass --schedule "0 6 * * *" or set enforcement.schedule in the policy.',
      );
    const problem = cronProblem(schedule);
    if (problem)
      throw new UsageError(`--schedule: ${problem}`, 'Pass 5 cron fields, e.g. --schedule "0 6 * * *".');
  }
  const wiring = await import("../rotation-wiring.js");
  const session = await wiring.sessionFor(wiring.awsTargetOf(flags), io);
  const store = await wiring.openStore(io);
  try {
    if (schedule === null) {
      const result = await runOnce(flags, io, store, session);
      await print(flags, io, result);
      const failed = result.outcomes.some((o) => o.status === "failed");
      // Notifications that were due and none got through: the owners were not warned.
      const n = result.notifications;
      const unsent = n !== null && n.failed > 0 && n.sent === 0;
      return failed || unsent ? 1 : 0;
    }
    return await loop(flags, io, store, session, schedule);
  } finally {
    await store.close();
  }
}

/** A long-lived process: one run per cron tick; a tick during a run is skipped; SIGINT/SIGTERM end it cleanly. */
async function loop(
  flags: EnforceFlags,
  io: CliIO,
  store: Store,
  session: AwsSession,
  schedule: string,
): Promise<number> {
  const { Cron } = await import("croner");
  const state: { running: Promise<void> | null } = { running: null };
  const tick = async () => {
    try {
      await print(flags, io, await runOnce(flags, io, store, session));
    } catch (e) {
      // One bad run (policy edited into an invalid state, AWS down) must not end the schedule.
      const msg = e instanceof Error ? e.message : String(e);
      const fix = (e as { fix?: string }).fix;
      io.stderr.write(`keywarden: enforcement run failed: ${msg}${fix ? `. ${fix}` : ""}\n`);
    }
  };
  const job = new Cron(schedule, { protect: true }, () => {
    state.running = tick().finally(() => {
      state.running = null;
    });
    return state.running;
  });
  io.stderr.write(
    `keywarden: enforcing on "${schedule}"; next run ${job.nextRun()?.toISOString() ?? "never"}. Ctrl-C stops.\n`,
  );
  const signal = await new Promise<NodeJS.Signals>((done) => {
    process.once("SIGINT", () => {
      done("SIGINT");
    });
    process.once("SIGTERM", () => {
      done("SIGTERM");
    });
  });
  job.stop();
  if (state.running) {
    io.stderr.write(`keywarden: ${signal}: finishing the current run, then stopping\n`);
    await state.running;
  }
  io.stderr.write(`keywarden: ${signal}: stopped\n`);
  return 0;
}

export function register(program: Command, io: CliIO, exit: (code: number) => void): void {
  const cmd = program
    .command("enforce")
    .description(
      "Apply the policy file: notify owners before deadlines, rotate/deactivate/delete keys on schedule",
    )
    .option("-c, --config <path>", "the policy file (default: ./keywarden.yaml)")
    .option("--apply", "carry the plan out (default: a dry run that prints it and changes nothing)")
    .option("--dry-run", "print the plan and change or send nothing (the default; said explicitly)")
    .option("-y, --yes", "with --apply: do not ask before changing keys (needed without a terminal)")
    .option(
      "--max-changes <n>",
      "at most this many key changes in a run (default: the policy's, else 10)",
      parseIntFlag("--max-changes", 0, 10_000),
    )
    .option(
      "--schedule [cron]",
      "keep running, one run per cron tick (default: enforcement.schedule of the policy)",
    )
    .option(
      "--format <format>",
      "table or json (default: table on a terminal, json otherwise)",
      parseChoice("--format", ["table", "json"] as const),
    )
    .addHelpText(
      "after",
      `
Examples:
  keywarden enforce                                   # dry run: the plan, nothing changed or sent
  keywarden enforce --apply --yes --max-changes 5
  keywarden enforce --apply --yes --schedule "0 6 * * *"   # long-lived; one run a day at 06:00
  keywarden pause   /   keywarden resume                # the kill switch every run checks

Safety: at most one key of a user is deactivated or deleted per run (unless enforcement.namedKeys
names it); keys used in the last 24 hours are not touched unless the rule says touchRecentlyUsed;
an active key is never deleted; runs never overlap (a lock in the store).
Exit codes: 0 done (or dry run), 1 a change failed or every notification failed, 2 usage or policy error, 3+ runtime errors,
7 another run holds the lock.`,
    );
  withOutputFile(cmd, "the plan");
  cmd.action(async () => {
    exit(await enforce(cmd.opts(), io));
  });
}
