// Starts the real `keywarden serve` in a child process (as a user would) and reads the URL it
// prints on stdout and the one-time token it prints on stderr.
import { spawn, type ChildProcess } from "node:child_process";
import { cliCommand, REPO_ROOT } from "../helpers/cli.js";

export interface Served {
  url: string;
  /** The token printed at this start; null when the stored one was kept. */
  token: string | null;
  child: ChildProcess;
  stderr: () => string;
  /** Sends the signal and resolves with the exit code. */
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

const START_TIMEOUT_MS = 60_000;

export async function startServe(args: string[], env: Record<string, string>): Promise<Served> {
  const child = spawn(process.execPath, [...cliCommand(), "serve", ...args], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      AWS_EC2_METADATA_DISABLED: "true",
      NO_COLOR: "1",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
  child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
  const exited = new Promise<number | null>((done) => {
    child.on("close", (code) => {
      done(code);
    });
  });
  const url = await new Promise<string>((ready, fail) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      fail(new Error(`serve did not start in ${START_TIMEOUT_MS} ms:\n${stderr}`));
    }, START_TIMEOUT_MS);
    const look = () => {
      const m = /^(http:\/\/\S+)$/m.exec(stdout);
      if (m?.[1]) {
        clearTimeout(timer);
        ready(m[1]);
      }
    };
    child.stdout.on("data", look);
    void exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`serve exited with ${String(code)} before listening:\n${stderr}`));
    });
  });
  const token = /access token \(shown once[^)]*\): (\S+)/.exec(stderr)?.[1] ?? null;
  return {
    url,
    token,
    child,
    stderr: () => stderr,
    stop: async (signal = "SIGTERM") => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}
