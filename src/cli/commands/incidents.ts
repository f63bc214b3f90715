import type { Command } from "@commander-js/extra-typings";
import { UsageError } from "../../domain/errors.js";
import { maskKeyId } from "../../domain/key-id.js";
import type { IncidentReport } from "../../response/types.js";
import type { StoredRecord } from "../../store/types.js";
import { parseChoice } from "../errors.js";
import type { CliIO } from "../io.js";
import { plainTable } from "../../report/plain-table.js";
import { defaultFormat, withOutputFile } from "../common-options.js";

// keywarden incidents: the incidents `respond` stored, listed, shown and rendered.

const LIST_FORMATS = ["table", "json"] as const;
const REPORT_FORMATS = ["markdown", "json", "html"] as const;

/** A stored incident, through the redaction again: one stored before it caught every encoding of a secret. */
function asReport(r: StoredRecord, redact: (v: unknown) => unknown): IncidentReport {
  return redact(r.data) as IncidentReport;
}

async function withStore<T>(
  io: CliIO,
  fn: (store: import("../../store/types.js").Store) => Promise<T>,
): Promise<T> {
  const { openStore } = await import("../rotation-wiring.js");
  const store = await openStore(io);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

async function load(io: CliIO, id: string): Promise<IncidentReport> {
  const [rec, { redactValue }] = await Promise.all([
    withStore(io, (s) => s.getRecord("incident", id)),
    import("../../response/redact.js"),
  ]);
  if (!rec) throw new UsageError(`there is no incident ${id}`, "List them with `keywarden incidents`.");
  return asReport(rec, redactValue);
}

function listRows(reports: IncidentReport[]): string {
  const rows = [
    [
      "ID",
      "KEY",
      "USER",
      "ACCOUNT",
      "STARTED",
      "CONTAINED IN",
      "EVENTS",
      "SUSPICIOUS",
      "CREATED",
      "OPEN ITEMS",
    ],
  ];
  for (const r of reports) {
    rows.push([
      r.incidentId,
      maskKeyId(r.accessKeyId),
      r.userName,
      r.accountId,
      r.startedAt.slice(0, 19).replace("T", " ") + "Z",
      r.containment.secondsToContain === null ? "-" : `${r.containment.secondsToContain} s`,
      String(r.events.length),
      String(r.suspicious.length),
      String(r.created.length),
      String(r.checklist.filter((c) => c.status === "open").length),
    ]);
  }
  return `${plainTable(rows)}\n`;
}

export function register(program: Command, io: CliIO, exit: (code: number) => void): void {
  const incidents = program
    .command("incidents")
    .description("Incidents recorded by `keywarden respond`: list, `show ID`, `report ID --format html`");
  const list = incidents
    .command("list", { isDefault: true })
    .description("List incidents, newest first (the default)")
    .option("--key <access-key-id>", "only incidents about this key")
    .option(
      "--format <format>",
      "table or json (default: table on a terminal, json otherwise)",
      parseChoice("--format", LIST_FORMATS),
    );
  withOutputFile(list, "the list").action(
    async (flags: { format?: "table" | "json"; key?: string; output?: string }) => {
      const format = flags.format ?? defaultFormat(io, LIST_FORMATS, "table", flags.output);
      const recs = await withStore(io, (s) =>
        s.listRecords("incident", flags.key ? { subject: flags.key } : {}),
      );
      const { redactValue } = await import("../../response/redact.js");
      const reports = recs.map((r) => asReport(r, redactValue));
      if (format === "json") {
        const summary = reports.map((r) => ({
          incidentId: r.incidentId,
          accessKeyId: r.accessKeyId,
          userName: r.userName,
          accountId: r.accountId,
          startedAt: r.startedAt,
          secondsToContain: r.containment.secondsToContain,
          events: r.events.length,
          suspicious: r.suspicious.length,
          created: r.created.length,
          openItems: r.checklist.filter((c) => c.status === "open").length,
        }));
        io.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      } else if (reports.length === 0) {
        io.stdout.write(
          "No incidents recorded. `keywarden respond AKIA... --yes` contains a key and records one.\n",
        );
      } else {
        io.stdout.write(listRows(reports));
      }
      exit(0);
    },
  );
  // show and report are one renderer: show is the short name people type, report the one scripts use.
  for (const [name, description] of [
    ["show", "Print one incident's report (Markdown on a terminal, JSON when piped)"],
    ["report", "Render one incident's report as markdown, json or html"],
  ] as const) {
    const cmd = incidents
      .command(name)
      .description(description)
      .argument("<id>", "incident id, e.g. inc-20261121-093000-a1b2c3")
      .option(
        "--format <format>",
        "markdown, json or html (default: markdown on a terminal, json otherwise; a --output file's extension)",
        parseChoice("--format", REPORT_FORMATS),
      );
    if (name === "report")
      cmd.addHelpText(
        "after",
        "\nExample:\n  keywarden incidents report inc-20261121-093000-a1b2c3 --format html -o incident.html",
      );
    withOutputFile(cmd).action(
      async (id: string, flags: { format?: "markdown" | "json" | "html"; output?: string }) => {
        const { renderIncidentReport } = await import("../../response/render.js");
        const format = flags.format ?? defaultFormat(io, REPORT_FORMATS, "markdown", flags.output);
        io.stdout.write(renderIncidentReport(await load(io, id), format));
        exit(0);
      },
    );
  }
}
