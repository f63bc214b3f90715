// Property tests over random files from a seeded generator: every failure names its seed, so it
// can be replayed by setting SEED below.
import { describe, expect, it } from "vitest";
import { CredentialsFileError } from "./errors.js";
import { decodeIniBytes, getProfile, listProfiles, parseIni, removeKey, serialize, setValue } from "./ini.js";
import type { IniKind, LineEnding } from "./ini.js";

const SEED = 0x6b657977; // "keyw"
const FILES = 600;

/** mulberry32: a small, fast, seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Gen {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = prng(seed);
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    const x = xs[Math.floor(this.next() * xs.length)];
    if (x === undefined) throw new Error("pick from an empty list");
    return x;
  }
  word(alphabet: string, lo: number, hi: number): string {
    const chars = Array.from(alphabet); // code points, so an emoji stays whole
    let s = "";
    for (let i = this.int(lo, hi); i > 0; i--) s += this.pick(chars);
    return s;
  }
}

const KEY_HEAD = "abcdefghijklmnopqrstuvwxyz_";
const KEY_TAIL = "abcdefghijklmnopqrstuvwxyz0123456789_";
const VALUE_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+=#:;._-é🔑";
const NAME_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789-_.@+é生";

interface KeyLine {
  /** 0-based line index. */
  readonly index: number;
  readonly profile: string;
  readonly key: string;
  readonly value: string;
  /** A plain single-line entry (not nested, not continued). */
  readonly simple: boolean;
}

interface Generated {
  readonly kind: IniKind;
  readonly text: string;
  readonly lines: { text: string; eol: LineEnding }[];
  readonly bom: boolean;
  /** What the AWS CLI reads: profile -> lower-case key -> value. */
  readonly model: Map<string, Map<string, string>>;
  readonly keyLines: KeyLine[];
  /** 0-based index of the first section header, or the line count when there is none. */
  readonly firstHeader: number;
  /** Indented positions inside nested blocks: [after line index, indent]. */
  readonly nestedEnds: [number, number][];
}

