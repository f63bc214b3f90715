// IAM's wildcard matching: `*` any run of characters (also across `:` and `/`), `?` one character.

const cache = new Map<string, RegExp>();
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const globBody = (pattern: string) =>
  pattern
    .split("")
    .map((c) => (c === "*" ? "[\\s\\S]*" : c === "?" ? "[\\s\\S]" : escape(c)))
    .join("");

function compile(pattern: string, flags: string): RegExp {
  const key = `${flags}|${pattern}`;
  let re = cache.get(key);
  if (!re) {
    re = new RegExp(`^${globBody(pattern)}$`, flags);
    cache.set(key, re);
  }
  return re;
}

/** Actions are matched case-insensitively (`S3:getobject` is `s3:GetObject`), as IAM does. */
export function actionMatches(pattern: string, action: string): boolean {
  return compile(pattern, "i").test(action);
}

const VARIABLE = /\$\{([^}]+)\}/g;

/**
 * Resource ARNs are matched case-sensitively. Policy variables (`${aws:username}`) are replaced
 * first and their values matched literally; a variable keywarden cannot resolve makes the pattern
 * match nothing, as IAM treats a variable missing from the request context. `${*}`, `${?}` and
 * `${$}` are IAM's escapes for the literal characters.
 */
export function resourceMatches(pattern: string, resource: string, vars: Record<string, string>): boolean {
  if (!pattern.includes("${")) return compile(pattern, "").test(resource);
  let body = "";
  let last = 0;
  for (const m of pattern.matchAll(VARIABLE)) {
    const name = m[1] ?? "";
    const value = name === "*" || name === "?" || name === "$" ? name : vars[name.toLowerCase()];
    if (value === undefined) return false;
    body += globBody(pattern.slice(last, m.index)) + escape(value);
    last = m.index + m[0].length;
  }
  body += globBody(pattern.slice(last));
  return new RegExp(`^${body}$`).test(resource);
}
