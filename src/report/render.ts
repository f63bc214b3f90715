// One entry point for every `keywarden audit --format`. Renderers are pure: same report, same text.

import type { AuditReport } from "../domain/audit-report.js";
import { renderCsv } from "./csv.js";
import { renderJson } from "./json.js";
import { renderMarkdown } from "./markdown.js";
import { renderTable } from "./table.js";

export const OUTPUT_FORMATS = ["table", "json", "csv", "markdown"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export function isOutputFormat(s: string): s is OutputFormat {
  return (OUTPUT_FORMATS as readonly string[]).includes(s);
}

export interface RenderOptions {
  /** ANSI colours (table only); the CLI decides from the TTY, NO_COLOR and --no-color. */
  color: boolean;
  /** List PASS findings too (table and markdown; json and csv always hold every finding). */
  showPass: boolean;
  /** Terminal columns for the table; 100 when unknown. */
  width?: number;
}

export function renderAudit(report: AuditReport, format: OutputFormat, opts: RenderOptions): string {
  switch (format) {
    case "table":
      return renderTable(report, opts);
    case "json":
      return renderJson(report);
    case "csv":
      return renderCsv(report);
    case "markdown":
      return renderMarkdown(report, { showPass: opts.showPass });
  }
}
