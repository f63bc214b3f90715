// What decides a history scan's speed: each distinct blob is read out of git once, however many
// commits, branches and paths carry it, and gitlinks and large blobs are not scanned. Counts, not
// seconds; each planted key is still reported once, at the commit that first added it.
import { mkdtemp, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { counters, scanHistory } from "../src/scan/history.js";
import { makeKeyId, makeRng } from "./fixtures/scan/corpus.js";
import { commitAll, gitIn, initRepo } from "./fixtures/scan/repo.js";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe("scan --history reads each blob once", () => {
  it("one read per distinct blob across commits, branches, renames and reverts", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kw-hist-once-"));
    dirs.push(dir);
    initRepo(dir);
    const rng = makeRng(1919);
    const id = makeKeyId(rng);
    await mkdir(join(dir, "src"));
    await writeFile(join(dir, "src/a.ts"), "export const a = 1;\n");
    await writeFile(join(dir, "config.env"), `AWS_ACCESS_KEY_ID=${id}\n`);
    const first = commitAll(dir, "add", "2024-01-01T00:00:00Z");
    // The same blobs again: under a new path, back after a change, and on another branch.
    gitIn(dir, ["mv", "config.env", "old.env"]);
    commitAll(dir, "rename", "2024-01-02T00:00:00Z");
    await writeFile(join(dir, "src/a.ts"), "export const a = 2;\n");
    commitAll(dir, "change", "2024-01-03T00:00:00Z");
    await writeFile(join(dir, "src/a.ts"), "export const a = 1;\n");
    commitAll(dir, "revert", "2024-01-04T00:00:00Z");
    gitIn(dir, ["checkout", "-q", "-b", "side"]);
    await writeFile(join(dir, "copy.env"), `AWS_ACCESS_KEY_ID=${id}\n`);
    await writeFile(join(dir, "big.txt"), "x".repeat(5000));
    commitAll(dir, "copy", "2024-01-05T00:00:00Z");
    // Scanned: a.ts twice (1 and 2) and the .env content once; big.txt is over maxBytes.
    const r = await scanHistory(dir, { maxBytes: 4096, archiveDepth: 0 });
    expect(counters.blobsRead).toBe(3);
    expect(r.blobs).toBe(3);
    expect(r.findings.map((f) => [f.value, f.commit, f.path])).toEqual([[id, first, "config.env"]]);
  });
});
