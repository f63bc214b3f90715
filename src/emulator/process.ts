// Starts and stops the local AWS emulator (moto in server mode, through keywarden's launcher) as a
// child process on a free loopback port. Used by `keywarden demo`, the integration tests and the
// benchmarks. No AWS SDK here: this only speaks plain HTTP to ask whether the emulator is up.

import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, openSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { EnvironmentError } from "../domain/errors.js";

export interface StartEmulatorOptions {
  /** Port to listen on (127.0.0.1). Default 0: the OS picks a free one. */
  port?: number;
  /** The launcher script. Default: `<package root>/test/emulator/launcher.py`. */
  launcherPath?: string;
  /** Extra environment for the emulator, merged over this process's environment. */
  env?: NodeJS.ProcessEnv;
  /** Python interpreter to run. Default `python3`. */
  python?: string;
  /** How long to wait for the emulator to answer HTTP. Default 20 000 ms. */
  startTimeoutMs?: number;
  /**
   * Let the emulator outlive this process (`keywarden demo --keep`): it runs detached, its stderr
   * goes to `logFile`, and it stops only when killed.
   */
  keepAlive?: boolean;
}

export interface RunningEmulator {
  /** e.g. `http://127.0.0.1:41234`: pass as the SDK client `endpoint`. */
  endpoint: string;
  port: number;
  pid: number;
  /** Where a kept-alive emulator writes its stderr. */
  logFile: string | null;
  /** Stops the emulator and waits for it to exit. Safe to call more than once. */
  stop(): Promise<void>;
}

export const MOTO_INSTALL_COMMAND = 'pip install "moto[server]==5.2.1"';
const DEFAULT_START_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 5_000;
const STDERR_TAIL_CHARS = 4_000;
/** The launcher's exit code and wording when `import moto` fails (see launcher.py). */
const MISSING_MOTO_EXIT_CODE = 3;
const MISSING_MOTO_MARKER = "keywarden emulator: python3 module moto is missing";

const LAUNCHER_RELATIVE_PATH = join("test", "emulator", "launcher.py");

/**
 * Finds the launcher by walking up from this module's folder: the same code runs as
 * `src/emulator/process.ts` (tsx, vitest) and as `dist/emulator/process.js` (the built package,
 * which ships `test/emulator/launcher.py`), and both sit two levels below the package root.
 */
export function findLauncher(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, LAUNCHER_RELATIVE_PATH);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new EnvironmentError(
    "EMULATOR_MISSING",
    `The AWS emulator launcher (${LAUNCHER_RELATIVE_PATH}) was not found in the keywarden package.`,
    "Reinstall keywarden: the package ships test/emulator/launcher.py.",
  );
}

// Children still running when this process exits are killed synchronously from one 'exit' hook.
// (If this process dies by a signal, no hook runs: the launcher's --exit-with-parent notices its
// stdin pipe closing and exits by itself.)
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  liveChildren.add(child);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once("exit", () => {
      for (const c of liveChildren) c.kill("SIGKILL");
    });
  }
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (hasExited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off("exit", onExit);
      resolve(false);
    }, timeoutMs);
    const onExit = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once("exit", onExit);
  });
}

async function kill(child: ChildProcess): Promise<void> {
  liveChildren.delete(child);
  if (hasExited(child)) return;
  child.stdin?.end();
  child.kill("SIGTERM");
  if (!(await waitForExit(child, STOP_GRACE_MS))) {
    child.kill("SIGKILL");
    await waitForExit(child, STOP_GRACE_MS);
  }
}

