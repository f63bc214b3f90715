import { ExitCode, KeywardenError, UsageError } from "../domain/errors.js";
import type { CliIO } from "./io.js";

/** The one place that turns an error into a message and an exit code. */
export function reportError(err: unknown, io: CliIO, debug: boolean): number {
  if (err instanceof KeywardenError) {
    // Some messages end in a full stop already; do not print "..".
    io.stderr.write(`keywarden: ${err.message.replace(/\.$/, "")}. ${err.fix}\n`);
    if (debug && err.cause) io.stderr.write(`${describeCause(err.cause)}\n`);
    return err.exitCode;
  }
  const e = err as Error;
  io.stderr.write(
    `keywarden: internal error: ${e.message || String(err)}. Please report it with the output of --debug.\n`,
  );
  if (debug && e.stack) io.stderr.write(`${e.stack}\n`);
  return ExitCode.INTERNAL;
}

function describeCause(cause: unknown): string {
  const c = cause as { name?: string; message?: string; stack?: string; $metadata?: unknown };
  return `caused by: ${c.stack ?? `${c.name ?? "Error"}: ${c.message ?? String(cause)}`}${
    c.$metadata ? `\nmetadata: ${JSON.stringify(c.$metadata)}` : ""
  }`;
}

/** `example`: a value worth suggesting when the smallest allowed one would be a poor example. */
export function parseIntFlag(name: string, min: number, max = Number.MAX_SAFE_INTEGER, example?: number) {
  return (raw: string): number => {
    const n = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new UsageError(
        `${name} must be a whole number from ${min} to ${max === Number.MAX_SAFE_INTEGER ? "up" : max}, got "${raw}"`,
        `Pass for example ${name} ${example ?? Math.max(min, 1)}.`,
      );
    }
    return n;
  };
}

export function parseChoice<T extends string>(name: string, choices: readonly T[]) {
  return (raw: string): T => {
    if (!(choices as readonly string[]).includes(raw)) {
      throw new UsageError(
        `${name} must be one of ${choices.join(", ")}, got "${raw}"`,
        `Pass ${name} ${closest(raw, choices)}.`,
      );
    }
    return raw as T;
  };
}

/** The allowed value nearest to what was typed (edit distance, case-insensitive); ties keep the listed order. */
export function closest<T extends string>(raw: string, choices: readonly T[]): T {
  const typed = raw.toLowerCase();
  let best = choices[0] as T;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of choices) {
    const d =
      c.toLowerCase().startsWith(typed) && typed.length > 0 ? 0 : editDistance(typed, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}
