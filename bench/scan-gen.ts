// Generated inputs for bench/scan: a working tree of code-like filler with planted corpora, and a
// git repository of many commits built with `git fast-import` (seconds, not minutes).
import { spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import {
  lookalikeCorpus,
  makeRng,
  plantedCorpus,
  type CorpusFile,
  type Lookalike,
  type Planted,
} from "../test/fixtures/scan/corpus.js";

export interface Truth {
  planted: Planted[];
  lookalikes: Lookalike[];
}

const IDENT = [
  "user",
  "order",
  "item",
  "config",
  "client",
  "handler",
  "result",
  "buffer",
  "region",
  "bucket",
];
const KW = ["const", "let", "return", "await", "if", "for", "function", "import", "export", "class"];

/**
 * A pool of code-like lines: identifiers, numbers, strings, comments, and now and then the words
 * real code has near credentials (token, session, secret, Access Key), so prefilters get work.
 */
function fillerPool(rng: () => number, bytes: number): Buffer {
  const lines: string[] = [];
  let size = 0;
  const w = (a: string[]) => a[Math.floor(rng() * a.length)] ?? "x";
  while (size < bytes) {
    const r = rng();
    let line: string;
    if (r < 0.002) line = `  const sessionToken = await getToken(${w(IDENT)}Id); // refresh the token`;
    else if (r < 0.003) line = `  // secret values come from the vault, never from source`;
    else if (r < 0.004) line = `  const ASIA_PACIFIC_REGIONS = ["ap-south-1", "ap-east-1"];`;
    else if (r < 0.1)
      line = `  // ${w(KW)} the ${w(IDENT)} when the ${w(IDENT)} is ready (${Math.floor(rng() * 1e6)})`;
    else if (r < 0.2)
      line = `  "${w(IDENT)}_${Math.floor(rng() * 1000)}": "${w(IDENT)}-${Math.floor(rng() * 1e9).toString(36)}",`;
    else
      line = `  ${w(KW)} ${w(IDENT)}${Math.floor(rng() * 100)} = ${w(IDENT)}.${w(IDENT)}(${w(IDENT)}, ${Math.floor(rng() * 1e5)});`;
    lines.push(line);
    size += line.length + 1;
  }
  return Buffer.from(lines.join("\n") + "\n");
}

/** A line-aligned slice of the pool. */
function slice(pool: Buffer, rng: () => number, size: number): Buffer {
  let start = Math.floor(rng() * Math.max(1, pool.length - size));
  const nl = pool.indexOf(10, start);
  start = nl < 0 ? 0 : nl + 1;
  let end = Math.min(pool.length, start + size);
  const e = pool.indexOf(10, end);
  end = e < 0 ? pool.length : e + 1;
  return pool.subarray(start, end);
}

async function put(root: string, f: CorpusFile): Promise<void> {
  await mkdir(dirname(join(root, f.path)), { recursive: true });
  await writeFile(join(root, f.path), f.content);
}

export interface TreeInfo extends Truth {
  files: number;
  bytes: number;
  /** Planted and lookalike files: what secretlint is given besides some filler. */
  corpusPaths: string[];
  corpusBytes: number;
  fillerPaths: string[];
  fillerSizes: number[];
}

/** `bytes` of filler in files of 8 KB..256 KB, plus `copies` planted and lookalike corpora. */
export async function generateTree(root: string, bytes: number, copies: number, seed = 1): Promise<TreeInfo> {
  const rng = makeRng(seed);
  const pool = fillerPool(rng, 8 * 1024 * 1024);
  let written = 0;
  let n = 0;
  const fillerPaths: string[] = [];
  const fillerSizes: number[] = [];
  while (written < bytes) {
    const size = 8192 + Math.floor(rng() * 248 * 1024);
    const path = `src/m${String(n % 100).padStart(2, "0")}/f${n}.${["ts", "js", "py", "go", "json"][n % 5] ?? "txt"}`;
    const content = slice(pool, rng, size);
    await put(root, { path, content });
    fillerPaths.push(path);
    fillerSizes.push(content.length);
    written += content.length;
    n++;
  }
  const truth: Truth = { planted: [], lookalikes: [] };
  const corpusPaths: string[] = [];
  let corpusBytes = 0;
  for (let i = 0; i < copies; i++) {
    const p = plantedCorpus(rng, `planted/${i}/`);
    const l = lookalikeCorpus(rng, `fake/${i}/`);
    for (const f of [...p.files, ...l.files]) {
      await put(root, f);
      corpusPaths.push(f.path);
      written += f.content.length;
      corpusBytes += f.content.length;
    }
    truth.planted.push(...p.planted);
    truth.lookalikes.push(...l.lookalikes);
  }
  return {
    ...truth,
    files: n + corpusPaths.length,
    bytes: written,
    corpusPaths,
    corpusBytes,
    fillerPaths,
    fillerSizes,
  };
}

export interface RepoInfo {
  commits: number;
  /** Distinct planted credentials somewhere in history (some only in deleted files). */
  planted: Planted[];
  lookalikes: Lookalike[];
  deletedLater: number;
}

/**
 * `commits` commits over `files` code files (each commit rewrites 1-3 of them); every
 * commits/plants-th commit adds a planted corpus, half of which a later commit deletes, and
 * lookalike files arrive the same way.
 */
export async function generateRepo(
  dir: string,
  commits: number,
  plants: number,
  seed = 2,
): Promise<RepoInfo> {
  const rng = makeRng(seed);
  const pool = fillerPool(rng, 4 * 1024 * 1024);
  await mkdir(dir, { recursive: true });
  await run("git", ["init", "-q", "-b", "main", dir]);
  const child = spawn("git", ["fast-import", "--quiet", "--done"], {
    cwd: dir,
    stdio: ["pipe", "inherit", "inherit"],
  });
  const done = new Promise<void>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve();
      else reject(new Error(`git fast-import exited ${code}`));
    });
  });
  const chunks: Buffer[] = [];
  let pending = 0;
  const write = async (s: string | Buffer) => {
    const b = typeof s === "string" ? Buffer.from(s) : s;
    chunks.push(b);
    pending += b.length;
    if (pending > 1 << 20) await flush();
  };
  const flush = async () => {
    const b = Buffer.concat(chunks);
    chunks.length = 0;
    pending = 0;
    if (!child.stdin.write(b)) await new Promise((r) => child.stdin.once("drain", r));
  };
  const files = 2000;
  const planted: Planted[] = [];
  const lookalikes: Lookalike[] = [];
  const every = Math.max(1, Math.floor(commits / (plants * 2)));
  const toDelete = new Map<number, string[]>();
  let deletedLater = 0;
  const t0 = 1_600_000_000;
  for (let c = 1; c <= commits; c++) {
    const when = t0 + c * 600;
    const ops: Buffer[] = [];
    const nFiles = c === 1 ? files : 1 + Math.floor(rng() * 3);
    for (let i = 0; i < nFiles; i++) {
      const f = c === 1 ? i : Math.floor(rng() * files);
      const content = slice(pool, rng, 2048 + Math.floor(rng() * 4096));
      ops.push(
        Buffer.from(`M 100644 inline src/p${f % 50}/file${f}.ts\ndata ${content.length}\n`),
        content,
        Buffer.from("\n"),
      );
    }
    const k = c / every;
    if (c % every === 0 && k <= plants * 2) {
      // Odd slots: a planted corpus; even slots: lookalikes.
      const corpus = k % 2 === 1 ? plantedCorpus(rng, `leaks/${c}/`) : lookalikeCorpus(rng, `fakes/${c}/`);
      for (const f of corpus.files) {
        ops.push(
          Buffer.from(`M 100644 inline ${f.path}\ndata ${f.content.length}\n`),
          f.content,
          Buffer.from("\n"),
        );
      }
      planted.push(...corpus.planted);
      lookalikes.push(...corpus.lookalikes);
      if (k % 4 === 1) {
        const at = Math.min(commits, c + 1 + Math.floor(rng() * every));
        toDelete.set(at, [...(toDelete.get(at) ?? []), ...corpus.files.map((f) => f.path)]);
        deletedLater++;
      }
    }
    for (const p of toDelete.get(c) ?? []) ops.push(Buffer.from(`D ${p}\n`));
    const msg = `change ${c}`;
    await write(
      `commit refs/heads/main\nmark :${c}\nauthor Dev ${c % 7} <dev${c % 7}@example.com> ${when} +0000\n` +
        `committer Dev <dev@example.com> ${when} +0000\ndata ${msg.length}\n${msg}\n` +
        (c > 1 ? `from :${c - 1}\n` : ""),
    );
    for (const o of ops) await write(o);
    await write("\n");
  }
  await write("done\n");
  await flush();
  child.stdin.end();
  await done;
  await run("git", ["-C", dir, "reset", "-q", "--hard", "main"]);
  return { commits, planted, lookalikes, deletedLater };
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { stdio: "inherit" });
    c.on("error", reject);
    c.on("close", (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${cmd} ${args.join(" ")} exited ${code}`));
    });
  });
}

/**
 * What `scan` meets in every JavaScript repository: node_modules. Many small files (1-40 KB) under
 * node_modules/<pkg>/{lib,dist,types}, minified one-line bundles, source maps with long base64
 * runs, package.json and package-lock.json with sha512 integrity hashes, README.md, .d.ts, and the
 * words real packages use near credentials (key, token, secret, Authorization, "AKIA" in docs of
 * SDKs is left to the corpora). Plus `copies` planted and lookalike corpora, as generateTree.
 */
export async function generateNodeModulesTree(
  root: string,
  bytes: number,
  copies: number,
  seed = 3,
): Promise<TreeInfo> {
  const rng = makeRng(seed);
  const pool = fillerPool(rng, 4 * 1024 * 1024);
  const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const rand = (n: number) => Array.from({ length: n }, () => b64[Math.floor(rng() * 64)] ?? "A").join("");
  const minified = (size: number) => {
    const parts: string[] = [];
    let n = 0;
    while (n < size) {
      const id = rand(2).replace(/[+/0-9]/g, "e");
      const p =
        rng() < 0.3
          ? `function ${id}(e,t){return e.key===t.key&&e.token!==t.token}`
          : rng() < 0.5
            ? `var ${id}={headers:{Authorization:"Bearer "+t},secretName:n.secret,apiKey:o.apiKey};`
            : `Object.defineProperty(exports,"${id}",{enumerable:!0,get:function(){return ${id}.default}});`;
      parts.push(p);
      n += p.length;
    }
    return Buffer.from(parts.join("") + "\n");
  };
  const sourceMap = (size: number) =>
    Buffer.from(
      `{"version":3,"sources":["../src/index.ts"],"names":[],"mappings":"${rand(size).replace(/[+/]/g, ";")}"}\n`,
    );
  const pkgJson = (name: string) =>
    Buffer.from(
      JSON.stringify(
        { name, version: "1.2.3", main: "dist/index.js", keywords: ["key", "token"], license: "MIT" },
        null,
        2,
      ) + "\n",
    );
  const lock = (n: number) =>
    Buffer.from(
      Array.from(
        { length: n },
        (_, i) =>
          `    "node_modules/p${i}": {\n      "version": "1.0.${i}",\n      "integrity": "sha512-${rand(86)}=="\n    },`,
      ).join("\n") + "\n",
    );
  let written = 0;
  let n = 0;
  const fillerPaths: string[] = [];
  const fillerSizes: number[] = [];
  const add = async (path: string, content: Buffer) => {
    await put(root, { path, content });
    fillerPaths.push(path);
    fillerSizes.push(content.length);
    written += content.length;
    n++;
  };
  await add("package-lock.json", lock(3000));
  for (let pkg = 0; written < bytes; pkg++) {
    const base = `node_modules/${pkg % 7 === 0 ? `@scope${pkg % 13}/` : ""}pkg${pkg}`;
    await add(`${base}/package.json`, pkgJson(`pkg${pkg}`));
    await add(`${base}/README.md`, slice(pool, rng, 1024 + Math.floor(rng() * 4096)));
    const files = 3 + Math.floor(rng() * 12);
    for (let f = 0; f < files && written < bytes; f++) {
      const r = rng();
      const size = 1024 + Math.floor(rng() * 39 * 1024);
      if (r < 0.3) await add(`${base}/dist/index${f}.min.js`, minified(size));
      else if (r < 0.4) await add(`${base}/dist/index${f}.js.map`, sourceMap(size));
      else if (r < 0.5) await add(`${base}/types/index${f}.d.ts`, slice(pool, rng, size / 4));
      else await add(`${base}/lib/m${f}.js`, slice(pool, rng, size));
    }
  }
  const truth: Truth = { planted: [], lookalikes: [] };
  const corpusPaths: string[] = [];
  let corpusBytes = 0;
  for (let i = 0; i < copies; i++) {
    const p = plantedCorpus(rng, `planted/${i}/`);
    const l = lookalikeCorpus(rng, `fake/${i}/`);
    for (const f of [...p.files, ...l.files]) {
      await put(root, f);
      corpusPaths.push(f.path);
      written += f.content.length;
      corpusBytes += f.content.length;
    }
    truth.planted.push(...p.planted);
    truth.lookalikes.push(...l.lookalikes);
  }
  return {
    ...truth,
    files: n + corpusPaths.length,
    bytes: written,
    corpusPaths,
    corpusBytes,
    fillerPaths,
    fillerSizes,
  };
}
