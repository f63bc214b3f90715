import type { Command } from "@commander-js/extra-typings";
import { resolve } from "node:path";
import { UsageError } from "../../domain/errors.js";
import type { CliIO } from "../io.js";

interface HookFlags {
  force?: boolean;
  command?: string;
}

/** How this keywarden was started (node, its flags such as --import tsx, the script), for the hook to run. */
function selfCommand(): string[] {
  const script = process.argv[1];
  if (script === undefined) return ["keywarden"];
  // Git runs the hook from the repository, where a bare `--import tsx` would not resolve.
  const flags = process.execArgv.map((arg, i) => {
    const prev = process.execArgv[i - 1];
    if ((prev === "--import" || prev === "--loader") && /^[\w@]/.test(arg) && !arg.startsWith("file:")) {
      try {
        return import.meta.resolve(arg);
      } catch {
        return arg;
      }
    }
    return arg;
  });
  return [process.execPath, ...flags, resolve(script)];
}

export function register(program: Command, io: CliIO, exit: (code: number) => void): void {
  const hook = program.command("hook").description("Git hooks that keep AWS keys out of commits");
  hook
    .command("install")
    .description(
      "Install a git pre-commit hook that runs `keywarden scan --staged` and blocks commits adding keys",
    )
    .argument("[repo]", "a folder inside the repository (default: the current folder)")
    .option("--force", "replace another tool's pre-commit hook (kept as pre-commit.keywarden-backup)")
    .option("--command <cmd>", "how the hook starts keywarden (default: the way you started it now)")
    .addHelpText(
      "after",
      `
Examples:
  keywarden hook install
  keywarden hook install --command keywarden     # use keywarden from PATH
  keywarden hook install ../other-repo --force

With the pre-commit framework instead, the snippet this prints goes in .pre-commit-config.yaml.
Exit codes: 0 installed, 2 usage, 6 not a git repository, 7 another hook is there (use --force).`,
    )
    .action(async (repo: string | undefined, flags: HookFlags) => {
      const [{ installHook, PRE_COMMIT_FRAMEWORK_SNIPPET }, { repoRoot }] = await Promise.all([
        import("../../scan/hook.js"),
        import("../../scan/git.js"),
      ]);
      const dir = resolve(io.cwd, repo ?? ".");
      const root = await repoRoot(dir);
      if (root === null) {
        throw new UsageError(
          `${dir} is not inside a git repository`,
          "Run it inside the repository to protect (git init first).",
        );
      }
      const command =
        flags.command !== undefined ? flags.command.split(/\s+/).filter(Boolean) : selfCommand();
      if (command.length === 0) throw new UsageError("--command is empty", "Pass e.g. --command keywarden.");
      const r = await installHook(root, command, flags.force === true);
      io.stdout.write(`keywarden: pre-commit hook ${r.action}: ${r.path}\n`);
      if (r.backup) io.stdout.write(`keywarden: the previous hook is kept as ${r.backup}\n`);
      io.stdout.write(
        `\nUsing the pre-commit framework instead? Add this:\n\n${PRE_COMMIT_FRAMEWORK_SNIPPET}`,
      );
      exit(0);
    });
}
