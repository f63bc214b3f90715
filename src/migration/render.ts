import { maskKeyId } from "../domain/key-id.js";
import { plainTable } from "../report/plain-table.js";
import { KIND_TITLES, type MigrationPlan, type SeenValue } from "./types.js";

// The plan as text for a terminal: evidence first (what the choice rests on), then the choice,
// the policies, the blast radius before and after, and the numbered cut-over steps. JSON is the
// same model (`MigrationPlan`) printed whole.

const day = (iso: string | null | undefined) => (iso ? iso.slice(0, 10) : "-");
const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

function seenTable(title: string, list: SeenValue[], width = 70): string[] {
  if (list.length === 0) return [];
  const rows = [[title, "CALLS", "FIRST", "LAST"]];
  for (const s of list.slice(0, 8))
    rows.push([cut(s.value, width), String(s.count), day(s.firstSeen), day(s.lastSeen)]);
  const more = list.length > 8 ? [`  … ${list.length - 8} more (see --format json)`] : [];
  return [indent(plainTable(rows)), ...more, ""];
}

const indent = (text: string, by = "  ") =>
  text
    .split("\n")
    .map((l) => (l === "" ? l : `${by}${l}`))
    .join("\n");

export function renderPlanText(p: MigrationPlan): string {
  const e = p.evidence;
  const out: string[] = [];
  out.push(
    `Migration plan for ${maskKeyId(e.key.accessKeyId)} (IAM user ${e.owner.userName}, account ${e.owner.accountId})`,
    "",
  );
  out.push("Evidence");
  out.push(
    `  key: ${e.key.status}, created ${day(e.key.createdAt)}; last used ${
      e.key.lastUsed
        ? `${day(e.key.lastUsed.date)} (${e.key.lastUsed.service} in ${e.key.lastUsed.region})`
        : "never"
    }`,
  );
  out.push(
    `  owner: ${e.owner.console ? `console password${e.owner.passwordLastUsed ? ` (last used ${day(e.owner.passwordLastUsed)})` : ""}` : "no console password"}, ${
      e.owner.mfa ? "MFA device" : "no MFA device"
    }, ${e.owner.otherKeys} other key(s)`,
  );
  const t = e.trail;
  if (!t) out.push("  CloudTrail: not read (pass --logs PATH, or allow cloudtrail:LookupEvents)", "");
  else {
    const from = [
      t.sources.lookupRegions.length > 0 ? `LookupEvents in ${t.sources.lookupRegions.length} region(s)` : "",
      t.sources.logFiles > 0 ? `${t.sources.logFiles} log file(s)` : "",
    ]
      .filter(Boolean)
      .join(" and ");
    out.push(
      `  CloudTrail: ${t.events} event(s)${t.events > 0 ? `, ${day(t.firstSeen)} to ${day(t.lastSeen)}` : ""}${from ? ` (${from})` : ""}`,
      "",
    );
    if (t.actions.length > 0) {
      const rows = [["ACTION", "CALLS", "DENIED", "RESOURCES", "NOTE"]];
      for (const a of t.actions) {
        rows.push([
          a.action,
          String(a.count),
          String(a.denied),
          a.resources.length === 0
            ? "*"
            : a.resources.length === 1
              ? cut(a.resources[0] ?? "", 50)
              : `${a.resources.length} resources`,
          a.certain ? (a.note ? cut(a.note, 60) : "") : `unsure: ${cut(a.note ?? "", 52)}`,
        ]);
      }
      out.push(indent(plainTable(rows)), "");
    }
    out.push(
      ...seenTable("SOURCE IP", t.sourceIPs),
      ...seenTable("USER AGENT", t.userAgents),
      ...seenTable("REGION", t.regions),
    );
    if (t.vpcEndpoints.length > 0) out.push(...seenTable("VPC ENDPOINT", t.vpcEndpoints));
  }

  const r = p.replacement;
  out.push("Replacement");
  if (r.kind)
    out.push(
      `  ${r.kind}: ${KIND_TITLES[r.kind]}${r.confidence === "forced" ? " (chosen with --kind)" : ""}`,
    );
  else out.push(`  not decided (${r.confidence === "none" ? "no evidence" : "unsure"})`);
  out.push(`  why: ${r.summary}`);
  if (!r.kind || r.confidence === "forced") {
    for (const c of r.candidates) out.push(`  - ${c.kind} (score ${c.score}): ${c.reasons.join("; ")}`);
  }
  out.push("");

  if (p.trust) {
    out.push(`Trust policy of role ${p.roleName}`);
    if (p.trust.trustPolicy) out.push(indent(JSON.stringify(p.trust.trustPolicy, null, 2)));
    for (const ph of p.trust.placeholders)
      out.push(`  fill in ${ph.value}: ${ph.what}${ph.flag ? ` (${ph.flag})` : ""}`);
    for (const n of p.trust.notes) out.push(`  note: ${n}`);
    out.push("");
  }

  out.push(
    p.trust?.kind === "identity-center"
      ? "Permission set policy (from the actions observed)"
      : "Identity policy (from the actions observed)",
  );
  if (p.leastPrivilege.policy) out.push(indent(JSON.stringify(p.leastPrivilege.policy, null, 2)));
  for (const n of p.leastPrivilege.notes) out.push(`  note: ${n}`);
  out.push("");

  if (p.blastRadius) {
    out.push("Blast radius");
    out.push(
      `  today (${e.owner.userName}'s policies): ${p.blastRadius.now ? p.blastRadius.now.classes.join(", ") : "could not be read"}`,
    );
    out.push(
      `  with the planned policy:   ${p.blastRadius.planned.length > 0 ? p.blastRadius.planned.join(", ") : "no policy yet (no action observed)"}`,
    );
    out.push("");
  }

  out.push("Cut-over");
  p.steps.forEach((s, i) => {
    out.push(`  ${i + 1}. ${s.title}`);
    if (s.detail) out.push(`     ${s.detail}`);
    for (const c of s.commands) out.push(`     $ ${c}`);
  });
  if (p.warnings.length > 0) {
    out.push("", "Warnings");
    for (const w of p.warnings) out.push(`  ! ${w}`);
  }
  return `${out.join("\n")}\n`;
}
