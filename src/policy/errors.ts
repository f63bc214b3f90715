import { UsageError } from "../domain/errors.js";

/** A policy file problem, pinned to a line and column: exit 2, nothing changed. */
export class PolicyError extends UsageError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly problem: string,
    fix = "Fix the policy file (see `keywarden init` for a commented example), then run again.",
  ) {
    super(`${file}:${line}:${column}: ${problem}`, fix);
  }
}
