import { closeSync, lstatSync, openSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { basename, dirname, extname, join, resolve } from "node:path";
import { Option, type Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { EnvironmentError, UsageError } from "../domain/errors.js";
import { parseIntFlag } from "./errors.js";
import type { CliIO, Output } from "./io.js";

/*
 * One CLI family, modelled on the AWS CLI's global options: these are accepted by every verb,
 * before or after it, with one meaning. They live on the program; a pre-action hook hands their
 * values to the verb that runs, so each verb reads them from its own options as before.
 */
const GLOBAL_KEYS = ["profile", "region", "endpointUrl", "maxAttempts", "color"] as const;

export function addGlobalOptions(program: Command): void {
  program
    .option("--debug", "show stack traces and AWS error details")
    .option(
      "--store <url|path>",
      "rotation store: postgres://... for a shared one, or a SQLite file (also KEYWARDEN_STORE)",
    )
    .option(
      "--profile <name>",
      "AWS profile to use (default: environment keys, then AWS_PROFILE, then default)",
    )
    .option(
      "--region <region>",
      "AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile's, us-east-1)",
    )
    .option(
      "--endpoint-url <url>",
      "send AWS calls to this endpoint, e.g. a local emulator (else AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, the profile's services section or endpoint_url)",
    )
    .option(
      "--max-attempts <n>",
      "attempts per AWS call with adaptive retry",
      parseIntFlag("--max-attempts", 1, 20),
    )
    .option("--no-color", "no colours, even on a terminal (also NO_COLOR)")
    .configureHelp({ showGlobalOptions: true });
}

/** Called before a verb's action: the globals given on the command line become the verb's own. */
export function applyGlobals(program: Command, action: CommandUnknownOpts, io: CliIO): void {
  const opts = program.opts() as Record<string, unknown>;
  for (const key of GLOBAL_KEYS) {
    if (program.getOptionValueSource(key) === "cli") action.setOptionValueWithSource(key, opts[key], "cli");
  }
  if (typeof opts.store === "string") io.env = { ...io.env, KEYWARDEN_STORE: opts.store };
  if (opts.color === false) io.env = { ...io.env, NO_COLOR: "1" };
}

// What AWS CLI users type after --output; a file named like a format is almost always that slip.
const FORMAT_WORDS = new Set([
  "json",
  "text",
  "table",
  "yaml",
  "yaml-stream",
  "csv",
  "markdown",
  "md",
  "html",
  "sarif",
  "ocsf",
  "asff",
]);

/** Verbs whose stdout main() keeps and writes to `--output` itself once the verb succeeded. */
export const COLLECTS_OUTPUT = new WeakSet<object>();

/**
 * `-o, --output FILE` (and the older `--out`, kept hidden) on a verb that writes a report. With
 * `collect`, the verb just prints and main() writes the file (mode 0600: reports name keys and
 * people); nothing is written when the verb fails, so a failed run leaves the file as it was.
 */
export function withOutputFile<C extends CommandUnknownOpts>(cmd: C, what = "the report", collect = true): C {
  cmd.option("-o, --output <file>", `write ${what} to this file instead of stdout`);
  cmd.addOption(new Option("--out <file>", "same as --output").hideHelp());
  if (collect) COLLECTS_OUTPUT.add(cmd);
  return cmd;
}

/**
 * Checked before any work: `--output json` (the AWS CLI's habit) is a hint, not a file named json,
 * and a folder that does not exist is found now, not after an audit of a whole organization.
 */
export function checkOutputPath(raw: string | undefined, io: CliIO): string | undefined {
  if (raw === undefined) return undefined;
  if (FORMAT_WORDS.has(raw.toLowerCase())) {
    throw new UsageError(
      `--output names a file to write, and "${raw}" looks like a format`,
      `For a format pass --format ${raw === "text" || raw === "md" ? "table" : raw.toLowerCase()} (the AWS CLI's --output is keywarden's --format); to write a file named ${raw}, pass -o ./${raw}.`,
    );
  }
  const dir = dirname(resolve(io.cwd, raw));
  let ok: boolean;
  try {
    ok = statSync(dir).isDirectory();
  } catch {
    ok = false;
  }
  if (!ok) {
    throw new EnvironmentError(
      "OUTPUT_NOT_WRITABLE",
      `cannot write the report to ${raw}: the folder ${dir} does not exist`,
      "Create the folder, or pass a path in a folder that exists.",
    );
  }
  return raw;
}

const EXTENSION_FORMATS: Record<string, string> = {
  ".json": "json",
  ".html": "html",
  ".htm": "html",
  ".md": "markdown",
  ".csv": "csv",
  ".sarif": "sarif",
};

/**
 * The one default every verb shares: the human form on a terminal, JSON when piped; a file named
 * with `--output` gets the format its extension names when the verb has it, else JSON.
 */
export function defaultFormat<T extends string>(
  io: { stdout: Output },
  choices: readonly T[],
  human: T,
  outputPath?: string,
): T {
  if (outputPath) {
    const byExt = EXTENSION_FORMATS[extname(outputPath).toLowerCase()];
    if (byExt && (choices as readonly string[]).includes(byExt)) return byExt as T;
    return (choices as readonly string[]).includes("json") ? ("json" as T) : human;
  }
  if (io.stdout.isTTY) return human;
  return (choices as readonly string[]).includes("json") ? ("json" as T) : human;
}

/**
 * A stdout that keeps what a verb prints until it succeeded; `commit` then writes it to `path`
 * (mode 0600 when created), `abort` drops it, so a failed run leaves the file as it was. For a
 * regular file (or a new one) the text is spooled to a temporary file beside it and renamed over
 * it, not held in memory: `trail` on a busy key prints ~90 MB of JSON. Anything else (a device such
 * as /dev/stdout, a FIFO, a symbolic link) is written through at the end, as it always was.
 */
export function spooledOutput(path: string): Output & { commit(): void; abort(): void } {
  let target: ReturnType<typeof lstatSync> | undefined;
  try {
    target = lstatSync(path);
  } catch {
    target = undefined; // a new file
  }
  const spool = target === undefined || target.isFile();
  const temp = join(dirname(path), `.${basename(path)}.keywarden-${process.pid}.tmp`);
  const held: string[] = [];
  let fd: number | null = null;
  let failure: Error | null = null;
  const open = () => (fd ??= openSync(temp, "w", 0o600));
  const close = () => {
    if (fd !== null) closeSync(fd);
    fd = null;
  };
  return {
    isTTY: false,
    write(chunk: string) {
      if (!spool) held.push(chunk);
      else if (failure === null) {
        try {
          writeSync(open(), chunk);
        } catch (e) {
          failure = e as Error; // reported by commit, once the verb is done
        }
      }
      return true;
    },
    commit() {
      try {
        if (failure !== null) throw failure;
        if (spool) {
          open();
          close();
          renameSync(temp, path);
          return;
        }
        const out = openSync(path, "w", 0o600);
        try {
          for (const chunk of held) writeSync(out, chunk);
        } finally {
          closeSync(out);
        }
      } catch (e) {
        this.abort();
        throw new EnvironmentError(
          "OUTPUT_NOT_WRITABLE",
          `could not write the report to ${path} (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
          "Pass a path in a folder that exists and that you can write to.",
        );
      }
    },
    abort() {
      held.length = 0;
      try {
        close();
      } catch {
        // already closed
      }
      if (spool) rmSync(temp, { force: true });
    },
  };
}

/*
 * One list syntax on every verb: names are separated by commas or given by repeating the flag
 * (`--regions us-east-1,eu-west-1` = `--regions us-east-1 --regions eu-west-1`); paths are given by
 * repeating the flag, since a path may hold a comma.
 */
export function nameList(value: string, previous: string[] | undefined): string[] {
  return [
    ...(previous ?? []),
    ...value
      .split(",")
      .map((v) => v.trim())
      .filter(Boolean),
  ];
}

export function pathList(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Targets split on a comma only where the next target starts, so a file path keeps its commas. */
export function targetList(value: string, previous: string[] | undefined): string[] {
  return [
    ...(previous ?? []),
    ...value
      .split(/,(?=(?:profile|secretsmanager|ssm|dotenv):|stdout(?:,|$))/)
      .map((v) => v.trim())
      .filter(Boolean),
  ];
}
