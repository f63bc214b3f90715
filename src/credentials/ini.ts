// A lossless reader/editor for the AWS shared credentials and config files.
//
// Every line is kept (its text and its own line ending), so serialize(parseIni(text)) === text for
// every file that parses, and an edit changes only the lines it means to change.
//
// What a line means follows the AWS CLI, which reads these files with Python's
// configparser.RawConfigParser (botocore/configloader.py, raw_config_parse; checked against
// botocore 1.43 and CPython 3.11), and is cross-checked against the AWS SDK for JavaScript v3
// (@smithy/core shared-ini-file-loader parseIni.js). Where the two disagree keywarden follows the
// CLI and reports a warning, because a file edited for one reader must not break the other:
//
// - Comments are whole lines whose first non-blank character is `#` or `;`. An inline comment is
//   NOT stripped: configparser's inline_comment_prefixes is None, so for the CLI
//   `aws_secret_access_key = abc #x` has the value `abc #x`. The JS SDK cuts a line at `#`/`;`
//   preceded by whitespace; entries keep both readings (value, sdkValue) and a warning is raised.
// - `key = value` and `key: value` (configparser's delimiters; the first `=` or `:` on the line
//   splits key from value). Spacing around the delimiter and trailing whitespace are kept. The JS
//   SDK only knows `=`, so `:` draws a warning and keywarden itself always writes `=`.
// - Keys are matched case-insensitively (configparser's optionxform lower-cases them); the JS SDK
//   matches them exactly, so a key not written in lower case draws a warning. Section names are
//   case-sensitive in both.
// - A line indented deeper than the key line above it continues that key's value. After `key =`
//   with an empty value the indented lines form a nested block of `sub = value` lines
//   (botocore _parse_nested, e.g. `s3 =` / `  max_concurrent_requests = 10`).
// - Section headers: `[name]`, optionally followed by whitespace and a comment. In the config file
//   `[default]` and `[profile x]` are profiles (botocore build_profile_map splits the header like
//   shlex, so `[profile "x"]` is x), `[sso-session x]` and `[services x]` are their own kinds, and
//   anything else is another section. In the credentials file every section is a profile, named
//   exactly as written.
// - A repeated section or a key repeated inside one section makes the CLI refuse the whole file
//   (configparser strict=True: DuplicateSectionError/DuplicateOptionError); the JS SDK merges
//   repeated sections with the later value winning. keywarden accepts such a file, reads it the
//   way the JS SDK does, reports a warning, and edits every occurrence so both readers agree.
// - `[default]` and `[profile default]` in one config file are both the profile default; both
//   readers then use only the section whose header appears later, and so does getProfile.
// - The JS SDK also reads an indented key after `key =` (empty value) as part of that key's nested
//   block, and ignores credentials sections named with two words (`[my profile]`); both draw a
//   warning. Random files with no warning read the same in keywarden, botocore and the JS SDK
//   (checked while writing this; the property tests check keywarden against the CLI's model).
// - A UTF-8 byte order mark is kept. The JS SDK tolerates it; the CLI cannot parse such a file
//   (warning).
// - Refused, with the line number: a line that is none of the above; a key line before the first
//   section; `[` without `]`; `[]`; text after `]` other than a comment; a key line with no key
//   name; an indented `[section]` inside a value (the CLI would read it as part of the value, the
//   SDKs as a new section); a line in a nested block without `=`; a carriage return that does not
//   end a line (Python reads it as a line break, the JS SDK does not); bytes that are not UTF-8.
//   The message names the line and what was expected, never the line's text.
import { CredentialsFileError } from "./errors.js";

export type IniKind = "credentials" | "config";
export type LineEnding = "\n" | "\r\n" | "";
export type SectionKind = "profile" | "sso-session" | "services" | "other";
export type IniLineType = "blank" | "comment" | "section" | "key" | "continuation";

export interface IniLine {
  /** 1-based line number. */
  readonly number: number;
  /** The line's text without its line ending (and without the byte order mark on line 1). */
  readonly text: string;
  readonly eol: LineEnding;
  readonly type: IniLineType;
}

