import { describe, expect, it } from "vitest";
import { CORPUS, KEY_A, KEY_B, KEY_NEW, SECRET_A, SECRET_NEW } from "./corpus.js";
import { CredentialsFileError } from "./errors.js";
import {
  decodeIniBytes,
  findProfilesWithValue,
  getProfile,
  listProfiles,
  parseIni,
  removeKey,
  serialize,
  setValue,
  type IniKind,
} from "./ini.js";

/** Lines with their endings, so a changed ending counts as a changed line. */
function linesOf(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

function changedLineNumbers(before: string, after: string): number[] {
  const a = linesOf(before);
  const b = linesOf(after);
  expect(b.length).toBe(a.length);
  return a.flatMap((line, i) => (line === b[i] ? [] : [i + 1]));
}

function parseError(text: string, kind: IniKind = "credentials", path?: string): CredentialsFileError {
  try {
    parseIni(text, { kind, path });
  } catch (e) {
    expect(e).toBeInstanceOf(CredentialsFileError);
    return e as CredentialsFileError;
  }
  throw new Error("expected a parse error");
}

describe("corpus of awkward files", () => {
  it("has at least 15 files", () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(15);
  });

  for (const file of CORPUS) {
    it(`${file.name}: parse then serialize is byte-identical`, () => {
      const doc = parseIni(file.text, { kind: file.kind });
      expect(serialize(doc)).toBe(file.text);
      expect(Buffer.from(serialize(doc), "utf8").equals(Buffer.from(file.text, "utf8"))).toBe(true);
    });

    const edit = file.edit;
    if (edit !== undefined) {
      it(`${file.name}: setValue changes only line ${edit.line}, and only its value`, () => {
        const doc = parseIni(file.text, { kind: file.kind });
        const oldLine = doc.lines[edit.line - 1];
        const result = setValue(doc, edit.profile, edit.key, edit.value);
        const after = serialize(doc);
        expect(changedLineNumbers(file.text, after)).toEqual([edit.line]);
        expect(result).toMatchObject({
          changed: true,
          changedLines: [edit.line],
          addedLines: [],
          removedLines: [],
        });
        const newLine = doc.lines[edit.line - 1];
        expect(newLine?.eol).toBe(oldLine?.eol);
        expect(newLine?.text.includes(edit.value)).toBe(true);
        expect(getProfile(doc, edit.profile)?.[edit.key.toLowerCase()]).toBe(edit.value);
        // The edited document still round-trips.
        expect(serialize(parseIni(after, { kind: file.kind }))).toBe(after);
      });
    }
  }
});

