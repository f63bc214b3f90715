// The byte-level prefilter (src/scan/prefilter.ts) decides how much of a tree is decoded and run
// through the regexes: what makes a scan fast. It must never hide a finding, so it is checked
// against detect() on every corpus file and on each of their lines alone; and the count of
// decoded buffers (not seconds) shows it keeps code without credentials away from the regexes.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { scanCounters, scanBuffer } from "../src/scan/content.js";
import { detect } from "../src/scan/detect.js";
import { scanFiles } from "../src/scan/file-scan.js";
import { mayHoldCredential } from "../src/scan/prefilter.js";
import {
  lookalikeCorpus,
  makeKeyId,
  makeRng,
  makeSecret,
  makeSessionToken,
  plantedCorpus,
  type CorpusFile,
} from "./fixtures/scan/corpus.js";
import { peerCorpus } from "./fixtures/scan/peers.js";
import { writeCorpus } from "./fixtures/scan/repo.js";

const rng = makeRng(1905);

function corpusFiles(): CorpusFile[] {
  const files: CorpusFile[] = [];
  for (let i = 0; i < 3; i++) {
    files.push(...plantedCorpus(rng, `p${i}/`).files, ...lookalikeCorpus(rng, `l${i}/`).files);
    files.push(...peerCorpus(rng, `r${i}/`).files);
  }
  return files;
}

/** Every buffer detect() reports something in must pass the prefilter. */
function expectNoMiss(buf: Buffer, where: string): number {
  const found = detect(buf.toString("latin1")).length;
  if (found > 0) expect(mayHoldCredential(buf), where).toBe(true);
  return found;
}

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe("scan prefilter", () => {
  it("passes every corpus file, and every line alone, that detect() finds something in", () => {
    let withFindings = 0;
    let lines = 0;
    for (const f of corpusFiles()) {
      const buf = f.content;
      if (buf.subarray(0, 4096).includes(0)) continue; // UTF-16: always passed on, checked below
      if (expectNoMiss(buf, f.path) > 0) withFindings++;
      for (const line of buf.toString("latin1").split("\n")) {
        if (expectNoMiss(Buffer.from(line, "latin1"), `${f.path}: ${line}`) > 0) lines++;
      }
    }
    // The corpora plant many shapes: the check above covered them, not an empty set.
    expect(withFindings).toBeGreaterThan(50);
    expect(lines).toBeGreaterThan(100);
  });

  it("passes the shapes each path of detect() reports", () => {
    const id = makeKeyId(rng);
    const secret = makeSecret(rng);
    const token = makeSessionToken(rng);
    const shapes = [
      `x = "${id}"`,
      `"${id.slice(0, 4)}" + "${id.slice(4)}"`,
      `'${id.slice(0, 2)}' . '${id.slice(2, 9)}'\n  . '${id.slice(9)}'`,
      `secret_key = os.getenv("${secret}")`,
      `SECRET_ACCESS_KEY_ID: ${secret}`,
      `<SecretAccessKey>${secret}</SecretAccessKey>`,
      `aws_key: '${secret}'`,
      `KEY = ${secret}`,
      `aws_session_token=${token}`,
      `X-Amz-Security-Token: ${token}`,
      token,
      `${makeKeyId(rng, "ASIA")}\nsession: ${token}${token}`,
    ];
    for (const s of shapes) {
      const buf = Buffer.from(s, "latin1");
      expect(detect(s).length, s).toBeGreaterThan(0);
      expect(mayHoldCredential(buf), s).toBe(true);
    }
    // UTF-16 text is squeezed before detect(): the prefilter passes anything with NULs up front.
    expect(mayHoldCredential(Buffer.from(`x = "${id}"\n`, "utf16le"))).toBe(true);
  });

  it("keeps code that only talks about keys, tokens and secrets away from the regexes", () => {
    const code = [
      "const ASIA_PACIFIC_REGIONS = ['ap-south-1'];",
      "const sessionToken = await getToken(userId); // refresh the token",
      "// secret values come from the vault, never from source",
      "map.set(key, value); const apiKey = config.key; return { key: id };",
      'headers["Authorization"] = "AWS4-HMAC-SHA256 " + sig;',
      "const SECRET_KEY_NAME = process.env.SECRET_KEY_NAME;",
    ].join("\n");
    const before = scanCounters.decoded;
    const seen = scanCounters.buffers;
    expect(scanBuffer(Buffer.from(code))).toEqual([]);
    expect(scanCounters.buffers).toBe(seen + 1);
    expect(scanCounters.decoded).toBe(before);
  });

  it("decodes only the files of a tree that may hold a credential", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kw-prefilter-"));
    dirs.push(dir);
    const id = makeKeyId(rng);
    const files: CorpusFile[] = Array.from({ length: 40 }, (_, i) => ({
      path: `src/f${i}.ts`,
      content: Buffer.from(`export const key${i} = { key: "k${i}", token: getToken() };\n`.repeat(50)),
    }));
    files.push({ path: "config/.env", content: Buffer.from(`AWS_ACCESS_KEY_ID=${id}\n`) });
    await writeCorpus(dir, files);
    const before = scanCounters.decoded;
    const res = scanFiles(
      dir,
      files.map((f) => f.path),
      1 << 20,
      0,
    );
    expect(res.files).toBe(41);
    expect(res.findings.map((f) => [f.path, f.value])).toEqual([["config/.env", id]]);
    expect(scanCounters.decoded - before).toBe(1);
  });
});
