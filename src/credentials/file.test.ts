import {
  chmod,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  rm,
  stat,
  symlink,
  writeFile,
  lstat,
} from "node:fs/promises";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KeywardenError } from "../domain/errors.js";
import { KEY_A, KEY_B, KEY_NEW, SECRET_A, SECRET_B, SECRET_NEW } from "./corpus.js";
import { CredentialsFileError } from "./errors.js";
import {
  backupFile,
  configFilePath,
  credentialsFilePath,
  profilesHoldingKey,
  readIniFile,
  readProfileKeyId,
  replaceKeyInCredentialsFile,
  restoreBackup,
  writeIniFileAtomic,
} from "./file.js";

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "keywarden-credentials-"));
});

afterEach(async () => {
  await chmod(dir, 0o700).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

async function modeOf(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

async function tempFilesIn(folder: string): Promise<string[]> {
  return (await readdir(folder)).filter((n) => n.includes(".keywarden-") && n.endsWith(".tmp"));
}

async function caught(p: Promise<unknown>): Promise<KeywardenError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(KeywardenError);
    return e as KeywardenError;
  }
  throw new Error("expected the promise to reject");
}

/** Everything an error could show a user or a log. */
function everythingIn(e: KeywardenError): string {
  return [
    e.message,
    e.fix,
    e.stack ?? "",
    JSON.stringify(e),
    e.cause instanceof Error ? e.cause.message : "",
  ].join("\n");
}

describe("paths", () => {
  it("honours AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE, expanding ~/", () => {
    const env = {
      HOME: "/home/u",
      AWS_SHARED_CREDENTIALS_FILE: "~/keys/creds",
      AWS_CONFIG_FILE: "/etc/aws/config",
    };
    expect(credentialsFilePath(env)).toBe("/home/u/keys/creds");
    expect(configFilePath(env)).toBe("/etc/aws/config");
  });

  it("defaults to ~/.aws/credentials and ~/.aws/config; an empty variable counts as unset", () => {
    const env = { HOME: "/home/u", AWS_SHARED_CREDENTIALS_FILE: "", AWS_CONFIG_FILE: undefined };
    expect(credentialsFilePath(env)).toBe("/home/u/.aws/credentials");
    expect(configFilePath(env)).toBe("/home/u/.aws/config");
    expect(credentialsFilePath({ USERPROFILE: "/users/w" })).toBe("/users/w/.aws/credentials");
  });
});

describe("readIniFile", () => {
  it("reads a missing file as an empty document flagged missing", async () => {
    const file = await readIniFile(join(dir, "credentials"), "credentials");
    expect(file).toMatchObject({ missing: true, raw: "", mode: undefined });
    expect(file.doc.lines).toEqual([]);
  });

  it("reads text, bytes, mode and mtime", async () => {
    const path = join(dir, "config");
    await writeFile(path, "[profile a]\r\nregion = x", { mode: 0o640 });
    await chmod(path, 0o640);
    const file = await readIniFile(path, "config");
    expect(file).toMatchObject({ missing: false, raw: "[profile a]\r\nregion = x", mode: 0o640 });
    expect(file.mtimeMs).toBeGreaterThan(0);
    expect(file.doc.sections[0]?.name).toBe("a");
  });

  it("names the file and the line of a file that does not parse", async () => {
    const path = join(dir, "credentials");
    await writeFile(path, `[a]\naws_access_key_id = ${KEY_A}\n\n${SECRET_A}\n`);
    const e = await caught(readIniFile(path, "credentials"));
    expect(e).toMatchObject({ code: "CREDENTIALS_FILE_INVALID", line: 4, path });
    expect(e.message).toContain(`${path}: line 4: `);
    expect(everythingIn(e)).not.toContain(SECRET_A);
  });

  it("refuses a directory", async () => {
    await mkdir(join(dir, "credentials"));
    const e = await caught(readIniFile(join(dir, "credentials"), "credentials"));
    expect(e.code).toBe("CREDENTIALS_FILE_UNREADABLE");
  });
});

describe("writeIniFileAtomic", () => {
  it("creates a new file (and its folder) with mode 0600", async () => {
    const path = join(dir, ".aws", "credentials");
    const result = await writeIniFileAtomic(path, "[a]\n");
    expect(result).toMatchObject({
      path,
      mode: 0o600,
      created: true,
      modeFixed: false,
      previousMode: undefined,
    });
    expect(await readFile(path, "utf8")).toBe("[a]\n");
    expect(await modeOf(path)).toBe(0o600);
    expect((await stat(join(dir, ".aws"))).mode & 0o777).toBe(0o700);
    expect(await tempFilesIn(join(dir, ".aws"))).toEqual([]);
  });

  it("keeps 0600 and a stricter 0400", async () => {
    const path = join(dir, "credentials");
    await writeFile(path, "old");
    await chmod(path, 0o600);
    expect(await writeIniFileAtomic(path, "new")).toMatchObject({
      mode: 0o600,
      modeFixed: false,
      created: false,
    });
    await chmod(path, 0o400);
    expect(await writeIniFileAtomic(path, "newer")).toMatchObject({ mode: 0o400, modeFixed: false });
    expect(await modeOf(path)).toBe(0o400);
    expect(await readFile(path, "utf8")).toBe("newer");
  });

  it("tightens 0644 to 0600 and reports it", async () => {
    const path = join(dir, "credentials");
    await writeFile(path, "old");
    await chmod(path, 0o644);
    const result = await writeIniFileAtomic(path, "new");
    expect(result).toMatchObject({ mode: 0o600, previousMode: 0o644, modeFixed: true });
    expect(await modeOf(path)).toBe(0o600);
  });

  it("writes through a symlink to the real file and keeps the link", async () => {
    const real = join(dir, "dotfiles-credentials");
    const link = join(dir, "credentials");
    await writeFile(real, "old", { mode: 0o600 });
    await symlink(real, link);
    const result = await writeIniFileAtomic(link, "new");
    expect(result.path).toBe(real);
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readFile(real, "utf8")).toBe("new");
  });

  it("leaves no temp file and the original intact when writing fails before the rename", async () => {
    const path = join(dir, "credentials");
    await writeFile(path, "original");
    let tempSeen = "";
    const e = await caught(
      writeIniFileAtomic(path, "replacement", {
        beforeRename: async (temp) => {
          tempSeen = temp;
          expect(await modeOf(temp)).toBe(0o600);
          throw new Error("injected");
        },
      }),
    );
    expect(e.code).toBe("CREDENTIALS_FILE_WRITE_FAILED");
    expect(e.message).toContain("The file is unchanged");
    expect(tempSeen).toMatch(/\/\.credentials\.keywarden-[0-9a-f]+\.tmp$/);
    expect(await readFile(path, "utf8")).toBe("original");
    expect(await tempFilesIn(dir)).toEqual([]);
  });

  it("leaves no temp file when the rename itself fails", async () => {
    const path = join(dir, "credentials");
    await writeFile(path, "original");
    const e = await caught(
      writeIniFileAtomic(path, "replacement", {
        // Put a non-empty directory where the file was: rename(2) cannot replace it.
        beforeRename: async () => {
          await rm(path);
          await mkdir(path);
          await writeFile(join(path, "x"), "");
        },
      }),
    );
    expect(e.code).toBe("CREDENTIALS_FILE_WRITE_FAILED");
    expect(await tempFilesIn(dir)).toEqual([]);
  });

  it("fails cleanly when the folder cannot be created", async () => {
    await writeFile(join(dir, "file"), "");
    const e = await caught(writeIniFileAtomic(join(dir, "file", "credentials"), "x"));
    expect(e.code).toBe("CREDENTIALS_FILE_WRITE_FAILED");
    expect(await tempFilesIn(dir)).toEqual([]);
  });

  it("fails cleanly in a read-only folder", async () => {
    const path = join(dir, "credentials");
    await writeFile(path, "original", { mode: 0o644 });
    await chmod(dir, 0o555);
    try {
      if (process.getuid?.() === 0) {
        // Root writes anywhere: run the write as `nobody`, for whom the folder really is read-only.
        const script = [
          `import { writeIniFileAtomic } from ${JSON.stringify(new URL("./file.ts", import.meta.url).href)};`,
          `try { await writeIniFileAtomic(${JSON.stringify(path)}, "replacement"); console.log("wrote"); }`,
          `catch (e) { console.log(e.code); }`,
        ].join("\n");
        const out = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
          uid: 65534,
          gid: 65534,
          cwd: fileURLToPath(new URL("../..", import.meta.url)),
          env: { PATH: process.env.PATH ?? "" },
          encoding: "utf8",
        });
        expect(out.trim()).toBe("CREDENTIALS_FILE_WRITE_FAILED");
      } else {
        const e = await caught(writeIniFileAtomic(path, "replacement"));
        expect(e.code).toBe("CREDENTIALS_FILE_WRITE_FAILED");
      }
    } finally {
      await chmod(dir, 0o700);
    }
    expect(await readFile(path, "utf8")).toBe("original");
    expect(await tempFilesIn(dir)).toEqual([]);
  });

  it("refuses to replace a file that changed since it was read", async () => {
    const path = join(dir, "credentials");
    await writeFile(path, "read this");
    const e = await caught(
      writeIniFileAtomic(path, "replacement", {
        expected: "read this",
        beforeRename: () => writeFile(path, "someone else's edit"),
      }),
    );
    expect(e.code).toBe("CREDENTIALS_FILE_CHANGED");
    expect(await readFile(path, "utf8")).toBe("someone else's edit");
    expect(await tempFilesIn(dir)).toEqual([]);
    // expected: null means "must still not exist".
    const e2 = await caught(writeIniFileAtomic(path, "x", { expected: null }));
    expect(e2.code).toBe("CREDENTIALS_FILE_CHANGED");
  });
});