describe("what the lines mean", () => {
  it("reads credentials profiles, keeping names exactly as written", () => {
    const doc = parseIni(CORPUS.find((c) => c.name.startsWith("section headers"))?.text ?? "");
    expect(listProfiles(doc)).toEqual(["default", " spaced ", "semi"]);
    expect(getProfile(doc, " spaced ")).toEqual({ aws_access_key_id: KEY_B });
    expect(getProfile(doc, "spaced")).toBeUndefined();
  });

  it("tells config section kinds apart and reads nested blocks", () => {
    const file = CORPUS.find((c) => c.name.startsWith("config with profile"));
    const doc = parseIni(file?.text ?? "", { kind: "config" });
    expect(doc.sections.map((s) => [s.kind, s.name])).toEqual([
      ["profile", "default"],
      ["profile", "dev"],
      ["sso-session", "corp"],
      ["services", "dev-services"],
      ["profile", "quoted"],
    ]);
    expect(listProfiles(doc)).toEqual(["default", "dev", "quoted"]);
    expect(getProfile(doc, "default")).toEqual({
      region: "us-east-1",
      output: "json",
      s3: "",
      "s3.max_concurrent_requests": "10",
      "s3.addressing_style": "path",
    });
    expect(getProfile(doc, "quoted")?.["s3.signature_version"]).toBe("s3v4");
    expect(getProfile(doc, "quoted")?.cli_pager).toBe("");
    expect(doc.sections[0]?.entries[2]?.nested).toEqual(
      new Map([
        ["max_concurrent_requests", "10"],
        ["addressing_style", "path"],
      ]),
    );
    expect(doc.lines.map((l) => l.type).slice(0, 7)).toEqual([
      "section",
      "key",
      "key",
      "key",
      "continuation",
      "continuation",
      "blank",
    ]);
  });

  it("treats other config sections as not profiles and flags a malformed profile header", () => {
    const doc = parseIni("[plugins]\na = 1\n[profile a b]\nregion = x\n[profilex]\nregion = y\n", {
      kind: "config",
    });
    expect(listProfiles(doc)).toEqual([]);
    expect(doc.warnings.map((w) => [w.code, w.line])).toEqual([
      ["UNREAD_SECTION", 3],
      ["UNREAD_SECTION", 5],
    ]);
  });

  it("keeps an inline `#` in the value (AWS CLI), records the SDK reading, and warns", () => {
    const doc = parseIni(`[default]\naws_access_key_id = ${KEY_A} # old\nnote = a#b\n`);
    const entry = doc.sections[0]?.entries[0];
    expect(entry?.value).toBe(`${KEY_A} # old`);
    expect(entry?.sdkValue).toBe(KEY_A);
    expect(doc.sections[0]?.entries[1]?.value).toBe("a#b");
    expect(doc.sections[0]?.entries[1]?.sdkValue).toBe("a#b");
    expect(doc.warnings.map((w) => [w.code, w.line])).toEqual([["INLINE_COMMENT", 2]]);
    expect(findProfilesWithValue(doc, "aws_access_key_id", KEY_A)).toEqual(["default"]);
    expect(findProfilesWithValue(doc, "aws_access_key_id", `${KEY_A} # old`)).toEqual(["default"]);
    setValue(doc, "default", "aws_access_key_id", KEY_NEW);
    expect(serialize(doc)).toBe(`[default]\naws_access_key_id = ${KEY_NEW}\nnote = a#b\n`);
  });

  it("matches keys case-insensitively and keeps their spelling when editing", () => {
    const doc = parseIni(`[default]\nAWS_ACCESS_KEY_ID = ${KEY_A}\n`);
    expect(getProfile(doc, "default")).toEqual({ aws_access_key_id: KEY_A });
    expect(findProfilesWithValue(doc, "aws_access_key_id", KEY_A)).toEqual(["default"]);
    expect(doc.warnings.map((w) => w.code)).toEqual(["KEY_CASE"]);
    setValue(doc, "default", "aws_access_key_id", KEY_NEW);
    expect(serialize(doc)).toBe(`[default]\nAWS_ACCESS_KEY_ID = ${KEY_NEW}\n`);
  });

  it("accepts `:` like the AWS CLI, warns, and writes `=` itself", () => {
    const doc = parseIni("[default]\nregion: us-east-1\n");
    expect(getProfile(doc, "default")).toEqual({ region: "us-east-1" });
    expect(doc.warnings.map((w) => w.code)).toEqual(["COLON_DELIMITER"]);
    setValue(doc, "default", "output", "json");
    expect(serialize(doc)).toBe("[default]\nregion: us-east-1\noutput = json\n");
  });

  it("reads a multi-line value the way configparser does", () => {
    const doc = parseIni("[a]\nk = one\n  two\n\n  three\n\nj = x\n");
    expect(getProfile(doc, "a")).toEqual({ k: "one\ntwo\n\nthree", j: "x" });
    expect(doc.warnings.map((w) => [w.code, w.line])).toEqual([["MULTILINE_VALUE", 3]]);
  });

  it("keeps a byte order mark and warns about it", () => {
    const doc = parseIni("\ufeff[default]\nregion = x\n");
    expect(doc.bom).toBe(true);
    expect(doc.lines[0]?.text).toBe("[default]");
    expect(doc.warnings.map((w) => w.code)).toEqual(["BYTE_ORDER_MARK"]);
    setValue(doc, "default", "region", "y");
    expect(serialize(doc)).toBe("\ufeff[default]\nregion = y\n");
  });

  it("reports repeated sections and keys, merges them (later wins) and edits every copy", () => {
    const text = `[default]\naws_access_key_id = ${KEY_A}\nregion = a\n\n[default]\nregion = b\naws_access_key_id = ${KEY_A}\naws_access_key_id = ${KEY_B}\n`;
    const doc = parseIni(text);
    expect(doc.warnings.map((w) => [w.code, w.line])).toEqual([
      ["DUPLICATE_SECTION", 5],
      ["DUPLICATE_KEY", 8],
    ]);
    expect(doc.warnings[0]?.message).toContain("first at line 1");
    expect(listProfiles(doc)).toEqual(["default"]);
    expect(getProfile(doc, "default")).toEqual({ aws_access_key_id: KEY_B, region: "b" });
    expect(findProfilesWithValue(doc, "aws_access_key_id", KEY_A)).toEqual(["default"]);
    const result = setValue(doc, "default", "aws_access_key_id", KEY_NEW);
    expect(result.changedLines).toEqual([2, 7, 8]);
    expect(changedLineNumbers(text, serialize(doc))).toEqual([2, 7, 8]);
    expect(findProfilesWithValue(doc, "aws_access_key_id", KEY_A)).toEqual([]);
    // A key the profile lacks goes into its last section.
    setValue(doc, "default", "output", "json");
    expect(serialize(doc).endsWith(`aws_access_key_id = ${KEY_NEW}\noutput = json\n`)).toBe(true);
  });

  it("[default] and [profile default] in config: the later header is the profile", () => {
    const file = CORPUS.find((c) => c.name.startsWith("config with default and profile default"));
    const doc = parseIni(file?.text ?? "", { kind: "config" });
    expect(getProfile(doc, "default")).toEqual({ region: "eu-west-1" });
    expect(doc.warnings.map((w) => w.code)).toEqual(["DUPLICATE_SECTION"]);
    // A key only the earlier section has is still edited there, and added to the later one.
    const result = setValue(doc, "default", "output", "json");
    expect(result).toMatchObject({ changedLines: [2], addedLines: [6] });
    expect(getProfile(doc, "default")).toEqual({ region: "eu-west-1", output: "json" });
  });

  it("warns where the AWS SDK for JavaScript reads keys or sections differently", () => {
    const doc = parseIni("[two words]\nregion = x\n[a]\n  role_arn =\n  region = y\nk = v\n  j = w\n");
    expect(doc.warnings.map((w) => [w.code, w.line])).toEqual([
      ["SDK_UNREAD_SECTION", 1],
      ["SDK_NESTED_KEY", 5],
      ["MULTILINE_VALUE", 7],
    ]);
    expect(doc.warnings[1]?.message).toContain("`role_arn.region`");
    expect(getProfile(doc, "a")).toEqual({ role_arn: "", region: "y", k: "v\nj = w" });
  });

  it("warns about [DEFAULT] and a `profile ` prefix in the credentials file", () => {
    const doc = parseIni("[DEFAULT]\nregion = x\n[profile dev]\nregion = y\n");
    expect(doc.warnings.map((w) => w.code)).toEqual(["DEFAULT_SECTION", "PROFILE_PREFIX_IN_CREDENTIALS"]);
    expect(listProfiles(doc)).toEqual(["DEFAULT", "profile dev"]);
  });
});

