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
    // Native modules cannot run in the bundle: a handler must not reach the SQLite or DuckDB paths.
    external: ["better-sqlite3", "@duckdb/node-api", "pg-native"],
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