function streamEnded(stream: Readable | null, timeoutMs: number): Promise<void> {
  if (stream === null || stream.readableEnded) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    stream.once("end", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Starts the emulator and resolves once it answers HTTP. */
export async function startEmulator(opts: StartEmulatorOptions = {}): Promise<RunningEmulator> {
  const python = opts.python ?? "python3";
  const launcher = opts.launcherPath ?? findLauncher();
  const timeoutMs = opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;

  const keep = opts.keepAlive === true;
  const logFile = keep ? join(tmpdir(), `keywarden-emulator-${process.pid}-${Date.now()}.log`) : null;
  const child = spawn(python, [launcher, String(opts.port ?? 0), ...(keep ? [] : ["--exit-with-parent"])], {
    env: { ...process.env, ...opts.env },
    // stdin stays an open pipe for the child's whole life: its EOF tells the launcher we are gone.
    // A kept-alive emulator must not depend on our pipes, so its stderr goes to a file.
    stdio: logFile ? ["ignore", "pipe", openSync(logFile, "a", 0o600)] : ["pipe", "pipe", "pipe"],
    detached: keep,
    windowsHide: true,
  });
  track(child);

  // Keep draining both pipes for the child's whole life: a full pipe would block the emulator.
  let stderrTail = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    stderrTail = (stderrTail + chunk).slice(-STDERR_TAIL_CHARS);
  });
  const stdout = child.stdout;
  if (stdout === null) throw new Error("emulator stdout is not a pipe");
  let stdoutBuffer = "";
  stdout.setEncoding("utf8");

  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new EnvironmentError(
            "EMULATOR_TIMEOUT",
            `The local AWS emulator (${python} ${launcher}) did not report its port within ${timeoutMs} ms.` +
              describeStderr(stderrTail),
            `Check that \`${python} -c "import moto"\` works; if not: ${MOTO_INSTALL_COMMAND}`,
          ),
        );
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        stdout.off("data", onData);
        child.off("error", onError);
        child.off("exit", onEarlyExit);
      };
      const onData = (chunk: string): void => {
        stdoutBuffer += chunk;
        const match = /^MOTO_PORT=(\d+)\s*$/m.exec(stdoutBuffer);
        if (match?.[1] !== undefined) {
          done();
          resolve(Number(match[1]));
        }
      };
      const onError = (err: NodeJS.ErrnoException): void => {
        done();
        if (err.code === "ENOENT" || err.code === "EACCES") {
          reject(
            new EnvironmentError(
              "EMULATOR_MISSING",
              `${python} was not found (needed to run the local AWS emulator).`,
              `Install Python 3, then: ${MOTO_INSTALL_COMMAND}`,
              { cause: err },
            ),
          );
        } else {
          reject(
            new EnvironmentError(
              "EMULATOR_START_FAILED",
              `Could not start the local AWS emulator with ${python}: ${err.message}`,
              `Check that \`${python} ${launcher} 0\` runs.`,
              { cause: err },
            ),
          );
        }
      };
      const onEarlyExit = (code: number | null, signal: NodeJS.Signals | null): void => {
        // Let stderr's last chunk arrive before deciding what went wrong.
        void streamEnded(child.stderr, 1_000).then(() => {
          done();
          if (code === MISSING_MOTO_EXIT_CODE && stderrTail.includes(MISSING_MOTO_MARKER)) {
            reject(
              new EnvironmentError(
                "EMULATOR_MISSING",
                `The python3 module moto is missing for ${python} (needed by the local AWS emulator).`,
                MOTO_INSTALL_COMMAND,
              ),
            );
            return;
          }
          reject(
            new EnvironmentError(
              "EMULATOR_START_FAILED",
              `The local AWS emulator exited before it started (${signal ?? `exit code ${String(code)}`}).` +
                describeStderr(stderrTail),
              `Check that \`${python} ${launcher} 0\` runs; moto can be (re)installed with: ${MOTO_INSTALL_COMMAND}`,
            ),
          );
        });
      };
      stdout.on("data", onData);
      child.once("error", onError);
      child.once("exit", onEarlyExit);
    });
  } catch (err) {
    await kill(child);
    throw err;
  }
  stdout.resume(); // keep draining after the port line

  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilAnswering(endpoint, child, deadline, () => stderrTail);
  } catch (err) {
    await kill(child);
    throw err;
  }

  const pid = child.pid;
  if (pid === undefined) {
    await kill(child);
    throw new EnvironmentError(
      "EMULATOR_START_FAILED",
      "The local AWS emulator started without a process id.",
      `Check that \`${python} ${launcher} 0\` runs.`,
    );
  }
  if (keep) {
    // Hand the emulator over to the user: no exit hook kills it and our event loop may end.
    liveChildren.delete(child);
    stdout.destroy();
    child.unref();
  }
  let stopping: Promise<void> | undefined;
  return {
    endpoint,
    port,
    pid,
    logFile,
    stop: () => (stopping ??= kill(child)),
  };
}

async function waitUntilAnswering(
  endpoint: string,
  child: ChildProcess,
  deadline: number,
  stderr: () => string,
): Promise<void> {
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (hasExited(child)) {
      throw new EnvironmentError(
        "EMULATOR_START_FAILED",
        `The local AWS emulator exited right after it started.${describeStderr(stderr())}`,
        `Check that moto works: ${MOTO_INSTALL_COMMAND}`,
      );
    }
    try {
      const res = await fetch(`${endpoint}/_test/health`, {
        signal: AbortSignal.timeout(Math.max(100, Math.min(2_000, deadline - Date.now()))),
      });
      await res.body?.cancel();
      if (res.ok) return;
      lastError = new Error(`HTTP ${res.status}`);
    } catch (err) {
      lastError = err;
    }
    await sleep(50);
  }
  throw new EnvironmentError(
    "EMULATOR_TIMEOUT",
    `The local AWS emulator at ${endpoint} did not answer HTTP in time (last error: ${errorText(lastError)}).`,
    `Check that nothing blocks loopback connections, and that moto works: ${MOTO_INSTALL_COMMAND}`,
    { cause: lastError },
  );
}

function describeStderr(tail: string): string {
  const text = tail.trim();
  if (text === "") return "";
  const lines = text.split("\n").slice(-8).join("\n");
  return ` Its last output:\n${lines}`;
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
