import type { PolicyDocument, PolicyStatement } from "./types.js";

/**
 * A policy document as IAM returns it: GetAccountAuthorizationDetails hands out URL-encoded JSON
 * (RFC 3986) that the SDK does not decode; documents written by hand or by tests are plain JSON.
 * Throws on text that is neither, so a policy keywarden cannot read is never taken as "no access".
 */
export function parsePolicyDocument(text: string): PolicyDocument {
  const trimmed = text.trim();
  const json = trimmed.startsWith("{") ? trimmed : decodeURIComponent(trimmed);
  const doc = JSON.parse(json) as unknown;
  if (typeof doc !== "object" || doc === null || !("Statement" in doc)) {
    throw new Error("policy document has no Statement");
  }
  return doc as PolicyDocument;
}

export const list = (v: string | string[] | undefined): string[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];

export function statementsOf(doc: PolicyDocument): PolicyStatement[] {
  return Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
}

/** A Condition block with at least one operator: IAM decides it per request, so keywarden cannot. */
export const hasCondition = (s: PolicyStatement): boolean =>
  s.Condition !== undefined && Object.keys(s.Condition).length > 0;
