/* eslint-disable no-console */
// bench/respond: `keywarden respond KEY --yes`, from process start to the key being inactive,
// against a plain AWS SDK v3 script making the same calls (bench/respond-peer.js), in the same
// run, on the same emulator, through the same recording proxy. See bench/README.md.
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient } from "@aws-sdk/client-iam";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startEmulator } from "../src/emulator/process.js";
import { startActionRecorder, type ActionRecorder } from "../test/helpers/action-recorder.js";
import { buildKeywarden } from "./build-cli.js";
import { withLoad } from "./load.js";

export const RESPOND_FULL = { pairs: 7 };
export const RESPOND_QUICK = { pairs: 2 };

const REGION = "us-east-1";
const CREDS = { accessKeyId: "testing", secretAccessKey: "testing" };
const PEER = fileURLToPath(new URL("./respond-peer.js", import.meta.url));
const CONTAINED = "iam:AttachUserPolicy";
const INACTIVE = "iam:UpdateAccessKey";

const nowMs = (): number => performance.timeOrigin + performance.now();
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? NaN) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};
const round = (x: number, d = 0): number => Math.round(x * 10 ** d) / 10 ** d;

interface Run {
  /** Process start to the proxy answering UpdateAccessKey (the key is inactive). */
  toInactiveMs: number;
  /** Process start to the proxy answering the successful AttachUserPolicy (contained). */
  toContainedMs: number;
  /** Process start to exit. */
  totalMs: number;
  /** The calls answered before (and including) the one that made the key inactive... and contained. */
  callsBeforeContained: string[];
}

