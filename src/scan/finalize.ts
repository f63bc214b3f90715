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
  return `Owner unknown: run the scan with credentials for account ${accountIdOfKeyId(keyId) ?? "(unknown)"} (or --verify) to see whether the key is active; if it is, \`keywarden respond ${maskKeyId(keyId)}\` with the whole id. ${rewrite}`;
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
  return {
    kind: l.kind,
    ruleId: RULE_IDS[l.kind],
    accessKeyId: keyId === null ? null : l.kind === "access-key-id" ? keyId : maskKeyId(keyId),
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
    severity: principal ? "low" : SEVERITY[l.kind][facts.status],
    fingerprint: fingerprintOf(l.kind, l.value),
    advice: principal ? principalAdvice(l.value) : advice(l.kind, keyId, facts, where),
  };
}
