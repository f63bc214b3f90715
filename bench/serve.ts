/* eslint-disable no-console */
// bench/serve: `keywarden serve` answering /api/v1/overview and /api/v1/keys with 10 stored audits,
// against a bare Node http server sending the same bytes (bench/serve-peer.js), in the same run.
//
// The audits are real: one audit of a seeded emulator account (bench/audit's seed plan), stored
// ten times a day apart, as `keywarden audit --save` would over ten days. keywarden runs as users
// run it (`keywarden serve`, its own process, on a SQLite store); each answer's bytes are fetched
// from it once and handed to the peer, which sends them with the same headers. Requests alternate
// keywarden, peer, keywarden, peer... over one kept-alive connection each, so both see the same
// machine at the same moment; the ratio of medians is the figure, not the milliseconds.

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { runAudit } from "../src/audit/run.js";
import { iamInventoryPort } from "../src/aws/iam-inventory.js";
import { openSession } from "../src/aws/session.js";
import { EmulatorClient } from "../src/emulator/client.js";
import { startEmulator } from "../src/emulator/process.js";
import { DEFAULT_THRESHOLDS } from "../src/rules/rule.js";
import { lastUsedSourcesOf, saveAudit } from "../src/server/audit-records.js";
import { ensureToken } from "../src/server/token.js";
import { openStore } from "../src/store/open.js";
import { buildAccount, round } from "./audit.js";
import { withLoad } from "./load.js";

const REPO = fileURLToPath(new URL("..", import.meta.url));
const REGION = "us-east-1";
const DUMMY_CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" };
const DAY_MS = 86_400_000;
const AUDITS = 10;
const PATHS = ["/api/v1/overview", "/api/v1/keys"] as const;
const ENCODINGS = ["identity", "gzip", "br"] as const;

export const SERVE_FULL = { users: 2000, pairs: 400 };
export const SERVE_QUICK = { users: 200, pairs: 60 };

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

function get(agent: Agent, base: string, path: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, base), { agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const h: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === "string") h[k] = v;
        resolve({ status: res.statusCode ?? 0, headers: h, body: Buffer.concat(chunks) });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

async function timed(agent: Agent, base: string, path: string, headers: Record<string, string>) {
  const t = performance.now();
  const a = await get(agent, base, path, headers);
  const ms = performance.now() - t;
  if (a.status !== 200) throw new Error(`${base}${path}: HTTP ${a.status}`);
  return ms;
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
};

/** Starts a child that prints its URL as the first line of stdout. */
function startChild(args: string[], env: NodeJS.ProcessEnv): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"], cwd: REPO });
  let err = "";
  child.stderr.on("data", (d: Buffer) => {
    err += d.toString();
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const line = /^(http:\/\/\S+)\n/m.exec(out);
      if (line?.[1]) resolve({ url: line[1], child });
    });
    child.once("exit", (code) => {
      reject(new Error(`${args.join(" ")} exited ${String(code)}:\n${err}`));
    });
  });
}

