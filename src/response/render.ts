import { maskKeyId } from "../domain/key-id.js";
import { CATEGORIES, CATEGORY_TITLES } from "./classify.js";
import { redactValue } from "./redact.js";
import type { IncidentReport } from "./types.js";

// The incident report in the structure teams already write by hand (summary, problem statement,
// investigation steps with timestamps, root cause, resolution, preventive measures, key learnings,
// references), as Markdown, JSON (the contract) or a self-contained HTML page. Pure.

export type IncidentFormat = "markdown" | "json" | "html";

const REFERENCES = [
  "AWS: What to do if you inadvertently expose an AWS access key — https://aws.amazon.com/blogs/security/what-to-do-if-you-inadvertently-expose-an-aws-access-key/",
  "AWS re:Post: Securely manage IAM access keys — https://repost.aws/knowledge-center/security-best-practices",
  "CloudTrail LookupEvents — https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupEvents.html",
];

/** The references, with the documentation of the quarantine policy this incident attached. */
function references(r: IncidentReport): string[] {
  const arn = r.containment.quarantinePolicyArn ?? "";
  const managed =
    /policy\/(AWSCompromisedKeyQuarantineV\d+)$/.exec(arn)?.[1] ?? "AWSCompromisedKeyQuarantineV4";
  return [
    ...REFERENCES.slice(0, 2),
    `${managed} — https://docs.aws.amazon.com/aws-managed-policy/latest/reference/${managed}.html`,
    ...REFERENCES.slice(2),
  ];
}

function priority(r: IncidentReport): string {
  const c = r.categories;
  if (c["iam-persistence"] + c["defense-evasion"] + c.compute > 0) return "Critical";
  if (c.data + c.network > 0) return "High";
  return r.events.length > 0 ? "Medium" : "Low";
}

function rootCause(r: IncidentReport): string[] {
  const lines = [
    `The long-term access key ${maskKeyId(r.accessKeyId)} of IAM user ${r.userName} was used by someone other than its owner (reported as compromised).`,
  ];
  const fresh = r.newSinceBaseline;
  if (fresh && (fresh.sourceIPs.length > 0 || fresh.userAgents.length > 0)) {
    lines.push(
      `Since ${r.since ?? "the window start"} it was used from source IPs never seen before (${fresh.sourceIPs.join(", ") || "none"}) and user agents never seen before (${fresh.userAgents.join(", ") || "none"}).`,
    );
  }
  lines.push(
    "A long-term key is valid until someone deactivates it; nothing rotated or restricted it before it leaked.",
  );
  return lines;
}

function summaryFacts(r: IncidentReport): [string, string][] {
  const c = r.containment;
  return [
    ["Incident", r.incidentId],
    ["User impacted", `${r.userName} (IAM user, account ${r.accountId})`],
    ["Access key", maskKeyId(r.accessKeyId)],
    ["Incident type", "Compromised IAM access key"],
    ["Date/time reported", r.startedAt],
    ["Priority", priority(r)],
    [
      "Containment",
      c.dryRun
        ? "dry run: nothing changed"
        : `key ${c.deactivated ? "Inactive" : "NOT deactivated"}; ${c.quarantinePolicyArn ?? "no quarantine policy"} attached; ${c.secondsToContain ?? "?"} s from start`,
    ],
    ...(r.blastRadius !== undefined
      ? ([
          [
            "Blast radius until containment",
            r.blastRadius === null
              ? "could not be read"
              : `${r.blastRadius.classes.join(", ")}${r.blastRadius.conditional ? " (conditional)" : ""}`,
          ],
        ] as [string, string][])
      : []),
    [
      "Events found",
      `${r.eventCount} (${r.suspicious.length} suspicious)${r.eventsOmitted > 0 ? `; ${r.eventsOmitted} unclassified ones not kept in this report` : ""}`,
    ],
  ];
}

const mdEscape = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

