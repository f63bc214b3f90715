import { writeFile } from "node:fs/promises";
import { EnvironmentError } from "../domain/errors.js";
import type { CliIO } from "./io.js";

/**
 * A rendered report to `--output`/`--out` when one is named, else to stdout. `mode` 0600 suits
 * reports that name people and keys (incidents); a missing folder is a one-line error, exit 6.
 */
export async function writeOutput(
  io: CliIO,
  text: string,
  path: string | undefined,
  mode = 0o644,
): Promise<void> {
  if (!path) {
    io.stdout.write(text);
    return;
  }
  try {
    await writeFile(path, text, { mode });
  } catch (e) {
    throw new EnvironmentError(
      "OUTPUT_NOT_WRITABLE",
      `could not write the report to ${path} (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
      "Pass a path in a folder that exists and that you can write to.",
    );
  }
  io.stderr.write(`keywarden: report written to ${path}\n`);
}
