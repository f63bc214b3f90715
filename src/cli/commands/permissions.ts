import type { Command } from "@commander-js/extra-typings";
import { UsageError } from "../../domain/errors.js";
import { DOCTOR_PERMISSIONS } from "../../credentials/doctor/ports.js";
import { MFA_PERMISSIONS } from "../../credentials/mfa/ports.js";
import { INVENTORY_PERMISSIONS } from "../../inventory/ports.js";
import {
  ORG_KEY_PERMISSIONS,
  REMEDIATE_PERMISSIONS,
  RESPOND_PERMISSIONS,
  TRAIL_PERMISSIONS,
} from "../../response/ports.js";
import { ATHENA_QUERY_PERMISSIONS, ATHENA_SETUP_PERMISSIONS } from "../../response/athena/ports.js";
import { ROTATION_PERMISSIONS, TARGET_PERMISSIONS } from "../../rotation/ports.js";
import { RESPONDER_PERMISSIONS } from "../../responder/permissions.js";
import { ENFORCE_PERMISSIONS } from "../../policy/ports.js";
import { PLAN_MIGRATION_PERMISSIONS } from "../../migration/ports.js";
import { SCAN_VERIFY_PERMISSIONS } from "../../scan/join.js";
import { SECURITY_HUB_PERMISSIONS } from "../../report/securityhub-sync.js";
import { DEPLOY_PERMISSIONS } from "../../deploy/permissions.js";
import { withOutputFile } from "../common-options.js";
import { closest, parseChoice } from "../errors.js";
import type { CliIO } from "../io.js";

/**
 * The IAM actions each verb calls, declared by the capability that calls them.
 * sts:GetCallerIdentity needs no permission, so it is not listed.
 */
export const VERB_PERMISSIONS: Record<string, readonly string[]> = {
  audit: INVENTORY_PERMISSIONS,
  // What `audit --to securityhub` adds, kept apart so a plain audit stays read-only.
  "audit-securityhub": SECURITY_HUB_PERMISSIONS,
  keys: INVENTORY_PERMISSIONS,
  doctor: DOCTOR_PERMISSIONS,
  mfa: MFA_PERMISSIONS,
  rotate: [...ROTATION_PERMISSIONS, ...TARGET_PERMISSIONS.secretsmanager, ...TARGET_PERMISSIONS.ssm],
  // With --org, also the key's account, its membership and the organization role.
  respond: [...new Set([...RESPOND_PERMISSIONS, ...REMEDIATE_PERMISSIONS, ...ORG_KEY_PERMISSIONS])],
  // The event-driven responder's Lambda role (respond without --remediate, plus what the Lambda adds).
  responder: RESPONDER_PERMISSIONS,
  trail: [...TRAIL_PERMISSIONS, ...ORG_KEY_PERMISSIONS],
  "plan-migration": PLAN_MIGRATION_PERMISSIONS,
  // `athena setup`, and what `trail --athena` / `respond --athena` add to their own verbs.
  athena: [...new Set([...ATHENA_SETUP_PERMISSIONS, ...ATHENA_QUERY_PERMISSIONS])],
  enforce: ENFORCE_PERMISSIONS,
  scan: [...INVENTORY_PERMISSIONS, ...SCAN_VERIFY_PERMISSIONS],
  // The dashboard audits, and with --allow-actions rotates and responds (no --remediate), as those verbs do.
  serve: [
    ...new Set([
      ...INVENTORY_PERMISSIONS,
      ...ROTATION_PERMISSIONS,
      ...TARGET_PERMISSIONS.secretsmanager,
      ...TARGET_PERMISSIONS.ssm,
      ...RESPOND_PERMISSIONS,
    ]),
  ],
  // `deploy responder --apply`: the stack's resources are created with the caller's permissions.
  deploy: DEPLOY_PERMISSIONS,
};

export function leastPrivilegePolicy(verbs: string[]): object {
  return {
    Version: "2012-10-17",
    Statement: verbs.map((verb) => ({
      // A Sid is alphanumeric: audit-securityhub becomes KeywardenAuditSecurityhub.
      Sid: `Keywarden${verb
        .split("-")
        .map((w) => `${w[0]?.toUpperCase() ?? ""}${w.slice(1)}`)
        .join("")}`,
      Effect: "Allow",
      Action: [...(VERB_PERMISSIONS[verb] ?? [])].sort(),
      Resource: "*",
    })),
  };
}

export function register(program: Command, io: CliIO, exit: (code: number) => void): void {
  const cmd = program
    .command("permissions")
    .description("Print the least-privilege IAM policy for one or more verbs")
    .argument("[verbs...]", `verbs to cover (default: all of ${Object.keys(VERB_PERMISSIONS).join(", ")})`)
    .addHelpText(
      "after",
      "\nExamples:\n  keywarden permissions audit > keywarden-audit-policy.json\n  keywarden permissions audit audit-securityhub -o audit-policy.json   # audit --to securityhub\n  keywarden permissions responder   # the responder Lambda's role: respond plus iam:ListUserTags, sns:Publish, secretsmanager:GetSecretValue, sts:AssumeRole",
    );
  // An IAM policy is JSON whatever the terminal; --format json is taken so scripts can say it everywhere.
  cmd.option(
    "--format <format>",
    "json (the only form of a policy)",
    parseChoice("--format", ["json"] as const),
  );
  withOutputFile(cmd, "the policy").action((verbs: string[]) => {
    const chosen = verbs.length > 0 ? verbs : Object.keys(VERB_PERMISSIONS);
    const unknown = chosen.filter((v) => !(v in VERB_PERMISSIONS));
    if (unknown.length > 0) {
      throw new UsageError(
        `no permissions are declared for: ${unknown.join(", ")}`,
        `Did you mean ${closest(unknown[0] ?? "", Object.keys(VERB_PERMISSIONS))}? Pick from: ${Object.keys(VERB_PERMISSIONS).join(", ")}.`,
      );
    }
    io.stdout.write(`${JSON.stringify(leastPrivilegePolicy(chosen), null, 2)}\n`);
    exit(0);
  });
}
