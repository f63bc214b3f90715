import { describe, expect, it } from "vitest";
import { maskKeyId } from "../domain/key-id.js";
import { ALL_KEYS, KEY_ALICE, fixtureReport } from "./fixture.js";
import { mdCell, mdCode, renderMarkdown } from "./markdown.js";

/** Splits a GFM table row the way GitHub does: a backslash escapes the next character, `|` ends a cell. */
function cells(row: string): string[] {
  expect(row.startsWith("| ")).toBe(true);
  expect(row.endsWith(" |")).toBe(true);
  const out: string[] = [];
  let cur = "";
  for (let i = 1; i < row.length; i++) {
    const ch = row.charAt(i);
    if (ch === "\\") {
      cur += row.slice(i, i + 2);
      i += 1;
    } else if (ch === "|") {
      out.push(cur.trim());
      cur = "";
    } else {
      cur += ch;
    }
  }
  return out;
}

/** The rows of the table that follows a `## heading`. */
function tableAfter(md: string, heading: string): string[][] {
  const lines = md.split("\n");
  const start = lines.indexOf(`## ${heading}`);
  expect(start).toBeGreaterThanOrEqual(0);
  const rows: string[][] = [];
  for (const l of lines.slice(start + 1)) {
    if (l.startsWith("## ")) break;
    if (l.startsWith("|")) rows.push(cells(l));
  }
  return rows;
}

const FULL_ID = /\b(?:AKIA|ASIA)[A-Z2-7]{16}\b/g;

describe("renderMarkdown", () => {
  const report = fixtureReport();
  const md = renderMarkdown(report, { showPass: false });

  it("has a title, a summary, a findings table and a keys table", () => {
    expect(md.startsWith("# keywarden audit report\n")).toBe(true);
    for (const h of ["## Summary", "## Findings", "## Access keys"]) expect(md).toContain(`\n${h}\n`);
    const summary = tableAfter(md, "Summary");
    expect(summary[0]).toEqual(["Result", "critical", "high", "medium", "low", "info", "Total"]);
    expect(summary.find((r) => r[0] === "FAIL")?.at(-1)).toBe("3");
    expect(md.endsWith("\n")).toBe(true);
  });

  it("keeps every row of every table at its header's cell count", () => {
    for (const h of ["Summary", "Accounts", "Findings", "Access keys"]) {
      const rows = tableAfter(md, h);
      expect(rows.length).toBeGreaterThan(2);
      for (const r of rows) expect(r).toHaveLength(rows[0]?.length ?? -1);
    }
  });

  it("escapes pipes and line breaks in messages", () => {
    const findings = tableAfter(md, "Findings");
    const bob = findings.find((r) => r[4] === "bob");
    expect(bob?.[6]).toBe('Key "expires" soon, in 10 days<br>plan \\| rotate now');
  });

  it("hides PASS findings unless asked", () => {
    const hidden = tableAfter(md, "Findings").slice(2);
    expect(hidden.map((r) => r[0])).not.toContain("PASS");
    expect(md).toContain("3 PASS finding(s) not shown.");
    const shown = tableAfter(renderMarkdown(report, { showPass: true }), "Findings").slice(2);
    expect(shown.filter((r) => r[0] === "PASS")).toHaveLength(3);
  });

  it("masks key ids in tables and keeps full ids only inside remediation code spans", () => {
    const keys = tableAfter(md, "Access keys").slice(2);
    expect(keys.map((r) => r[2])).toEqual(report.keys.map((k) => `\`${maskKeyId(k.accessKeyId)}\``));

    const findings = tableAfter(md, "Findings").slice(2);
    const alice = findings.find((r) => r[4] === "alice");
    expect(alice?.[5]).toBe(`\`${maskKeyId(KEY_ALICE)}\``);
    expect(alice?.[6]).toContain(`\`${maskKeyId(KEY_ALICE)}\``);
    expect(alice?.[6]).not.toContain(KEY_ALICE);

    for (const r of findings) {
      for (const c of r.slice(0, -1)) expect(c).not.toMatch(FULL_ID);
      const remediation = r.at(-1) ?? "";
      const spans = remediation.split("<br>");
      for (const s of spans) expect(s).toMatch(/^`[^`]+`$/);
    }
    const fullIds = [...md.matchAll(FULL_ID)].map((m) => m[0]);
    expect(fullIds.length).toBeGreaterThan(0);
    for (const id of fullIds) expect(ALL_KEYS as readonly string[]).toContain(id);
    const outsideRemediation = md
      .split("\n")
      .filter((l) => !l.startsWith("|"))
      .join("\n");
    expect(outsideRemediation).not.toMatch(FULL_ID);
  });

  it("escapes markup and HTML in cells", () => {
    expect(mdCell("a|b")).toBe("a\\|b");
    expect(mdCell("x\ny\r\nz")).toBe("x<br>y<br>z");
    expect(mdCell("<script>alert(1)</script>")).toBe("\\<script\\>alert(1)\\</script\\>");
    expect(mdCell("_a_ *b* `c` [d](e)")).toBe("\\_a\\_ \\*b\\* \\`c\\` \\[d\\](e)");
    expect(mdCell("back\\slash|")).toBe("back\\\\slash\\|");
  });

  it("builds code spans that survive backticks and pipes", () => {
    expect(mdCode("aws iam list-users")).toBe("`aws iam list-users`");
    expect(mdCode("a`b")).toBe("``a`b``");
    expect(mdCode("`x`")).toBe("`` `x` ``");
    expect(mdCode("a | b")).toBe("`a \\| b`");
  });
});