function ensureDashboardBuilt(): void {
  if (existsSync(join(REPO, "dist", "dashboard", "index.html"))) return;
  const r = spawnSync(process.execPath, [join(REPO, "node_modules", "vite", "bin", "vite.js"), "build"], {
    cwd: REPO,
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`vite build failed:\n${r.stderr}`);
}

/** One real audit of a seeded account: what `keywarden audit --save` would store. */
async function realAudit(users: number) {
  const emulator = await startEmulator();
  try {
    const client = new EmulatorClient(emulator.endpoint);
    await client.reset();
    await client.bulkSeed({ users: buildAccount(users, new Date()).users });
    const session = await openSession({
      endpointUrl: emulator.endpoint,
      region: REGION,
      credentials: DUMMY_CREDENTIALS,
    });
    const { report, inventory } = await runAudit({
      port: iamInventoryPort(session),
      apiCalls: () => session.counter.snapshot(),
      now: new Date(),
      thresholds: DEFAULT_THRESHOLDS,
    });
    session.iam().destroy();
    session.sts().destroy();
    return { report, sources: lastUsedSourcesOf(inventory) };
  } finally {
    await emulator.stop();
  }
}

/** The dashboard's built script and style: raw, gzip -9 and brotli 11 sizes, and what serve sends. */
async function assetSizes(kw: string) {
  const dir = join(REPO, "dist", "dashboard", "assets");
  const out: Record<string, object> = {};
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  for (const name of (await readdir(dir)).filter((n) => /\.(js|css)$/.test(n))) {
    const raw = await readFile(join(dir, name));
    const sent: Record<string, number> = {};
    for (const enc of ENCODINGS) {
      const a = await get(agent, kw, `/assets/${name}`, { "Accept-Encoding": enc });
      sent[enc] = a.body.length;
    }
    out[name] = {
      rawBytes: raw.length,
      gzipBytes: gzipSync(raw, { level: 9 }).length,
      brBytes: brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
      sentByServe: sent,
    };
  }
  agent.destroy();
  return out;
}

export async function benchServe(opts: { users: number; pairs: number }): Promise<object> {
  ensureDashboardBuilt();
  const work = await mkdtemp(join(tmpdir(), "keywarden-bench-serve-"));
  const children: ChildProcess[] = [];
  try {
    console.log(`auditing a seeded ${opts.users}-user account once...`);
    const { report, sources } = await realAudit(opts.users);
    const env = { ...process.env, KEYWARDEN_HOME: join(work, "home") };
    const store = await openStore({ env });
    const t0 = Date.parse(report.generatedAt);
    for (let i = AUDITS - 1; i >= 0; i--) {
      // Ten audits a day apart, newest last, as a daily `keywarden audit --save` leaves them.
      await saveAudit(store, { ...report, generatedAt: new Date(t0 - i * DAY_MS).toISOString() }, sources);
    }
    const { token } = await ensureToken(store, true);
    await store.close();
    if (!token) throw new Error("no token was issued");
    const auth = { Authorization: `Bearer ${token}` };

    // KEYWARDEN_BENCH_SERVE_BIN: another checkout's src/cli/bin.ts, to measure a "before" the same way.
    const bin = process.env.KEYWARDEN_BENCH_SERVE_BIN ?? join(REPO, "src/cli/bin.ts");
    const kwChild = await startChild(["--import", "tsx", bin, "serve", "--port", "0", "--no-audit"], env);
    children.push(kwChild.child);
    const kw = kwChild.url;
    const kwAgent = new Agent({ keepAlive: true, maxSockets: 1 });

    // The bytes keywarden sends, fetched once, become the peer's answers.
    const spec: Record<string, { file: string; headers: Record<string, string> }> = {};
    const bytes: Record<string, Record<string, number>> = {};
    for (const path of PATHS) {
      const sizes: Record<string, number> = {};
      bytes[path] = sizes;
      for (const enc of ENCODINGS) {
        const a = await get(kwAgent, kw, path, { ...auth, "Accept-Encoding": enc });
        if (a.status !== 200) throw new Error(`${path}: HTTP ${a.status}`);
        const file = join(work, `${path.replace(/\W/g, "_")}.${enc}`);
        await writeFile(file, a.body);
        const headers = { ...a.headers };
        delete headers.date;
        delete headers.connection;
        delete headers["keep-alive"];
        spec[`${path} ${enc}`] = { file, headers };
        sizes[enc] = a.body.length;
      }
    }
    const specFile = join(work, "answers.json");
    await writeFile(specFile, JSON.stringify(spec));
    const peerChild = await startChild([join(REPO, "bench/serve-peer.js"), specFile], process.env);
    children.push(peerChild.child);
    const peer = peerChild.url;
    const peerAgent = new Agent({ keepAlive: true, maxSockets: 1 });

    const cases = [];
    for (const path of PATHS) {
      for (const enc of ENCODINGS) {
        const headers = { ...auth, "Accept-Encoding": enc };
        // Warm-up (not recorded): JIT, caches, connections.
        for (let i = 0; i < 30; i++) {
          await timed(kwAgent, kw, path, headers);
          await timed(peerAgent, peer, path, headers);
        }
        const measured = await withLoad(`${path} ${enc}`, async () => {
          const a: number[] = [];
          const b: number[] = [];
          for (let i = 0; i < opts.pairs; i++) {
            a.push(await timed(kwAgent, kw, path, headers));
            b.push(await timed(peerAgent, peer, path, headers));
          }
          const ms = (xs: number[]) => ({
            p50: round(quantile(xs, 0.5), 3),
            p95: round(quantile(xs, 0.95), 3),
          });
          const kwMs = ms(a);
          const peerMs = ms(b);
          return {
            keywardenMs: kwMs,
            peerMs,
            ratioP50: round(kwMs.p50 / peerMs.p50, 2),
            ratioP95: round(kwMs.p95 / peerMs.p95, 2),
          };
        });
        const r = measured.result;
        console.log(
          `  ${path} ${enc}: keywarden p50 ${r.keywardenMs.p50} ms, peer ${r.peerMs.p50} ms: ${r.ratioP50}x ` +
            `(p95 ${r.ratioP95}x; load ${measured.load.before[0]} -> ${measured.load.after[0]})`,
        );
        cases.push({ path, encoding: enc, bytes: bytes[path]?.[enc], ...measured });
      }
    }
    const assets = await assetSizes(kw);
    kwAgent.destroy();
    peerAgent.destroy();
    return {
      setup: {
        users: opts.users,
        keysPerAudit: report.keys.length,
        findingsPerAudit: report.findings.length,
        storedAudits: AUDITS,
        pairs: opts.pairs,
        keywarden: `\`keywarden serve --no-audit\` (${bin} under tsx), SQLite store`,
        peer: "bench/serve-peer.js: node:http sending the bytes and headers keywarden sent",
        order: "keywarden, peer, keywarden, peer... one kept-alive connection each, after 30 warm-up pairs",
      },
      cases,
      assets,
      worstRatioP50: Math.max(...cases.map((c) => c.result.ratioP50)),
    };
  } finally {
    for (const c of children) c.kill("SIGTERM");
    await rm(work, { recursive: true, force: true });
  }
}
