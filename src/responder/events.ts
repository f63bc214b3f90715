import { isAccessKeyId, maskKeyId } from "../domain/key-id.js";

// The EventBridge events the responder takes, read into one shape. Pure: no AWS call is made here,
// so an event that names no long-term key is turned away before anything is asked of AWS.
//
//   aws.health      AWS_RISK_CREDENTIALS_EXPOSED: the key in detail.affectedEntities[].entityValue
//   aws.guardduty   a finding with detail.resource.accessKeyDetails (an IAM user's AKIA key)
//   keywarden.scan  keywarden's own "key found in code" event (scan --notify, the git hook)

export type EventKind = "health-exposed" | "guardduty" | "keywarden-scan";

export interface ResponderEvent {
  kind: EventKind;
  /** EventBridge's event id: the same delivery, redelivered, carries the same id. */
  eventId: string;
  /** The long-term keys the event names (deduplicated, in the event's order). */
  accessKeyIds: string[];
  /** The account the key is in (the event's account, or the one its detail names). */
  account: string;
  /** When the event happened (EventBridge's `time`); orders events about the same key. */
  time: string;
  /** One line for the incident and the notification: what was seen. Never holds a secret. */
  summary: string;
  /** The IAM user the event names, when it names one (a hint; containment asks IAM). */
  userName: string | null;
}

/** `invalid`: not an EventBridge event at all (a replayed file that is wrong); otherwise one not acted on. */
export type ParsedEvent = { ok: true; event: ResponderEvent } | { ok: false; reason: string; invalid?: true };

const ACCOUNT = /^\d{12}$/;

function obj(v: unknown): Record<string, unknown> | null {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}
const str = (v: unknown): string | null => (typeof v === "string" && v.length > 0 ? v : null);

/** Reads an EventBridge event as delivered (the whole envelope). Never throws. */
export function parseEvent(raw: unknown): ParsedEvent {
  const e = obj(raw);
  if (!e) return { ok: false, invalid: true, reason: "not an EventBridge event (not a JSON object)" };
  const source = str(e.source);
  const eventId = str(e.id);
  const time = str(e.time);
  const detail = obj(e.detail);
  if (!source || !eventId || !time || !detail || !str(e["detail-type"])) {
    return {
      ok: false,
      invalid: true,
      reason: "not an EventBridge event (it needs id, source, detail-type, time and detail)",
    };
  }
  if (Number.isNaN(Date.parse(time)))
    return { ok: false, invalid: true, reason: `the event's time "${time}" is not a time` };
  const envelopeAccount = str(e.account);
  const base = { eventId, time: new Date(time).toISOString() };
  switch (source) {
    case "aws.health":
      return health(detail, envelopeAccount, base);
    case "aws.guardduty":
      return guardDuty(detail, envelopeAccount, base);
    case "keywarden.scan":
      return keywardenScan(detail, envelopeAccount, base);
    default:
      return {
        ok: false,
        reason: `events from ${source} are not handled (aws.health, aws.guardduty, keywarden.scan)`,
      };
  }
}

type Base = { eventId: string; time: string };

function accountOf(...candidates: (string | null)[]): string | null {
  return candidates.find((a): a is string => a !== null && ACCOUNT.test(a)) ?? null;
}

/** Long-term keys only; a temporary (ASIA) id cannot be deactivated and is named in the reason. */
function keysOf(ids: string[]): { keys: string[]; temporary: string[] } {
  const keys: string[] = [];
  const temporary: string[] = [];
  for (const id of ids) {
    if (/^ASIA/.test(id)) temporary.push(id);
    else if (isAccessKeyId(id) && !keys.includes(id)) keys.push(id);
  }
  return { keys, temporary };
}

function health(d: Record<string, unknown>, envelope: string | null, base: Base): ParsedEvent {
  const code = str(d.eventTypeCode);
  if (code !== "AWS_RISK_CREDENTIALS_EXPOSED") {
    return {
      ok: false,
      reason: `AWS Health events of type ${code ?? "(none)"} are not about an exposed key`,
    };
  }
  const entities = Array.isArray(d.affectedEntities) ? d.affectedEntities : [];
  const ids = entities.map((x) => str(obj(x)?.entityValue)).filter((x): x is string => x !== null);
  const { keys } = keysOf(ids);
  const account = accountOf(str(d.affectedAccount), envelope);
  if (keys.length === 0) return { ok: false, reason: "the AWS Health event names no access key id" };
  if (!account) return { ok: false, reason: "the AWS Health event names no account" };
  return {
    ok: true,
    event: {
      kind: "health-exposed",
      ...base,
      accessKeyIds: keys,
      account,
      userName: null,
      summary: `AWS Health AWS_RISK_CREDENTIALS_EXPOSED: ${keys.map(maskKeyId).join(", ")} found publicly available`,
    },
  };
}

function guardDuty(d: Record<string, unknown>, envelope: string | null, base: Base): ParsedEvent {
  const type = str(d.type) ?? "(no type)";
  const details = obj(obj(d.resource)?.accessKeyDetails);
  const id = str(details?.accessKeyId);
  if (!details || !id) return { ok: false, reason: `GuardDuty finding ${type} carries no IAM access key` };
  const { keys, temporary } = keysOf([id]);
  if (temporary.length > 0) {
    return {
      ok: false,
      reason: `GuardDuty finding ${type} is about temporary credentials ${maskKeyId(id)} (${str(details.userType) ?? "a role"}), which cannot be deactivated; revoke the role's sessions`,
    };
  }
  if (keys.length === 0)
    return { ok: false, reason: `GuardDuty finding ${type} names no valid access key id` };
  const account = accountOf(str(d.accountId), envelope);
  if (!account) return { ok: false, reason: `GuardDuty finding ${type} names no account` };
  return {
    ok: true,
    event: {
      kind: "guardduty",
      ...base,
      accessKeyIds: keys,
      account,
      userName: str(details.userName),
      summary: `GuardDuty ${type} (severity ${typeof d.severity === "number" ? d.severity : "?"}) on ${maskKeyId(id)}`,
    },
  };
}

function keywardenScan(d: Record<string, unknown>, envelope: string | null, base: Base): ParsedEvent {
  const id = str(d.accessKeyId);
  const { keys, temporary } = keysOf(id ? [id] : []);
  if (temporary.length > 0) {
    return {
      ok: false,
      reason: `the scan hit is a temporary key id ${maskKeyId(id ?? "")}, which cannot be deactivated`,
    };
  }
  if (keys.length === 0) return { ok: false, reason: "the keywarden scan event names no access key id" };
  const account = accountOf(str(d.accountId), envelope);
  if (!account) return { ok: false, reason: "the keywarden scan event names no account" };
  const loc = obj(d.location);
  const where = [str(loc?.repository), str(loc?.path)].filter(Boolean).join(" ");
  return {
    ok: true,
    event: {
      kind: "keywarden-scan",
      ...base,
      accessKeyIds: keys,
      account,
      userName: str(d.userName),
      summary: `keywarden scan: ${maskKeyId(keys[0] ?? "")} found in code${where ? ` (${where})` : ""}${d.secretNearby === true ? " with a secret next to it" : ""}`,
    },
  };
}