describe("backup and restore", () => {
  it("a backup holds the original bytes at mode 0600; restore puts them back", async () => {
    const path = join(dir, "credentials");
    const original = Buffer.from(
      `\ufeff# keep\r\n[default]\r\naws_access_key_id = ${KEY_A}\r\naws_secret_access_key = ${SECRET_A}`,
    );
    await writeFile(path, original);
    await chmod(path, 0o644);
    const backups = join(dir, "backups");
    const backup = await backupFile(path, backups, { now: new Date("2025-01-02T03:04:05.678Z") });
    expect(backup.startsWith(join(backups, "credentials.2025-01-02T03-04-05-678Z."))).toBe(true);
    expect((await readFile(backup)).equals(original)).toBe(true);
    expect(await modeOf(backup)).toBe(0o600);
    expect((await stat(backups)).mode & 0o777).toBe(0o700);

    await replaceKeyInCredentialsFile(path, {
      oldAccessKeyId: KEY_A,
      newAccessKeyId: KEY_NEW,
      newSecretAccessKey: SECRET_NEW,
    });
    expect((await readFile(path)).equals(original)).toBe(false);
    const restored = await restoreBackup(backup, path);
    expect((await readFile(path)).equals(original)).toBe(true);
    expect(restored.mode).toBe(0o600);
    expect(await tempFilesIn(dir)).toEqual([]);
  });

  it("restores a file that was deleted since the backup", async () => {
    const path = join(dir, "credentials");
    await writeFile(path, "[a]\n");
    const backup = await backupFile(path, join(dir, "b"));
    await rm(path);
    await restoreBackup(backup, path);
    expect(await readFile(path, "utf8")).toBe("[a]\n");
  });

  it("reports a missing file or backup", async () => {
    expect((await caught(backupFile(join(dir, "nope"), join(dir, "b")))).code).toBe(
      "CREDENTIALS_FILE_MISSING",
    );
    expect((await caught(restoreBackup(join(dir, "nope.bak"), join(dir, "c")))).code).toBe(
      "CREDENTIALS_FILE_MISSING",
    );
  });
});

