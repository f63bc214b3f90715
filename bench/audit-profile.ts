/* eslint-disable no-console */
// Where an audit's client CPU goes: one keywarden audit and one naive concurrent loop over the
// audit bench's account (5,000 users by default), each profiled in-process with the inspector
// after a warm-up, through the same keep-alive proxy, then the naive loop again through keywarden's
// own IAM client. Prints CPU by part (SDK and HTTP, XML parsing, keywarden's own work, GC) per call
// and per run, and keywarden's own time by function (PROFILE_SDK=1: the SDK's instead).
//   npx tsx bench/audit-profile.ts [--users 5000]
import { Session } from "node:inspector/promises";
import {
  IAMClient,
  ListAccessKeysCommand,
  ListUsersCommand,
  GetAccessKeyLastUsedCommand,
} from "@aws-sdk/client-iam";
import { runAudit } from "../src/audit/run.js";
import { iamInventoryPort } from "../src/aws/iam-inventory.js";
import { openSession } from "../src/aws/session.js";
import { EmulatorClient } from "../src/emulator/client.js";
import { startEmulator } from "../src/emulator/process.js";
import { mapWithConcurrency } from "../src/inventory/concurrency.js";
import { DEFAULT_THRESHOLDS } from "../src/rules/rule.js";
import { buildAccount, startKeepAliveProxy } from "./audit.js";

const i = process.argv.indexOf("--users");
const USERS = i > 0 ? Number(process.argv[i + 1]) : 5000;
const REGION = "us-east-1";
const CREDS = { accessKeyId: "testing", secretAccessKey: "testing" };

interface Node {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time by part: what a sample's innermost frame (or its nearest keywarden/SDK caller) is. */
function parts(p: Profile): { parts: Record<string, number>; keywardenTop: [string, number][] } {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const out: Record<string, number> = {};
  const fns: Record<string, number> = {};
  for (let s = 0; s < p.samples.length; s++) {
    let id: number | undefined = p.samples[s];
    const leaf = byId.get(id ?? -1);
    let part = "other (node internals, timers)";
    let owner: Node | undefined;
    const name = leaf?.callFrame.functionName ?? "";
    if (name === "(idle)") part = "idle";
    else if (name === "(garbage collector)") part = "GC";
    else if (name === "(program)") part = "V8 (program)";
    else {
      while (id !== undefined) {
        const u = byId.get(id)?.callFrame.url ?? "";
        if (/fast-xml-parser|xml-builder|aws-sdk\/core\/dist-cjs\/submodules\/protocols/.test(u)) {
          part = "XML parsing (SDK)";
          break;
        }
        if (/\/src\/(?!aws\/)/.test(u)) {
          part = "keywarden: audit, rules, risk, inventory";
          owner = byId.get(id);
          break;
        }
        if (/\/src\/aws\//.test(u)) {
          part = "keywarden: AWS session wrappers";
          owner = byId.get(id);
          break;
        }
        if (/node_modules\/(@smithy|@aws-sdk|@aws-crypto)/.test(u)) {
          part = "SDK: middleware, signing, HTTP handler";
          owner = leaf;
          break;
        }
        if (/^node:(_http|http|net|stream|internal\/(http|streams|stream_base))/.test(u)) {
          part = "node HTTP and sockets";
          break;
        }
        id = parent.get(id);
      }
    }
    out[part] = (out[part] ?? 0) + (p.timeDeltas[s] ?? 0) / 1000;
    if (process.env.PROFILE_SDK ? part.startsWith("SDK") : part.startsWith("keywarden")) {
      const f = owner?.callFrame;
      const key = `${f?.functionName || "(anonymous)"} ${(f?.url ?? "").replace(/^.*\/(src|node_modules)\//, "$1/")}`;
      fns[key] = (fns[key] ?? 0) + (p.timeDeltas[s] ?? 0) / 1000;
    }
  }
  return {
    parts: out,
    keywardenTop: Object.entries(fns)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8),
  };
}

async function profiled<T>(label: string, run: () => Promise<T & { calls: number }>): Promise<void> {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 200 });
  await session.post("Profiler.start");
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const r = await run();
  const wall = performance.now() - t0;
  const used = process.cpuUsage(cpu);
  const { profile } = (await session.post("Profiler.stop")) as { profile: Profile };
  session.disconnect();
  const cpuMs = (used.user + used.system) / 1000;
  console.log(
    `\n${label}: ${r.calls} calls, wall ${Math.round(wall)} ms, client CPU ${Math.round(cpuMs)} ms (${(cpuMs / r.calls).toFixed(2)} ms per call)`,
  );
  const { parts: p, keywardenTop } = parts(profile);
  const busy = Object.entries(p).filter(([k]) => k !== "idle");
  for (const [k, ms] of busy.sort((a, b) => b[1] - a[1])) {
    console.log(
      `  ${k.padEnd(44)} ${String(Math.round(ms)).padStart(6)} ms  ${(ms / r.calls).toFixed(3)} ms/call`,
    );
  }
  if (keywardenTop.length) console.log("  keywarden's own time by its innermost keywarden function:");
  for (const [f, ms] of keywardenTop) console.log(`    ${String(Math.round(ms)).padStart(6)} ms  ${f}`);
}

const emulator = await startEmulator();
const { url: endpoint, child: proxy } = await startKeepAliveProxy(emulator.endpoint);
try {
  const client = new EmulatorClient(emulator.endpoint);
  await client.reset();
  await client.bulkSeed({ users: buildAccount(USERS, new Date()).users });
  let shownCalls = false;
  const audit = async () => {
    await client.credentialReport({ expire: true });
    const session = await openSession({ endpointUrl: endpoint, region: REGION, credentials: CREDS });
    await runAudit({
      port: iamInventoryPort(session),
      apiCalls: () => session.counter.snapshot(),
      now: new Date(),
      thresholds: DEFAULT_THRESHOLDS,
    });
    session.iam().destroy();
    session.sts().destroy();
    if (!shownCalls) console.log("keywarden audit's calls:", JSON.stringify(session.counter.snapshot()));
    shownCalls = true;
    return { calls: session.counter.total };
  };
  // The same loop through keywarden's own client (adaptive retries, call counter, keep-alive
  // agent): what the client's configuration costs, apart from what the audit does.
  const naiveWith = (make: () => Promise<IAMClient>) => async () => {
    const iam = await make();
    let calls = 0;
    const users: string[] = [];
    let marker: string | undefined;
    do {
      const r = await iam.send(new ListUsersCommand({ Marker: marker }));
      calls++;
      users.push(...(r.Users ?? []).map((u) => u.UserName ?? ""));
      marker = r.IsTruncated ? r.Marker : undefined;
    } while (marker);
    await mapWithConcurrency(users, 8, async (UserName) => {
      const k = await iam.send(new ListAccessKeysCommand({ UserName }));
      calls++;
      for (const m of k.AccessKeyMetadata ?? []) {
        await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: m.AccessKeyId }));
        calls++;
      }
    });
    iam.destroy();
    return { calls };
  };
  const naive = naiveWith(() =>
    Promise.resolve(new IAMClient({ endpoint, region: REGION, credentials: CREDS })),
  );
  const naiveKeywardenClient = naiveWith(async () =>
    (await openSession({ endpointUrl: endpoint, region: REGION, credentials: CREDS })).iam(),
  );
  await audit();
  await naive();
  await profiled("keywarden audit", audit);
  await profiled("naive concurrent loop (8 in flight)", naive);
  await profiled("the same loop through keywarden's IAM client", naiveKeywardenClient);
} finally {
  proxy.kill();
  await emulator.stop();
}
