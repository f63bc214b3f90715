// `npm run build:responder`: bundles the responder's Lambda handler into dist/responder/
// (index.mjs and index.zip), which `keywarden deploy responder --apply` uploads.
import { join } from "node:path";
import { buildResponderBundle } from "../src/deploy/bundle.js";

const root = join(import.meta.dirname, "..");
const entry = process.argv[2] ?? join(root, "src", "responder", "lambda.ts");
const built = await buildResponderBundle(entry, join(root, "dist", "responder"));
process.stdout.write(`${built.zip}: ${built.zipBytes} bytes zipped, ${built.bytes} bytes of JavaScript\n`);