describe("replaceKeyInCredentialsFile", () => {
  const before = [
    "# personal keys",
    "[default]",
    `aws_access_key_id = ${KEY_A}`,
    `aws_secret_access_key = ${SECRET_A}`,
    "region = eu-west-1",
    "",
    "[ci]  ; used by the pipeline",
    `aws_access_key_id=${KEY_A}`,
    `aws_secret_access_key=${SECRET_A}`,
    "aws_session_token=FwoGZXIvYXdzEXAMPLETOKEN",
    "",
    "[other]",
    `aws_access_key_id = ${KEY_B}`,
    `aws_secret_access_key = ${SECRET_B}`,
    "",
  ].join("\r\n");

  async function setup(mode = 0o600): Promise<string> {
    const path = join(dir, "credentials");
    await writeFile(path, before);
    await chmod(path, mode);
    return path;
  }

  it("changes only the key lines of the profiles that held the old key", async () => {
    const path = await setup(0o644);
    const result = await replaceKeyInCredentialsFile(path, {
      oldAccessKeyId: KEY_A,
      newAccessKeyId: KEY_NEW,
      newSecretAccessKey: SECRET_NEW,
    });
    expect(result).toMatchObject({
      path,
      profilesChanged: ["default", "ci"],
      profilesAlreadyCurrent: [],
      sessionTokensRemoved: ["ci"],
      modeFixed: true,
      backupPath: undefined,
    });
    const expected = before
      .replace(`aws_access_key_id = ${KEY_A}`, `aws_access_key_id = ${KEY_NEW}`)
      .replace(`aws_secret_access_key = ${SECRET_A}`, `aws_secret_access_key = ${SECRET_NEW}`)
      .replace(`aws_access_key_id=${KEY_A}`, `aws_access_key_id=${KEY_NEW}`)
      .replace(`aws_secret_access_key=${SECRET_A}`, `aws_secret_access_key=${SECRET_NEW}`)
      .replace("aws_session_token=FwoGZXIvYXdzEXAMPLETOKEN\r\n", "");
    expect(await readFile(path, "utf8")).toBe(expected);
    expect(await modeOf(path)).toBe(0o600);
    expect(await tempFilesIn(dir)).toEqual([]);
    expect(await profilesHoldingKey(path, KEY_NEW)).toEqual(["default", "ci"]);
    expect(await profilesHoldingKey(path, KEY_A)).toEqual([]);
    expect(await readProfileKeyId(path, "other")).toBe(KEY_B);
    expect(await readProfileKeyId(path, "ci")).toBe(KEY_NEW);
    expect(await readProfileKeyId(path, "nobody")).toBeUndefined();
    expect(await readProfileKeyId(join(dir, "missing"), "default")).toBeUndefined();
  });

  it("changes only the named profiles, and backs up the bytes it read", async () => {
    const path = await setup();
    const result = await replaceKeyInCredentialsFile(path, {
      oldAccessKeyId: KEY_A,
      newAccessKeyId: KEY_NEW,
      newSecretAccessKey: SECRET_NEW,
      profiles: ["ci"],
      backupDir: join(dir, "backups"),
    });
    expect(result.profilesChanged).toEqual(["ci"]);
    expect(result.modeFixed).toBe(false);
    expect(await readFile(result.backupPath ?? "", "utf8")).toBe(before);
    expect(await profilesHoldingKey(path, KEY_A)).toEqual(["default"]);
  });

  it("is idempotent: run again, it reports the profiles as already current and writes nothing", async () => {
    const path = await setup();
    const opts = { oldAccessKeyId: KEY_A, newAccessKeyId: KEY_NEW, newSecretAccessKey: SECRET_NEW };
    await replaceKeyInCredentialsFile(path, opts);
    const written = await readFile(path);
    const { mtimeMs } = await stat(path);
    const again = await replaceKeyInCredentialsFile(path, opts);
    expect(again).toMatchObject({ profilesChanged: [], profilesAlreadyCurrent: ["default", "ci"] });
    expect((await readFile(path)).equals(written)).toBe(true);
    expect((await stat(path)).mtimeMs).toBe(mtimeMs);
    const named = await replaceKeyInCredentialsFile(path, { ...opts, profiles: ["ci"] });
    expect(named).toMatchObject({ profilesChanged: [], profilesAlreadyCurrent: ["ci"] });
  });

  it("refuses a named profile that does not hold the old key, writing nothing and never showing the secret", async () => {
    const path = await setup();
    const e = await caught(
      replaceKeyInCredentialsFile(path, {
        oldAccessKeyId: KEY_A,
        newAccessKeyId: KEY_NEW,
        newSecretAccessKey: SECRET_NEW,
        profiles: ["default", "other"],
      }),
    );
    expect(e).toBeInstanceOf(CredentialsFileError);
    expect(e.code).toBe("CREDENTIALS_KEY_NOT_FOUND");
    expect(e.message).toContain("`other`");
    expect(e.message).toContain("AKIA************MPLE");
    expect(e.message).not.toContain(KEY_A);
    expect(everythingIn(e)).not.toContain(SECRET_NEW);
    expect(await readFile(path, "utf8")).toBe(before);
  });

  it("reports a key no profile holds", async () => {
    const path = await setup();
    const e = await caught(
      replaceKeyInCredentialsFile(path, {
        oldAccessKeyId: "AKIAZZZZZZZZZEXAMPLE",
        newAccessKeyId: KEY_NEW,
        newSecretAccessKey: SECRET_NEW,
      }),
    );
    expect(e.code).toBe("CREDENTIALS_KEY_NOT_FOUND");
    expect(everythingIn(e)).not.toContain(SECRET_NEW);
    expect(await readFile(path, "utf8")).toBe(before);
  });

  it("refuses bad arguments without echoing the secret", async () => {
    const path = await setup();
    const bad = await caught(
      replaceKeyInCredentialsFile(path, {
        oldAccessKeyId: KEY_A,
        newAccessKeyId: KEY_NEW,
        newSecretAccessKey: `${SECRET_NEW} extra`,
      }),
    );
    expect(bad.code).toBe("USAGE");
    expect(everythingIn(bad)).not.toContain(SECRET_NEW);
    const badId = await caught(
      replaceKeyInCredentialsFile(path, {
        oldAccessKeyId: KEY_A,
        newAccessKeyId: "nope",
        newSecretAccessKey: SECRET_NEW,
      }),
    );
    expect(badId.code).toBe("USAGE");
    expect(await readFile(path, "utf8")).toBe(before);
  });

  it("leaves a file it cannot parse byte-identical, naming the line", async () => {
    const path = join(dir, "credentials");
    const broken = `[default]\naws_access_key_id = ${KEY_A}\naws_secret_access_key = ${SECRET_A}\n\n${SECRET_B}\n`;
    await writeFile(path, broken, { mode: 0o644 });
    await chmod(path, 0o644);
    const { mtimeMs } = await stat(path);
    const e = await caught(
      replaceKeyInCredentialsFile(path, {
        oldAccessKeyId: KEY_A,
        newAccessKeyId: KEY_NEW,
        newSecretAccessKey: SECRET_NEW,
      }),
    );
    expect(e).toMatchObject({ code: "CREDENTIALS_FILE_INVALID", line: 5, exitCode: 6 });
    expect(e.message).toContain(`${path}: line 5: expected \`key = value\` or \`[section]\``);
    for (const secret of [SECRET_A, SECRET_B, SECRET_NEW]) expect(everythingIn(e)).not.toContain(secret);
    expect(await readFile(path, "utf8")).toBe(broken);
    expect((await stat(path)).mtimeMs).toBe(mtimeMs);
    expect(await modeOf(path)).toBe(0o644);
    expect(await tempFilesIn(dir)).toEqual([]);
  });

  it("reports a missing credentials file", async () => {
    const e = await caught(
      replaceKeyInCredentialsFile(join(dir, "credentials"), {
        oldAccessKeyId: KEY_A,
        newAccessKeyId: KEY_NEW,
        newSecretAccessKey: SECRET_NEW,
      }),
    );
    expect(e.code).toBe("CREDENTIALS_FILE_MISSING");
  });

  it("edits a key held in the config file when asked to", async () => {
    const path = join(dir, "config");
    const text = `[default]\nregion = us-east-1\n\n[profile legacy]\naws_access_key_id = ${KEY_A}\naws_secret_access_key = ${SECRET_A}\ns3 =\n  addressing_style = path\n`;
    await writeFile(path, text);
    const result = await replaceKeyInCredentialsFile(path, {
      oldAccessKeyId: KEY_A,
      newAccessKeyId: KEY_NEW,
      newSecretAccessKey: SECRET_NEW,
      kind: "config",
    });
    expect(result.profilesChanged).toEqual(["legacy"]);
    expect(await readFile(path, "utf8")).toBe(text.replace(KEY_A, KEY_NEW).replace(SECRET_A, SECRET_NEW));
  });
});
