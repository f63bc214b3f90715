// The keep-alive proxy of the audit bench, in its own process so that its CPU is not counted as
// the client's: prints PROXY_URL=<url> and forwards to the emulator given as its argument.
import { startActionRecorder } from "../test/helpers/action-recorder.js";

const upstream = process.argv[2];
if (!upstream) throw new Error("usage: keepalive-proxy.ts EMULATOR_URL");
const recorder = await startActionRecorder(upstream);
process.stdout.write(`PROXY_URL=${recorder.url}\n`);
