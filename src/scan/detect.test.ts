import { describe, expect, it } from "vitest";
import { detect } from "./detect.js";
import { isIgnored, parseIgnore } from "./glob.js";
import { accountIdOfKeyId, keyIdForAccount, KEY_ID_PREFIXES } from "./patterns.js";
import { addedLines } from "./staged.js";

// Keys are assembled at run time so this file never holds one a scanner would report.
let seed = 7;
const rnd = () => {
  seed = (seed * 16807) % 2147483647;
  return seed / 2147483647;
};
const idOf = (prefix: string) => keyIdForAccount(prefix, "123456789012", rnd);
const SECRET = ["Zx9", "Qw3/Er4+Ty5Ui6Op7As8Df9Gh0Jk1Lz2Xc3Vb"].join("");

describe("detect", () => {
  it("finds an id of every prefix, standing alone", () => {
    for (const p of KEY_ID_PREFIXES.filter((x) => x !== "A3T")) {
      const id = idOf(p);
      expect(detect(`x = "${id}"`).map((f) => f.value)).toEqual([id]);
    }
  });

  it("decodes the account offline (a published ASIA id) and round-trips generated ones", () => {
    // keywarden:allow a published example id, joined by keywarden's split-literal pass
    expect(accountIdOfKeyId("ASIA" + "Y34FZKBOKMUTVV7A")).toBe("609629065308");
    expect(accountIdOfKeyId(idOf("AKIA"))).toBe("123456789012");
  });

  it("pairs a secret with the key id next to it, or by its name alone", () => {
    const id = idOf("AKIA");
    const pair = detect(`${id},${SECRET}\n`);
    expect(pair.map((f) => [f.kind, f.keyId])).toEqual([
      ["access-key-id", id],
      ["secret-access-key", id],
    ]);
    const named = detect(`  "SecretAccessKey": "${SECRET}"\n`);
    expect(named.map((f) => [f.kind, f.line, f.column])).toEqual([["secret-access-key", 1, 23]]);
  });

  it("reports none of the lookalikes", () => {
    const id = idOf("AKIA");
    const text = [
      "AKIAIOSFODNN7EXAMPLE",
      `${id.slice(0, 13)}EXAMPLE`,
      `${id.slice(0, 19)}8`, // 8 is not base32
      `x${id}`,
      `${id}Q`,
      id.toLowerCase(),
      "AKIAXXXXXXXXXXXXXXXX",
      `blob = "${SECRET}"`, // no name, no key id near it
      "aws_secret_access_key = ThisIsNotARealSecretKeyJustPlaceholderXy",
      "commit 9fceb02d0ae598e95dc970b74767f19372d61af8",
    ].join("\n");
    expect(detect(text)).toEqual([]);
  });

  it("keywarden:allow on the line, or alone on the line above, marks the finding as allowed", () => {
    const a = idOf("AKIA");
    const b = idOf("AKIA");
    const c = idOf("AKIA");
    const found = detect(`k = "${a}" # keywarden:allow\n# keywarden:allow\nk = "${b}"\nk = "${c}"\n`);
    expect(found.map((f) => [f.value, f.allowedBy ?? null])).toEqual([
      [a, "keywarden:allow"],
      [b, "keywarden:allow"],
      [c, null],
    ]);
  });

  it("a trailing marker covers its own line only, not a different key on the next", () => {
    const a = idOf("AKIA");
    const b = idOf("AKIA");
    for (const marker of ["# keywarden:allow", "// gitleaks:allow", "# pragma: allowlist secret"]) {
      const found = detect(`k1 = "${a}"  ${marker}\nk2 = "${b}"\n`);
      expect(found.map((f) => [f.value, f.allowedBy ?? null])).toEqual([
        [a, marker.replace(/^\S+ /, "")],
        [b, null],
      ]);
    }
    // The next-line forms count only when written alone on their line.
    const next = detect(
      `# pragma: allowlist nextline secret\nk = "${a}"\nx = 1 # pragma: allowlist nextline secret\nk = "${b}"\n`,
    );
    expect(next.map((f) => [f.value, f.allowedBy ?? null])).toEqual([
      [a, "pragma: allowlist nextline secret"],
      [b, null],
    ]);
  });

  it("joins a key id split across literals and reports it at the first fragment", () => {
    const id = idOf("AKIA");
    const found = detect(`x = 1\nconst k = "${id.slice(0, 6)}" +\n  "${id.slice(6)}";\n`);
    expect(found.map((f) => [f.value, f.line, f.column])).toEqual([[id, 2, 12]]);
  });
});

describe("gitignore patterns", () => {
  const rules = parseIgnore("build/\n*.log\n!keep.log\n/root-only.txt\ndocs/**/draft.md\n");
  it.each([
    ["build/x.js", true],
    ["src/build/x.js", true],
    ["a.log", true],
    ["keep.log", false],
    ["root-only.txt", true],
    ["sub/root-only.txt", false],
    ["docs/a/b/draft.md", true],
    ["src/main.ts", false],
  ])("%s ignored: %s", (path, ignored) => {
    expect(isIgnored(rules, path, false)).toBe(ignored);
  });
});

describe("staged diff", () => {
  it("collects the added line numbers per file", () => {
    const diff = [
      "diff --git a/a.py b/a.py",
      "--- a/a.py",
      "+++ b/a.py",
      "@@ -1,0 +2,2 @@",
      "+x",
      "+y",
      "@@ -10 +12 @@",
      "-old",
      "+new",
      "diff --git a/new.txt b/new.txt",
      "--- /dev/null",
      "+++ b/new.txt",
      "@@ -0,0 +1 @@",
      "+hello",
    ].join("\n");
    const added = addedLines(diff);
    expect([...(added.get("a.py") ?? [])]).toEqual([2, 3, 12]);
    expect([...(added.get("new.txt") ?? [])]).toEqual([1]);
  });
});
