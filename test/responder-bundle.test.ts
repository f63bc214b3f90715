import { spawn } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { buildResponderBundle } from "../src/deploy/bundle.js";

// The real handler's bundle (src/responder/lambda.ts, as `npm run build:responder` makes it), run
// where Lambda runs it: a folder with no node_modules, so any native or missing module it imports
// at the top would fail the cold start.

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CONTEXT = { invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:keywarden-responder" };
let bundle = "";

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), "kw-responder-bundle-"));
  const built = await buildResponderBundle(join(ROOT, "src", "responder", "lambda.ts"), dir);
  bundle = built.js;
}, 120_000);

/** Imports the bundle in a fresh node and calls the handler; its answer or its error, as JSON. */
function invoke(event: unknown, env: Record<string, string>): Promise<{ ok: boolean; value: unknown }> {
  const script = `
const m = await import(${JSON.stringify(bundle)});
try { process.stdout.write("\\n" + JSON.stringify({ ok: true, value: await m.handler(JSON.parse(process.env.KW_EVENT), ${JSON.stringify(CONTEXT)}) })); }
catch (e) { process.stdout.write("\\n" + JSON.stringify({ ok: false, value: e.message })); }`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      cwd: tmpdir(),
      env: {
        PATH: process.env.PATH ?? "",
        AWS_REGION: "us-east-1",
        AWS_ACCESS_KEY_ID: "testing",
        AWS_SECRET_ACCESS_KEY: "testing",
        // Nothing listens here: a call that escaped would fail, not reach AWS.
        AWS_ENDPOINT_URL: "http://127.0.0.1:9",
        AWS_EC2_METADATA_DISABLED: "true",
        KW_EVENT: JSON.stringify(event),
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => (out += s));
    child.stderr.setEncoding("utf8").on("data", (s: string) => (err += s));
    child.on("error", reject);
    child.on("close", () => {
      try {
        // The handler logs to stdout, as Lambda collects it; the answer is the last line.
        resolve(JSON.parse(out.split("\n").pop() ?? "") as { ok: boolean; value: unknown });
      } catch {
        reject(new Error(`no answer from the bundle: ${out.slice(-300)} ${err.slice(0, 600)}`));
      }
    });
  });
}

describe("the responder's Lambda bundle", () => {
  it("imports no native module at its top: it loads outside the repository and answers an event it does not act on", async () => {
    const text = await readFile(bundle, "utf8");
    expect(text).not.toContain("better-sqlite3");
    const r = await invoke(
      { version: "0", id: "e-1", source: "keywarden.test", "detail-type": "Other", detail: {} },
      {},
    );
    expect(r.ok).toBe(true);
    expect(r.value).toMatchObject({ eventId: "e-1", keys: [] });
    expect((r.value as { ignored?: string }).ignored).toEqual(expect.any(String));
  }, 60_000);

  it("given a SQLite store, fails in one clear line naming the PostgreSQL store it needs", async () => {
    const event = JSON.parse(
      await readFile(join(ROOT, "test", "fixtures", "events", "health-credentials-exposed.json"), "utf8"),
    ) as unknown;
    const dir = await mkdtemp(join(tmpdir(), "kw-responder-sqlite-"));
    const r = await invoke(event, { KEYWARDEN_STORE: join(dir, "store.db") });
    expect(r).toEqual({
      ok: false,
      value: expect.stringMatching(/has no SQLite: give it a PostgreSQL store/) as string,
    });
  }, 60_000);
});
