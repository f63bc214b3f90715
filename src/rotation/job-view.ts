import type { RotationJob } from "../store/types.js";

/** The `keywarden rotations --format json` contract: one object per job (the API serves the same). */
export function jobView(job: RotationJob): Record<string, unknown> {
  return {
    id: job.id,
    accountId: job.accountId,
    userName: job.userName,
    oldAccessKeyId: job.oldAccessKeyId,
    newAccessKeyId: job.newAccessKeyId,
    step: job.step,
    state: job.state,
    nextAt: job.nextAt,
    targets: job.targets.map((t) =>
      t.kind === "stdout" ? "stdout" : `${t.kind}:${t.ref}${t.file ? `@${t.file}` : ""}`,
    ),
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
  };
}
