import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from "yaml";
import type { z } from "zod";
import { UsageError } from "../domain/errors.js";
import { PolicyError } from "./errors.js";
import { policySchema, type PolicyDoc } from "./schema.js";

// Reads keywarden.yaml: YAML 2 for syntax (its errors carry positions), zod 4 for the shape; every
// zod issue path is walked back through the YAML document to the node it names, so each error says
// line:column. Nothing is trusted until the whole file is valid.

export const DEFAULT_POLICY_FILE = "keywarden.yaml";

export interface LoadedPolicy {
  file: string;
  doc: PolicyDoc;
  /** user name (or account:user) -> owner address, from owners.file. */
  ownerMap: Record<string, string>;
}

type Range = [number, number, number] | null | undefined;

/** The node (or key) a zod path names; the deepest one that exists when the path runs out. */
function locate(root: unknown, path: readonly PropertyKey[]): Range {
  let node = root as Node | null;
  let range: Range = (node as { range?: Range } | null)?.range;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    if (seg === "$key") break;
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg),
      );
      if (!pair) break;
      const wantKey = path[i + 1] === "$key";
      const keyRange = (pair.key as { range?: Range }).range;
      const valueRange = (pair.value as { range?: Range } | null)?.range;
      range = wantKey ? keyRange : (valueRange ?? keyRange);
      node = pair.value as Node | null;
    } else if (isSeq(node) && typeof seg === "number") {
      const item = node.items[seg] as Node | undefined;
      if (!item) break;
      range = (item as { range?: Range }).range;
      node = item;
    } else break;
  }
  return range;
}

function dotted(path: readonly PropertyKey[]): string {
  return path
    .filter((s) => s !== "$key")
    .map((s) => (typeof s === "number" ? `[${s}]` : `.${String(s)}`))
    .join("")
    .replace(/^\./, "");
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const seg of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[seg];
  }
  return v;
}

function show(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  return JSON.stringify(v);
}

function describe(issue: z.core.$ZodIssue, plain: unknown): string {
  if (issue.code === "unrecognized_keys") return `unknown field "${issue.keys.join('", "')}"`;
  if (issue.code === "invalid_type") {
    const actual = valueAt(plain, issue.path);
    if (!issue.message.startsWith("Invalid input")) return issue.message;
    if (actual === undefined) return `is required (a ${issue.expected})`;
    return `must be a ${issue.expected}, got ${show(actual)}`;
  }
  return issue.message.replace(/^Invalid input: /, "");
}

const SECRET_FIELDS = ["password", "secret", "token", "webhookUrl", "hmacKey", "pass"];

/** A channel with an inline secret is refused before anything else is said about it. */
function inlineSecretPath(plain: unknown): PropertyKey[] | null {
  const channels = valueAt(plain, ["notifications", "channels"]);
  if (!Array.isArray(channels)) return null;
  for (let i = 0; i < channels.length; i++) {
    const c: unknown = channels[i];
    if (c === null || typeof c !== "object") continue;
    const k = SECRET_FIELDS.find((f) => f in c);
    if (k) return ["notifications", "channels", i, k, "$key"];
  }
  return null;
}

/** Parses and validates policy text. `file` only names it in errors. */
export function parsePolicy(text: string, file: string): PolicyDoc {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const first = doc.errors[0];
  if (first) {
    const pos = lineCounter.linePos(first.pos[0]);
    throw new PolicyError(file, pos.line, pos.col, first.message.split("\n")[0] ?? "invalid YAML");
  }
  const plain: unknown = doc.toJS() ?? {};
  const secretPath = inlineSecretPath(plain);
  if (secretPath) {
    const range = locate(doc.contents, secretPath);
    const pos = lineCounter.linePos(range ? range[0] : 0);
    const field = String(secretPath[3]);
    throw new PolicyError(
      file,
      pos.line,
      pos.col,
      `${dotted(secretPath)}: secrets are never written in the policy file`,
      `Put the value in an environment variable and name it with ${field}Env (e.g. ${field}Env: KEYWARDEN_${field.toUpperCase()}).`,
    );
  }
  const result = policySchema.safeParse(plain);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw new PolicyError(file, 1, 1, "invalid policy");
  let path: PropertyKey[] = [...issue.path];
  // An unknown key points at the key itself, not at the map that holds it.
  if (issue.code === "unrecognized_keys" && issue.keys[0] !== undefined)
    path = [...path, issue.keys[0], "$key"];
  const range = locate(doc.contents, path);
  const pos = lineCounter.linePos(range ? range[0] : 0);
  const where = dotted(path);
  throw new PolicyError(file, pos.line, pos.col, `${where ? `${where}: ` : ""}${describe(issue, plain)}`);
}

/** An owners file: `user: address` (or `"account:user": address`) pairs. */
export function parseOwnerMap(text: string, file: string): Record<string, string> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const first = doc.errors[0];
  if (first) {
    const pos = lineCounter.linePos(first.pos[0]);
    throw new PolicyError(file, pos.line, pos.col, first.message.split("\n")[0] ?? "invalid YAML");
  }
  if (!isMap(doc.contents)) throw new PolicyError(file, 1, 1, "an owners file maps user names to owners");
  const out: Record<string, string> = {};
  for (const pair of doc.contents.items) {
    const value = pair.value as Node | null;
    if (!isScalar(pair.key) || !isScalar(value) || typeof value.value !== "string") {
      const range = (value as { range?: Range } | null)?.range ?? (pair.key as { range?: Range }).range;
      const pos = lineCounter.linePos(range ? range[0] : 0);
      throw new PolicyError(file, pos.line, pos.col, "each entry is `user: owner-address`");
    }
    out[String(pair.key.value)] = value.value;
  }
  return out;
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new UsageError(
      `could not read the ${what} ${path} (${code})`,
      code === "ENOENT"
        ? "Create one with `keywarden init`, or pass --config PATH."
        : "Check the path and its permissions.",
    );
  }
}

/** Reads the policy file and its owners file, relative to the policy file's folder. */
export async function loadPolicy(path: string): Promise<LoadedPolicy> {
  const doc = parsePolicy(await readText(path, "policy file"), path);
  let ownerMap: Record<string, string> = {};
  if (doc.owners?.file) {
    const ownersPath = resolve(dirname(path), doc.owners.file);
    ownerMap = parseOwnerMap(await readText(ownersPath, "owners file"), ownersPath);
  }
  return { file: path, doc, ownerMap };
}
