import type { Command } from "@commander-js/extra-typings";
import { UsageError } from "../../domain/errors.js";
import { maskKeyId } from "../../domain/key-id.js";
import type { AwsSession } from "../../aws/session.js";
import type { AccountRole } from "../rotation-wiring.js";
import type { IamRotationPort, TargetSpec } from "../../rotation/ports.js";
import type { Store } from "../../store/types.js";
import { targetList } from "../common-options.js";
import type { CliIO } from "../io.js";
import type { RotationMfa } from "../rotation-mfa.js";

interface RotateFlags {
  profile?: string;
  region?: string;
  endpointUrl?: string;
  maxAttempts?: number;
  user?: string;
  key?: string;
  to?: string[];
  observe?: string;
  soak?: string;
  deleteNow?: boolean;
  replaceInactive?: string;
  dryRun?: boolean;
  yes?: boolean;
  resume?: string;
  rollback?: string;
  account?: string;
  roleName?: string;
  externalId?: string;
  mfaSerial?: string;
  tokenCode?: string;
}

const SELF_DEFAULT_SOAK = "1d";
const ADMIN_DEFAULT = "7d";

/** arn:aws:iam::123:user/path/name -> name; anything else is not an IAM user. */
function userNameFromArn(arn: string): string | null {
  const m = /^arn:aws[\w-]*:iam::\d{12}:user\/(?:.*\/)?([^/]+)$/.exec(arn);
  return m?.[1] ?? null;
}

function printJobLine(io: CliIO, id: string, step: string, state: string, nextAt: string | null): void {
  const when =
    state === "waiting" && nextAt
      ? `; next step due ${nextAt} (run \`keywarden rotations advance\` then)`
      : "";
  io.stderr.write(`keywarden: rotation ${id} is ${state} at step ${step}${when}\n`);
}

async function rotate(flags: RotateFlags, io: CliIO, mfa: RotationMfa): Promise<number> {
  const [{ parseTargetSpec }, wiring, { profilesHoldingKey, credentialsFilePath }] = await Promise.all([
    import("../../rotation/target-spec.js"),
    import("../rotation-wiring.js"),
    import("../../credentials/file.js"),
  ]);
  if (flags.resume && flags.rollback)
    throw new UsageError("--resume and --rollback exclude each other", "Pass one of them.");

  // Continue or undo an existing job.
  if (flags.resume || flags.rollback) {
    const id = (flags.resume ?? flags.rollback) as string;
    const store = await wiring.openStore(io);
    try {
      const job = await store.getJob(id);
      if (!job) throw new UsageError(`there is no rotation ${id}`, "List them with `keywarden rotations`.");
      // A new process: with MFA, a new session and code (src/cli/rotation-mfa.ts).
      const session = await mfa.session(wiring.awsTargetForJob(job, flags), wiring.accountRoleOfJob(job));
      const owner = wiring.LEASE_OWNER;
      if (!(await wiring.claimForThisProcess(store, id))) {
        throw new UsageError(
          `rotation ${id} is being advanced by another keywarden process`,
          "Wait for it to finish, then look with `keywarden rotations show`.",
        );
      }
      try {
        const engine = wiring.makeEngine(io, store, session, {
          yes: flags.yes === true,
          actor: await actorOf(session),
        });
        const done = flags.rollback ? await engine.startRollback(job) : await engine.advance(job);
        printJobLine(io, done.id, done.step, done.state, done.nextAt);
      } finally {
        await store.releaseJob(id, owner);
      }
      return 0;
    } finally {
      await store.close();
    }
  }

  const self = !flags.user;
  if (self && flags.key)
    throw new UsageError(
      "--key needs --user",
      "Pass --user NAME with --key, or neither to rotate your own key.",
    );
  if (flags.account && !/^\d{12}$/.test(flags.account)) {
    throw new UsageError(
      `--account "${flags.account}" is not a 12-digit account id`,
      "Pass --account 123456789012.",
    );
  }
  if (flags.account && self) {
    throw new UsageError(
      "--account needs --user",
      "Rotating your own key happens in your own account; name the --user to rotate there.",
    );
  }
  const role = wiring.accountRoleOf(flags);
  const session = await mfa.session(wiring.awsTargetOf(flags), role);
  const { iamInventoryPort } = await import("../../aws/iam-inventory.js");
  const me = await iamInventoryPort(session).getCallerIdentity();
  let userName = flags.user ?? null;
  let keyId = flags.key ?? null;
  const targets = (flags.to ?? []).map(parseTargetSpec);
  if (self) {
    userName = userNameFromArn(me.arn);
    if (!userName) {
      throw new UsageError(
        `you are signed in as ${me.arn}, not as an IAM user with an access key`,
        "Roles and SSO sessions use temporary credentials; there is no long-term key to rotate.",
      );
    }
    keyId = (await session.credentials()).accessKeyId;
    const file = credentialsFilePath(io.env);
    const holding = await profilesHoldingKey(file, keyId);
    if (holding.length === 0 && targets.length === 0) {
      throw new UsageError(
        `the key in use (${maskKeyId(keyId)}) is not in ${file}, so there is no profile to update`,
        "Pass --profile for a profile of that file, or name where the new key goes with --to.",
      );
    }
    for (const p of holding)
      if (!targets.some((t) => t.kind === "profile" && t.ref === p))
        targets.push({ kind: "profile", ref: p, file });
  }
  if (!userName) throw new UsageError("no user to rotate", "Pass --user NAME.");

  // One rotation per user: refuse before reading or changing anything (createJob re-checks atomically).
  const store = await wiring.openStore(io);
  try {
    const holder = (
      await store.listJobs({ accountId: me.account, userName, state: ["running", "waiting", "failed"] })
    )[0];
    if (holder) {
      const { JobLockedError } = await import("../../store/errors.js");
      throw new JobLockedError(me.account, userName, {
        id: holder.id,
        step: holder.step,
        state: holder.state,
      });
    }
    return await startRotation(flags, io, { session, store, me, userName, keyId, targets, self, role });
  } finally {
    await store.close();
  }
}