async function runOnce(
  argv: string[],
  env: Record<string, string>,
  recorder: ActionRecorder,
  label: string,
): Promise<Run> {
  recorder.clear();
  const started = nowMs();
  const child = spawn(process.execPath, argv, { env, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
  child.stdout.resume();
  const code = await new Promise<number | null>((done) => child.on("close", done));
  const ended = nowMs();
  if (code !== 0) throw new Error(`${label} exited ${String(code)}:\n${stderr}`);
  const calls = recorder.calls;
  const inactive = calls.find((c) => c.call === INACTIVE && c.status === 200);
  const containedAt = calls.findIndex((c) => c.call === CONTAINED && c.status === 200);
  const contained = calls[containedAt];
  if (!inactive || !contained) {
    throw new Error(`${label}: the proxy saw no successful UpdateAccessKey + AttachUserPolicy`);
  }
  return {
    toInactiveMs: inactive.answeredAt - started,
    toContainedMs: contained.answeredAt - started,
    totalMs: ended - started,
    callsBeforeContained: calls.slice(0, containedAt + 1).map((c) => c.call),
  };
}

export async function benchRespond(opts: { pairs: number }): Promise<object> {
  const work = await mkdtemp(join(tmpdir(), "kw-bench-respond-"));
  const emulator = await startEmulator();
  let recorder: ActionRecorder | undefined;
  try {
    const bin = await buildKeywarden(work);
    // The account has AWSCompromisedKeyQuarantineV4, as AWS accounts do: containment attaches it
    // with one call (moto alone has V3, which would cost keywarden one refused attach).
    const added = await fetch(new URL("/_test/iam/managed-policies", emulator.endpoint), {
      method: "POST",
      body: JSON.stringify({ add: ["AWSCompromisedKeyQuarantineV4"] }),
    });
    if (!added.ok) throw new Error(`could not add V4 to the emulator: HTTP ${added.status}`);
    recorder = await startActionRecorder(emulator.endpoint);
    const admin = new IAMClient({ endpoint: emulator.endpoint, region: REGION, credentials: CREDS });
    let n = 0;
    const leakedKey = async (): Promise<string> => {
      const user = `leaked-${++n}`;
      await admin.send(new CreateUserCommand({ UserName: user }));
      const k = await admin.send(new CreateAccessKeyCommand({ UserName: user }));
      return k.AccessKey?.AccessKeyId ?? "";
    };
    const env = (home: string): Record<string, string> => ({
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: home,
      KEYWARDEN_HOME: home,
      AWS_ENDPOINT_URL: recorder?.url ?? "",
      AWS_ACCESS_KEY_ID: CREDS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDS.secretAccessKey,
      AWS_REGION: REGION,
      AWS_EC2_METADATA_DISABLED: "true",
      NO_COLOR: "1",
    });
    const rec = recorder;
    const keywarden = async () => {
      const key = await leakedKey();
      const home = await mkdtemp(join(work, "home-"));
      return runOnce(
        [bin, "respond", key, "--yes", "--regions", REGION, "--format", "json"],
        env(home),
        rec,
        "keywarden respond",
      );
    };
    const script = async () => {
      const key = await leakedKey();
      return runOnce([PEER, key], env(work), rec, "the SDK script");
    };

    // Warm-up (not recorded): the file cache for both.
    await keywarden();
    await script();

    const measured = await withLoad("respond", async () => {
      const kw: Run[] = [];
      const peer: Run[] = [];
      // Alternating pairs: keywarden first in even pairs, the script first in odd ones.
      for (let i = 0; i < opts.pairs; i++) {
        if (i % 2 === 0) {
          kw.push(await keywarden());
          peer.push(await script());
        } else {
          peer.push(await script());
          kw.push(await keywarden());
        }
        console.log(
          `  pair ${i + 1}/${opts.pairs}: keywarden ${round(kw[i]?.toInactiveMs ?? NaN)} ms to inactive, ` +
            `script ${round(peer[i]?.toInactiveMs ?? NaN)} ms`,
        );
      }
      return { kw, peer };
    });
    const section = (runs: Run[]) => ({
      toInactiveMs: {
        median: round(median(runs.map((r) => r.toInactiveMs))),
        runs: runs.map((r) => round(r.toInactiveMs)),
      },
      toContainedMs: {
        median: round(median(runs.map((r) => r.toContainedMs))),
        runs: runs.map((r) => round(r.toContainedMs)),
      },
      totalMs: { median: round(median(runs.map((r) => r.totalMs))) },
      callsBeforeContained: runs[runs.length - 1]?.callsBeforeContained ?? [],
      callsBeforeContainedCount: runs[runs.length - 1]?.callsBeforeContained.length ?? 0,
      sameCallsEveryRun: runs.every(
        (r) => r.callsBeforeContained.join() === runs[0]?.callsBeforeContained.join(),
      ),
    });
    const { kw, peer } = measured.result;
    const k = section(kw);
    const p = section(peer);
    return {
      config: {
        pairs: opts.pairs,
        order: "alternating pairs (keywarden first, then the script first), after one warm-up run of each",
        keywarden: "node <built>/dist/cli/bin.js respond KEY --yes --regions us-east-1 --format json",
        peer: "node bench/respond-peer.js KEY (plain SDK v3: GetAccessKeyInfo + GetAccessKeyLastUsed, UpdateAccessKey, AttachUserPolicy V4)",
        clock:
          "from just before spawn to the recording proxy finishing the answer to UpdateAccessKey (inactive) and AttachUserPolicy (contained)",
        emulator: "moto 5.2.1 via test/emulator/launcher.py with AWSCompromisedKeyQuarantineV4 added",
      },
      load: measured.load,
      ...(measured.rerunBecauseOf ? { rerunBecauseOf: { load: measured.rerunBecauseOf.load } } : {}),
      keywarden: k,
      script: p,
      ratio: {
        /** keywarden's time to inactive over the script's: the goal is at most 2. */
        toInactiveKeywardenOverScript: round(k.toInactiveMs.median / p.toInactiveMs.median, 2),
        toContainedKeywardenOverScript: round(k.toContainedMs.median / p.toContainedMs.median, 2),
      },
      targets: { withinTwiceTheScript: k.toContainedMs.median <= 2 * p.toContainedMs.median },
    };
  } finally {
    await recorder?.close();
    await emulator.stop();
    await rm(work, { recursive: true, force: true });
  }
}

export function summarizeRespond(r: {
  keywarden: {
    toInactiveMs: { median: number };
    toContainedMs: { median: number };
    callsBeforeContained: string[];
  };
  script: {
    toInactiveMs: { median: number };
    toContainedMs: { median: number };
    callsBeforeContained: string[];
  };
  ratio: { toInactiveKeywardenOverScript: number; toContainedKeywardenOverScript: number };
  load: { before: number[]; after: number[] };
}): string {
  return [
    `respond: process start to key inactive / contained (medians)`,
    `  keywarden  ${r.keywarden.toInactiveMs.median} ms / ${r.keywarden.toContainedMs.median} ms; ` +
      `${r.keywarden.callsBeforeContained.length} calls: ${r.keywarden.callsBeforeContained.join(", ")}`,
    `  SDK script ${r.script.toInactiveMs.median} ms / ${r.script.toContainedMs.median} ms; ` +
      `${r.script.callsBeforeContained.length} calls`,
    `  ratio ${r.ratio.toInactiveKeywardenOverScript}x to inactive, ${r.ratio.toContainedKeywardenOverScript}x to contained (goal <= 2x); ` +
      `load ${r.load.before[0]} -> ${r.load.after[0]}`,
  ].join("\n");
}
