// `npm run build:responder` (part of `npm run build`): bundles the responder's Lambda handler into
// dist/responder/ (index.mjs and index.zip), which `keywarden deploy responder --apply` uploads.
// `tsx scripts/build-responder.ts ENTRY` bundles another entry (the tests' stand-in).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { buildResponderBundle } from "../src/deploy/bundle.js";

const root = join(import.meta.dirname, "..");
const handler = join(root, "src", "responder", "lambda.ts");
const entry = process.argv[2] ?? handler;
if (entry === handler && !existsSync(handler)) {
  // Only until the handler lands: a build without it must not fail `npm install` (prepare).
  process.stderr.write(`build:responder: skipped, ${handler} does not exist yet\n`);
} else {
  const built = await buildResponderBundle(entry, join(root, "dist", "responder"));
  process.stdout.write(`${built.zip}: ${built.zipBytes} bytes zipped, ${built.bytes} bytes of JavaScript\n`);
}
