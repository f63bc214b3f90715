import { Command, CommanderError } from "@commander-js/extra-typings";
import { ExitCode } from "../domain/errors.js";
import { reportError } from "./errors.js";
import { processIO, type CliIO } from "./io.js";
import { VERSION } from "./version.js";

// Commands are loaded lazily so `keywarden --help` does not pay for the AWS SDK.
export type CommandModule = { register(program: Command, io: CliIO, exit: (code: number) => void): void };

const COMMANDS: (() => Promise<CommandModule>)[] = [
  () => import("./commands/audit.js"),
  () => import("./commands/keys.js"),
  () => import("./commands/rotate.js"),
  () => import("./commands/rotations.js"),
  () => import("./commands/demo.js"),
  () => import("./commands/rules.js"),
  () => import("./commands/permissions.js"),
  () => import("./commands/mfa.js"),
  () => import("./commands/doctor.js"),
  () => import("./commands/respond.js"),
  () => import("./commands/trail.js"),
  () => import("./commands/incidents.js"),
  () => import("./commands/enforce.js"),
  () => import("./commands/init.js"),
  () => import("./commands/pause.js"),
  () => import("./commands/notifications.js"),
  () => import("./commands/scan.js"),
  () => import("./commands/hook.js"),
  () => import("./commands/serve.js"),
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
    .option(
      "--store <url|path>",
      "rotation store: postgres://... for a shared one, or a SQLite file (also KEYWARDEN_STORE)",
    )
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // Usage errors are one line, like every other error: the problem, then the fix.
      outputError: (s, write) => {
        const problem = s
          .replace(/^error: /, "")
          .replace(/\s*\n\s*/g, " ")
          .trim()
          .replace(/\.$/, "");
        const verb = argv.find((a) => program.commands.some((c) => c.name() === a));
        write(`keywarden: ${problem}. Run \`keywarden${verb ? ` ${verb}` : ""} --help\` for usage.\n`);
      },
    });
  for (const load of COMMANDS) (await load()).register(program, io, setExit);
  // The store is chosen once for every verb that keeps rotation state.
  program.hook("preAction", () => {
    const store = program.opts().store;
    if (typeof store === "string") io.env = { ...io.env, KEYWARDEN_STORE: store };
  });

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
