// Reads a rendered query back with a real parser for its dialect and says, engine-free, what it
// asks (the shape of model.ts's QueryDescription): DuckDB SQL through DuckDB's own parser
// (json_serialize_sql), Athena's Trino SQL through node-sql-parser's trino grammar. Column paths
// are mapped back to the model's logical names through COLUMN_SOURCES, so a rendering that reads
// the wrong field, filters on the wrong column or groups differently shows up as a difference.
import trino from "node-sql-parser/build/trino.js";
import { DuckDBInstance } from "@duckdb/node-api";
import { COLUMN_SOURCES, EVENT_COLUMNS, type QueryDescription } from "../../src/response/query/model.js";

type Node = Record<string, unknown>;
const obj = (v: unknown): Node => (typeof v === "object" && v !== null ? (v as Node) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** A parsed query's description, plus the partition filters (Athena only). */
export interface ParsedDescription extends QueryDescription {
  partitions: { column: string; op: string; value: string | string[] }[];
}

const byPath = (path: string[], key: "path" | "athena"): string => {
  const want = path.map((p) => p.toLowerCase()).join(".");
  const hit = EVENT_COLUMNS.find((c) => COLUMN_SOURCES[c][key].join(".").toLowerCase() === want);
  if (!hit) throw new Error(`the query reads ${path.join(".")}, which is no column of the model`);
  return hit;
};

// ---------------------------------------------------------------------------------------------
// DuckDB

let duck: Promise<DuckDBInstance> | null = null;

export async function duckAst(sql: string): Promise<Node> {
  duck ??= DuckDBInstance.create(":memory:", {
    autoinstall_known_extensions: "false",
    autoload_known_extensions: "false",
  });
  const conn = await (await duck).connect();
  try {
    const reader = await conn.runAndReadAll(`SELECT json_serialize_sql('${sql.replace(/'/g, "''")}') AS j`);
    const parsed = JSON.parse(reader.getRowObjectsJS()[0]?.j as string) as Node;
    if (parsed.error) throw new Error(`DuckDB cannot parse the query: ${String(parsed.error_message)}`);
    return obj(arr(parsed.statements)[0]).node as Node;
  } finally {
    conn.closeSync();
  }
}

const duckValue = (n: Node): string => String(obj(n.value).value);

function duckColumn(n: Node): string {
  if (n.class === "CAST") return duckColumn(obj(n.child));
  if (n.class !== "COLUMN_REF") throw new Error(`expected a column, got ${String(n.class)}`);
  const names = arr(n.column_names).map(String);
  // r.<record path>: the unnested record; a bare name is an alias of the select list.
  return names[0] === "r" ? byPath(names.slice(1), "path") : (names[0] ?? "");
}

const DUCK_OPS: Record<string, string> = {
  COMPARE_EQUAL: "=",
  COMPARE_GREATERTHANOREQUALTO: ">=",
  COMPARE_LESSTHAN: "<",
};

function duckConjuncts(n: Node, out: Node[]): Node[] {
  if (n.type === "CONJUNCTION_AND") for (const c of arr(n.children)) duckConjuncts(obj(c), out);
  else out.push(n);
  return out;
}

export async function describeDuckDb(sql: string): Promise<ParsedDescription> {
  const node = await duckAst(sql);
  const projections: Record<string, string> = {};
  for (const item of arr(node.select_list).map(obj)) {
    const alias = String(item.alias);
    // Where the row was read (the local engine names files in warnings), not part of the question.
    if (item.class === "COLUMN_REF" && arr(item.column_names).join(".") === "filename") continue;
    if (item.class === "AGGREGATE" || item.class === "FUNCTION") {
      const fn = String(item.function_name);
      projections[alias] =
        fn === "count_star" ? "count(*)" : `${fn}(${duckColumn(obj(arr(item.children)[0]))})`;
    } else projections[alias] = duckColumn(item);
  }
  const filters = duckConjuncts(obj(node.where_clause), []).map((c) => {
    if (c.type === "COMPARE_IN") {
      const [left, ...values] = arr(c.children).map(obj);
      return { column: duckColumn(left ?? {}), op: "IN", value: values.map(duckValue) };
    }
    const op = DUCK_OPS[String(c.type)];
    if (!op) throw new Error(`unexpected filter ${String(c.type)}`);
    return { column: duckColumn(obj(c.left)), op, value: duckValue(obj(c.right)) };
  });
  const groupBy = arr(obj(node.group_expressions) === node.group_expressions ? node.group_expressions : [])
    .map(obj)
    .map(duckColumn);
  const order = arr(node.modifiers)
    .map(obj)
    .filter((m) => m.type === "ORDER_MODIFIER")
    .flatMap((m) => arr(m.orders).map((o) => duckColumn(obj(obj(o).expression))));
  return { projections, filters, groupBy, orderBy: order, partitions: [] };
}

// ---------------------------------------------------------------------------------------------
// Athena (Trino)

const parser = new trino.Parser();

export function trinoAst(sql: string): Node {
  // node-sql-parser's grammars accept backticked identifiers in any dialect; Trino does not
  // (they are Hive DDL syntax). So the parser's verdict is completed by this one lexical rule.
  if (sql.includes("`")) throw new Error("Trino SQL does not quote identifiers with backticks");
  const ast = parser.astify(sql);
  return obj(Array.isArray(ast) ? ast[0] : ast);
}

/** The dotted name a column reference (or a `.` chain of them) names. */
function trinoPath(n: Node): string[] {
  if (n.type === "double_quote_string") return [String(n.value)]; // Trino: "x" is an identifier
  if (n.type === "default") return [String(n.value)];
  if (n.type === "binary_expr" && n.operator === ".") {
    const side = (v: unknown) => (typeof v === "string" ? [v] : trinoPath(obj(v)));
    return [...side(n.left), ...side(n.right)];
  }
  if (n.type === "column_ref") {
    const col = obj(n.column);
    const inner = col.expr ? trinoPath(obj(col.expr)) : [String(n.column)];
    const part = (v: unknown) => (typeof v === "string" && v !== "" ? [v] : []);
    return [...part(n.schema), ...part(n.table), ...inner];
  }
  throw new Error(`expected a column, got ${String(n.type)}`);
}

const PARTITION_COLUMNS = new Set(["account", "region", "date"]);

function trinoColumn(n: Node): string {
  if (n.type === "cast") return trinoColumn(obj(n.expr));
  if (n.type === "function") {
    const name = arr(obj(n.name).name).map((x) => String(obj(x).value));
    if (name.join(".") !== "json_format") throw new Error(`unexpected function ${name.join(".")}`);
    return trinoColumn(obj(arr(obj(n.args).value)[0]));
  }
  const path = trinoPath(n);
  if (path.length === 1 && PARTITION_COLUMNS.has(path[0] ?? "")) return path[0] ?? "";
  if (path.length === 1 && !EVENT_COLUMNS.some((c) => COLUMN_SOURCES[c].athena.join(".") === path[0]))
    return path[0] ?? ""; // an alias of the select list
  return byPath(path, "athena");
}

const literal = (n: Node): string => {
  if (n.type !== "single_quote_string") throw new Error(`expected a string literal, got ${String(n.type)}`);
  // node-sql-parser keeps a literal as written; in Trino '' inside a string is one quote.
  return String(n.value).replace(/''/g, "'");
};

function trinoConjuncts(n: Node, out: Node[]): Node[] {
  if (n.type === "binary_expr" && n.operator === "AND") {
    trinoConjuncts(obj(n.left), out);
    trinoConjuncts(obj(n.right), out);
  } else out.push(n);
  return out;
}

export function describeTrino(sql: string): ParsedDescription {
  const ast = trinoAst(sql);
  if (ast.type !== "select") throw new Error(`expected a SELECT, got ${String(ast.type)}`);
  const projections: Record<string, string> = {};
  for (const c of arr(ast.columns).map(obj)) {
    const e = obj(c.expr);
    const alias = String(c.as);
    if (e.type === "aggr_func") {
      const arg = obj(obj(e.args).expr);
      projections[alias] = `${String(e.name).toLowerCase()}(${arg.type === "star" ? "*" : trinoColumn(arg)})`;
    } else projections[alias] = trinoColumn(e);
  }
  const filters: ParsedDescription["filters"] = [];
  const partitions: ParsedDescription["partitions"] = [];
  for (const c of trinoConjuncts(obj(ast.where), [])) {
    const column = trinoColumn(obj(c.left));
    const op = String(c.operator);
    const right = obj(c.right);
    const value =
      op === "IN" || op === "BETWEEN" ? arr(right.value).map((v) => literal(obj(v))) : literal(right);
    (PARTITION_COLUMNS.has(column) ? partitions : filters).push({ column, op, value });
  }
  const groupCols = arr(obj(ast.groupby).columns ?? ast.groupby);
  const groupBy = groupCols.map((g) => trinoColumn(obj(g)));
  const orderBy = arr(ast.orderby).map((o) => trinoColumn(obj(obj(o).expr)));
  return { projections, filters, groupBy, orderBy, partitions };
}
