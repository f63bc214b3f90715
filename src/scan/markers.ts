// Allow markers: comments that accept a finding where it stands. keywarden's own, and the ones of
// the tools users migrate from, so their accepted lines stay accepted:
//   keywarden:allow                      this line; alone on the line above, the next line
//   gitleaks:allow                       this line (gitleaks has no next-line form)
//   pragma: allowlist secret             this line (detect-secrets)
//   pragma: allowlist nextline secret    the next line, written alone on its line (detect-secrets)
//   secretlint-disable-line              this line (secretlint's filter-comments rule)
//   secretlint-disable-next-line         the next line, alone on its line
// A marker never reaches further: a trailing marker on a line of code covers that line only, so a
// different key on the next line is still reported. Pure.

interface Marker {
  text: string;
  /** Covers the next line instead of its own (only when written alone on its line). */
  nextLine: boolean;
}

// Longest first: "secretlint-disable-next-line" must not be read as "secretlint-disable-line".
const MARKERS: readonly Marker[] = [
  { text: "pragma: allowlist nextline secret", nextLine: true },
  { text: "secretlint-disable-next-line", nextLine: true },
  { text: "pragma: allowlist secret", nextLine: false },
  { text: "secretlint-disable-line", nextLine: false },
  { text: "keywarden:allow", nextLine: false },
  { text: "gitleaks:allow", nextLine: false },
];

/** What tells a marker line holds only a comment: it starts with a comment opener. */
const COMMENT_ONLY = /^[ \t]*(?:#|\/\/|\/\*|\*|<!--|--|;|%|'|rem\b|::)/i;

/** The own-line marker `line` carries, if any. */
function ownLineMarker(line: string): string | null {
  for (const m of MARKERS) {
    if (!line.includes(m.text)) continue;
    if (!m.nextLine) return m.text;
  }
  return null;
}

/** The marker on `above` that covers the line below it, if any. */
function nextLineMarker(above: string): string | null {
  if (!COMMENT_ONLY.test(above)) return null;
  for (const m of MARKERS) {
    if (!above.includes(m.text)) continue;
    // keywarden:allow doubles as a next-line marker when its line is only a comment.
    if (m.nextLine || m.text === "keywarden:allow") return m.text;
  }
  return null;
}

/** Cheap test before any line is cut out: does the text hold a marker at all? */
export function hasMarkers(text: string): boolean {
  return text.includes(":allow") || text.includes("pragma: allowlist") || text.includes("secretlint-disable");
}

/** Which marker accepts a finding on `line` (with `above`, the line before it), or null. */
export function allowedBy(line: string, above: string): string | null {
  return ownLineMarker(line) ?? nextLineMarker(above);
}
