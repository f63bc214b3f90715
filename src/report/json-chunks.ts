// A report as JSON in pieces. `trail` on a busy key has hundreds of thousands of groups: one
// JSON.stringify of the whole report, then its bytes for the write, held the report three times
// over at the end of a run (issue 19: 677 MB at 1 GB of logs). Written element by element, the
// text of only a batch exists at a time.

/**
 * The text of `JSON.stringify(value, null, 2)`, in pieces: each top-level array is written an
 * element at a time, `batch` elements to a piece. `map` is applied to every top-level value and to
 * every element of a top-level array just before it is written (trail's redaction pass), so no
 * mapped copy of the whole report is made either. Top-level keys are written as they are.
 */
export function* jsonChunks(
  value: Record<string, unknown>,
  map: (v: unknown) => unknown = (v) => v,
  batch = 1000,
): Generator<string> {
  const entries = Object.entries(value).filter(([, v]) => written(v));
  if (entries.length === 0) {
    yield "{}";
    return;
  }
  yield "{\n";
  for (const [i, [key, raw]] of entries.entries()) {
    const end = i < entries.length - 1 ? ",\n" : "\n";
    const head = `  ${JSON.stringify(key)}: `;
    if (!Array.isArray(raw) || raw.length === 0) {
      yield `${head}${indent(JSON.stringify(map(raw), null, 2), "  ")}${end}`;
      continue;
    }
    yield `${head}[\n`;
    // One JSON.stringify per batch, as an array (it writes a left-out element as null, as the
    // whole would), its brackets cut off and its lines moved in by one level: per element, a
    // stringify call and an indent pass cost more than the text.
    for (let j = 0; j < raw.length; j += batch) {
      const part = raw.slice(j, j + batch).map((v: unknown) => map(v));
      const text = JSON.stringify(part, null, 2);
      const last = j + batch >= raw.length;
      yield `  ${indent(text.slice(2, -2), "  ")}${last ? "\n" : ",\n"}`;
    }
    yield `  ]${end}`;
  }
  yield "}";
}

/** What JSON.stringify leaves out of an object (and writes as null in an array). */
const written = (v: unknown): boolean => v !== undefined && typeof v !== "function" && typeof v !== "symbol";

// JSON text has no raw newline inside a string, so every newline starts a line to indent.
const indent = (text: string, by: string): string => text.replace(/\n/g, `\n${by}`);