export function renderMarkdown(r: IncidentReport): string {
  const out: string[] = [];
  out.push(`# Incident ${r.incidentId}: compromised access key ${maskKeyId(r.accessKeyId)}`, "");
  out.push("## Incident Summary");
  for (const [k, v] of summaryFacts(r)) out.push(`- **${k}:** ${v}`);
  out.push("", "## Problem Statement");
  out.push(
    `Access key ${maskKeyId(r.accessKeyId)} of IAM user ${r.userName} was reported as compromised. ` +
      `Until contained it let its holder call AWS as ${r.userName}.` +
      (r.since ? ` The suspected compromise started at ${r.since}.` : ""),
  );
  out.push("", "## Investigation / Troubleshooting Steps");
  r.steps.forEach((s, i) => out.push(`${i + 1}. \`${s.at}\` ${s.what}`));
  out.push("", "### What the key did");
  out.push("| Category | Events |", "|---|---|");
  for (const c of CATEGORIES) out.push(`| ${CATEGORY_TITLES[c]} | ${r.categories[c]} |`);
  out.push("", `Source IPs: ${r.sourceIPs.join(", ") || "none"}  `);
  out.push(`User agents: ${r.userAgents.map((u) => `\`${u}\``).join(", ") || "none"}  `);
  out.push(`Regions: ${r.regions.join(", ") || "none"}`);
  if (r.newSinceBaseline) {
    const n = r.newSinceBaseline;
    out.push(
      "",
      `Never seen before ${r.since}: IPs ${n.sourceIPs.join(", ") || "none"}; user agents ${n.userAgents.map((u) => `\`${u}\``).join(", ") || "none"}; regions ${n.regions.join(", ") || "none"}.`,
    );
  }
  if (r.suspicious.length > 0) {
    out.push("", "### Suspicious events (timeline)");
    out.push(
      "| Time | Category | Event | Region | Source IP | Resources | Error |",
      "|---|---|---|---|---|---|---|",
    );
    for (const s of r.suspicious) {
      out.push(
        `| ${s.eventTime} | ${CATEGORY_TITLES[s.category]} | ${s.eventName} | ${s.region} | ${s.sourceIPAddress ?? ""} | ${mdEscape(s.resources.join(", "))} | ${s.errorCode ?? ""} |`,
      );
    }
  }
  out.push("", "### Created by the key");
  if (r.created.length === 0) out.push("Nothing that keywarden recognises.");
  else {
    out.push("| Type | Id | Region | Created | Remove with | Remediation |", "|---|---|---|---|---|---|");
    for (const c of r.created) {
      out.push(
        `| ${c.type} | ${mdEscape(c.id)} | ${c.region ?? ""} | ${c.eventTime} | \`${mdEscape(c.removeCommand)}\` | ${c.remediation ? `${c.remediation.status}: ${mdEscape(c.remediation.detail)}` : "open"} |`,
      );
    }
  }
  out.push("", "## Root Cause");
  for (const l of rootCause(r)) out.push(l);
  out.push("", "## Resolution");
  for (const item of r.checklist)
    out.push(`- [${item.status === "done" ? "x" : " "}] **${item.title}** — ${item.detail}`);
  out.push("", "## Preventive Measures");
  out.push(
    "- Rotate access keys at least every 90 days (`keywarden rotate`) and audit them (`keywarden audit`).",
    "- Scan code and history for hard-coded keys before they are pushed (`keywarden scan`, `keywarden hook`).",
    "- Replace long-term keys with IAM roles, IAM Identity Center or IAM Roles Anywhere.",
    "- Keep GuardDuty on and alarm on CloudTrail changes (StopLogging, DeleteTrail).",
    "- Keep the account's alternate security contact current.",
  );
  out.push("", "## Key Learnings");
  out.push(
    `- Containment took ${r.containment.secondsToContain ?? "n/a"} s; investigation came after, not before.`,
    `- ${r.created.length} resource(s) were created with the key: persistence is the attacker's first move.`,
    "- A long-term key is only as safe as every place it was ever copied to.",
  );
  out.push("", "## References");
  for (const ref of references(r)) out.push(`- ${ref}`);
  return `${out.join("\n")}\n`;
}

const h = (s: string) =>
  s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");

