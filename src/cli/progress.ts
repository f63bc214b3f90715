import type { CliIO } from "./io.js";

export interface Progress {
  update(text: string): void;
  stop(): void;
}

const NONE: Progress = { update: () => undefined, stop: () => undefined };

/** A spinner on stderr when stderr is a terminal; silent otherwise (CI, pipes, --format json). */
export function startProgress(io: CliIO, enabled: boolean, text: string): Progress {
  if (!enabled || io.stderr.isTTY !== true || io.env.CI) return NONE;
  const frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
  let i = 0;
  let current = text;
  const draw = () => io.stderr.write(`\r\x1b[2K${frames[i++ % frames.length] ?? ""} ${current}`);
  const timer = setInterval(draw, 100);
  timer.unref();
  draw();
  return {
    update(t) {
      current = t;
    },
    stop() {
      clearInterval(timer);
      io.stderr.write("\r\x1b[2K");
    },
  };
}