interface StartContext {
  session: AwsSession;
  store: Store;
  me: { account: string; arn: string };
  userName: string;
  keyId: string | null;
  targets: TargetSpec[];
  self: boolean;
  role: AccountRole | undefined;
}

async function startRotation(flags: RotateFlags, io: CliIO, c: StartContext): Promise<number> {
  const [{ parseDuration }, { planRotation, describePlan }, wiring, { iamRotationPort }] = await Promise.all([
    import("../../rotation/durations.js"),
    import("../../rotation/plan.js"),
    import("../rotation-wiring.js"),
    import("../../aws/iam-rotation.js"),
  ]);
  const { session, store, me, userName, keyId, targets, self, role } = c;
  const observeMs = parseDuration("--observe", flags.observe ?? (self ? "0" : ADMIN_DEFAULT));
  const soakMs = flags.deleteNow
    ? 0
    : parseDuration("--soak", flags.soak ?? (self ? SELF_DEFAULT_SOAK : ADMIN_DEFAULT));
  // Another store's job on this user is the first thing to know (its new key would otherwise
  // look like the user's second key).
  await checkUserLock(iamRotationPort(session), userName, self, store);
  const input = await planRotation(iamRotationPort(session), {
    mode: self ? "self" : "admin",
    accountId: me.account,
    userName,
    accessKeyId: keyId,
    targets,
    observeMs,
    soakMs,
    replaceInactive: flags.replaceInactive ?? null,
    aws: wiring.awsOptionsOf(flags, session.region, role),
  });
  // Everything that can be checked before a key exists is checked now, on a dry run too: every
  // target parses, can be written and reads back.
  const planTargets = wiring.makeTargets(session, io, { id: "dry-run", userName, targets: input.targets });
  for (const t of planTargets) await t.preflight();
  const { checkRotationPermissions } = await import("../../rotation/permission-check.js");
  const { signsWithOneMfaSession } = await import("../rotation-mfa.js");
  await checkRotationPermissions(iamRotationPort(session), me.arn, input.targets, {
    mfa: signsWithOneMfaSession(session),
    self,
    log: (line) => io.stderr.write(`keywarden: ${line}\n`),
  });
  if (flags.dryRun) {
    io.stdout.write(`${describePlan(input, planTargets).join("\n")}\nNothing was changed (--dry-run).\n`);
    return 0;
  }
  const actor = me.arn;
  const job = await store.createJob(input, actor);
  io.stderr.write(
    `keywarden: started rotation ${job.id} for ${userName} (${maskKeyId(job.oldAccessKeyId)})\n`,
  );
  const owner = wiring.LEASE_OWNER;
  await wiring.claimForThisProcess(store, job.id);
  try {
    const engine = wiring.makeEngine(io, store, session, { yes: flags.yes === true, actor });
    const done = await engine.advance(job);
    printJobLine(io, done.id, done.step, done.state, done.nextAt);
  } finally {
    await store.releaseJob(job.id, owner);
  }
  return 0;
}

