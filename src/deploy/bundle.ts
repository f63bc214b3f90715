// Bundles the responder's handler for the Lambda Node 20 runtime with esbuild: one minified ESM
// file with its dependencies, the AWS SDK included (the runtime's own copy may lag the version
// keywarden is tested with), then zipped. The entry is a parameter so tests and the bench can
// bundle a stand-in; `npm run build:responder` bundles src/responder/lambda.ts.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { zip } from "./zip.js";

/** index.mjs: Lambda loads it as ESM and finds `index.handler` in it. */
export const BUNDLE_FILE = "index.mjs";
export const BUNDLE_ZIP = "index.zip";

export interface BuiltBundle {
  js: string;
  zip: string;
  bytes: number;
  zipBytes: number;
}

/** better-sqlite3, replaced: opening a SQLite store in the bundle is one clear error. */
const nativeSqliteStub = {
  name: "keywarden-no-sqlite",
  setup(build: {
    onResolve: (o: { filter: RegExp }, f: () => { path: string; namespace: string }) => void;
    onLoad: (o: { filter: RegExp; namespace: string }, f: () => { contents: string; loader: "js" }) => void;
  }) {
    build.onResolve({ filter: /^better-sqlite3$/ }, () => ({ path: "better-sqlite3", namespace: "kw-stub" }));
    build.onLoad({ filter: /.*/, namespace: "kw-stub" }, () => ({
      loader: "js",
      contents: `export default function Database() {
  throw new Error("the responder bundle has no SQLite: give it a PostgreSQL store (KEYWARDEN_STORE or KEYWARDEN_STORE_SECRET_ARN)");
}
Database.SqliteError = class SqliteError extends Error {};`,
    }));
  },
};

export async function buildResponderBundle(entry: string, outDir: string): Promise<BuiltBundle> {
  // esbuild is a devDependency: only a build (never the installed CLI) comes here.
  const esbuild = await import("esbuild");
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    minify: true,
    platform: "node",
    target: "node20",
    format: "esm",
    legalComments: "none",
    // CommonJS dependencies bundled into ESM still call require() for Node's own modules.
    banner: { js: "import{createRequire as __kwcr}from'node:module';const require=__kwcr(import.meta.url);" },
    // Native modules cannot run in the bundle. DuckDB and pg-native are loaded lazily (a dynamic
    // import, a guarded require), so they stay external and fail only if reached. better-sqlite3 is
    // imported statically by the SQLite store, which the bundle inlines: left external, that import
    // would sit at the bundle's top and fail every cold start, so it becomes a stub that throws
    // only when a SQLite store is opened (the Lambda's store is PostgreSQL).
    external: ["@duckdb/node-api", "pg-native"],
    plugins: [nativeSqliteStub],
    logLevel: "silent",
  });
  const code = result.outputFiles[0]?.contents;
  if (code === undefined) throw new Error(`esbuild produced no output for ${entry}`);
  const js = Buffer.from(code);
  await mkdir(outDir, { recursive: true });
  const jsPath = join(outDir, BUNDLE_FILE);
  const zipPath = join(outDir, BUNDLE_ZIP);
  const zipped = zip([{ name: BUNDLE_FILE, data: js }]);
  await writeFile(jsPath, js);
  await writeFile(zipPath, zipped);
  return { js: jsPath, zip: zipPath, bytes: js.length, zipBytes: zipped.length };
}
