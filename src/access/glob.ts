// IAM's wildcard matching: `*` any run of characters (also across `:` and `/`), `?` one character.

// One cache per flag set: the key is then the pattern itself, with no string built per match (a
// blast radius asks about sixty requests per user, each against every statement's patterns).
const caches = { i: new Map<string, RegExp>(), "": new Map<string, RegExp>() };
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const globBody = (pattern: string) =>
  pattern
    .split("")
    .map((c) => (c === "*" ? "[\\s\\S]*" : c === "?" ? "[\\s\\S]" : escape(c)))
    .join("");

function compile(pattern: string, flags: "i" | ""): RegExp {
  const cache = caches[flags];
  let re = cache.get(pattern);
  if (!re) {
    re = new RegExp(`^${globBody(pattern)}$`, flags);
    cache.set(pattern, re);
  }
  return re;
}

/** Actions are matched case-insensitively (`S3:getobject` is `s3:GetObject`), as IAM does. */
export function actionMatches(pattern: string, action: string): boolean {
  if (pattern === "*") return true;
  if (!pattern.includes("*") && !pattern.includes("?"))
    return pattern.length === action.length && pattern.toLowerCase() === action.toLowerCase();
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
