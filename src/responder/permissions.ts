import { RESPOND_PERMISSIONS } from "../response/ports.js";

/**
 * The responder Lambda's role: respond's own actions (no --remediate: the Lambda never removes
 * anything), plus the owner's tags for the notification, the team topic, the store's secret, and
 * the organization role for an event about a member account. `keywarden permissions responder`.
 */
export const RESPONDER_PERMISSIONS: readonly string[] = [
  ...RESPOND_PERMISSIONS,
  "iam:ListUserTags",
  "sns:Publish",
  "secretsmanager:GetSecretValue",
  "sts:AssumeRole",
];
