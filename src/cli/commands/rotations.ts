import type { Command } from "@commander-js/extra-typings";
import { UsageError } from "../../domain/errors.js";
import { maskKeyId } from "../../domain/key-id.js";
import { jobView } from "../../rotation/job-view.js";
import type { RotationJob } from "../../store/types.js";
import { defaultFormat, withOutputFile } from "../common-options.js";
import { parseChoice } from "../errors.js";
import type { RotationFlags } from "../rotation-wiring.js";

const FORMATS = ["table", "json"] as const;
type Format = (typeof FORMATS)[number];
const formatHelp = "table or json (default: table on a terminal, json otherwise)";
import type { CliIO } from "../io.js";
import { plainTable } from "../../report/plain-table.js";

function nextAction(job: RotationJob): string {
  if (job.state === "done") return "-";
  if (job.state === "rolled-back") return "-";
  if (job.state === "failed") return `fix, then --resume or --rollback`;
  const when =
    job.nextAt && new Date(job.nextAt) > new Date()
      ? ` at ${job.nextAt.slice(0, 16).replace("T", " ")}Z`
      : " now";
  return `${job.step}${when}`;
}

export function register(program: Command, io: CliIO, exit: (code: number) => void): void {
  const rotations = program
    .command("rotations")
    .description("List rotation jobs; `show ID` for a job's history; `advance` runs every step that is due");
  const list = rotations
    .command("list", { isDefault: true })
    .description("List rotation jobs with their step, state and next action (the default)")
    .option("--format <format>", formatHelp, parseChoice("--format", FORMATS));
  withOutputFile(list, "the list").action(async (flags: { format?: Format; output?: string }) => {
    const format = flags.format ?? defaultFormat(io, FORMATS, "table", flags.output);
    const { openStore } = await import("../rotation-wiring.js");
    const store = await openStore(io);
    try {
      const jobs = await store.listJobs();
      if (format === "json") {
        io.stdout.write(`${JSON.stringify(jobs.map(jobView), null, 2)}\n`);
      } else if (jobs.length === 0) {
        io.stdout.write("No rotations yet. Start one with `keywarden rotate`.\n");
      } else {
        const rows = [["ID", "USER", "OLD KEY", "NEW KEY", "STEP", "STATE", "NEXT"]];
        for (const j of jobs) {
          rows.push([
            j.id,
            j.userName,
            maskKeyId(j.oldAccessKeyId),
            j.newAccessKeyId ? maskKeyId(j.newAccessKeyId) : "-",
            j.step,
            j.state,
            nextAction(j),
          ]);
        }
        io.stdout.write(`${plainTable(rows)}\n`);
      }
    } finally {
      await store.close();
    }
    exit(0);
  });

  const show = rotations
    .command("show")
    .description("A rotation's state and its full history")
    .argument("<id>", "the rotation id")
    .option("--format <format>", formatHelp, parseChoice("--format", FORMATS));
  withOutputFile(show, "the rotation").action(
    async (id: string, flags: { format?: Format; output?: string }) => {
      const format = flags.format ?? defaultFormat(io, FORMATS, "table", flags.output);
      const { openStore } = await import("../rotation-wiring.js");
      const store = await openStore(io);
      try {
        const job = await store.getJob(id);
        if (!job) throw new UsageError(`there is no rotation ${id}`, "List them with `keywarden rotations`.");
        const events = await store.events(id);
        if (format === "json") {
          io.stdout.write(`${JSON.stringify({ ...jobView(job), events }, null, 2)}\n`);
        } else {
          io.stdout.write(
            `Rotation ${job.id}: user ${job.userName}, ${maskKeyId(job.oldAccessKeyId)} -> ${
              job.newAccessKeyId ? maskKeyId(job.newAccessKeyId) : "(not created yet)"
            }\nState ${job.state}, step ${job.step}, next: ${nextAction(job)}\nTargets: ${(jobView(job).targets as string[]).join(", ")}\n\nHistory:\n`,
          );
          for (const e of events) {
            io.stdout.write(`  ${e.at}  ${e.step.padEnd(10)} ${e.action.padEnd(24)} ${e.actor}\n`);
          }
        }
      } finally {
        await store.close();
      }
      exit(0);
    },
  );

  rotations
    .command("advance")
    .description("Run every rotation step that is due (for cron, a systemd timer or the scheduler)")
    .option("-y, --yes", "do not ask before deactivating and deleting (needed without a terminal)")
    .action(async (flags: { yes?: boolean } & RotationFlags) => {
      const wiring = await import("../rotation-wiring.js");
      const { actorOf } = await import("./rotate.js");
      const store = await wiring.openStore(io);
      let failures = 0;
      try {
        const owner = wiring.LEASE_OWNER;
        for (const job of await store.dueJobs(new Date())) {
          if (!(await wiring.claimForThisProcess(store, job.id))) continue;
          try {
            const session = await wiring.sessionFor(
              // --profile/--region/--endpoint-url given here win over what the job recorded.
              wiring.awsTargetForJob(job, flags),
              io,
              wiring.accountRoleOfJob(job),
            );
            const engine = wiring.makeEngine(io, store, session, {
              yes: flags.yes === true,
              actor: await actorOf(session),
            });
            const after = await engine.advance(job);
            io.stderr.write(`keywarden: ${after.id}: ${after.state} at ${after.step}\n`);
          } catch (e) {
            failures++;
            io.stderr.write(`keywarden: ${job.id}: ${(e as Error).message}\n`);
          } finally {
            await store.releaseJob(job.id, owner);
          }
        }
        await wiring.sweepBackups(store, io);
      } finally {
        await store.close();
      }
      exit(failures > 0 ? 1 : 0);
    });
}
