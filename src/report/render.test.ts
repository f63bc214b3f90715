import { describe, expect, it } from "vitest";
import { fixtureReport } from "./fixture.js";
import { OUTPUT_FORMATS, isOutputFormat, renderAudit } from "./render.js";
import { renderCsv } from "./csv.js";
import { renderJson } from "./json.js";
import { renderMarkdown } from "./markdown.js";
import { renderTable } from "./table.js";

describe("renderAudit", () => {
  it("recognizes the output formats", () => {
    expect(OUTPUT_FORMATS).toEqual(["table", "json", "csv", "markdown", "html", "ocsf", "asff"]);
    for (const f of OUTPUT_FORMATS) expect(isOutputFormat(f)).toBe(true);
    for (const f of ["", "JSON", "sarif", "HTML", "yaml"]) expect(isOutputFormat(f)).toBe(false);
  });

  it("dispatches to each renderer", () => {
    const report = fixtureReport();
    const opts = { color: false, showPass: false, width: 100 };
    expect(renderAudit(report, "json", opts)).toBe(renderJson(report));
    expect(renderAudit(report, "csv", opts)).toBe(renderCsv(report));
    expect(renderAudit(report, "markdown", opts)).toBe(renderMarkdown(report, { showPass: false }));
    expect(renderAudit(report, "table", opts)).toBe(renderTable(report, opts));
  });

  it("is pure: the report is not modified and the output is stable", () => {
    const report = fixtureReport();
    const before = JSON.stringify(report);
    const opts = { color: true, showPass: true };
    const outs = OUTPUT_FORMATS.map((f) => renderAudit(report, f, opts));
    expect(JSON.stringify(report)).toBe(before);
    expect(OUTPUT_FORMATS.map((f) => renderAudit(report, f, opts))).toEqual(outs);
  });

  it("ignores colour outside the table", () => {
    const report = fixtureReport();
    for (const f of ["json", "csv", "markdown", "html", "ocsf", "asff"] as const) {
      expect(renderAudit(report, f, { color: true, showPass: false })).not.toContain("\u001b");
    }
  });
});
