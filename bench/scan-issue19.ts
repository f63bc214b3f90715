/* eslint-disable no-console */
// The sizes issue 19 measured: a 300 MiB generated tree, a 300 MiB node_modules-like tree and a
// 3,000-commit history, keywarden and its peers alternated, 3 pairs each. `npm run bench -- --bench
// scan` keeps its own (larger) sizes; this writes bench/results/scan-issue19.json.
//   npx tsx bench/scan-issue19.ts
import { mkdir, writeFile } from "node:fs/promises";
import { availableParallelism, totalmem } from "node:os";
import { fileURLToPath } from "node:url";
import { benchScan, summarizeScan } from "./scan.js";

const result = await benchScan({
  treeBytes: 300 * 1024 ** 2,
  nodeModulesBytes: 300 * 1024 ** 2,
  copies: 10,
  commits: 3_000,
  plants: 20,
  repeats: 3,
  secretlintBytes: 5 * 1024 ** 2,
  timeoutMs: 10 * 60_000,
});
const dir = fileURLToPath(new URL("./results/", import.meta.url));
await mkdir(dir, { recursive: true });
const machine = { cores: availableParallelism(), memoryGiB: totalmem() / 1024 ** 3, node: process.version };
await writeFile(`${dir}scan-issue19.json`, JSON.stringify({ machine, ...result }, null, 2) + "\n");
console.log(summarizeScan(result));
