// `--format html`: one self-contained page to attach to a ticket or mail to an owner. Inline CSS and
// script only, allowed by hash in the page's own Content-Security-Policy (default-src 'none'), so it
// never loads anything from anywhere; no external URL in it at all. Findings by severity, then the
// keys, every table sortable by a click on its header; each command of a remediation in its own
// block with a Copy button; a print stylesheet that drops the buttons and keeps rows whole.
// Key ids are masked as in the table and markdown output, except inside commands.

import { createHash } from "node:crypto";
import type { AuditKeyView, AuditReport } from "../domain/audit-report.js";
import { maskKeyId } from "../domain/key-id.js";
import { severityRank } from "../domain/severity.js";
import { SEVERITIES, type Finding, type Severity } from "../domain/types.js";
import { getRule } from "../rules/registry.js";
import { splitRemediation } from "./remediation.js";
import {
  countByResult,
  countBySeverity,
  formatDate,
  formatDateTime,
  maskKeyIdsInText,
  sanitizeForTerminal,
  sortFindings,
  worstByKey,
  keyOf,
} from "./text.js";

export interface HtmlOptions {
  /** List PASS findings too (collapsed). */
  showPass: boolean;
}

export function esc(text: string): string {
  return sanitizeForTerminal(text)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

const STYLE = `
:root{--fg:#1f2328;--muted:#59636e;--bg:#fff;--card:#f6f8fa;--line:#d1d9e0;--accent:#0969da;
--critical:#a40e26;--high:#bc4c00;--medium:#9a6700;--low:#1a7f37;--info:#59636e}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9198a1;--bg:#0d1117;--card:#161b22;
--line:#3d444d;--accent:#4493f8;--critical:#ff7b72;--high:#ffa657;--medium:#d29922;--low:#3fb950;--info:#9198a1}}
*{box-sizing:border-box}
body{margin:0 auto;max-width:1200px;padding:24px;font:14px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg)}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:16px;margin:20px 0 6px}
.muted{color:var(--muted)}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:16px 0}
.card{display:block;min-width:120px;padding:10px 14px;border:1px solid var(--line);border-radius:8px;background:var(--card);color:inherit;text-decoration:none}
.card .n{display:block;font-size:26px;font-weight:600}
.card.sev-critical .n{color:var(--critical)}.card.sev-high .n{color:var(--high)}.card.sev-medium .n{color:var(--medium)}
.card.sev-low .n{color:var(--low)}.card.sev-info .n{color:var(--info)}
table{width:100%;border-collapse:collapse;margin:6px 0 12px}
th,td{text-align:left;vertical-align:top;padding:6px 8px;border-bottom:1px solid var(--line)}
th{background:var(--card);white-space:nowrap}
th button{all:unset;cursor:pointer;font-weight:600}
th button:focus-visible{outline:2px solid var(--accent)}
th[aria-sort=ascending] button::after{content:" \\25B2"}th[aria-sort=descending] button::after{content:" \\25BC"}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;padding:0 6px;border-radius:10px;border:1px solid currentColor;font-size:12px;white-space:nowrap}
.sev-critical .badge,.badge.sev-critical{color:var(--critical)}.badge.sev-high{color:var(--high)}
.badge.sev-medium{color:var(--medium)}.badge.sev-low{color:var(--low)}.badge.sev-info{color:var(--info)}
.badge.r-FAIL{color:var(--critical)}.badge.r-ERROR{color:var(--high)}.badge.r-WARN{color:var(--medium)}.badge.r-PASS{color:var(--low)}
.fix{margin:6px 0 0}
.cmd{display:flex;align-items:flex-start;gap:6px;margin:4px 0;padding:6px 8px;border:1px solid var(--line);border-radius:6px;background:var(--card)}
.cmd code{flex:1;white-space:pre-wrap;word-break:break-all;font:12px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
button.copy{font:12px system-ui,sans-serif;padding:2px 8px;border:1px solid var(--line);border-radius:6px;background:var(--bg);color:var(--fg);cursor:pointer}
button.copy.done{color:var(--low);border-color:var(--low)}
code.inline{font:12px ui-monospace,monospace}
details summary{cursor:pointer}
footer{margin-top:32px;color:var(--muted);font-size:12px}
@media print{
:root{--fg:#000;--muted:#333;--bg:#fff;--card:#fff;--line:#999}
body{max-width:none;padding:0;font-size:10.5pt}
button.copy,th button::after{display:none}th button{font-weight:600}
.cards{gap:6px}.card{min-width:0;padding:4px 8px;border-color:#999}
tr,.cmd{break-inside:avoid}h2,h3{break-after:avoid}
.cmd{border:1px solid #999}
details{display:block}details>summary{list-style:none}
a{color:inherit;text-decoration:none}
}
`;

const SCRIPT = `
(function(){
function val(td){var v=td.getAttribute("data-sort");return v===null?td.textContent.trim().toLowerCase():v}
function cmp(a,b){var x=Number(a),y=Number(b);if(a!==""&&b!==""&&!isNaN(x)&&!isNaN(y))return x-y;return a<b?-1:a>b?1:0}
document.querySelectorAll("table.sortable").forEach(function(table){
  var heads=table.querySelectorAll("thead th");
  heads.forEach(function(th,i){
    var b=th.querySelector("button");if(!b)return;
    b.addEventListener("click",function(){
      var asc=th.getAttribute("aria-sort")!=="ascending";
      heads.forEach(function(h){if(h.querySelector("button"))h.setAttribute("aria-sort","none")});
      th.setAttribute("aria-sort",asc?"ascending":"descending");
      var body=table.tBodies[0];var rows=Array.prototype.slice.call(body.rows);
      rows.sort(function(r1,r2){var c=cmp(val(r1.cells[i]),val(r2.cells[i]));return asc?c:-c});
      rows.forEach(function(r){body.appendChild(r)});
    });
  });
});
function copied(b){b.textContent="Copied";b.classList.add("done");setTimeout(function(){b.textContent="Copy";b.classList.remove("done")},1500)}
function fallback(text,b){var t=document.createElement("textarea");t.value=text;t.setAttribute("readonly","");
  t.className="offscreen";document.body.appendChild(t);t.select();try{document.execCommand("copy");copied(b)}finally{document.body.removeChild(t)}}
document.addEventListener("click",function(e){
  var b=e.target.closest&&e.target.closest("button.copy");if(!b)return;
  var text=b.parentNode.querySelector("code").textContent;
  if(navigator.clipboard&&window.isSecureContext){navigator.clipboard.writeText(text).then(function(){copied(b)},function(){fallback(text,b)})}
  else fallback(text,b);
});
})();
`;

// The fallback's textarea must be off screen without an inline style (the CSP forbids those).
const STYLE_ALL = `${STYLE}.offscreen{position:fixed;left:-9999px;top:0}\n`;

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("base64");
}

