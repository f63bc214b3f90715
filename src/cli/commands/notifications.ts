import type { Command } from "@commander-js/extra-typings";
import { maskKeyId } from "../../domain/key-id.js";
import type { NotificationData } from "../../notify/dispatch.js";
import { parseChoice, parseIntFlag } from "../errors.js";
import { defaultFormat, withOutputFile } from "../common-options.js";
import type { CliIO } from "../io.js";
import { plainTable } from "../../report/plain-table.js";

interface Flags {
  format?: "table" | "json";
  output?: string;
  status?: "sent" | "failed" | "pending";
  key?: string;
  limit: number;
}

export function register(program: Command, io: CliIO, exit: (code: number) => void): void {
  const cmd = program
    .command("notifications")
    .description(
      "List the notifications `keywarden enforce` recorded: what was sent, to whom, over which channel",
    )
    .option(
      "--format <format>",
      "table or json (default: table on a terminal, json otherwise)",
      parseChoice("--format", ["table", "json"] as const),
    )
    .option(
      "--status <status>",
      "only sent, failed or pending ones",
      parseChoice("--status", ["sent", "failed", "pending"] as const),
    )
    .option("--key <id>", "only those about this access key id")
    .option("--limit <n>", "at most this many, newest first", parseIntFlag("--limit", 1, 100_000), 200);
  withOutputFile(cmd, "the list").action(async (raw) => {
    const flags: Flags = raw;
    const [{ openStore }, { NOTIFICATION_KIND }] = await Promise.all([
      import("../rotation-wiring.js"),
      import("../../notify/dispatch.js"),
    ]);
    const store = await openStore(io);
    try {
      const records = await store.listRecords(NOTIFICATION_KIND, {
        limit: flags.limit,
        ...(flags.key ? { subject: flags.key } : {}),
      });
      const rows = records
        .map((r) => ({ id: r.id, createdAt: r.createdAt, data: r.data as NotificationData }))
        .filter((r) => !flags.status || r.data.status === flags.status);
      const format = flags.format ?? defaultFormat(io, ["table", "json"] as const, "table", flags.output);
      if (format === "json") {
        const out = rows.map((r) => ({
          ...r.data.item,
          dedupeKey: r.id,
          createdAt: r.createdAt,
          status: r.data.status,
          attempts: r.data.attempts,
          channels: r.data.channels,
          runId: r.data.runId,
        }));
        io.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      } else if (rows.length === 0) {
        io.stdout.write("No notifications recorded. `keywarden enforce --apply` sends them.\n");
      } else {
        const table = [["WHEN", "STATUS", "KIND", "OWNER", "USER", "KEY", "STAGE", "DEADLINE", "CHANNELS"]];
        for (const r of rows) {
          const it = r.data.item;
          const ch =
            Object.entries(r.data.channels)
              .map(([n, c]) => `${n}:${c.status}`)
              .join(",") || "-";
          table.push([
            r.createdAt.slice(0, 16).replace("T", " "),
            r.data.status,
            it.kind,
            it.owner ?? "-",
            it.userName,
            maskKeyId(it.accessKeyId),
            it.stage,
            it.deadline,
            ch,
          ]);
        }
        io.stdout.write(`${plainTable(table)}\n`);
      }
    } finally {
      await store.close();
    }
    exit(0);
  });
}
