// Where the long-term keys come from and how the session is written, on the parsed credentials
// file (src/credentials/ini.ts). Pure: the caller reads the file, applies the plan to the
// document, and writes it back atomically; every line the plan does not touch stays as it was.
import { ExitCode } from "../../domain/errors.js";
import { maskKeyId } from "../../domain/key-id.js";
import { getProfile, removeKey, setValue, type EditResult, type IniDocument } from "../ini.js";
import { MfaError } from "./errors.js";
import type { ProfileNames } from "./input.js";
import type { LongTermKeys, TemporaryCredentials } from "./ports.js";
import { formatExpiration, SESSION_KEYS } from "./session.js";

export type LongTermSource =
  /** The keys are in the long-term profile already. */
  | { readonly kind: "long-term-profile"; readonly keys: LongTermKeys }
  /**
   * First run: the session profile still holds the long-term keys (no session token). They are
   * copied into a new long-term profile before the session takes their place.
   */
  | { readonly kind: "move"; readonly keys: LongTermKeys };

const SESSION_TOKEN_KEYS = ["aws_session_token", "aws_security_token"] as const;

function hasSessionToken(values: Readonly<Record<string, string>>): boolean {
  return SESSION_TOKEN_KEYS.some((k) => values[k] !== undefined);
}

function keysOf(values: Readonly<Record<string, string>> | undefined): LongTermKeys | undefined {
  const accessKeyId = values?.[SESSION_KEYS.accessKeyId];
  const secretAccessKey = values?.[SESSION_KEYS.secretAccessKey];
  if (accessKeyId === undefined || secretAccessKey === undefined) return undefined;
  if (accessKeyId === "" || secretAccessKey === "") return undefined;
  return { accessKeyId, secretAccessKey };
}

/**
 * Finds the long-term keys for the session profile: the long-term profile's, or on a first run the
 * session profile's own (to be moved). Refuses, with the fix, when there are none, when the
 * long-term profile holds a session, or when writing the session would overwrite a different
 * long-term key.
 */
export function planLongTermKeys(doc: IniDocument, names: ProfileNames, path?: string): LongTermSource {
  const { profile, longTermProfile } = names;
  const where = path ?? doc.path ?? "the credentials file";
  const lt = getProfile(doc, longTermProfile);
  const current = getProfile(doc, profile);
  const currentKeys = keysOf(current);
  const currentIsLongTerm = current !== undefined && currentKeys !== undefined && !hasSessionToken(current);

  if (lt !== undefined) {
    if (hasSessionToken(lt)) {
      throw new MfaError(
        ExitCode.CREDENTIALS,
        "LONG_TERM_KEY_IS_SESSION",
        `[${longTermProfile}] in ${where} holds a session token, and sessions can only be made from long-term keys`,
        `Keep only aws_access_key_id and aws_secret_access_key of a long-term key (AKIA...) in [${longTermProfile}].`,
      );
    }
    const keys = keysOf(lt);
    if (keys === undefined) {
      throw new MfaError(
        ExitCode.CREDENTIALS,
        "NO_LONG_TERM_KEYS",
        `[${longTermProfile}] in ${where} has no aws_access_key_id and aws_secret_access_key`,
        `Add your long-term key to it: \`aws configure --profile ${longTermProfile}\`.`,
      );
    }
    if (currentIsLongTerm && currentKeys.accessKeyId !== keys.accessKeyId) {
      throw new MfaError(
        ExitCode.CONFLICT,
        "PROFILE_HOLDS_OTHER_KEY",
        `[${profile}] in ${where} holds the long-term key ${maskKeyId(currentKeys.accessKeyId)}, not the one in [${longTermProfile}] (${maskKeyId(keys.accessKeyId)}): writing the session there would lose it; nothing was written`,
        `Move that key to a profile of its own (or delete it if it is retired), then run again.`,
      );
    }
    return { kind: "long-term-profile", keys };
  }

  if (currentIsLongTerm) return { kind: "move", keys: currentKeys };
  if (current !== undefined && hasSessionToken(current)) {
    throw new MfaError(
      ExitCode.CREDENTIALS,
      "NO_LONG_TERM_KEYS",
      `[${profile}] in ${where} holds a session, and there is no [${longTermProfile}] with the long-term key to make a new one`,
      `Add your long-term key to [${longTermProfile}]: \`aws configure --profile ${longTermProfile}\`, then run again.`,
    );
  }
  throw new MfaError(
    ExitCode.CREDENTIALS,
    "NO_LONG_TERM_KEYS",
    `no long-term key for profile ${profile}: neither [${longTermProfile}] nor [${profile}] in ${where} holds an access key`,
    `Add your long-term key to [${longTermProfile}]: \`aws configure --profile ${longTermProfile}\`, then run again.`,
  );
}

export interface SessionWrite {
  readonly credentials: TemporaryCredentials;
  /** Set for a role session (recorded as assumed_role_arn); absent for a GetSessionToken session. */
  readonly roleArn?: string | undefined;
}

export interface AppliedSession {
  /** The long-term keys were copied into a new long-term profile. */
  readonly moved: boolean;
  /** The document changed (false only when it already held exactly this session). */
  readonly changed: boolean;
}

/**
 * Writes the plan into the document: on a first run the long-term keys are copied into a new
 * `[<long-term profile>]` section (appended at the end), then the session profile gets the
 * session's key, secret, token and expiration (its other lines, and every other profile, stay).
 */
export function applySession(
  doc: IniDocument,
  names: ProfileNames,
  source: LongTermSource,
  write: SessionWrite,
): AppliedSession {
  const edits: EditResult[] = [];
  if (source.kind === "move") {
    edits.push(setValue(doc, names.longTermProfile, SESSION_KEYS.accessKeyId, source.keys.accessKeyId));
    edits.push(
      setValue(doc, names.longTermProfile, SESSION_KEYS.secretAccessKey, source.keys.secretAccessKey),
    );
  }
  const { profile } = names;
  const c = write.credentials;
  edits.push(setValue(doc, profile, SESSION_KEYS.accessKeyId, c.accessKeyId));
  edits.push(setValue(doc, profile, SESSION_KEYS.secretAccessKey, c.secretAccessKey));
  edits.push(setValue(doc, profile, SESSION_KEYS.sessionToken, c.sessionToken));
  // The legacy name of the token: botocore reads it when aws_session_token is absent; never leave a stale one.
  edits.push(removeKey(doc, profile, "aws_security_token"));
  edits.push(setValue(doc, profile, SESSION_KEYS.expiration, formatExpiration(c.expiration)));
  if (write.roleArn !== undefined)
    edits.push(setValue(doc, profile, SESSION_KEYS.assumedRoleArn, write.roleArn));
  else edits.push(removeKey(doc, profile, SESSION_KEYS.assumedRoleArn));
  return { moved: source.kind === "move", changed: edits.some((e) => e.changed) };
}
