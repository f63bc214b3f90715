// A line-preserving editor for the two variables a dotenv file needs. Other lines, comments,
// quoting style, `export ` prefixes and line endings stay as they are.

const LINE = /^(\s*(?:export\s+)?)([A-Za-z_][A-Za-z0-9_]*)(\s*=\s*)(.*?)(\r?)$/;

export function readDotenv(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = LINE.exec(line);
    if (!m?.[2] || line.trimStart().startsWith("#")) continue;
    out.set(m[2], unquote(m[4] ?? ""));
  }
  return out;
}

function unquote(v: string): string {
  const t = v.trim();
  if (t.length >= 2 && (t[0] === '"' || t[0] === "'") && t.endsWith(t[0])) return t.slice(1, -1);
  return t.replace(/\s+#.*$/, "");
}

function requote(previous: string, value: string): string {
  const t = previous.trim();
  if (t.startsWith('"') && t.endsWith('"') && t.length >= 2) return `"${value}"`;
  if (t.startsWith("'") && t.endsWith("'") && t.length >= 2) return `'${value}'`;
  return value;
}

/** Sets each variable in place (first occurrence), appending the missing ones at the end. */
export function setDotenv(text: string, values: Record<string, string>): string {
  const lines = text.split("\n");
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const pending = new Map(Object.entries(values));
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const m = LINE.exec(line);
    if (!m?.[2] || line.trimStart().startsWith("#") || !pending.has(m[2])) continue;
    const value = pending.get(m[2]) ?? "";
    lines[i] = `${m[1] ?? ""}${m[2]}${m[3] ?? ""}${requote(m[4] ?? "", value)}${m[5] ?? ""}`;
    pending.delete(m[2]);
  }
  let out = lines.join("\n");
  if (pending.size > 0) {
    if (out.length > 0 && !out.endsWith("\n")) out += eol;
    for (const [k, v] of pending) out += `${k}=${v}${eol}`;
  }
  return out;
}

/** Removes every line setting one of `names` (rollback of variables the rotation added). */
export function removeDotenv(text: string, names: readonly string[]): string {
  return text
    .split("\n")
    .filter((line) => {
      const m = LINE.exec(line);
      return !(m?.[2] && !line.trimStart().startsWith("#") && names.includes(m[2]));
    })
    .join("\n");
}
