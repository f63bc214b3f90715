// Runs the real `keywarden` CLI in a child process, the way a user runs it, with a clean
// environment: only PATH, a throwaway HOME (so the developer's own ~/.aws is never read), no IMDS
// probing, no colours, plus what the test passes.
//
//   const r = await runCli(["audit", "--format", "json"], { env: { AWS_ENDPOINT_URL: emu.endpoint } });
//   expect(r.code).toBe(0);
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIN = join("src", "cli", "bin.ts");
/** Where test/helpers/cli-build.ts transpiles the sources once per run. */
export const TEST_DIST = join(REPO_ROOT, ".test-dist");
/** A run that takes longer than this is a hang, not a slow run: kill it and fail. */
const RUN_TIMEOUT_MS = 60_000;

export interface CliResult {
  /** The exit code; null only when the process was killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunCliOptions {
  /** Added to the clean environment (and may override HOME, NO_COLOR, ...). */
  env?: Record<string, string>;
  /** Working directory; default the repository root. */
  cwd?: string;
}

/**
 * Node's arguments that start the CLI from `cwd`: the sources transpiled once per run by
 * test/helpers/cli-build.ts (a globalSetup), or the sources through tsx when that build is absent
 * or KEYWARDEN_TEST_CLI=tsx.
 */
export function cliCommand(cwd: string = REPO_ROOT): string[] {
  const built = join(TEST_DIST, "cli", "bin.js");
  if (process.env.KEYWARDEN_TEST_CLI !== "tsx" && existsSync(built)) return [built];
  const fromRoot = resolve(cwd) === resolve(REPO_ROOT);
  // From another folder, `--import tsx` and the script path must not depend on the cwd.
  const tsx = fromRoot
    ? "tsx"
    : pathToFileURL(join(REPO_ROOT, "node_modules", "tsx", "dist", "loader.mjs")).href;
  return ["--import", tsx, fromRoot ? BIN : join(REPO_ROOT, BIN)];
}

export async function runCli(args: string[], opts: RunCliOptions = {}): Promise<CliResult> {
  const home = await mkdtemp(join(tmpdir(), "keywarden-cli-home-"));
  const cwd = opts.cwd ?? REPO_ROOT;
  const command = cliCommand(cwd);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    HOME: home,
    AWS_EC2_METADATA_DISABLED: "true",
    NO_COLOR: "1",
    ...opts.env,
  };
  try {
    return await new Promise<CliResult>((done, fail) => {
      const child = spawn(process.execPath, [...command, ...args], {
        cwd,
        env,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
      child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        fail(new Error(`keywarden ${args.join(" ")} did not finish in ${RUN_TIMEOUT_MS} ms\n${stderr}`));
      }, RUN_TIMEOUT_MS);
      child.on("error", (e) => {
        clearTimeout(timer);
        fail(e);
      });
      child.on("close", (code, signal) => {
        clearTimeout(timer);
        done({ code, signal, stdout, stderr });
      });
    });
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

// A type, not an interface, so it spreads into and passes as a Record<string, string> env.
export type AwsFiles = {
  AWS_SHARED_CREDENTIALS_FILE: string;
  AWS_CONFIG_FILE: string;
};

/**
 * Writes an AWS credentials and config file into `tmp` (empty when not given, so nothing else is
 * read) and returns the environment that points the SDK and keywarden at them.
 */
export async function awsFiles(
  tmp: string,
  files: { credentials?: string; config?: string } = {},
): Promise<AwsFiles> {
  const env: AwsFiles = {
    AWS_SHARED_CREDENTIALS_FILE: join(tmp, "credentials"),
    AWS_CONFIG_FILE: join(tmp, "config"),
  };
  await writeFile(env.AWS_SHARED_CREDENTIALS_FILE, files.credentials ?? "", { mode: 0o600 });
  await writeFile(env.AWS_CONFIG_FILE, files.config ?? "", { mode: 0o600 });
  return env;
}

/** The non-empty lines of a stream's text. */
export function lines(text: string): string[] {
  return text.split(/\r?\n/).filter((l) => l.trim() !== "");
}