export interface IniEntry {
  /** The key as written. */
  readonly key: string;
  /** The value on the key line as the AWS CLI reads it: everything after the delimiter, trimmed. */
  readonly value: string;
  /** The value as the AWS SDK for JavaScript reads it (inline comment cut), or undefined if it does not read the line. */
  readonly sdkValue: string | undefined;
  readonly delimiter: "=" | ":";
  /** 1-based line of the key. */
  readonly line: number;
  /** 1-based line of the last continuation line (or the key line itself). */
  readonly lastLine: number;
  /** Trimmed text of the indented lines continuing a non-empty value, "" for a blank line between them (the CLI joins them with "\n"). */
  readonly continuation: readonly string[];
  /** The nested block (`key =` followed by indented `sub = value` lines), when there is one. */
  readonly nested: ReadonlyMap<string, string> | undefined;
  /** Offsets in the key line's text: key end, delimiter, value start and end. */
  readonly keyEnd: number;
  readonly delimiterAt: number;
  readonly valueStart: number;
  readonly valueEnd: number;
}

export interface IniSection {
  /** The text between `[` and `]`, as written. */
  readonly header: string;
  readonly kind: SectionKind;
  /** The profile (sso-session, services) name this section means; the header for other sections. */
  readonly name: string;
  /** 1-based line of the header. */
  readonly line: number;
  /** 1-based last line before the next header (or the end of the file). */
  readonly lastLine: number;
  readonly entries: readonly IniEntry[];
}

export type IniWarningCode =
  | "BYTE_ORDER_MARK"
  | "DUPLICATE_SECTION"
  | "DUPLICATE_KEY"
  | "INLINE_COMMENT"
  | "COLON_DELIMITER"
  | "KEY_CASE"
  | "MULTILINE_VALUE"
  | "DEFAULT_SECTION"
  | "PROFILE_PREFIX_IN_CREDENTIALS"
  | "UNREAD_SECTION"
  | "SDK_UNREAD_SECTION"
  | "SDK_NESTED_KEY";

/** Something the file does that the AWS CLI and the AWS SDKs read differently (or not at all). */
export interface IniWarning {
  readonly code: IniWarningCode;
  readonly line: number;
  /** Names keys, profiles and line numbers; never a value. */
  readonly message: string;
}

export interface IniDocument {
  readonly kind: IniKind;
  /** The file the text came from, for error messages. */
  readonly path: string | undefined;
  /** The text started with a UTF-8 byte order mark (kept on serialize). */
  readonly bom: boolean;
  lines: readonly IniLine[];
  sections: readonly IniSection[];
  warnings: readonly IniWarning[];
}

export interface ParseIniOptions {
  readonly kind?: IniKind;
  /** The file the text came from, named in parse errors. */
  readonly path?: string | undefined;
  /** Alias of `path`. */
  readonly file?: string | undefined;
}

/** What an edit did, in line numbers: changed and added lines in the new document, removed ones in the old. */
export interface EditResult {
  readonly changed: boolean;
  readonly changedLines: readonly number[];
  readonly addedLines: readonly number[];
  readonly removedLines: readonly number[];
}

const BOM = "\ufeff";

interface RawLine {
  readonly text: string;
  readonly eol: LineEnding;
}

// ---------------------------------------------------------------------------------------------
// Parsing

export function parseIni(text: string, opts: ParseIniOptions = {}): IniDocument {
  const kind = opts.kind ?? "credentials";
  const path = opts.path ?? opts.file;
  const bom = text.startsWith(BOM);
  const raw = splitLines(bom ? text.slice(1) : text);
  const analysed = analyse(raw, kind, path, bom);
  return { kind, path, bom, ...analysed };
}

/** Decodes a file's bytes as strict UTF-8, keeping a byte order mark; names the first line that is not UTF-8. */
export function decodeIniBytes(bytes: Uint8Array, path?: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (cause) {
    const lineDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
    let line = 1;
    let start = 0;
    for (let i = 0; i <= bytes.length; i++) {
      if (i === bytes.length || bytes[i] === 0x0a) {
        try {
          lineDecoder.decode(bytes.subarray(start, i));
        } catch {
          break;
        }
        line++;
        start = i + 1;
      }
    }
    throw parseError(path, line, "bytes that are not UTF-8 text", cause);
  }
}

export function serialize(doc: IniDocument): string {
  let out = doc.bom ? BOM : "";
  for (const line of doc.lines) out += line.text + line.eol;
  return out;
}

