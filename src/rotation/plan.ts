import { UsageError } from "../domain/errors.js";
import { isAccessKeyId, maskKeyId } from "../domain/key-id.js";
import type { CreateJobInput } from "../store/types.js";
import { formatDuration } from "./durations.js";
import type { JobOptions } from "./engine.js";
import { twoKeysError } from "./engine.js";
import type { IamRotationPort, Target, TargetSpec } from "./ports.js";
import { formatTargetSpec } from "./target-spec.js";

export interface PlanInput {
  mode: "self" | "admin";
  accountId: string;
  userName: string;
  /** The key to rotate; admin rotations may leave it out when the user has exactly one active key. */
  accessKeyId: string | null;
  targets: TargetSpec[];
  observeMs: number;
  soakMs: number;
  replaceInactive: string | null;
  /** How AWS was reached (profile, region, endpoint), so --resume and `rotations advance` can reach it again. */
  aws: Record<string, unknown>;
}

function checkKeyId(flag: string, id: string): void {
  if (!isAccessKeyId(id)) {
    throw new UsageError(
      `${flag} "${id}" is not an access key id`,
      "Access key ids are 20 characters starting with AKIA.",
    );
  }
}

/** Checks everything that can be checked before anything changes, and shapes the job to store. */
export async function planRotation(iam: IamRotationPort, input: PlanInput): Promise<CreateJobInput> {
  if (input.accessKeyId) checkKeyId("--key", input.accessKeyId);
  if (input.replaceInactive) checkKeyId("--replace-inactive", input.replaceInactive);
  if (input.targets.length === 0) {
    throw new UsageError(
      "no target for the new secret",
      "Name where it goes with --to (profile:NAME, secretsmanager:ID, ssm:/NAME, dotenv:PATH, stdout).",
    );
  }
  const keys = await iam.listAccessKeys(input.userName).catch((e: unknown) => {
    const name = (e as { cause?: { name?: string } }).cause?.name;
    if (name === "NoSuchEntityException" || name === "NoSuchEntity") {
      throw new UsageError(
        `there is no IAM user "${input.userName}" in account ${input.accountId}`,
        "Check the name (IAM user names are case-sensitive) with `aws iam list-users`, or pass --account for another account.",
      );
    }
    throw e;
  });
  let old = input.accessKeyId ? keys.find((k) => k.accessKeyId === input.accessKeyId) : undefined;
  if (input.accessKeyId && !old) {
    throw new UsageError(
      `key ${maskKeyId(input.accessKeyId)} does not belong to user ${input.userName}`,
      `List the user's keys with \`keywarden keys --user ${input.userName}\`.`,
    );
  }
  if (!old) {
    const active = keys.filter((k) => k.status === "Active");
    if (active.length !== 1) {
      throw new UsageError(
        `user ${input.userName} has ${active.length} active keys; name the one to rotate`,
        `Pass --key with one of: ${active.map((k) => k.accessKeyId).join(", ") || "(none)"}.`,
      );
    }
    old = active[0];
  }
  if (!old)
    throw new UsageError(
      `user ${input.userName} has no key to rotate`,
      "Create one with `aws iam create-access-key`.",
    );
  if (old.status !== "Active") {
    throw new UsageError(
      `key ${maskKeyId(old.accessKeyId)} is inactive: there is nothing to rotate`,
      `Delete it instead: \`aws iam delete-access-key --user-name ${input.userName} --access-key-id ${old.accessKeyId}\`.`,
    );
  }
  if (input.replaceInactive) {
    const named = keys.find((k) => k.accessKeyId === input.replaceInactive);
    if (!named || named.accessKeyId === old.accessKeyId || named.status !== "Inactive") {
      throw new UsageError(
        `--replace-inactive must name the user's other, inactive key`,
        "keywarden never deletes an active key to make room; deactivate it first if nothing uses it.",
      );
    }
  } else if (keys.length >= 2) {
    throw twoKeysError(
      input.userName,
      keys.filter((k) => k.accessKeyId !== old.accessKeyId).map((k) => k.accessKeyId),
    );
  }
  const options: Record<string, unknown> & JobOptions = {
    mode: input.mode,
    observeMs: input.observeMs,
    soakMs: input.soakMs,
    replaceInactive: input.replaceInactive,
    aws: input.aws,
  };
  return {
    accountId: input.accountId,
    userName: input.userName,
    oldAccessKeyId: old.accessKeyId,
    newAccessKeyId: null,
    step: "create",
    state: "running",
    nextAt: null,
    targets: input.targets,
    options,
    data: { keysAtPlan: keys.map((k) => k.accessKeyId).filter((id) => id !== input.replaceInactive) },
  };
}

/** Every AWS call and file change the job will make, for --dry-run. Holds no secret. */
export function describePlan(job: CreateJobInput, targets: Target[]): string[] {
  const o = job.options as unknown as JobOptions;
  const old = job.oldAccessKeyId;
  const lines = [
    `Plan: rotate ${old} of user ${job.userName} (account ${job.accountId}), ${o.mode === "self" ? "your own key" : "as an administrator"}`,
  ];
  let n = 1;
  const add = (s: string) => lines.push(`  ${n++}. ${s}`);
  if (o.replaceInactive)
    add(`iam:DeleteAccessKey ${o.replaceInactive} (the inactive key you named, to make room)`);
  add(`back up every target: ${job.targets.map(formatTargetSpec).join(", ")}`);
  add(`iam:CreateAccessKey --user-name ${job.userName}`);
  for (const t of targets) for (const d of t.describe(null)) add(`deliver: ${d}`);
  add(
    "sts:GetCallerIdentity signed with the new key (retried while IAM propagates it); read every target back",
  );
  add(
    o.observeMs > 0
      ? `observe ${formatDuration(o.observeMs)}: iam:GetAccessKeyLastUsed ${old}; wait while it is still used`
      : "no observe period",
  );
  add(`iam:UpdateAccessKey ${old} Inactive (asks first unless --yes)`);
  add(
    `${o.soakMs > 0 ? `soak ${formatDuration(o.soakMs)}, then ` : ""}iam:DeleteAccessKey ${old} (asks first unless --yes)`,
  );
  lines.push(
    "Rollback (`keywarden rotate --rollback ID`) re-activates the old key and restores every target until it is deleted.",
  );
  return lines;
}
