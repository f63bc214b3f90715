import { AccessDeniedError } from "../domain/errors.js";
import type { IamRotationPort, TargetSpec } from "./ports.js";

// Before a key exists, ask IAM's policy simulator whether the caller may do every IAM write the
// rotation will make. A rotation that could create a key but not retire the old one would leave
// the user with two keys and a half-done job; better to refuse now. Target writes (Secrets
// Manager, SSM) may be granted by the resource's own policy, which the simulator does not see
// here, so a denial there is a warning, not a refusal.

const IAM_ACTIONS = [
  "iam:ListAccessKeys",
  "iam:CreateAccessKey",
  "iam:UpdateAccessKey",
  "iam:DeleteAccessKey",
  "iam:ListUserTags",
  "iam:TagUser",
  "iam:UntagUser",
] as const;

function targetActions(targets: readonly TargetSpec[]): string[] {
  const out = new Set<string>();
  for (const t of targets) {
    if (t.kind === "secretsmanager")
      ["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"].forEach((a) => out.add(a));
    if (t.kind === "ssm") ["ssm:GetParameter", "ssm:PutParameter"].forEach((a) => out.add(a));
  }
  return [...out];
}

/** An IAM user's ARN can be simulated as it is; a role session's needs its role's path, so it is skipped. */
function principalOf(callerArn: string): string | null {
  return /^arn:aws[\w-]*:iam::\d{12}:user\//.test(callerArn) ? callerArn : null;
}

export async function checkRotationPermissions(
  iam: IamRotationPort,
  callerArn: string,
  targets: readonly TargetSpec[],
  opts: { mfa: boolean; self: boolean; log: (line: string) => void },
): Promise<void> {
  const principal = principalOf(callerArn);
  if (!principal) return;
  const forTargets = targetActions(targets);
  const decisions = await iam.simulate(principal, [...IAM_ACTIONS, ...forTargets], {
    "aws:MultiFactorAuthPresent": opts.mfa ? "true" : "false",
  });
  if (!decisions) return;
  // A self-rotation may go on without the lock's tag permissions (user-lock.ts says so).
  const needed = IAM_ACTIONS.filter((a) => !(opts.self && /Tag/.test(a)));
  const missing = needed.filter((a) => decisions[a] !== undefined && decisions[a] !== "allowed");
  if (missing.length > 0) {
    throw new AccessDeniedError(
      "rotate",
      missing.join(", "),
      `IAM's policy simulator says ${principal} may not ${missing.join(", ")} (${missing.map((a) => decisions[a]).join(", ")}); the rotation would stop half-way, so nothing was created`,
    );
  }
  const unsure = forTargets.filter((a) => decisions[a] !== undefined && decisions[a] !== "allowed");
  if (unsure.length > 0)
    opts.log(
      `IAM's policy simulator does not allow ${unsure.join(", ")} from identity policies; the targets' own resource policies may still allow it.`,
    );
}