function splitLines(text: string): RawLine[] {
  const out: RawLine[] = [];
  let start = 0;
  while (start < text.length) {
    const nl = text.indexOf("\n", start);
    if (nl === -1) {
      out.push({ text: text.slice(start), eol: "" });
      break;
    }
    if (nl > start && text.charCodeAt(nl - 1) === 13)
      out.push({ text: text.slice(start, nl - 1), eol: "\r\n" });
    else out.push({ text: text.slice(start, nl), eol: "\n" });
    start = nl + 1;
  }
  return out;
}

function parseError(
  path: string | undefined,
  line: number,
  what: string,
  cause?: unknown,
): CredentialsFileError {
  const where = path === undefined ? "" : ` ${path}`;
  return new CredentialsFileError(
    "CREDENTIALS_FILE_INVALID",
    `Cannot parse the AWS file${where}: line ${line}: ${what}.`,
    `Fix line ${line} in an editor (keywarden left the file unchanged), then run the command again.`,
    { path, line },
    cause === undefined ? undefined : { cause },
  );
}

function indentOf(text: string): number {
  const m = /\S/.exec(text);
  return m === null ? text.length : m.index;
}

/** The JS SDK's reading of a line: cut at `#`/`;` at the start or after whitespace, then trimmed. */
function sdkCut(text: string): string {
  return (text.split(/(?:^|\s)[;#]/)[0] ?? "").trim();
}

interface EntryBuilder {
  key: string;
  value: string;
  sdkValue: string | undefined;
  delimiter: "=" | ":";
  line: number;
  lastLine: number;
  continuation: string[];
  nested: Map<string, string> | undefined;
  /** Blank lines seen since the last continuation line (configparser keeps them inside a value). */
  pendingBlanks: number;
  keyEnd: number;
  delimiterAt: number;
  valueStart: number;
  valueEnd: number;
}

interface SectionBuilder {
  header: string;
  kind: SectionKind;
  name: string;
  line: number;
  lastLine: number;
  entries: EntryBuilder[];
}

interface Analysed {
  lines: IniLine[];
  sections: IniSection[];
  warnings: IniWarning[];
}

function analyse(raw: readonly RawLine[], kind: IniKind, path: string | undefined, bom: boolean): Analysed {
  const lines: IniLine[] = [];
  const sections: SectionBuilder[] = [];
  const warnings: IniWarning[] = [];
  let section: SectionBuilder | undefined;
  let entry: EntryBuilder | undefined;
  let indentLevel = 0;

  if (bom) {
    warnings.push({
      code: "BYTE_ORDER_MARK",
      line: 1,
      message:
        "the file starts with a UTF-8 byte order mark: the AWS SDK for JavaScript accepts it, but the AWS CLI cannot parse the file",
    });
  }

  raw.forEach(({ text, eol }, index) => {
    const number = index + 1;
    const push = (type: IniLineType): void => {
      lines.push({ number, text, eol, type });
      if (section !== undefined) section.lastLine = number;
    };
    if (text.includes("\r")) {
      throw parseError(
        path,
        number,
        "a carriage return that does not end the line (save the file with LF or CRLF line endings)",
      );
    }
    const trimmed = text.trim();
    if (trimmed === "") {
      if (entry !== undefined) entry.pendingBlanks++;
      push("blank");
      return;
    }
    if (trimmed.startsWith("#") || trimmed.startsWith(";")) {
      push("comment");
      return;
    }
    const indent = indentOf(text);

    if (section !== undefined && entry !== undefined && indent > indentLevel) {
      const sdk = sdkCut(text);
      if (sdk.startsWith("[") && sdk.endsWith("]")) {
        throw parseError(
          path,
          number,
          "an indented `[section]` header (remove the indentation: the AWS CLI reads an indented line as part of the value above)",
        );
      }
      if (entry.value === "") {
        const eq = trimmed.indexOf("=");
        if (eq === -1) {
          throw parseError(
            path,
            number,
            `expected \`name = value\` inside the nested \`${entry.key}\` block`,
          );
        }
        entry.nested ??= new Map();
        entry.nested.set(trimmed.slice(0, eq).trim(), trimmed.slice(eq + 1).trim());
      } else {
        if (entry.continuation.length === 0) {
          warnings.push({
            code: "MULTILINE_VALUE",
            line: number,
            message: `line ${number} is indented under \`${entry.key}\` (line ${entry.line}): the AWS CLI reads it as more of that value, the AWS SDK for JavaScript does not`,
          });
        }
        for (; entry.pendingBlanks > 0; entry.pendingBlanks--) entry.continuation.push("");
        entry.continuation.push(trimmed);
      }
      entry.lastLine = number;
      push("continuation");
      return;
    }

    indentLevel = indent;
    entry = undefined;

    if (trimmed.startsWith("[")) {
      const close = trimmed.indexOf("]");
      if (close === -1) throw parseError(path, number, "a section header `[` without its closing `]`");
      const header = trimmed.slice(1, close);
      if (header === "") throw parseError(path, number, "an empty section name `[]`");
      const rest = trimmed.slice(close + 1);
      if (rest !== "" && !/^\s+[#;][^\]]*$/.test(rest)) {
        throw parseError(
          path,
          number,
          "text after the `]` of a section header (only a comment may follow it)",
        );
      }
      const { kind: sectionKind, name } = classifySection(header, kind);
      section = { header, kind: sectionKind, name, line: number, lastLine: number, entries: [] };
      sections.push(section);
      lines.push({ number, text, eol, type: "section" });
      return;
    }

    const delimiterMatch = /[=:]/.exec(text.slice(indent));
    if (section === undefined) {
      throw parseError(
        path,
        number,
        delimiterMatch === null
          ? "expected a `[section]` header before anything else"
          : "a `key = value` line before any `[section]` header",
      );
    }
    if (delimiterMatch === null) throw parseError(path, number, "expected `key = value` or `[section]`");
    const delimiterAt = indent + delimiterMatch.index;
    const key = text.slice(indent, delimiterAt).trimEnd();
    if (key === "") throw parseError(path, number, "a value with no key name before the `=`");
    const keyEnd = indent + key.length;
    let valueStart = delimiterAt + 1;
    while (valueStart < text.length && /\s/.test(text.charAt(valueStart))) valueStart++;
    let valueEnd = text.length;
    while (valueEnd > valueStart && /\s/.test(text.charAt(valueEnd - 1))) valueEnd--;
    const delimiter = text.charAt(delimiterAt) === ":" ? ":" : "=";
    const cut = sdkCut(text);
    const eq = cut.indexOf("=");
    const sdkKey = eq > 0 ? cut.slice(0, eq).trim() : undefined;
    const sdkValue = sdkKey === key ? cut.slice(eq + 1).trim() : undefined;
    entry = {
      key,
      value: text.slice(valueStart, valueEnd),
      sdkValue,
      delimiter,
      line: number,
      lastLine: number,
      continuation: [],
      nested: undefined,
      pendingBlanks: 0,
      keyEnd,
      delimiterAt,
      valueStart,
      valueEnd,
    };
    section.entries.push(entry);
    push("key");
  });

  warnings.push(...lintSections(sections, kind));
  warnings.sort((a, b) => a.line - b.line);
  return { lines, sections, warnings };
}

/** botocore splits config headers with shlex; this is the subset that matters for a header. */
export function shlexSplit(s: string): string[] | undefined {
  const parts: string[] = [];
  let cur = "";
  let inWord = false;
  let i = 0;
  while (i < s.length) {
    const c = s.charAt(i);
    if (/\s/.test(c)) {
      if (inWord) parts.push(cur);
      cur = "";
      inWord = false;
      i++;
    } else if (c === "'" || c === '"') {
      const end = s.indexOf(c, i + 1);
      if (end === -1) return undefined;
      cur += s.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === "\\") {
      if (i + 1 >= s.length) return undefined;
      cur += s.charAt(i + 1);
      inWord = true;
      i += 2;
    } else {
      cur += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) parts.push(cur);
  return parts;
}

const PREFIXED_KINDS = ["profile", "sso-session", "services"] as const;

function classifySection(header: string, kind: IniKind): { kind: SectionKind; name: string } {
  if (kind === "credentials") return { kind: "profile", name: header };
  if (header === "default") return { kind: "profile", name: "default" };
  for (const prefix of PREFIXED_KINDS) {
    if (!header.startsWith(prefix)) continue;
    const parts = shlexSplit(header);
    if (parts?.length === 2 && parts[0] === prefix && parts[1] !== undefined) {
      return { kind: prefix, name: parts[1] };
    }
  }
  return { kind: "other", name: header };
}

function lintSections(sections: readonly SectionBuilder[], kind: IniKind): IniWarning[] {
  const warnings: IniWarning[] = [];
  const firstByName = new Map<string, SectionBuilder>();
  for (const s of sections) {
    if (s.header === "DEFAULT") {
      warnings.push({
        code: "DEFAULT_SECTION",
        line: s.line,
        message: `[DEFAULT] (line ${s.line}): the AWS CLI adds its keys to every profile; the AWS SDKs treat it as a profile named DEFAULT`,
      });
    }
    if (kind === "credentials" && /^profile\s/.test(s.header)) {
      warnings.push({
        code: "PROFILE_PREFIX_IN_CREDENTIALS",
        line: s.line,
        message: `[${s.header}] (line ${s.line}): in the credentials file a section is the profile name itself; the \`profile \` prefix belongs in the config file`,
      });
    }
    const twoWords = /^([\w-]+)\s(["'])?([\w\-@+.%:/]+)\2$/.exec(s.header);
    if (kind === "credentials" && twoWords !== null && twoWords[1] !== "profile") {
      warnings.push({
        code: "SDK_UNREAD_SECTION",
        line: s.line,
        message: `[${s.header}] (line ${s.line}): the AWS CLI reads this profile, the AWS SDK for JavaScript ignores a section named with two words`,
      });
    }
    if (kind === "config" && s.kind === "other" && PREFIXED_KINDS.some((p) => s.header.startsWith(p))) {
      warnings.push({
        code: "UNREAD_SECTION",
        line: s.line,
        message: `[${s.header}] (line ${s.line}) is not \`[profile name]\`, \`[sso-session name]\` or \`[services name]\`: the AWS tools ignore it`,
      });
    }
    const id = `${s.kind}\u0000${s.name}`;
    const first = firstByName.get(id);
    if (first === undefined) {
      firstByName.set(id, s);
    } else {
      const what = s.kind === "other" ? `section [${s.header}]` : `${s.kind} \`${s.name}\``;
      warnings.push({
        code: "DUPLICATE_SECTION",
        line: s.line,
        message:
          first.header === s.header
            ? `${what} appears again at line ${s.line} (first at line ${first.line}): the AWS CLI refuses a file with a repeated section; the AWS SDK for JavaScript merges them, a later value winning`
            : `${what} is defined by [${first.header}] (line ${first.line}) and again by [${s.header}] (line ${s.line}): the AWS CLI uses only the later one, the AWS SDK for JavaScript only [profile ${s.name}]`,
      });
    }
    const keys = new Map<string, EntryBuilder>();
    // The JS SDK starts a nested block at any `key =` with an empty value and ends it only at a
    // key line that is not indented, so an indented key after an empty value joins that block.
    let sdkBlock: EntryBuilder | undefined;
    for (const e of s.entries) {
      const indented = e.keyEnd > e.key.length;
      if (e.sdkValue === "") sdkBlock = e;
      else if (e.sdkValue !== undefined && !indented) sdkBlock = undefined;
      else if (e.sdkValue !== undefined && sdkBlock !== undefined) {
        warnings.push({
          code: "SDK_NESTED_KEY",
          line: e.line,
          message: `\`${e.key}\` (line ${e.line}) is indented after \`${sdkBlock.key} =\` (line ${sdkBlock.line}): the AWS CLI reads it as a key of its own, the AWS SDK for JavaScript as \`${sdkBlock.key}.${e.key}\``,
        });
      }
      const lower = e.key.toLowerCase();
      const seen = keys.get(lower);
      if (seen === undefined) keys.set(lower, e);
      else {
        warnings.push({
          code: "DUPLICATE_KEY",
          line: e.line,
          message: `\`${e.key}\` appears again in [${s.header}] at line ${e.line} (first at line ${seen.line}): the AWS CLI refuses such a file; the AWS SDK for JavaScript uses the later value`,
        });
      }
      if (e.key !== lower) {
        warnings.push({
          code: "KEY_CASE",
          line: e.line,
          message: `\`${e.key}\` (line ${e.line}) is not lower case: the AWS CLI matches keys in any case, the AWS SDK for JavaScript only as written`,
        });
      }
      if (e.delimiter === ":") {
        warnings.push({
          code: "COLON_DELIMITER",
          line: e.line,
          message: `\`${e.key}\` (line ${e.line}) uses \`:\` instead of \`=\`: the AWS CLI reads it, the AWS SDK for JavaScript does not`,
        });
      } else if (e.sdkValue !== undefined && e.sdkValue !== e.value) {
        warnings.push({
          code: "INLINE_COMMENT",
          line: e.line,
          message: `the value of \`${e.key}\` (line ${e.line}) contains \` #\` or \` ;\`: the AWS CLI reads it as part of the value, the AWS SDK for JavaScript as the start of a comment`,
        });
      }
    }
  }
  return warnings;
}

// ---------------------------------------------------------------------------------------------
// Reading

/** Profile names in order of first appearance (config: `[default]`, `[profile x]`; credentials: every section). */
export function listProfiles(doc: IniDocument): string[] {
  const names: string[] = [];
  for (const s of doc.sections) if (s.kind === "profile" && !names.includes(s.name)) names.push(s.name);
  return names;
}

/** Every section that belongs to the profile, in file order. */
export function profileSections(doc: IniDocument, name: string): IniSection[] {
  return doc.sections.filter((s) => s.kind === "profile" && s.name === name);
}

/**
 * The sections the AWS tools read for the profile: when one profile has two different headers
 * (`[default]` and `[profile default]`), only the header whose first appearance is later counts;
 * repeated sections with the same header are merged.
 */
function effectiveSections(doc: IniDocument, name: string): IniSection[] {
  const all = profileSections(doc, name);
  const last = all.at(-1);
  if (last === undefined) return [];
  const headers = [...new Set(all.map((s) => s.header))];
  const winner = headers.at(-1) ?? last.header;
  return all.filter((s) => s.header === winner);
}

function entryValue(e: IniEntry): string {
  return e.continuation.length === 0 ? e.value : [e.value, ...e.continuation].join("\n");
}

/**
 * The profile's values keyed by lower-case key (a null-prototype object); a nested block's values
 * appear as `parent.sub`, a multi-line value joined with "\n". A key repeated in the profile: the
 * later line wins. Undefined when there is no such profile.
 */
export function getProfile(doc: IniDocument, name: string): Readonly<Record<string, string>> | undefined {
  const sections = effectiveSections(doc, name);
  if (sections.length === 0) return undefined;
  const values = Object.create(null) as Record<string, string>;
  for (const s of sections) {
    for (const e of s.entries) {
      const key = e.key.toLowerCase();
      for (const k of Object.keys(values)) if (k.startsWith(`${key}.`)) Reflect.deleteProperty(values, k);
      values[key] = entryValue(e);
      if (e.nested !== undefined) for (const [sub, v] of e.nested) values[`${key}.${sub}`] = v;
    }
  }
  return values;
}

function entriesFor(
  doc: IniDocument,
  profile: string,
  key: string,
): { section: IniSection; entry: IniEntry }[] {
  const lower = key.toLowerCase();
  const out: { section: IniSection; entry: IniEntry }[] = [];
  for (const section of profileSections(doc, profile)) {
    for (const entry of section.entries) if (entry.key.toLowerCase() === lower) out.push({ section, entry });
  }
  return out;
}

/**
 * Profiles where some line sets `key` to `value` (as the AWS CLI or the AWS SDK for JavaScript
 * reads it), in order of first appearance. Every occurrence counts, not only the winning one, so
 * a stale copy in a repeated section is found too.
 */
export function findProfilesWithValue(doc: IniDocument, key: string, value: string): string[] {
  const lower = key.toLowerCase();
  const names: string[] = [];
  for (const s of doc.sections) {
    if (s.kind !== "profile" || names.includes(s.name)) continue;
    if (s.entries.some((e) => e.key.toLowerCase() === lower && (e.value === value || e.sdkValue === value))) {
      names.push(s.name);
    }
  }
  return names;
}

// ---------------------------------------------------------------------------------------------
// Editing (in place; the document is re-analysed after each edit, so its structure stays exact)

function dominantEol(doc: IniDocument): "\n" | "\r\n" {
  let crlf = 0;
  let lf = 0;
  for (const l of doc.lines) {
    if (l.eol === "\r\n") crlf++;
    else if (l.eol === "\n") lf++;
  }
  return crlf > lf ? "\r\n" : "\n";
}

interface Patch {
  /** Old 0-based line index -> new text. */
  readonly replace?: ReadonlyMap<number, string>;
  /** Old 0-based line indexes to drop. */
  readonly drop?: ReadonlySet<number>;
  /** Lines to insert after the old 0-based index (-1: before the first line). */
  readonly insertAfter?: ReadonlyMap<number, readonly string[]>;
}

function applyPatch(doc: IniDocument, patch: Patch): EditResult {
  const eol = dominantEol(doc);
  const noFinalNewline = doc.lines.at(-1)?.eol === "";
  const out: (RawLine & { old: number | undefined })[] = [];
  const removedLines: number[] = [];
  const insert = (after: number): void => {
    for (const text of patch.insertAfter?.get(after) ?? []) out.push({ text, eol, old: undefined });
  };
  insert(-1);
  doc.lines.forEach((line, i) => {
    if (patch.drop?.has(i) === true) removedLines.push(line.number);
    else out.push({ text: patch.replace?.get(i) ?? line.text, eol: line.eol, old: i });
    insert(i);
  });
  const fixed = out.map((l, i) => {
    const isLast = i === out.length - 1;
    let lineEol = l.eol;
    if (!isLast && lineEol === "") lineEol = eol;
    if (isLast && noFinalNewline) lineEol = "";
    return { ...l, eol: lineEol };
  });
  const changedLines: number[] = [];
  const addedLines: number[] = [];
  fixed.forEach((l, i) => {
    if (l.old === undefined) addedLines.push(i + 1);
    else {
      const before = doc.lines[l.old];
      if (before === undefined || before.text !== l.text || before.eol !== l.eol) changedLines.push(i + 1);
    }
  });
  const analysed = analyse(fixed, doc.kind, doc.path, doc.bom);
  doc.lines = analysed.lines;
  doc.sections = analysed.sections;
  doc.warnings = analysed.warnings;
  return {
    changed: changedLines.length + addedLines.length + removedLines.length > 0,
    changedLines,
    addedLines,
    removedLines,
  };
}

function editError(message: string, fix: string): CredentialsFileError {
  return new CredentialsFileError("CREDENTIALS_EDIT_UNSUPPORTED", message, fix);
}

function checkKeyName(key: string): void {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(key)) {
    throw editError(
      `Cannot write the key \`${key}\`: a key name is letters, digits, \`_\`, \`.\` and \`-\`.`,
      "Use a key name such as aws_access_key_id.",
    );
  }
}

function checkValue(key: string, value: string): void {
  let problem: string | undefined;
  if (value === "") problem = "is empty (remove the key instead)";
  else if (/[\r\n]/.test(value)) problem = "contains a line break";
  else if (value.trim() !== value) problem = "starts or ends with whitespace, which the AWS tools drop";
  else if (/(?:^|\s)[#;]/.test(value)) {
    problem = "contains `#` or `;` at its start or after whitespace, which the AWS SDKs read as a comment";
  }
  if (problem !== undefined) {
    // The value itself is never quoted: it may be a secret.
    throw editError(`Cannot write the new value of \`${key}\`: it ${problem}.`, "Pass a single-line value.");
  }
}

function checkNewProfileName(doc: IniDocument, name: string): void {
  const bad =
    name === "" ||
    name.trim() !== name ||
    /[[\]\r\n]/.test(name) ||
    /^[#;]/.test(name) ||
    name === "__proto__" ||
    (doc.kind === "config" && /[\s'"\\]/.test(name));
  if (bad) {
    throw editError(
      `Cannot add the profile \`${name}\`: the name is empty, has surrounding whitespace, brackets, quotes or line breaks, or is reserved.`,
      "Choose a profile name of letters, digits, `-`, `_` and `.`.",
    );
  }
}

function keyLineFrom(
  template: IniEntry | undefined,
  lineText: string | undefined,
  key: string,
  value: string,
): string {
  if (template === undefined || lineText === undefined) return `${key} = ${value}`;
  const indent = lineText.slice(0, indentOf(lineText));
  if (template.delimiter === ":") return `${indent}${key} = ${value}`;
  const before = lineText.slice(template.keyEnd, template.delimiterAt);
  const after =
    template.value === "" ? before : lineText.slice(template.delimiterAt + 1, template.valueStart);
  return `${indent}${key}${before}=${after}${value}`;
}

function lineText(doc: IniDocument, number: number): string {
  const line = doc.lines[number - 1];
  if (line === undefined) throw new Error(`internal: no line ${number}`);
  return line.text;
}

function withValue(text: string, entry: IniEntry, value: string): string {
  let head = text.slice(0, entry.valueStart);
  if (entry.value === "" && entry.valueStart === entry.delimiterAt + 1 && entry.keyEnd < entry.delimiterAt) {
    head += text.slice(entry.keyEnd, entry.delimiterAt); // `key =` -> `key = value`, matching the space before `=`
  }
  return head + value + text.slice(entry.valueEnd);
}

function continuationIndexes(doc: IniDocument, entry: IniEntry): number[] {
  const out: number[] = [];
  for (let n = entry.line + 1; n <= entry.lastLine; n++)
    if (doc.lines[n - 1]?.type === "continuation") out.push(n - 1);
  return out;
}

/**
 * Sets `key` in `profile` to `value`. Every line that sets the key in the profile (repeated
 * sections included) gets the new value: only the value part of the line changes, so the key's
 * spelling, the spacing around `=`, trailing whitespace and the line ending are kept; indented
 * lines continuing an old multi-line value are removed with it. If the sections the AWS tools read
 * for the profile lack the key, a line in the style of its neighbours is added after the last key
 * of the profile's last section; if the profile does not exist, a section is appended at the end of
 * the file (`[name]`, or in the config file `[profile name]` / `[default]`), using the file's
 * dominant line ending. A file without a final newline keeps having none.
 */
export function setValue(doc: IniDocument, profile: string, key: string, value: string): EditResult {
  checkKeyName(key);
  checkValue(key, value);
  const found = entriesFor(doc, profile, key);
  for (const { entry } of found) {
    if (entry.nested !== undefined) {
      throw editError(
        `Cannot replace \`${entry.key}\` in profile \`${profile}\` (line ${entry.line}): it is a nested block.`,
        "Edit the nested block by hand.",
      );
    }
  }
  const replace = new Map<number, string>();
  const drop = new Set<number>();
  const insertAfter = new Map<number, string[]>();
  for (const { entry } of found) {
    replace.set(entry.line - 1, withValue(lineText(doc, entry.line), entry, value));
    for (const i of continuationIndexes(doc, entry)) drop.add(i);
  }

  const effective = effectiveSections(doc, profile);
  const target = effective.at(-1);
  const lower = key.toLowerCase();
  if (target === undefined) {
    checkNewProfileName(doc, profile);
    const template = doc.sections.flatMap((s) => s.entries).at(-1);
    const header =
      doc.kind === "credentials" || profile === "default" ? `[${profile}]` : `[profile ${profile}]`;
    const last = doc.lines.at(-1);
    const block = [
      ...(last !== undefined && last.type !== "blank" ? [""] : []),
      header,
      keyLineFrom(template, template && lineText(doc, template.line), key, value),
    ];
    insertAfter.set(doc.lines.length - 1, block);
  } else if (!effective.some((s) => s.entries.some((e) => e.key.toLowerCase() === lower))) {
    const template = target.entries.at(-1) ?? doc.sections.flatMap((s) => s.entries).at(-1);
    const after = target.entries.at(-1)?.lastLine ?? target.line;
    let line = keyLineFrom(template, template && lineText(doc, template.line), key, value);
    // The next key or header must not end up indented deeper than the new line, or the AWS CLI
    // would read it as a continuation of the new value: indent the new line as deep as it.
    const next = doc.lines.slice(after).find((l) => l.type === "key" || l.type === "section");
    if (next !== undefined && indentOf(next.text) > indentOf(line)) {
      line = next.text.slice(0, indentOf(next.text)) + line.slice(indentOf(line));
    }
    insertAfter.set(after - 1, [line]);
  }
  return applyPatch(doc, { replace, drop, insertAfter });
}

/** Removes every line setting `key` in `profile` (with its continuation lines). No-op when absent. */
export function removeKey(doc: IniDocument, profile: string, key: string): EditResult {
  const drop = new Set<number>();
  for (const { entry } of entriesFor(doc, profile, key)) {
    drop.add(entry.line - 1);
    for (const i of continuationIndexes(doc, entry)) drop.add(i);
  }
  return applyPatch(doc, { drop });
}
