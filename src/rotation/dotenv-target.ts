import { unlink } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../credentials/file.js";
import { EnvironmentError } from "../domain/errors.js";
import { readDotenv, removeDotenv, setDotenv } from "./dotenv.js";
import {
  backupName,
  checkWritableFile,
  discardBackup,
  loadBackup,
  readOrNull,
  saveBackup,
} from "./file-checks.js";
import type { KeyCredentials, Target } from "./ports.js";

// A dotenv file (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY). The backup holds the two values and
// whether the file existed, so rollback can put it back exactly, or remove a file it created.

const ID = "AWS_ACCESS_KEY_ID";
const SECRET = "AWS_SECRET_ACCESS_KEY";

interface DotenvBackup {
  fileExisted: boolean;
  finalNewline: boolean;
  values: Record<typeof ID | typeof SECRET, string | null>;
}

const PROBE = { accessKeyId: "AKIAKEYWARDENPROBE00", secretAccessKey: "k".repeat(40) };

function withKey(text: string, key: KeyCredentials): string {
  return setDotenv(text, { [ID]: key.accessKeyId, [SECRET]: key.secretAccessKey });
}

export function dotenvTarget(spec: string, file: string, backupDir: string): Target {
  const read = async () => readDotenv((await readOrNull(spec, file)) ?? "");
  return {
    spec,
    describe: (id) => [
      `${file}: set AWS_ACCESS_KEY_ID${id ? `=${id}` : ""} and AWS_SECRET_ACCESS_KEY (atomic write, mode 0600)`,
    ],
    async preflight() {
      const back = readDotenv(withKey((await checkWritableFile(spec, file)) ?? "", PROBE));
      if (back.get(ID) !== PROBE.accessKeyId || back.get(SECRET) !== PROBE.secretAccessKey) {
        throw new EnvironmentError(
          "TARGET_UNUSABLE",
          `${spec}: a key written to ${file} would not read back as written (is ${ID} set twice?)`,
          `Leave one ${ID} and one ${SECRET} line in ${file}, then run the rotation again.`,
        );
      }
    },
    async backup() {
      const text = await readOrNull(spec, file);
      const v = readDotenv(text ?? "");
      const record: DotenvBackup = {
        fileExisted: text !== null,
        finalNewline: text === null || text === "" || text.endsWith("\n"),
        values: { [ID]: v.get(ID) ?? null, [SECRET]: v.get(SECRET) ?? null },
      };
      const path = await saveBackup(backupDir, backupName("dotenv", file), { ...record });
      return { path: file, existed: record.fileExisted, backup: path };
    },
    async deliver(key) {
      await writeFileAtomic(file, withKey((await readOrNull(spec, file)) ?? "", key));
    },
    async readBackKeyId() {
      return (await read()).get(ID) ?? null;
    },
    async readBackCredentials() {
      const v = await read();
      const id = v.get(ID);
      const secret = v.get(SECRET);
      return id && secret ? { accessKeyId: id, secretAccessKey: secret } : null;
    },
    async restore(backup, ourKeyId) {
      if (ourKeyId === null) return `${spec}: not changed by this job`;
      const text = await readOrNull(spec, file);
      const path = typeof backup.backup === "string" ? backup.backup : null;
      if (path?.endsWith(".bak")) {
        // A job started by keywarden 0.1 kept a copy of the whole file.
        const old = readDotenv((await readOrNull(spec, path)) ?? "");
        const id = old.get(ID);
        const secret = old.get(SECRET);
        if (!id || !secret || text === null) return `${spec}: nothing to restore`;
        await writeFileAtomic(file, withKey(text, { accessKeyId: id, secretAccessKey: secret }));
        return `${spec}: holds its previous key again`;
      }
      const b = path ? ((await loadBackup(path)) as DotenvBackup | null) : null;
      if (text === null)
        return `${spec}: ${file} ${b?.fileExisted === false ? "is still absent, as before" : "was removed since; left as is"}`;
      if (readDotenv(text).get(ID) !== ourKeyId) return `${spec}: does not hold the new key; left as is`;
      if (!b) throw new Error(`${spec}: the backup of ${file} is missing; put the old key back by hand`);
      let out = text;
      const id = b.values[ID];
      const secret = b.values[SECRET];
      const gone = [...(id === null ? [ID] : []), ...(secret === null ? [SECRET] : [])];
      if (gone.length > 0) out = removeDotenv(out, gone);
      const keep: Record<string, string> = {};
      if (id !== null) keep[ID] = id;
      if (secret !== null) keep[SECRET] = secret;
      if (Object.keys(keep).length > 0) out = setDotenv(out, keep);
      if (!b.finalNewline) out = out.replace(/\r?\n$/, "");
      if (!b.fileExisted && out.trim() === "") {
        await unlink(file);
        return `${spec}: removed ${file} (it did not exist before)`;
      }
      await writeFileAtomic(file, out);
      return `${spec}: holds its previous ${id === null ? "contents" : "key"} again`;
    },
    // By its own name, not the job's record: a crash between backup() and saving the record
    // leaves a file that the record does not name.
    discard: () => discardBackup(join(backupDir, backupName("dotenv", file))),
  };
}
