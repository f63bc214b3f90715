/** Columns padded to their widest cell, two spaces apart: a table for a terminal, no borders. */
export function plainTable(rows: string[][]): string {
  const widths = widthsOf(rows);
  return rows.map((r) => padded(r, widths)).join("\n");
}

/**
 * The same table in pieces of `batch` lines, each line ending in a newline. `rows` is called twice
 * (once for the widths, once for the lines), so a table of hundreds of thousands of rows (trail on
 * a busy key) is never held as rows or as one string.
 */
export function* plainTableChunks(rows: () => Iterable<string[]>, batch = 1000): Generator<string> {
  const widths = widthsOf(rows());
  let lines: string[] = [];
  for (const r of rows()) {
    lines.push(padded(r, widths));
    if (lines.length >= batch) {
      yield `${lines.join("\n")}\n`;
      lines = [];
    }
  }
  if (lines.length > 0) yield `${lines.join("\n")}\n`;
}

// A loop, not Math.max(...column): spreading a column of 195,000 trail groups overflowed the stack.
function widthsOf(rows: Iterable<string[]>): number[] {
  const widths: number[] = [];
  for (const r of rows)
    for (let i = 0; i < r.length; i++) widths[i] = Math.max(widths[i] ?? 0, (r[i] ?? "").length);
  return widths;
}

const padded = (r: string[], widths: number[]): string =>
  r
    .map((c, i) => c.padEnd(widths[i] ?? 0))
    .join("  ")
    .trimEnd();
