import { readFile, unlink } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../credentials/file.js";
import { EnvironmentError } from "../domain/errors.js";
import { getProfile, parseIni, profileSections, removeKey, serialize, setValue } from "../credentials/ini.js";
import type { IniDocument } from "../credentials/ini.js";
import {
  backupName,
  checkWritableFile,
  discardBackup,
  loadBackup,
  readOrNull,
  saveBackup,
} from "./file-checks.js";
import type { KeyCredentials, Target } from "./ports.js";

// A profile of a credentials file. Edits are line-preserving (src/credentials/ini.ts); the backup
// holds the profile's three key values and how the file looked around them, so rollback can put
// the file back exactly, down to "this profile (or this file) did not exist".

const KEYS = ["aws_access_key_id", "aws_secret_access_key", "aws_session_token"] as const;
type KeyName = (typeof KEYS)[number];

interface ProfileBackup {
  fileExisted: boolean;
  profileExisted: boolean;
  /** setValue put a blank line before the new section (the file did not end with one). */
  blankAdded: boolean;
  finalNewline: boolean;
  values: Record<KeyName, string | null>;
}

// Values that pass the editor's checks and read back as themselves; never a real key.
const PROBE = { accessKeyId: "AKIAKEYWARDENPROBE00", secretAccessKey: "k".repeat(40) };

function setKey(doc: IniDocument, profile: string, key: KeyCredentials): void {
  setValue(doc, profile, "aws_access_key_id", key.accessKeyId);
  setValue(doc, profile, "aws_secret_access_key", key.secretAccessKey);
  // A long-term key has no session token; a stale one would make every call fail.
  removeKey(doc, profile, "aws_session_token");
}

/** The file without the profile's sections, when they hold nothing any more (rollback of a new profile). */
function withoutEmptyProfile(doc: IniDocument, profile: string, b: ProfileBackup): string {
  const drop = new Set<number>();
  for (const s of profileSections(doc, profile)) {
    if (s.entries.length > 0) return serialize(doc);
    for (let n = s.line; n <= s.lastLine; n++) drop.add(n);
    if (b.blankAdded && doc.lines[s.line - 2]?.type === "blank") drop.add(s.line - 1);
  }
  let text = doc.bom ? "\ufeff" : "";
  for (const l of doc.lines) if (!drop.has(l.number)) text += l.text + l.eol;
  if (!b.finalNewline) text = text.replace(/\r?\n$/, "");
  return text;
}

export function profileTarget(spec: string, file: string, profile: string, backupDir: string): Target {
  const parse = (text: string) => parseIni(text, { kind: "credentials", file });
  const read = async () => parse((await readOrNull(spec, file)) ?? "");
  const write = async (key: KeyCredentials) => {
    const doc = parse((await readOrNull(spec, file)) ?? "");
    setKey(doc, profile, key);
    await writeFileAtomic(file, serialize(doc));
  };
  return {
    spec,
    describe: (id) => [
      `${file}: set aws_access_key_id${id ? ` = ${id}` : ""} and aws_secret_access_key in [${profile}] (atomic write, mode 0600)`,
    ],
    async preflight() {
      const doc = parse((await checkWritableFile(spec, file)) ?? "");
      setKey(doc, profile, PROBE);
      const back = getProfile(parse(serialize(doc)), profile);
      if (
        back?.aws_access_key_id !== PROBE.accessKeyId ||
        back.aws_secret_access_key !== PROBE.secretAccessKey
      ) {
        throw new EnvironmentError(
          "TARGET_UNUSABLE",
          `${spec}: a key written to [${profile}] of ${file} would not read back as written`,
          `Fix [${profile}] in ${file} by hand (\`keywarden doctor\` shows what is wrong), then run the rotation again.`,
        );
      }
    },
    async backup() {
      const text = await readOrNull(spec, file);
      const doc = parse(text ?? "");
      const p = getProfile(doc, profile);
      const last = doc.lines.at(-1);
      const record: ProfileBackup = {
        fileExisted: text !== null,
        profileExisted: p !== undefined,
        blankAdded: p === undefined && last !== undefined && last.type !== "blank",
        finalNewline: text === null || text === "" || text.endsWith("\n"),
        values: {
          aws_access_key_id: p?.aws_access_key_id ?? null,
          aws_secret_access_key: p?.aws_secret_access_key ?? null,
          aws_session_token: p?.aws_session_token ?? null,
        },
      };
      const path = await saveBackup(backupDir, backupName("profile", `${file}#${profile}`), { ...record });
      return { path: file, existed: record.fileExisted, backup: path };
    },
    deliver: write,
    async readBackKeyId() {
      return getProfile(await read(), profile)?.aws_access_key_id ?? null;
    },
    async readBackCredentials() {
      const p = getProfile(await read(), profile);
      return p?.aws_access_key_id && p.aws_secret_access_key
        ? { accessKeyId: p.aws_access_key_id, secretAccessKey: p.aws_secret_access_key }
        : null;
    },
    async restore(backup, ourKeyId) {
      if (ourKeyId === null) return `${spec}: not changed by this job`;
      const path = typeof backup.backup === "string" ? backup.backup : null;
      if (path?.endsWith(".bak")) return restoreLegacy(spec, path, parse, profile, write);
      const b = path ? ((await loadBackup(path)) as ProfileBackup | null) : null;
      const text = await readOrNull(spec, file);
      if (text === null)
        return `${spec}: ${file} ${b?.fileExisted === false ? "is still absent, as before" : "was removed since; left as is"}`;
      // Somebody else's value (or a file they broke) is theirs: only our own key is taken back.
      if (!text.includes(ourKeyId)) return `${spec}: does not hold the new key; left as is`;
      const doc = parse(text);
      if (getProfile(doc, profile)?.aws_access_key_id !== ourKeyId)
        return `${spec}: [${profile}] does not hold the new key; left as is`;
      if (!b) throw new Error(`${spec}: the backup of [${profile}] is missing; put the old key back by hand`);
      for (const k of KEYS) {
        const v = b.values[k];
        if (v === null) removeKey(doc, profile, k);
        else setValue(doc, profile, k, v);
      }
      const out = b.profileExisted ? serialize(doc) : withoutEmptyProfile(doc, profile, b);
      if (!b.fileExisted && out.trim() === "") {
        await unlink(file);
        return `${spec}: removed ${file} (it did not exist before)`;
      }
      await writeFileAtomic(file, out);
      return b.profileExisted
        ? `${spec}: [${profile}] holds its previous key again`
        : `${spec}: removed [${profile}] (it did not exist before)`;
    },
    // By its own name, not the job's record: a crash between backup() and saving the record
    // leaves a file that the record does not name.
    discard: () => discardBackup(join(backupDir, backupName("profile", `${file}#${profile}`))),
  };
}

/** A job started by keywarden 0.1 kept a copy of the whole file; take the profile's values from it. */
async function restoreLegacy(
  spec: string,
  copy: string,
  parse: (text: string) => IniDocument,
  profile: string,
  write: (key: KeyCredentials) => Promise<void>,
): Promise<string> {
  const old = getProfile(parse(await readFile(copy, "utf8")), profile);
  if (!old?.aws_access_key_id || !old.aws_secret_access_key) return `${spec}: nothing to restore`;
  await write({ accessKeyId: old.aws_access_key_id, secretAccessKey: old.aws_secret_access_key });
  return `${spec}: [${profile}] holds its previous key again`;
}
