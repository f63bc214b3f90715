// Doctor's two outputs over one model: JSON (the stable contract) and a table for people.
import pc from "picocolors";
import type { CheckStatus, DoctorReport } from "./types.js";

export function renderDoctorJson(report: DoctorReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

type Colors = ReturnType<typeof pc.createColors>;

function statusLabel(c: Colors, s: CheckStatus): string {
  const text = s.padEnd(4);
  if (s === "ok") return c.green(text);
  if (s === "warn") return c.yellow(text);
  if (s === "fail") return c.red(text);
  return c.dim(text);
}

/** One line per check, then the diagnosis and its fix (bold when colour is on). */
export function renderDoctorTable(report: DoctorReport, opts: { color: boolean }): string {
  const c = pc.createColors(opts.color);
  const lines: string[] = [];
  const shadowed = report.source.shadowed
    .map((s) => `${s.kind}${s.name ? ` "${s.name}"` : ""}${s.accessKeyId ? ` (${s.accessKeyId})` : ""}`)
    .join(", ");
  lines.push(
    `${c.bold("profile")}  ${report.profile ?? "(none)"}`,
    `${c.bold("source")}   ${report.source.kind}${report.source.name ? ` "${report.source.name}"` : ""}${
      shadowed ? `; shadowed: ${shadowed}` : ""
    }`,
    `${c.bold("key")}      ${report.accessKeyId ?? "(unknown)"}`,
    "",
  );
  const width = Math.min(28, Math.max(...report.checks.map((k) => k.id.length), 4));
  for (const k of report.checks) {
    const fix = k.fix !== null && (k.status === "warn" || k.status === "fail") ? ` Fix: ${k.fix}` : "";
    lines.push(`${statusLabel(c, k.status)}  ${k.id.padEnd(width)}  ${k.message}${fix}`);
  }
  const d = report.diagnosis;
  const code = d.code === "OK" ? c.green(c.bold(d.code)) : c.red(c.bold(d.code));
  lines.push("", `${c.bold("diagnosis")} ${code}: ${d.message}`);
  if (d.fix !== null) lines.push(`${c.bold("fix")}       ${c.bold(d.fix)}`);
  return `${lines.join("\n")}\n`;
}
