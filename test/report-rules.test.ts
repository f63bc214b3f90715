// `keywarden rules` shows every framework column the README's rules table shows, with the same
// references per rule (the README is what users read; the table must not drift from it).
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ALL_RULES } from "../src/rules/registry.js";
import { REPO_ROOT, runCli } from "./helpers/cli.js";

/** The README's "## Rules" table: header cells and one row of cells per rule. */
async function readmeRulesTable(): Promise<{ header: string[]; rows: string[][] }> {
  const text = await readFile(join(REPO_ROOT, "README.md"), "utf8");
  const section = text.slice(text.indexOf("\n## Rules\n"));
  const lines = section
    .split("\n")
    .filter((l) => l.startsWith("|"))
    .slice(0, 2 + ALL_RULES.length);
  const cells = (l: string) =>
    l
      .slice(1, -1)
      .split("|")
      .map((c) => c.trim().replace(/`/g, ""));
  const [header, , ...rows] = lines.map(cells);
  return { header: header ?? [], rows };
}

const FRAMEWORK = /^(CIS v\d\.\d|Security Hub)$/;

describe("keywarden rules", () => {
  it("has a column for every framework column of the README, with the README's references", async () => {
    const readme = await readmeRulesTable();
    const frameworks = readme.header.filter((h) => FRAMEWORK.test(h));
    expect(frameworks).toEqual(["CIS v3.0", "CIS v5.0", "CIS v7.0", "Security Hub"]);

    const r = await runCli(["rules", "--format", "table"]);
    expect(r.code, r.stderr).toBe(0);
    const [head = "", ...lines] = r.stdout.trimEnd().split("\n");
    for (const f of frameworks) expect(head.toUpperCase()).toContain(f.toUpperCase());
    // Column starts from the header, so cells with spaces (thresholds) do not shift the others.
    const starts = [...head.matchAll(/\S+(?: \S+)*/g)].map((m) => m.index);
    const names = [...head.matchAll(/\S+(?: \S+)*/g)].map((m) => m[0]);
    expect(lines).toHaveLength(ALL_RULES.length);
    for (const line of lines) {
      const cell = (name: string) => {
        const i = names.findIndex((n) => n.toUpperCase() === name.toUpperCase());
        expect(i, `column ${name}`).toBeGreaterThanOrEqual(0);
        return line.slice(starts[i], starts[i + 1]).trim();
      };
      const row = readme.rows.find((x) => x[0] === cell("RULE"));
      expect(row, `${cell("RULE")} is in the README's table`).toBeDefined();
      for (const f of frameworks) {
        const inReadme = (row ?? [])[readme.header.indexOf(f)] ?? "";
        // The README writes "–" for none and may add detail ("1.5 (hardware: 1.6)"; "IAM.22 (IAM.8 at 90 d)").
        const shown = cell(f);
        const expected = inReadme === "–" ? "-" : inReadme.replace(/ \(.*\)$/, "");
        const ids = (t: string) => (t.match(/IAM\.\d+/g) ?? []).sort();
        if (f === "Security Hub") expect(ids(shown)).toEqual(ids(inReadme));
        else expect(shown, `${cell("RULE")} ${f}`).toBe(expected);
      }
    }
  });
});
