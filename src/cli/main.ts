import { Command, CommanderError } from "@commander-js/extra-typings";
import { ExitCode } from "../domain/errors.js";
import { reportError } from "./errors.js";
import { processIO, type CliIO } from "./io.js";
import { VERSION } from "./version.js";

// Commands are loaded lazily so `keywarden --help` does not pay for the AWS SDK.
export type CommandModule = { register(program: Command, io: CliIO, exit: (code: number) => void): void };

const COMMANDS: (() => Promise<CommandModule>)[] = [
  () => import("./commands/audit.js"),
  () => import("./commands/demo.js"),
  () => import("./commands/rules.js"),
  () => import("./commands/permissions.js"),
];

export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  let code: number = ExitCode.OK;
  const setExit = (c: number) => {
    code = c;
  };
  const program = new Command()
    .name("keywarden")
    .description("Audit, rotate, fix and contain AWS IAM access keys.")
    .version(VERSION, "-V, --version")
    .option("--debug", "show stack traces and AWS error details")
    .showHelpAfterError("(run keywarden --help for usage)")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });
  for (const load of COMMANDS) (await load()).register(program, io, setExit);

  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (err) {
    if (err instanceof CommanderError) {
      const ok =
        err.code === "commander.helpDisplayed" ||
        err.code === "commander.version" ||
        err.code === "commander.help";
      return ok ? ExitCode.OK : ExitCode.USAGE;
    }
    return reportError(err, io, argv.includes("--debug"));
  }
  return code;
}