export function renderHtml(r: IncidentReport): string {
  const rows = (cells: string[][]) =>
    cells.map((row) => `<tr>${row.map((c) => `<td>${h(c)}</td>`).join("")}</tr>`).join("\n");
  const section = (title: string, body: string) => `<section><h2>${h(title)}</h2>\n${body}\n</section>`;
  const parts = [
    section("Incident Summary", `<table>${rows(summaryFacts(r).map(([k, v]) => [k, v]))}</table>`),
    section(
      "Problem Statement",
      `<p>${h(`Access key ${maskKeyId(r.accessKeyId)} of IAM user ${r.userName} was reported as compromised.${r.since ? ` The suspected compromise started at ${r.since}.` : ""}`)}</p>`,
    ),
    section(
      "Investigation / Troubleshooting Steps",
      `<ol>${r.steps.map((s) => `<li><time>${h(s.at)}</time> ${h(s.what)}</li>`).join("")}</ol>
<table><thead><tr><th>Category</th><th>Events</th></tr></thead>${rows(CATEGORIES.map((c) => [CATEGORY_TITLES[c], String(r.categories[c])]))}</table>
<p>Source IPs: ${h(r.sourceIPs.join(", ") || "none")}<br>User agents: ${h(r.userAgents.join(", ") || "none")}<br>Regions: ${h(r.regions.join(", ") || "none")}</p>
<h3>Suspicious events</h3>
<table><thead><tr><th>Time</th><th>Category</th><th>Event</th><th>Region</th><th>Source IP</th><th>Resources</th><th>Error</th></tr></thead>
${rows(r.suspicious.map((s) => [s.eventTime, CATEGORY_TITLES[s.category], s.eventName, s.region, s.sourceIPAddress ?? "", s.resources.join(", "), s.errorCode ?? ""]))}</table>
<h3>Created by the key</h3>
<table><thead><tr><th>Type</th><th>Id</th><th>Region</th><th>Created</th><th>Remove with</th><th>Remediation</th></tr></thead>
${rows(r.created.map((c) => [c.type, c.id, c.region ?? "", c.eventTime, c.removeCommand, c.remediation ? `${c.remediation.status}: ${c.remediation.detail}` : "open"]))}</table>`,
    ),
    section(
      "Root Cause",
      rootCause(r)
        .map((l) => `<p>${h(l)}</p>`)
        .join(""),
    ),
    section(
      "Resolution",
      `<ul>${r.checklist.map((c) => `<li class="${c.status}">[${c.status === "done" ? "x" : " "}] <strong>${h(c.title)}</strong> — ${h(c.detail)}</li>`).join("")}</ul>`,
    ),
    section(
      "Preventive Measures",
      "<ul><li>Rotate access keys at least every 90 days and audit them.</li><li>Scan code and history for hard-coded keys.</li><li>Replace long-term keys with roles, IAM Identity Center or Roles Anywhere.</li><li>Keep GuardDuty on; alarm on CloudTrail changes.</li><li>Keep the alternate security contact current.</li></ul>",
    ),
    section(
      "Key Learnings",
      `<ul><li>${h(`Containment took ${r.containment.secondsToContain ?? "n/a"} s, before the investigation.`)}</li><li>${h(`${r.created.length} resource(s) were created with the key.`)}</li></ul>`,
    ),
    section(
      "References",
      `<ul>${references(r)
        .map((x) => `<li>${h(x)}</li>`)
        .join("")}</ul>`,
    ),
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${h(`Incident ${r.incidentId}`)}</title>
<style>body{font:14px/1.4 system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left;vertical-align:top}li.done{color:#2a6}</style>
</head><body>
<h1>${h(`Incident ${r.incidentId}: compromised access key ${maskKeyId(r.accessKeyId)}`)}</h1>
${parts.join("\n")}
</body></html>
`;
}

export function renderIncidentReport(report: IncidentReport, format: IncidentFormat): string {
  // The same redaction as before the report was stored: a report stored by an older keywarden, or
  // built by a caller of the library, is rendered without a secret in any encoding.
  const r = redactValue(report) as IncidentReport;
  if (format === "json") return `${JSON.stringify(r, null, 2)}\n`;
  if (format === "html") return renderHtml(r);
  return renderMarkdown(r);
}
