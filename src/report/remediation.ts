// Remediation text as prose and commands. The rules write commands as Markdown code spans
// (`aws iam ...`); a line of its own that starts with `aws ` or `keywarden ` is a command too.
// The HTML report and the dashboard show each command as a block with a copy button.
// No imports: the dashboard bundles this file as it is.

export interface RemediationPart {
  kind: "text" | "command";
  text: string;
}

const COMMAND_LINE = /^(aws|keywarden) \S/;

function pushText(out: RemediationPart[], text: string): void {
  for (const [i, line] of text.split("\n").entries()) {
    const prefix = i > 0 ? "\n" : "";
    if (COMMAND_LINE.test(line.trim())) {
      if (prefix) pushRaw(out, "text", prefix);
      out.push({ kind: "command", text: line.trim() });
    } else {
      pushRaw(out, "text", prefix + line);
    }
  }
}

function pushRaw(out: RemediationPart[], kind: RemediationPart["kind"], text: string): void {
  if (text === "") return;
  const last = out[out.length - 1];
  if (kind === "text" && last?.kind === "text") last.text += text;
  else out.push({ kind, text });
}

/** Splits remediation text into prose and commands, in order; an unclosed backtick stays prose. */
export function splitRemediation(text: string): RemediationPart[] {
  const out: RemediationPart[] = [];
  let rest = text;
  for (;;) {
    const open = rest.indexOf("`");
    const close = open < 0 ? -1 : rest.indexOf("`", open + 1);
    if (open < 0 || close < 0) break;
    pushText(out, rest.slice(0, open));
    const code = rest.slice(open + 1, close).trim();
    if (code !== "") out.push({ kind: "command", text: code });
    rest = rest.slice(close + 1);
  }
  pushText(out, rest);
  return tidy(out);
}

/**
 * Once commands stand as blocks, the punctuation that joined them to the sentence (", then", ").")
 * would start a line of its own: drop it, and drop prose that is nothing but punctuation.
 */
function tidy(parts: RemediationPart[]): RemediationPart[] {
  const out: RemediationPart[] = [];
  for (const [i, p] of parts.entries()) {
    if (p.kind === "command") {
      out.push(p);
      continue;
    }
    let text = p.text;
    if (parts[i - 1]?.kind === "command") text = text.replace(/^[\s,.;:)]+/, "");
    if (parts[i + 1]?.kind === "command") text = text.replace(/[\s(]+$/, "");
    if (/[\p{L}\p{N}]/u.test(text)) out.push({ kind: "text", text });
  }
  return out;
}

/** The commands only. */
export function remediationCommands(text: string): string[] {
  return splitRemediation(text)
    .filter((p) => p.kind === "command")
    .map((p) => p.text);
}
