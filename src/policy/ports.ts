import { INVENTORY_PERMISSIONS } from "../inventory/ports.js";
import { ROTATION_PERMISSIONS, TARGET_PERMISSIONS } from "../rotation/ports.js";

/** Every AWS action `keywarden enforce --apply` may call (SNS only with an sns channel). */
export const ENFORCE_PERMISSIONS = [
  ...INVENTORY_PERMISSIONS,
  ...ROTATION_PERMISSIONS,
  ...TARGET_PERMISSIONS.secretsmanager,
  ...TARGET_PERMISSIONS.ssm,
  "sns:Publish",
  // Only when scope.accounts lists accounts other than the caller's.
  "sts:AssumeRole",
].filter((a, i, all) => all.indexOf(a) === i);
