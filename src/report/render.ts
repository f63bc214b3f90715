// One entry point for every `keywarden audit --format`. Renderers are pure: same report, same text.

import type { AuditReport } from "../domain/audit-report.js";
import { renderAsff } from "./asff.js";
import { renderCsv } from "./csv.js";
import { renderHtml } from "./html.js";
import { renderJson } from "./json.js";
import { renderMarkdown } from "./markdown.js";
import { renderOcsf } from "./ocsf.js";
import { renderTable } from "./table.js";

export const OUTPUT_FORMATS = ["table", "json", "csv", "markdown", "html", "ocsf", "asff"] as const;
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
  /** keywarden's version (ocsf, asff product fields); "0.0.0" when not given. */
  version?: string;
  /** Region the ocsf/asff findings are filed in (the session's); us-east-1 when not given. */
  region?: string;
  /** Full IAM user ARNs by `account/user` (ocsf, asff), when the inventory had them. */
  userArns?: Record<string, string>;
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
    case "html":
      return renderHtml(report, { showPass: opts.showPass });
    case "ocsf":
    case "asff": {
      const facts = {
        version: opts.version ?? "0.0.0",
        region: opts.region ?? "us-east-1",
        userArns: opts.userArns,
      };
      return format === "ocsf" ? renderOcsf(report, facts) : renderAsff(report, facts);
    }
  }
}
