// Which key id a secret (or session token) belongs to. Not the first id in a window: the nearest
// one in the same structure -- the same line (a CSV row, a call's arguments), the same INI
// section, the same JSON/YAML object or list item -- and a verdict on how sure that is. Pure.
//
// Structure is read from the text between the two, cheaply and without a parser: an INI section
// header between them, a brace that closes the object the earlier one sits in, or a line indented
// less than both (YAML, XML, code) or starting a new list item, all mean "another structure".

export interface KeyAt {
  id: string;
  index: number;
}

export interface Pairing {
  /** The key id this value belongs to; null when none in the same structure is near. */
  keyId: string | null;
  /** sure: the only nearest id in the same structure; unsure: the nearest, but not certainly. */
  confidence: "sure" | "unsure" | null;
  /** When no id is in the same structure: the nearest one across a boundary, and its line. */
  near: { id: string; line: number } | null;
}

/** Line starts of a text, built once per file and only when there is something to pair. */
export class Lines {
  private readonly starts: number[] = [0];
  constructor(readonly text: string) {
    for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) this.starts.push(i + 1);
  }

  /** 1-based line of an index. */
  lineOf(index: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] ?? 0) <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  start(line: number): number {
    return this.starts[line - 1] ?? this.text.length;
  }

  end(line: number): number {
    const next = this.starts[line];
    return next === undefined ? this.text.length : next - 1;
  }

  /** The text of a line, without its line break. */
  get(line: number): string {
    return this.text.slice(this.start(line), this.end(line)).replace(/\r$/, "");
  }
}

/** Lines apart beyond which an id is not this value's (a credentials block is a few lines). */
const MAX_LINES = 12;
/** On one line (a minified bundle), characters apart beyond which an id is not this value's. */
const MAX_SAME_LINE = 1000;
/** Lines apart within which the nearest id in the structure is taken as sure. */
const SURE_LINES = 3;

const INI_HEADER = /^[ \t]*\[[^\]\n]+\][ \t]*$/;
const LIST_ITEM = /^[ \t]*- /;

function indentOf(line: string): number {
  let n = 0;
  while (n < line.length && (line[n] === " " || line[n] === "\t")) n++;
  return n;
}

/** A brace closing the object the earlier value sits in, between `from` and `to`. */
function leavesObject(text: string, from: number, to: number): boolean {
  let depth = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 123) depth++;
    else if (c === 125 && --depth < 0) return true;
  }
  return false;
}

/** The line of the INI section header above `line` (0: none within reach). */
function sectionOf(lines: Lines, line: number): number {
  for (let l = line; l >= 1 && l > line - 50; l--) if (INI_HEADER.test(lines.get(l))) return l;
  return 0;
}

/** Whether two positions sit in different structures. */
function crossesBoundary(lines: Lines, a: number, la: number, b: number, lb: number): boolean {
  if (la === lb) return leavesObject(lines.text, a, b);
  // Whole lines, so braces wrapping a value on its own line (`<id>{AKIA...}</id>`) cancel out.
  if (leavesObject(lines.text, lines.start(la), lines.end(lb))) return true;
  const first = lines.get(la);
  const last = lines.get(lb);
  const floor = Math.min(indentOf(first), indentOf(last));
  for (let l = la + 1; l < lb; l++) {
    const text = lines.get(l);
    if (text.trim() === "") continue;
    if (INI_HEADER.test(text)) return true;
    const indent = indentOf(text);
    if (indent < floor || (indent <= floor && LIST_ITEM.test(text))) return true;
  }
  return false;
}

interface Candidate extends KeyAt {
  line: number;
  lineDist: number;
  before: boolean;
  charDist: number;
}

/** The key id the value at `index` belongs to, among `keys` (already filtered to the kind wanted). */
export function pairOf(lines: Lines, index: number, keys: KeyAt[]): Pairing {
  const line = lines.lineOf(index);
  const near: Candidate[] = [];
  for (const k of keys) {
    const kl = lines.lineOf(k.index);
    const lineDist = Math.abs(kl - line);
    const charDist = Math.abs(k.index - index);
    if (lineDist > MAX_LINES || (lineDist === 0 && charDist > MAX_SAME_LINE)) continue;
    near.push({ ...k, line: kl, lineDist, before: k.index < index, charDist });
  }
  if (near.length === 0) return { keyId: null, confidence: null, near: null };
  const order = (x: Candidate, y: Candidate) =>
    x.lineDist - y.lineDist || Number(y.before) - Number(x.before) || x.charDist - y.charDist;
  const inside = near.filter((k) =>
    k.before
      ? !crossesBoundary(lines, k.index, k.line, index, line)
      : !crossesBoundary(lines, index, line, k.index, k.line),
  );
  if (inside.length === 0) {
    const n = [...near].sort(order)[0];
    return { keyId: null, confidence: "unsure", near: n ? { id: n.id, line: n.line } : null };
  }
  inside.sort(order);
  const best = inside[0] as Candidate;
  // Two different ids as near (a line above and a line below, two on one line): unsure.
  const tied = inside.some((k) => k !== best && k.id !== best.id && k.lineDist === best.lineDist);
  const section = sectionOf(lines, Math.max(line, best.line));
  const sameSection = section > 0 && section < Math.min(line, best.line);
  const sure = !tied && (best.lineDist <= SURE_LINES || sameSection);
  return { keyId: best.id, confidence: sure ? "sure" : "unsure", near: null };
}
