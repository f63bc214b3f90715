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
    // The step a rolled-back (or rolling-back) job had reached: the dashboard draws those undone.
    rollbackFrom: typeof job.data.rollbackFrom === "string" ? job.data.rollbackFrom : null,
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
  };
}
