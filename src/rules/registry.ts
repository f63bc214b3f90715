import { accessKeyExpiring } from "./access-key-expiring.js";
import { accessKeyInactiveLingering } from "./access-key-inactive-lingering.js";
import { accessKeyRotation } from "./access-key-rotation.js";
import { accessKeyUnusedAtSetup } from "./access-key-unused-at-setup.js";
import { accessKeyUnused } from "./access-key-unused.js";
import { consoleUserMfa } from "./console-user-mfa.js";
import { longTermKeyAlternative } from "./long-term-key-alternative.js";
import type { Rule } from "./rule.js";
import { rootAccessKey } from "./root-access-key.js";
import { rootMfa } from "./root-mfa.js";
import { userTwoActiveKeys } from "./user-two-active-keys.js";

/** Every rule, account-level first, in the order `keywarden rules` lists them. */
export const ALL_RULES: Rule[] = [
  rootAccessKey,
  rootMfa,
  consoleUserMfa,
  accessKeyRotation,
  accessKeyExpiring,
  accessKeyUnused,
  accessKeyUnusedAtSetup,
  userTwoActiveKeys,
  accessKeyInactiveLingering,
  longTermKeyAlternative,
];

const BY_ID = new Map(ALL_RULES.map((r) => [r.meta.id, r]));

/** The rule with this id, or undefined (the CLI turns that into a usage error listing the ids). */
export function getRule(id: string): Rule | undefined {
  return BY_ID.get(id);
}
