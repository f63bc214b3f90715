import type { Command } from "@commander-js/extra-typings";
import type { CliIO } from "../io.js";

// The enforcement kill switch: a setting in the store that every run (and every change within a
// run) reads. Both verbs live here; main.ts registers them with one line.

export function register(program: Command, io: CliIO, exit: (code: number) => void): void {
  program
    .command("pause")
    .description(
      "Stop `keywarden enforce` from changing keys or sending notifications until `keywarden resume`",
    )
    .option("--reason <text>", "why, shown by `keywarden enforce` while paused")
    .action(async (flags: { reason?: string }) => {
      const [{ openStore }, { PAUSE_SETTING }] = await Promise.all([
        import("../rotation-wiring.js"),
        import("../../policy/enforce.js"),
      ]);
      const store = await openStore(io);
      try {
        const value = JSON.stringify({ at: new Date().toISOString(), reason: flags.reason ?? null });
        await store.setSetting(PAUSE_SETTING, value);
      } finally {
        await store.close();
      }
      io.stdout.write(
        "Enforcement paused: runs (even one in progress) change and send nothing. `keywarden resume` ends it.\n",
      );
      exit(0);
    });
  program
    .command("resume")
    .description("Turn enforcement back on after `keywarden pause`")
    .action(async () => {
      const [{ openStore }, { PAUSE_SETTING }] = await Promise.all([
        import("../rotation-wiring.js"),
        import("../../policy/enforce.js"),
      ]);
      const store = await openStore(io);
      try {
        await store.setSetting(PAUSE_SETTING, null);
      } finally {
        await store.close();
      }
      io.stdout.write("Enforcement resumed.\n");
      exit(0);
    });
}