function generate(g: Gen): Generated {
  const kind: IniKind = g.chance(0.5) ? "credentials" : "config";
  const eolMode = g.pick(["lf", "crlf", "mixed"] as const);
  const eol = (): LineEnding =>
    eolMode === "lf" ? "\n" : eolMode === "crlf" ? "\r\n" : g.pick(["\n", "\r\n"]);
  const lines: { text: string; eol: LineEnding }[] = [];
  const add = (text: string): number => {
    lines.push({ text, eol: eol() });
    return lines.length - 1;
  };
  const ws = (options: readonly string[]): string => g.pick(options);
  const comment = (): string =>
    `${ws(["", "", " ", "\t", "    "])}${g.pick(["#", ";"])}${g.word(VALUE_CHARS + " []", 0, 20)}`;
  const filler = (): void => {
    for (let i = g.int(0, 2); i > 0; i--) add(g.chance(0.5) ? comment() : ws(["", "", " ", "\t", "  \t "]));
  };
  const model = new Map<string, Map<string, string>>();
  const keyLines: KeyLine[] = [];
  const nestedEnds: [number, number][] = [];
  const used = new Set<string>();

  filler();
  const firstHeader = lines.length;
  let hasDefault = false;
  let lastKeyIndent: number | undefined;
  for (let s = g.int(0, 6); s > 0; s--) {
    // The section header and what it means.
    let header: string;
    let profile: string | undefined;
    if (kind === "credentials") {
      do {
        header = g.word(NAME_CHARS, 1, 8) + (g.chance(0.1) ? ` ${g.word(NAME_CHARS, 1, 5)}` : "");
      } while (used.has(header) || header === "DEFAULT");
      profile = header;
    } else {
      const what = g.pick([
        "default",
        "profile",
        "profile",
        "quoted",
        "sso-session",
        "services",
        "other",
      ] as const);
      const name = g.word("abcdefghij0123456789-_", 1, 8);
      if (what === "default" && !hasDefault) {
        hasDefault = true;
        header = "default";
        profile = "default";
      } else if (what === "profile" || what === "quoted" || what === "default") {
        header = what === "quoted" ? `profile "${name}"` : `profile ${name}`;
        profile = name;
      } else if (what === "other") {
        header = g.pick(["plugins", "preview", "cli"]) + name;
      } else {
        header = `${what} ${name}`;
      }
      if (profile !== undefined && used.has(`p:${profile}`)) continue;
      if (profile !== undefined) used.add(`p:${profile}`);
    }
    used.add(header);
    // A header indented deeper than the key line above it would continue that key's value.
    const headerIndent = ws(["", "", " ", "\t", "  "]);
    const indent = lastKeyIndent === undefined || headerIndent.length <= lastKeyIndent ? headerIndent : "";
    const headerComment = g.chance(0.15) ? ` ${g.pick(["#", ";"])}${g.word(VALUE_CHARS + " ", 0, 12)}` : "";
    add(`${indent}[${header}]${ws(["", "", " ", "\t"])}${headerComment}`);
    lastKeyIndent = undefined;
    const values = new Map<string, string>();
    if (profile !== undefined) model.set(profile, values);
    const base = ws(["", "", "", " ", "  ", "\t"]);
    const keys = new Set<string>();
    for (let e = g.int(0, 6); e > 0; e--) {
      let key: string;
      do key = g.word(KEY_HEAD, 1, 1) + g.word(KEY_TAIL, 0, 12);
      while (keys.has(key));
      keys.add(key);
      lastKeyIndent = base.length;
      const before = ws(["", " ", " ", "  ", "\t"]);
      const after = ws(["", " ", " ", "   ", "\t"]);
      const trailing = ws(["", "", "", " ", "\t"]);
      const shape = g.pick([
        "plain",
        "plain",
        "plain",
        "plain",
        "plain",
        "plain",
        "nested",
        "empty",
        "multi",
      ] as const);
      if (shape === "nested") {
        const index = add(`${base}${key}${before}=${trailing}`);
        values.set(key, "");
        const deeper = `${base}${ws(["  ", "    ", "\t", " "])}`;
        let last = index;
        for (let c = g.int(1, 3); c > 0; c--) {
          if (g.chance(0.2)) add(g.chance(0.5) ? comment() : "");
          const sub = g.word(KEY_HEAD, 1, 1) + g.word(KEY_TAIL, 0, 8);
          const v = g.word(VALUE_CHARS.replace(/[#;]/g, ""), 1, 10);
          last = add(`${deeper}${sub}${ws(["", " "])}=${ws(["", " "])}${v}`);
          values.set(`${key}.${sub}`, v);
        }
        nestedEnds.push([last, deeper.length + 1]);
        keyLines.push({ index, profile: profile ?? "", key, value: "", simple: false });
      } else if (shape === "multi") {
        const first = g.word(VALUE_CHARS, 1, 10);
        const index = add(`${base}${key}${before}=${after}${first}${trailing}`);
        const deeper = `${base}${ws(["  ", "\t", " "])}`;
        const parts = [first];
        for (let c = g.int(1, 3); c > 0; c--) {
          if (g.chance(0.3)) {
            add("");
            parts.push("");
          }
          const more = g.word("abcdefghij0123456789=/+ ", 1, 12).trim() || "x";
          add(`${deeper}${more}`);
          parts.push(more);
        }
        values.set(key, parts.join("\n"));
        keyLines.push({ index, profile: profile ?? "", key, value: first, simple: false });
      } else {
        let value = shape === "empty" ? "" : g.word(VALUE_CHARS, 1, 30);
        if (value !== "" && g.chance(0.2)) value += ` ${g.word(VALUE_CHARS, 1, 8)}`; // inner space (maybe ` #`)
        const index = add(`${base}${key}${before}=${value === "" ? "" : after}${value}${trailing}`);
        values.set(key, value);
        keyLines.push({ index, profile: profile ?? "", key, value, simple: true });
      }
      if (g.chance(0.3)) filler();
    }
    filler();
  }
  const bom = g.chance(0.05);
  const last = lines.at(-1);
  if (last !== undefined && last.text !== "" && g.chance(0.2)) last.eol = ""; // an empty last line needs its newline
  const text = (bom ? "\ufeff" : "") + lines.map((l) => l.text + l.eol).join("");
  return { kind, text, lines, bom, model, keyLines, firstHeader, nestedEnds };
}

function join(lines: readonly { text: string; eol: LineEnding }[], bom: boolean): string {
  return (bom ? "\ufeff" : "") + lines.map((l) => l.text + l.eol).join("");
}

function eachFile(count: number, seed: number, body: (f: Generated, g: Gen, seed: number) => void): void {
  for (let i = 0; i < count; i++) {
    const fileSeed = (seed + i * 7919) >>> 0;
    const g = new Gen(fileSeed);
    const f = generate(g);
    try {
      body(f, g, fileSeed);
    } catch (e) {
      throw new Error(`seed ${fileSeed} (file ${i}) failed: ${e instanceof Error ? e.message : String(e)}`, {
        cause: e,
      });
    }
  }
}

describe("random valid files", () => {
  it(`${FILES} files round-trip byte-identically and read as the AWS CLI reads them`, () => {
    let profiles = 0;
    eachFile(FILES, SEED, (f) => {
      const doc = parseIni(f.text, { kind: f.kind });
      expect(serialize(doc)).toBe(f.text);
      expect(listProfiles(doc)).toEqual([...f.model.keys()]);
      for (const [name, values] of f.model) {
        profiles++;
        expect(getProfile(doc, name)).toEqual(Object.fromEntries(values));
      }
    });
    expect(profiles).toBeGreaterThan(FILES);
  });

  it("setValue on a random key changes exactly that line, and only its value", () => {
    let edits = 0;
    eachFile(FILES, SEED ^ 1, (f, g) => {
      const candidates = f.keyLines.filter((k) => k.simple && f.model.has(k.profile));
      if (candidates.length === 0) return;
      const target = g.pick(candidates);
      const doc = parseIni(f.text, { kind: f.kind });
      const value = g.word(VALUE_CHARS.replace(/[#;]/g, ""), 1, 40);
      const result = setValue(doc, target.profile, target.key, value);
      const old = f.lines[target.index];
      if (old === undefined) throw new Error("no such line");
      let expected: string;
      if (target.value === "") {
        const spaceBefore = /(\s*)=/.exec(old.text)?.[1] ?? "";
        expected = old.text + (old.text.endsWith("=") && spaceBefore !== "" ? spaceBefore : "") + value;
      } else {
        const at = old.text.lastIndexOf(target.value);
        expected = old.text.slice(0, at) + value + old.text.slice(at + target.value.length);
      }
      const lines = f.lines.map((l) => ({ ...l }));
      lines[target.index] = { text: expected, eol: old.eol };
      expect(serialize(doc)).toBe(join(lines, f.bom));
      expect(result.changedLines).toEqual([target.index + 1]);
      expect(getProfile(doc, target.profile)?.[target.key]).toBe(value);
      edits++;
    });
    expect(edits).toBeGreaterThan(FILES / 2);
  });

  it("adding a key to a profile adds one line after its last key; nothing else moves", () => {
    eachFile(FILES, SEED ^ 2, (f, g) => {
      const names = [...f.model.keys()];
      if (names.length === 0) return;
      const profile = g.pick(names);
      const doc = parseIni(f.text, { kind: f.kind });
      const section = doc.sections.find((s) => s.kind === "profile" && s.name === profile);
      const insertAt = section?.entries.at(-1)?.lastLine ?? section?.line ?? 0; // 1-based line it follows
      const result = setValue(doc, profile, "zz_added_key", "v1");
      expect(result.addedLines).toEqual([insertAt + 1]);
      const after = doc.lines.map((l) => ({ text: l.text, eol: l.eol }));
      expect(after[insertAt]?.text.trim()).toMatch(/^zz_added_key\s*=\s*v1$/);
      after.splice(insertAt, 1);
      // Only the old last line may differ, and only by gaining a line ending.
      const changed = after.flatMap((l, i) => {
        const o = f.lines[i];
        return o !== undefined && l.text === o.text && l.eol === o.eol ? [] : [i];
      });
      expect(changed).toEqual(
        insertAt === f.lines.length && f.lines.at(-1)?.eol === "" ? [f.lines.length - 1] : [],
      );
      expect(getProfile(doc, profile)?.zz_added_key).toBe("v1");
      expect(serialize(parseIni(serialize(doc), { kind: f.kind }))).toBe(serialize(doc));
    });
  });

  it("adding a profile appends a section and leaves every existing line alone", () => {
    eachFile(FILES, SEED ^ 3, (f) => {
      const doc = parseIni(f.text, { kind: f.kind });
      const result = setValue(doc, "zz-new-profile", "aws_access_key_id", "AKIAIOSFODNN7EXAMPLE");
      const n = f.lines.length;
      for (let i = 0; i < n - 1; i++) expect(doc.lines[i]).toMatchObject(f.lines[i] ?? {});
      expect(doc.lines[n - 1]?.text).toBe(f.lines[n - 1]?.text);
      expect(result.addedLines.length).toBeGreaterThanOrEqual(2);
      expect(getProfile(doc, "zz-new-profile")).toEqual({ aws_access_key_id: "AKIAIOSFODNN7EXAMPLE" });
      const endsWithoutNewline = f.lines.at(-1)?.eol === "";
      expect(doc.lines.at(-1)?.eol === "").toBe(endsWithoutNewline);
    });
  });

  it("removeKey removes exactly the key's lines", () => {
    eachFile(FILES, SEED ^ 4, (f, g) => {
      const candidates = f.keyLines.filter((k) => k.simple && f.model.has(k.profile));
      if (candidates.length === 0) return;
      const target = g.pick(candidates);
      const doc = parseIni(f.text, { kind: f.kind });
      const result = removeKey(doc, target.profile, target.key);
      expect(result.removedLines).toEqual([target.index + 1]);
      const lines = f.lines.map((l) => ({ ...l }));
      lines.splice(target.index, 1);
      const last = lines.at(-1);
      if (last !== undefined && f.lines.at(-1)?.eol === "") last.eol = "";
      expect(serialize(doc)).toBe(join(lines, f.bom));
    });
  });
});

describe("random invalid lines", () => {
  it("a bad line makes a parse error naming its line number, and never its text", () => {
    let checked = 0;
    eachFile(FILES, SEED ^ 5, (f, g) => {
      const lines = f.lines.map((l) => ({ ...l }));
      let at = g.int(0, lines.length);
      let bad: string;
      const kinds = ["garbage", "unterminated", "empty", "after", "nokey", "nested", "cr"] as const;
      const what = g.pick(kinds);
      const secret = `S3CRET${g.word("ABCDEFGHIJ", 8, 8)}`;
      switch (what) {
        case "garbage":
          bad = `${secret}${g.word("abc def", 0, 10)}`;
          break;
        case "unterminated":
          bad = `[${secret}`;
          break;
        case "empty":
          bad = `[]${g.pick(["", " # c"])}`;
          break;
        case "after":
          bad = `[ok]${secret}`;
          break;
        case "nokey":
          bad = `${g.pick(["", " "])}= ${secret}`;
          break;
        case "nested": {
          const spot = f.nestedEnds.length > 0 ? g.pick(f.nestedEnds) : undefined;
          if (spot === undefined) {
            bad = secret;
          } else {
            at = spot[0] + 1;
            bad = `${" ".repeat(spot[1])}${secret}`;
          }
          break;
        }
        case "cr":
          bad = `k = ${secret}\rx`;
          break;
      }
      // A `= value` line with leading space inside an entry could be a continuation: keep it at column 0 there.
      if (what === "nokey" && at > f.firstHeader) bad = bad.trimStart();
      const previous = lines[at - 1];
      if (at === lines.length && previous !== undefined && previous.eol === "") previous.eol = "\n";
      lines.splice(at, 0, { text: bad, eol: "\n" });
      let error: unknown;
      try {
        parseIni(join(lines, f.bom), { kind: f.kind, path: "/p/credentials" });
      } catch (e) {
        error = e;
      }
      expect(error, `${what} at line ${at + 1}`).toBeInstanceOf(CredentialsFileError);
      const e = error as CredentialsFileError;
      expect(e.code).toBe("CREDENTIALS_FILE_INVALID");
      expect(e.line, `${what} at line ${at + 1}`).toBe(at + 1);
      expect(e.message).toContain(`line ${at + 1}: `);
      expect(`${e.message} ${e.fix}`).not.toContain(secret);
      checked++;
    });
    expect(checked).toBe(FILES);
  });
});

describe("noise", () => {
  it("random bytes either parse and round-trip or fail with CredentialsFileError", () => {
    const g = new Gen(SEED ^ 6);
    const alphabet = [
      ..."[]=:#; \t\r\n\nabcxyz_0".split("").map((c) => c.charCodeAt(0)),
      0x00,
      0xc3,
      0xa9,
      0xff,
      0xef,
      0xbb,
      0xbf,
    ];
    let parsed = 0;
    for (let i = 0; i < 2000; i++) {
      const bytes = Buffer.from(
        Array.from({ length: g.int(0, 120) }, () => (g.chance(0.9) ? g.pick(alphabet) : g.int(0, 255))),
      );
      try {
        const text = decodeIniBytes(bytes);
        const doc = parseIni(text, { kind: g.chance(0.5) ? "config" : "credentials" });
        expect(Buffer.from(serialize(doc), "utf8").equals(bytes)).toBe(true);
        parsed++;
      } catch (e) {
        if (!(e instanceof CredentialsFileError))
          throw new Error(`iteration ${i}: ${String(e)}`, { cause: e });
      }
    }
    expect(parsed).toBeGreaterThan(0);
  });

  it("valid files with random characters spliced in either parse and round-trip or fail with CredentialsFileError", () => {
    eachFile(FILES, SEED ^ 7, (f, g) => {
      let text = f.text;
      for (let k = g.int(1, 4); k > 0; k--) {
        const at = g.int(0, text.length);
        text =
          text.slice(0, at) +
          g.pick(["[", "]", "=", ":", "#", ";", "\r", "\n", " ", "\t", "x", "\u0000", "\ud83d"]) +
          text.slice(at);
      }
      try {
        const doc = parseIni(text, { kind: f.kind });
        expect(serialize(doc)).toBe(text);
        // Edits on whatever parsed still produce a file that parses.
        const name = listProfiles(doc)[0];
        if (name !== undefined) {
          setValue(doc, name, "aws_access_key_id", "AKIAIOSFODNN7EXAMPLE");
          parseIni(serialize(doc), { kind: f.kind });
        }
      } catch (e) {
        if (!(e instanceof CredentialsFileError)) throw e;
      }
    });
  });
});
