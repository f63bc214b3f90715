// From what the detector saw to what the user reads: fingerprint, masked values, the decoded
// account, the owner from the inventory, a severity that rises for a live key, and what to do.
import { createHash } from "node:crypto";
import { maskKeyId } from "../domain/key-id.js";
import type { Severity } from "../domain/types.js";
import { accountIdOfKeyId, isCredentialKeyId } from "./patterns.js";
import type { FindingKind, Located, ScanFinding, ScanKeyStatus, ScanOwner } from "./types.js";

export interface KeyFacts {
  status: ScanKeyStatus;
  owner: ScanOwner | null;
  /** Set when the account is known for sure (inventory or sts:GetAccessKeyInfo). */
  accountId?: string;
}

/** What the owner join knows about a key id; Unknown when it cannot tell. */
export type KeyLookup = (keyId: string) => KeyFacts;

export const RULE_IDS: Record<FindingKind, string> = {
  "access-key-id": "aws-access-key-id",
  "secret-access-key": "aws-secret-access-key",
  "session-token": "aws-session-token",
};

export function fingerprintOf(kind: FindingKind, value: string): string {
  return createHash("sha256").update(`keywarden/scan/v1\0${kind}\0${value}`).digest("hex").slice(0, 32);
}

export function maskSecret(value: string): string {
  return `${value.slice(0, 4)}${"*".repeat(8)}`;
}

const SEVERITY: Record<FindingKind, Record<ScanKeyStatus, Severity>> = {
  "secret-access-key": { Active: "critical", Unknown: "high", Inactive: "medium", NotFound: "low" },
  "session-token": { Active: "high", Unknown: "high", Inactive: "medium", NotFound: "low" },
  "access-key-id": { Active: "high", Unknown: "medium", Inactive: "low", NotFound: "info" },
};

export type ScanWhere = "tree" | "history" | "staged";

const REMOVE: Record<ScanWhere, string> = {
  history:
    "Remove it from history (git filter-repo --replace-text), force-push, and ask collaborators to re-clone.",
  tree: "Remove it from the file and keep credentials in a secrets store or the AWS credentials file.",
  staged:
    "Take it out of the change before committing, and load credentials from the environment or a profile.",
};

/**
 * What to do, with the whole key id inside every command (the user runs them as written; tables
 * mask ids outside commands, as audit's remediation lines do).
 */
function advice(kind: FindingKind, keyId: string | null, facts: KeyFacts, where: ScanWhere): string {
  const rewrite = REMOVE[where];
  if (keyId === null) {
    return kind === "session-token"
      ? `Temporary credentials expire on their own; remove the token. ${rewrite}`
      : `No key id next to this secret: find its key with \`keywarden scan --verify\` on the file's key ids. ${rewrite}`;
  }
  if (facts.status === "Active") {
    return `The key is ACTIVE: contain it now with \`keywarden respond ${keyId}\`, then rotate whoever uses it. ${rewrite}`;
  }
  if (facts.status === "Inactive") {
    return `The key is inactive: delete it (\`aws iam delete-access-key --access-key-id ${keyId} --user-name ${facts.owner?.userName ?? "USER"}\`). ${rewrite}`;
  }
  if (facts.status === "NotFound")
    return `The key no longer exists in its account, so it is dead. ${rewrite}`;
  return `Owner unknown: run the scan with credentials for account ${accountIdOfKeyId(keyId) ?? "(unknown)"} (or --verify) to see whether the key is active; if it is, contain it with \`keywarden respond ${keyId}\`. ${rewrite}`;
}

/** What the finding says about which key a secret belongs to, when that is not certain. */
function pairingNote(l: Located): string {
  if (l.kind === "access-key-id") {
    return l.pairedLine !== undefined
      ? `Leaked with its secret access key (line ${l.pairedLine}): a working credential pair. `
      : "";
  }
  if (l.keyId === null && l.near) {
    return `The nearest key id, ${l.near.id} (line ${l.near.line}), is in another section or object, so it may not be this ${l.kind === "session-token" ? "token" : "secret"}'s key. `;
  }
  if (l.keyId !== null && l.pairing === "unsure") {
    return `Not sure this is ${l.keyId}'s ${l.kind === "session-token" ? "token" : "secret"}: it is the nearest key id, but another is as near or no section or object confirms it; check before acting on the key. `;
  }
  return "";
}

const PRINCIPAL: Record<string, string> = {
  AIDA: "IAM user",
  AROA: "IAM role",
  AGPA: "IAM group",
  AIPA: "EC2 instance profile",
  ANPA: "managed policy",
  ANVA: "managed policy version",
  APKA: "public key",
  ASCA: "certificate",
};

function principalAdvice(id: string): string {
  const what = PRINCIPAL[id.slice(0, 4)] ?? "IAM principal";
  return `This is the unique id of an ${what}, not a credential: nothing to rotate. It tells a reader your account (${accountIdOfKeyId(id) ?? "unknown"}); remove it if the file is public.`;
}

export function finalize(l: Located, lookup: KeyLookup, where: ScanWhere): ScanFinding {
  const history = where === "history";
  const keyId = l.keyId;
  const facts: KeyFacts = keyId ? lookup(keyId) : { status: "Unknown", owner: null };
  // AIDA..., AROA..., ANPA...: the unique id of a user, role or policy, which signs nothing.
  const principal = l.kind === "access-key-id" && !isCredentialKeyId(l.value);
  // A key id found with its secret is as dangerous as the secret: it takes the pair's severity.
  const pairKind = l.kind === "access-key-id" && l.pairedLine !== undefined ? "secret-access-key" : l.kind;
  return {
    kind: l.kind,
    ruleId: RULE_IDS[l.kind],
    accessKeyId: keyId,
    match: l.kind === "access-key-id" ? maskKeyId(l.value) : maskSecret(l.value),
    accountId: facts.accountId ?? (keyId ? accountIdOfKeyId(keyId) : null),
    path: l.path,
    line: l.line,
    column: l.column,
    commit: l.commit ?? null,
    author: l.author ?? null,
    date: l.date ?? null,
    inHead: l.inHead ?? (history ? null : true),
    owner: facts.owner,
    keyStatus: facts.status,
    severity: principal ? "low" : SEVERITY[pairKind][facts.status],
    fingerprint: fingerprintOf(l.kind, l.value),
    advice: principal ? principalAdvice(l.value) : pairingNote(l) + advice(l.kind, keyId, facts, where),
    pairing: l.kind === "access-key-id" ? null : (l.pairing ?? null),
    pairedSecretLine: l.kind === "access-key-id" ? (l.pairedLine ?? null) : null,
  };
}
