// Input checks shared by every store: these are programming errors in the caller (plain
// TypeError/RangeError), not user errors. No native module here, so either store loads alone.
import { randomInt } from "node:crypto";
import {
  JOB_STATES,
  type CreateJobInput,
  type JobEventInput,
  type RecordInput,
  type TargetSpec,
} from "./types.js";

const TARGET_KINDS = new Set(["profile", "secretsmanager", "ssm", "dotenv", "stdout"]);

export function requireText(value: unknown, field: string): void {
  if (typeof value !== "string" || value === "") throw new TypeError(`${field} must be a non-empty string`);
}

export function requireRecord(value: unknown, field: string): void {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(`${field} must be an object`);
  }
}

export function validateState(state: unknown): void {
  if (!(JOB_STATES as readonly unknown[]).includes(state)) {
    throw new TypeError(`state must be one of ${JOB_STATES.join(", ")}, got ${JSON.stringify(state)}`);
  }
}

export function validateTargets(targets: unknown): void {
  if (!Array.isArray(targets)) throw new TypeError("targets must be an array");
  targets.forEach((t: unknown, i) => {
    const spec = t as Partial<TargetSpec> | null;
    if (typeof spec !== "object" || spec === null || !TARGET_KINDS.has(String(spec.kind))) {
      throw new TypeError(`targets[${i}].kind must be one of ${[...TARGET_KINDS].join(", ")}`);
    }
    if (typeof spec.ref !== "string") throw new TypeError(`targets[${i}].ref must be a string`);
  });
}

export function validateJobInput(input: CreateJobInput): void {
  if (input.id !== undefined) requireText(input.id, "id");
  requireText(input.accountId, "accountId");
  requireText(input.userName, "userName");
  requireText(input.oldAccessKeyId, "oldAccessKeyId");
  requireText(input.step, "step");
  validateState(input.state);
  validateTargets(input.targets);
  requireRecord(input.options, "options");
  requireRecord(input.data, "data");
}

export function validateEvent(event: JobEventInput): void {
  requireText(event.step, "event step");
  requireText(event.action, "event action");
  requireText(event.actor, "event actor");
  if (event.detail !== undefined) requireRecord(event.detail, "event detail");
}

export function validDate(d: Date, field: string): Date {
  if (!(d instanceof Date) || Number.isNaN(d.getTime()))
    throw new RangeError(`${field} must be a valid Date`);
  return d;
}

export function validateLease(leaseMs: number): void {
  if (!Number.isFinite(leaseMs) || leaseMs <= 0)
    throw new RangeError(`leaseMs must be positive, got ${leaseMs}`);
}

/** "rot-<ms base36>-<5 random base36>": short, typeable, sortable by creation. */
export function newJobId(now: Date = new Date()): string {
  const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
  let rand = "";
  for (let i = 0; i < 5; i++) rand += alphabet[randomInt(alphabet.length)] ?? "0";
  return `rot-${now.getTime().toString(36)}-${rand}`;
}

/** ISO times are normalized to `Date#toISOString`, so they compare correctly as text. */
export function normalizeTime(value: string | null, field: string): string | null {
  if (value === null) return null;
  const d = new Date(value);
  if (Number.isNaN(d.getTime()))
    throw new RangeError(`${field} must be an ISO time, got ${JSON.stringify(value)}`);
  return d.toISOString();
}

const KIND = /^[a-z][a-z0-9-]{0,39}$/;

export function validateKind(kind: unknown): void {
  if (typeof kind !== "string" || !KIND.test(kind)) {
    throw new TypeError(
      `record kind must be lower-case letters, digits and dashes starting with a letter, got ${JSON.stringify(kind)}`,
    );
  }
}

export function validateRecordInput(input: RecordInput): void {
  validateKind(input.kind);
  requireText(input.id, "record id");
  if (input.id.length > 300) throw new RangeError("record id must be at most 300 characters");
  if (input.subject !== undefined && input.subject !== null) requireText(input.subject, "record subject");
  requireRecord(input.data, "record data");
}

export function validateLimit(limit: number | undefined): void {
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
    throw new RangeError(`limit must be a positive integer, got ${limit}`);
  }
}
