import { describe, expect, it } from "vitest";
import { CSV_COLUMNS, csvField, renderCsv } from "./csv.js";
import { FORMULA_USER, HOSTILE_MESSAGE, KEY_FORMULA, fixtureReport } from "./fixture.js";

/** A strict RFC 4180 reader: CRLF record ends, quoted fields may hold commas, quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const ch = text.charAt(i);
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
        } else {
          quoted = false;
          i += 1;
        }
      } else {
        field += ch;
        i += 1;
      }
      continue;
    }
    if (ch === '"') {
      if (field !== "") throw new Error(`quote inside unquoted field at ${i}`);
      quoted = true;
      i += 1;
    } else if (ch === ",") {
      row.push(field);
      field = "";
      i += 1;
    } else if (ch === "\r" && text[i + 1] === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i += 2;
    } else if (ch === "\r" || ch === "\n") {
      throw new Error(`bare line break outside quotes at ${i}`);
    } else {
      field += ch;
      i += 1;
    }
  }
  if (quoted) throw new Error("unterminated quoted field");
  if (field !== "" || row.length > 0) throw new Error("last record does not end with CRLF");
  return rows;
}

function guard(s: string | null): string {
  const v = s ?? "";
  return /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
}

describe("renderCsv", () => {
  const report = fixtureReport();
  const rows = parseCsv(renderCsv(report));

  it("starts with the header and has one row per finding, PASS included", () => {
    expect(rows[0]).toEqual([
      "ruleId",
      "result",
      "severity",
      "accountId",
      "userName",
      "accessKeyId",
      "message",
      "remediation",
    ]);
    expect(rows).toHaveLength(report.findings.length + 1);
    for (const r of rows) expect(r).toHaveLength(CSV_COLUMNS.length);
  });

  it("parses back to the same fields (nulls as empty, formulas quoted)", () => {
    const expected = report.findings.map((f) => CSV_COLUMNS.map((c) => guard(f[c])));
    expect(rows.slice(1)).toEqual(expected);
  });

  it("keeps the comma, quote, newline and pipe of a message intact", () => {
    const bob = rows.find((r) => r[4] === "bob" && r[1] === "WARN");
    expect(bob?.[6]).toBe(HOSTILE_MESSAGE);
  });

  it("guards against formula injection", () => {
    const row = rows.find((r) => r[5] === KEY_FORMULA);
    expect(row?.[4]).toBe(`'${FORMULA_USER}`);
    expect(row?.[6]?.startsWith("'-1")).toBe(true);
    expect(row?.[7]).toBe("'+ nothing to do");
    for (const r of rows) for (const f of r) expect(f).not.toMatch(/^[=+\-@]/);
  });

  it("ends every record with CRLF", () => {
    const out = renderCsv(report);
    expect(out.endsWith("\r\n")).toBe(true);
    expect(out.split("\r\n")[0]).toBe(CSV_COLUMNS.join(","));
  });

  it("quotes and doubles per RFC 4180", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField(null)).toBe("");
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("a\nb")).toBe('"a\nb"');
    expect(csvField("a\r\nb")).toBe('"a\r\nb"');
    expect(csvField("=1+1")).toBe("'=1+1");
    expect(csvField("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvField('=HYPERLINK("x","y")')).toBe('"\'=HYPERLINK(""x"",""y"")"');
    expect(csvField("\t=1")).toBe("'\t=1");
  });

  it("renders only the header for an empty report", () => {
    expect(renderCsv({ ...report, findings: [] })).toBe(`${CSV_COLUMNS.join(",")}\r\n`);
  });
});