/** Refuses, before a job exists, a user whose rotation lock another store's job holds. */
async function checkUserLock(
  iam: IamRotationPort,
  userName: string,
  self: boolean,
  store: Store,
): Promise<void> {
  const { LOCK_TAG, parseLock } = await import("../../rotation/user-lock.js");
  const { AccessDeniedError } = await import("../../domain/errors.js");
  let tags: Record<string, string>;
  try {
    tags = await iam.listUserTags(userName);
  } catch (e) {
    if (self && e instanceof AccessDeniedError) return; // the engine says why it cannot lock
    const name = (e as { cause?: { name?: string } }).cause?.name;
    if (name === "NoSuchEntityException" || name === "NoSuchEntity") return; // the plan names it
    throw e;
  }
  const held = parseLock(tags[LOCK_TAG]);
  const mine = held ? await store.getJob(held.jobId) : null;
  // A tag left by a job of this store that has ended (a crash before it let go) holds nothing.
  if (held && held.until > new Date() && !(mine && (mine.state === "done" || mine.state === "rolled-back"))) {
    const { RotationError } = await import("../../rotation/errors.js");
    throw new RotationError(
      "USER_LOCKED",
      `user ${userName} is being rotated by ${held.jobId}${held.by ? ` (from ${held.by})` : ""} until ${held.until.toISOString()}; only one rotation per user runs at a time`,
      `Let that rotation finish (\`keywarden rotations\` where it runs). If it is gone for good, clear its lock with \`aws iam untag-user --user-name ${userName} --tag-keys ${LOCK_TAG}\` and start again.`,
    );
  }
}

/** Who acts, for the audit trail: the caller's ARN. */
export async function actorOf(session: AwsSession): Promise<string> {
  const { iamInventoryPort } = await import("../../aws/iam-inventory.js");
  return (await iamInventoryPort(session).getCallerIdentity()).arn;
}

export function register(program: Command, io: CliIO, exit: (code: number) => void): void {
  const cmd = program
    .command("rotate")
    .description("Rotate an access key safely: create, deliver, verify, observe, deactivate, soak, delete")
    .option("--user <name>", "rotate this IAM user's key (administrator); without it, your own key")
    .option("--key <id>", "the key to rotate (default: the user's only active key)")
    .option(
      "--to <targets>",
      "where the new secret goes: profile:NAME[@FILE], secretsmanager:ID, ssm:/NAME, dotenv:PATH, stdout; comma-separated or repeated",
      targetList,
    )
    .option(
      "--observe <duration>",
      `wait this long watching the old key's use before deactivating (admin default ${ADMIN_DEFAULT}, self 0)`,
    )
    .option(
      "--soak <duration>",
      `wait this long after deactivating before deleting (admin default ${ADMIN_DEFAULT}, self ${SELF_DEFAULT_SOAK})`,
    )
    .option("--delete-now", "delete the old key right after deactivating it (no soak)")
    .option("--replace-inactive <id>", "delete this inactive key of the user first, to make room")
    .option("--dry-run", "print every AWS call and file change, change nothing")
    .option("-y, --yes", "do not ask before deactivating and deleting")
    .option("--account <id>", "rotate in this account of the organization, through --role-name (with --user)")
    .option("--role-name <name>", "the role assumed in --account (default OrganizationAccountAccessRole)")
    .option("--external-id <id>", "the external id the role's trust policy requires")
    .option(
      "--mfa-serial <arn>",
      "when a policy requires MFA: this device signs the whole run with one MFA session (default: the profile's mfa_serial)",
    )
    .option("--token-code <digits>", "the 6-digit code the MFA device shows (asked for on a terminal)")
    .option("--resume <id>", "continue a rotation after a crash or a wait")
    .option(
      "--rollback <id>",
      "re-activate the old key and restore every target (until the old key is deleted)",
    )
    .addHelpText(
      "after",
      `
Examples:
  keywarden rotate --profile dev --delete-now --yes      # your own key, in every profile that holds it
  keywarden rotate --user ci-bot --to secretsmanager:ci/aws --observe 7d --soak 7d
  keywarden rotate --user app --to dotenv:.env --to ssm:/app/aws --dry-run
  keywarden rotate --resume rot-abc123      keywarden rotate --rollback rot-abc123
  keywarden rotate --profile dev --mfa-serial arn:aws:iam::123456789012:mfa/alice --token-code 123456

MFA: with --mfa-serial (or mfa_serial in the profile), one sts:GetSessionToken session made with
the code signs every AWS call of the run; each run (--resume, --rollback too) needs a new code.

Durations: 30m, 12h, 7d, 2w or 0. Exit codes: 0 done or waiting, 2 usage, 3+ errors, 7 refused
(two-key limit, another rotation running, a step that cannot proceed).`,
    );
  cmd.action(async () => {
    const flags: RotateFlags = cmd.opts();
    const { RotationMfa } = await import("../rotation-mfa.js");
    const mfa = new RotationMfa(flags, io); // checks --mfa-serial/--token-code before anything else
    exit(await mfa.explainDenials(() => rotate(flags, io, mfa)));
  });
}
