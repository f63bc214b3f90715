import { resolve } from "node:path";
import { Command, CommanderError } from "@commander-js/extra-typings";
import { ExitCode } from "../domain/errors.js";
import {
  COLLECTS_OUTPUT,
  addGlobalOptions,
  applyGlobals,
  checkOutputPath,
  spooledOutput,
} from "./common-options.js";
import { reportError } from "./errors.js";
import { addHelpSections } from "./help.js";
import { processIO, type CliIO } from "./io.js";
import { VERSION } from "./version.js";

// Commands are loaded lazily so `keywarden --help` does not pay for the AWS SDK, and a verb loads
// only its own module: `respond KEY --yes` must reach AWS before anything it does not need is read.
export type CommandModule = { register(program: Command, io: CliIO, exit: (code: number) => void): void };

/** Every verb, in help order, with the module that registers it. */
const COMMANDS: readonly (readonly [string, () => Promise<CommandModule>])[] = [
  ["audit", () => import("./commands/audit.js")],
  ["keys", () => import("./commands/keys.js")],
  ["rotate", () => import("./commands/rotate.js")],
  ["rotations", () => import("./commands/rotations.js")],
  ["demo", () => import("./commands/demo.js")],
  ["rules", () => import("./commands/rules.js")],
  ["permissions", () => import("./commands/permissions.js")],
  ["mfa", () => import("./commands/mfa.js")],
  ["doctor", () => import("./commands/doctor.js")],
  ["respond", () => import("./commands/respond.js")],
  ["trail", () => import("./commands/trail.js")],
  ["athena", () => import("./commands/athena.js")],
  ["plan-migration", () => import("./commands/plan-migration.js")],
  ["incidents", () => import("./commands/incidents.js")],
  ["enforce", () => import("./commands/enforce.js")],
  ["init", () => import("./commands/init.js")],
  ["pause", () => import("./commands/pause.js")],
  ["notifications", () => import("./commands/notifications.js")],
  ["scan", () => import("./commands/scan.js")],
  ["hook", () => import("./commands/hook.js")],
  ["serve", () => import("./commands/serve.js")],
  ["deploy", () => import("./commands/deploy.js")],
];

/**
 * The verbs whose modules this command line needs: every word of argv that names a verb (a value
 * that happens to spell one only loads one more module). None: all of them, for the top-level
 * help, a mistyped verb's "did you mean" and `--version`.
 */
export function verbsToLoad(argv: readonly string[]): string[] {
  const named = COMMANDS.map(([name]) => name).filter((name) => argv.includes(name));
  return named.length > 0 ? named : COMMANDS.map(([name]) => name);
}

export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  let code: number = ExitCode.OK;
  const setExit = (c: number) => {
    code = c;
  };
  const program = new Command()
    .name("keywarden")
    .description("Audit, rotate, fix and contain AWS IAM access keys.")
    .version(VERSION, "-V, --version")
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
  addGlobalOptions(program);
  const wanted = new Set(verbsToLoad(argv));
  const modules = await Promise.all(COMMANDS.filter(([name]) => wanted.has(name)).map(([, load]) => load()));
  for (const m of modules) m.register(program, io, setExit);
  addHelpSections(program);
  // Set by the hook when a verb's stdout is kept for --output (a holder: TypeScript cannot see the hook run).
  const collected: {
    now?: { path: string; out: ReturnType<typeof spooledOutput>; stdout: CliIO["stdout"] };
  } = {};
  program.hook("preAction", (_program, action) => {
    applyGlobals(program, action, io);
    const opts = action.opts() as { output?: string; out?: string };
    if (opts.out !== undefined && opts.output === undefined) action.setOptionValue("output", opts.out);
    const path = checkOutputPath(opts.output ?? opts.out, io);
    if (path !== undefined && COLLECTS_OUTPUT.has(action)) {
      const full = resolve(io.cwd, path);
      collected.now = { path: full, out: spooledOutput(full), stdout: io.stdout };
      io.stdout = collected.now.out;
    }
  });

  try {
    await program.parseAsync(argv, { from: "user" });
    const done = collected.now;
    if (done) {
      io.stdout = done.stdout;
      done.out.commit();
      io.stderr.write(`keywarden: report written to ${done.path}\n`);
    }
  } catch (err) {
    // A failed verb writes no --output file: whatever was there stays as it was.
    if (collected.now) {
      io.stdout = collected.now.stdout;
      collected.now.out.abort();
    }
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