describe("editing", () => {
  it("adds a missing key after the section's last key, in its neighbours' style", () => {
    const text = "[a]\nx=1\ny=2\n\n# about b\n[b]\nz = 3\n";
    const doc = parseIni(text);
    const result = setValue(doc, "a", "aws_access_key_id", KEY_A);
    expect(serialize(doc)).toBe(`[a]\nx=1\ny=2\naws_access_key_id=${KEY_A}\n\n# about b\n[b]\nz = 3\n`);
    expect(result).toMatchObject({ changedLines: [], addedLines: [4], removedLines: [] });
  });

  it("adds a key right after the header of an empty section, and after a nested block", () => {
    const doc = parseIni("[a]\n; nothing\n[b]\ns3 =\n  x = 1\n", { kind: "config" });
    expect(listProfiles(doc)).toEqual([]);
    const cfg = parseIni("[default]\n; nothing\n[profile b]\ns3 =\n  x = 1\n", { kind: "config" });
    setValue(cfg, "default", "region", "r");
    setValue(cfg, "b", "region", "q");
    expect(serialize(cfg)).toBe("[default]\nregion = r\n; nothing\n[profile b]\ns3 =\n  x = 1\nregion = q\n");
  });

  it("creates a missing profile at the end with the file's dominant line ending", () => {
    const doc = parseIni("[a]\r\nx = 1\r\ny = 2\r\n[b]\nz = 3\r\n");
    const result = setValue(doc, "new", "aws_access_key_id", KEY_A);
    expect(serialize(doc)).toBe(
      `[a]\r\nx = 1\r\ny = 2\r\n[b]\nz = 3\r\n\r\n[new]\r\naws_access_key_id = ${KEY_A}\r\n`,
    );
    expect(result.addedLines).toEqual([6, 7, 8]);
  });

  it("creates `[profile x]` in the config file and `[default]` for default", () => {
    const doc = parseIni("", { kind: "config" });
    setValue(doc, "default", "region", "us-east-1");
    setValue(doc, "dev", "region", "eu-west-1");
    expect(serialize(doc)).toBe("[default]\nregion = us-east-1\n\n[profile dev]\nregion = eu-west-1\n");
  });

  it("keeps a missing final newline missing", () => {
    const doc = parseIni("[a]\nx = 1");
    setValue(doc, "a", "y", "2");
    expect(serialize(doc)).toBe("[a]\nx = 1\ny = 2");
    setValue(doc, "b", "z", "3");
    expect(serialize(doc)).toBe("[a]\nx = 1\ny = 2\n\n[b]\nz = 3");
    removeKey(doc, "b", "z");
    expect(serialize(doc)).toBe("[a]\nx = 1\ny = 2\n\n[b]");
  });

  it("fills an empty value with the spacing the line already has", () => {
    const doc = parseIni("[a]\nx =\ny=\nz = \n");
    setValue(doc, "a", "x", "1");
    setValue(doc, "a", "y", "2");
    setValue(doc, "a", "z", "3");
    expect(serialize(doc)).toBe("[a]\nx = 1\ny=2\nz = 3\n");
  });

  it("replaces a multi-line value with its continuation lines, but refuses a nested block", () => {
    const doc = parseIni("[a]\nk = one\n  two\n# c\n  three\nj = x\ns3 =\n  a = b\n");
    const result = setValue(doc, "a", "k", "new");
    expect(serialize(doc)).toBe("[a]\nk = new\n# c\nj = x\ns3 =\n  a = b\n");
    expect(result).toMatchObject({ changedLines: [2], removedLines: [3, 5] });
    expect(() => setValue(doc, "a", "s3", "x")).toThrow(/nested block/);
  });

  it("removes a key with its continuation lines and nothing else", () => {
    const text = `[a]\naws_access_key_id = ${KEY_A}\naws_session_token = abc\n  def\naws_secret_access_key = ${SECRET_A}\n`;
    const doc = parseIni(text);
    const result = removeKey(doc, "a", "AWS_SESSION_TOKEN");
    expect(serialize(doc)).toBe(`[a]\naws_access_key_id = ${KEY_A}\naws_secret_access_key = ${SECRET_A}\n`);
    expect(result).toMatchObject({ changed: true, removedLines: [3, 4] });
    expect(removeKey(doc, "a", "absent").changed).toBe(false);
    expect(removeKey(doc, "nobody", "x").changed).toBe(false);
  });

  it("refuses values the AWS tools would read differently, without quoting them", () => {
    const doc = parseIni("[a]\n");
    for (const bad of [`${SECRET_NEW}\n`, ` ${SECRET_NEW}`, `${SECRET_NEW} #x`, "", `;${SECRET_NEW}`]) {
      let error: unknown;
      try {
        setValue(doc, "a", "aws_secret_access_key", bad);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(CredentialsFileError);
      const e = error as CredentialsFileError;
      expect(e.code).toBe("CREDENTIALS_EDIT_UNSUPPORTED");
      expect(`${e.message} ${e.fix}`).not.toContain(SECRET_NEW);
    }
    expect(serialize(doc)).toBe("[a]\n");
    expect(() => setValue(doc, "a", "bad key", "x")).toThrow(CredentialsFileError);
    expect(() => setValue(doc, "with]bracket", "k", "x")).toThrow(CredentialsFileError);
    expect(() => setValue(parseIni("", { kind: "config" }), "two words", "k", "x")).toThrow(
      CredentialsFileError,
    );
  });

  it("finds every profile holding a value", () => {
    const doc = parseIni(
      `[a]\naws_access_key_id = ${KEY_A}\n[b]\naws_access_key_id = ${KEY_B}\n[c]\naws_access_key_id=${KEY_A}\n`,
    );
    expect(findProfilesWithValue(doc, "aws_access_key_id", KEY_A)).toEqual(["a", "c"]);
    expect(findProfilesWithValue(doc, "aws_secret_access_key", KEY_A)).toEqual([]);
  });
});

describe("parse errors", () => {
  const cases: { name: string; text: string; line: number; what: RegExp; kind?: IniKind }[] = [
    {
      name: "a line that is not key = value",
      text: `[default]\naws_access_key_id = ${KEY_A}\n${SECRET_A}\n`,
      line: 3,
      what: /expected `key = value` or `\[section\]`/,
    },
    {
      name: "key = value before any section",
      text: `# c\naws_secret_access_key = ${SECRET_A}\n[a]\n`,
      line: 2,
      what: /before any/,
    },
    { name: "text before any section", text: `\n${SECRET_A}\n`, line: 2, what: /before anything else/ },
    {
      name: "unterminated [",
      text: "[default]\nx = 1\n[work\nx = 2\n",
      line: 3,
      what: /without its closing `\]`/,
    },
    { name: "empty section name", text: "[]\n", line: 1, what: /empty section name/ },
    { name: "text after ]", text: `[a]\n[b]${SECRET_A}\n`, line: 2, what: /text after the `\]`/ },
    { name: "no key name", text: `[a]\n= ${SECRET_A}\n`, line: 2, what: /no key name/ },
    {
      name: "nested line without =",
      text: `[default]\ns3 =\n  x = 1\n  ${SECRET_A}\n`,
      line: 4,
      what: /inside the nested `s3` block/,
      kind: "config",
    },
    { name: "indented section header", text: "[a]\nk = v\n  [b]\n", line: 3, what: /indented `\[section\]`/ },
    { name: "lone carriage return", text: `[a]\nk = ${SECRET_A}\rj = 2\n`, line: 2, what: /carriage return/ },
    { name: "CR at the very end", text: "[a]\nk = v\r", line: 2, what: /carriage return/ },
  ];
  for (const c of cases) {
    it(`${c.name}: names line ${c.line}, not its text`, () => {
      const e = parseError(c.text, c.kind ?? "credentials", "/home/u/.aws/credentials");
      expect(e.code).toBe("CREDENTIALS_FILE_INVALID");
      expect(e.exitCode).toBe(6);
      expect(e.line).toBe(c.line);
      expect(e.path).toBe("/home/u/.aws/credentials");
      expect(e.message).toContain(`/home/u/.aws/credentials: line ${c.line}: `);
      expect(e.message).toMatch(c.what);
      expect(e.fix).toContain(`line ${c.line}`);
      expect(`${e.message} ${e.fix}`).not.toContain(SECRET_A);
    });
  }

  it("names the line of bytes that are not UTF-8", () => {
    const bytes = Buffer.concat([
      Buffer.from("[a]\nk = v\nj = "),
      Buffer.from([0xff, 0xfe]),
      Buffer.from("\n"),
    ]);
    let error: unknown;
    try {
      decodeIniBytes(bytes, "/x/credentials");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CredentialsFileError);
    expect((error as CredentialsFileError).line).toBe(3);
    expect((error as CredentialsFileError).message).toContain("line 3: bytes that are not UTF-8");
  });

  it("decodes UTF-8 keeping the byte order mark, so bytes round-trip", () => {
    const bytes = Buffer.from("\ufeff[é]\nk = 🔑\n", "utf8");
    const text = decodeIniBytes(bytes);
    expect(text.startsWith("\ufeff")).toBe(true);
    expect(Buffer.from(serialize(parseIni(text)), "utf8").equals(bytes)).toBe(true);
  });
});