function sortableHead(cols: [string, string?][]): string {
  const cells = cols
    .map(
      ([label, cls]) =>
        `<th aria-sort="none"${cls ? ` class="${cls}"` : ""}><button type="button">${esc(label)}</button></th>`,
    )
    .join("");
  return `<thead><tr>${cells}</tr></thead>`;
}

function remediationHtml(text: string): string {
  const parts = splitRemediation(text);
  if (parts.length === 0) return "";
  const html = parts
    .map((p) =>
      p.kind === "command"
        ? `<div class="cmd"><code>${esc(p.text)}</code><button type="button" class="copy" aria-label="Copy command">Copy</button></div>`
        : `<span>${esc(maskKeyIdsInText(p.text))}</span>`,
    )
    .join("");
  return `<div class="fix"><strong>Fix:</strong> ${html}</div>`;
}

function findingRow(f: Finding): string {
  const title = getRule(f.ruleId)?.meta.title ?? "Data keywarden needs could not be collected";
  const rank = severityRank(f.severity);
  return (
    `<tr class="finding sev-${f.severity}">` +
    `<td data-sort="${rank}"><span class="badge sev-${f.severity}">${esc(f.severity)}</span></td>` +
    `<td><span class="badge r-${f.result}">${esc(f.result)}</span></td>` +
    `<td><code class="inline">${esc(f.ruleId)}</code><br><span class="muted">${esc(title)}</span></td>` +
    `<td>${esc(f.accountId)}</td>` +
    `<td>${f.userName === null ? '<span class="muted">-</span>' : esc(f.userName)}</td>` +
    `<td>${f.accessKeyId === null ? '<span class="muted">-</span>' : esc(maskKeyId(f.accessKeyId))}</td>` +
    `<td>${esc(maskKeyIdsInText(f.message))}${remediationHtml(f.remediation)}</td>` +
    "</tr>"
  );
}

const FINDING_COLUMNS: [string, string?][] = [
  ["Severity"],
  ["Result"],
  ["Rule"],
  ["Account"],
  ["User"],
  ["Key"],
  ["Finding and fix"],
];

function findingsTable(findings: Finding[], id: string): string {
  return `<table class="sortable findings" id="${id}">${sortableHead(FINDING_COLUMNS)}<tbody>${findings.map(findingRow).join("")}</tbody></table>`;
}

