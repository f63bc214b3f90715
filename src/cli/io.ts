// The CLI's window on the world, so tests can run it in-process with their own streams and env.

export interface Output {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
  /** A stream's: write() returned false, and this says when its buffer has room again. */
  once?(event: "drain", listener: () => void): unknown;
}

/**
 * Writes `pieces` one after the other, waiting whenever the stream's buffer is full. stdout to a
 * pipe is asynchronous in Node: without the wait, a report of ~90 MB (trail on a busy key) queues
 * whole in memory while the reader catches up.
 */
export async function writePieces(out: Output, pieces: Iterable<string>): Promise<void> {
  for (const piece of pieces) {
    if (out.write(piece) === false && out.once) {
      const once = out.once.bind(out);
      await new Promise<void>((resolve) => once("drain", resolve));
    }
  }
}

export interface CliIO {
  stdout: Output;
  stderr: Output;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export function processIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}

/** Colour only for a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function useColor(out: Output, env: NodeJS.ProcessEnv, flag?: boolean): boolean {
  if (flag === false) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0") return true;
  return out.isTTY === true;
}
