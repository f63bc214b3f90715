import type { Command } from "@commander-js/extra-typings";
import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { EnvironmentError, UsageError } from "../../domain/errors.js";
import type { CliIO } from "../io.js";

export function register(program: Command, io: CliIO, exit: (code: number) => void): void {
  program
    .command("init")
    .description(
      "Write a commented starter policy file (keywarden.yaml) for `keywarden enforce`, `audit` and `rules`",
    )
    .option("-c, --config <path>", "where to write it (default: ./keywarden.yaml)")
    .option("--force", "overwrite an existing file")
    .addHelpText("after", "\nExample:\n  keywarden init && keywarden enforce     # then read the plan")
    .action(async (flags: { config?: string; force?: boolean }) => {
      const { STARTER_POLICY } = await import("../../policy/starter.js");
      const { DEFAULT_POLICY_FILE } = await import("../../policy/load.js");
      const path = resolve(io.cwd, flags.config ?? DEFAULT_POLICY_FILE);
      try {
        // "wx" fails if the file exists, atomically: no check-then-write race.
        await writeFile(path, STARTER_POLICY, { flag: flags.force ? "w" : "wx", mode: 0o644 });
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "EEXIST")
          throw new UsageError(
            `${path} already exists; it was left unchanged`,
            "Pass --force to overwrite it, or --config to write elsewhere.",
          );
        throw new EnvironmentError(
          "POLICY_NOT_WRITABLE",
          `could not write ${path} (${code ?? String(e)})`,
          "Pass --config with a path in a folder you can write to.",
        );
      }
      io.stdout.write(
        `Wrote ${path}. Edit it, then run \`keywarden enforce\` to see the plan (nothing changes without --apply).\n`,
      );
      exit(0);
    });
}