function keysTable(report: AuditReport): string {
  const worst = worstByKey(report.findings);
  const keys = [...report.keys].sort((a, b) => b.ageDays - a.ageDays);
  const row = (k: AuditKeyView) => {
    const w = worst.get(keyOf(k.accountId, k.accessKeyId));
    const sev = w?.worst.severity;
    return (
      "<tr>" +
      `<td>${esc(k.userName)}</td>` +
      `<td>${esc(maskKeyId(k.accessKeyId))}</td>` +
      `<td>${esc(k.accountId)}</td>` +
      `<td>${esc(k.status)}</td>` +
      `<td class="num">${k.ageDays}</td>` +
      `<td data-sort="${esc(k.lastUsedAt ?? "")}">${k.lastUsedAt ? esc(formatDate(k.lastUsedAt)) : '<span class="muted">never</span>'}</td>` +
      `<td>${esc(k.lastUsedService ?? "-")}</td>` +
      (sev
        ? `<td data-sort="${severityRank(sev)}"><span class="badge sev-${sev}">${esc(sev)}</span> ${esc(w.worst.ruleId)}${w.count > 1 ? ` <span class="muted">+${w.count - 1}</span>` : ""}</td>`
        : '<td data-sort="-1"><span class="muted">none</span></td>') +
      "</tr>"
    );
  };
  const head = sortableHead([
    ["User"],
    ["Key"],
    ["Account"],
    ["Status"],
    ["Age (days)", "num"],
    ["Last used"],
    ["Service"],
    ["Worst finding"],
  ]);
  return `<table class="sortable keys" id="keys-table">${head}<tbody>${keys.map(row).join("")}</tbody></table>`;
}

function accountsTable(report: AuditReport): string {
  const rows = report.accounts.map((a) => {
    const open = report.findings.filter((f) => f.accountId === a.accountId && f.result !== "PASS");
    const bySev = countBySeverity(open);
    return (
      `<tr><td>${esc(a.accountId)}</td><td class="num">${a.users}</td><td class="num">${a.keys}</td>` +
      SEVERITIES.map((s) => `<td class="num">${bySev[s]}</td>`).join("") +
      "</tr>"
    );
  });
  const head = sortableHead([
    ["Account"],
    ["Users", "num"],
    ["Keys", "num"],
    ...SEVERITIES.map((s): [string, string] => [s, "num"]),
  ]);
  return `<table class="sortable accounts">${head}<tbody>${rows.join("")}</tbody></table>`;
}

const LABEL: Record<Severity, string> = {
  critical: "Critical",
  high: "High",
  medium: "Medium",
  low: "Low",
  info: "Info (advice)",
};

export function renderHtml(report: AuditReport, opts: HtmlOptions): string {
  const open = sortFindings(report.findings.filter((f) => f.result !== "PASS"));
  const bySeverity = countBySeverity(report.findings);
  const results = countByResult(report.findings);
  const users = report.accounts.reduce((n, a) => n + a.users, 0);
  const cards = SEVERITIES.map(
    (s) => `<a class="card sev-${s}" href="#sev-${s}"><span class="n">${bySeverity[s]}</span>${esc(s)}</a>`,
  ).join("");
  const sections = SEVERITIES.map((s) => {
    const list = open.filter((f) => f.severity === s);
    if (list.length === 0) return "";
    return `<section id="sev-${s}"><h3>${LABEL[s]} (${list.length})</h3>${findingsTable(list, `findings-${s}`)}</section>`;
  }).join("");
  const passing = report.findings.filter((f) => f.result === "PASS");
  const passSection =
    opts.showPass && passing.length > 0
      ? `<details><summary>${passing.length} passing checks</summary>${findingsTable(passing, "findings-pass")}</details>`
      : `<p class="muted">${passing.length} passing checks not listed (keywarden audit --all --format html lists them).</p>`;
  const body =
    "<header>" +
    "<h1>keywarden audit</h1>" +
    `<p class="muted">Generated ${esc(formatDateTime(report.generatedAt))}: ${report.keys.length} access keys of ${users} users ` +
    `in ${report.accounts.length} account${report.accounts.length === 1 ? "" : "s"}. ` +
    `${results.FAIL} FAIL, ${results.ERROR} ERROR, ${results.WARN} WARN, ${results.PASS} PASS.</p>` +
    `<nav class="cards" aria-label="Open findings by severity">${cards}</nav>` +
    "</header>" +
    (report.accounts.length > 1 ? `<h2>Accounts</h2>${accountsTable(report)}` : "") +
    `<h2 id="findings">Findings by severity</h2>` +
    (open.length === 0 ? "<p>No open findings.</p>" : sections) +
    passSection +
    `<h2 id="keys">Access keys (${report.keys.length})</h2>` +
    (report.keys.length === 0 ? "<p>No access keys.</p>" : keysTable(report)) +
    `<footer>keywarden; secret access keys are never read. Key ids are masked except inside commands.</footer>`;
  const csp = [
    "default-src 'none'",
    `style-src 'sha256-${sha256(STYLE_ALL)}'`,
    `script-src 'sha256-${sha256(SCRIPT)}'`,
    "img-src data:",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
  return (
    "<!doctype html>\n" +
    '<html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<meta http-equiv="Content-Security-Policy" content="${csp}">` +
    '<meta name="color-scheme" content="light dark">' +
    `<title>keywarden audit ${esc(formatDate(report.generatedAt))}</title>` +
    `<style>${STYLE_ALL}</style></head>\n<body>${body}<script>${SCRIPT}</script></body></html>\n`
  );
}
