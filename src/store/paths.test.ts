import { mkdtemp, rm, stat, writeFile, chmod, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { dataDir, defaultDatabasePath, ensurePrivateDir } from "./paths.js";

describe("dataDir", () => {
  it("prefers KEYWARDEN_HOME, resolved to an absolute path", () => {
    expect(dataDir({ KEYWARDEN_HOME: "/srv/kw", XDG_DATA_HOME: "/x" }, "/home/a")).toBe("/srv/kw");
    expect(dataDir({ KEYWARDEN_HOME: "rel/kw" }, "/home/a")).toBe(join(process.cwd(), "rel/kw"));
  });

  it("then XDG_DATA_HOME/keywarden, ignoring a relative or empty one", () => {
    expect(dataDir({ XDG_DATA_HOME: "/data" }, "/home/a")).toBe("/data/keywarden");
    expect(dataDir({ XDG_DATA_HOME: "data" }, "/home/a")).toBe("/home/a/.local/share/keywarden");
    expect(dataDir({ KEYWARDEN_HOME: "", XDG_DATA_HOME: "" }, "/home/a")).toBe(
      "/home/a/.local/share/keywarden",
    );
  });

  it("puts the database in it", () => {
    expect(defaultDatabasePath({}, "/home/a")).toBe("/home/a/.local/share/keywarden/keywarden.db");
  });
});

describe("ensurePrivateDir", () => {
  const made: string[] = [];
  afterEach(async () => {
    await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });
  const temp = async () => {
    const d = await mkdtemp(join(tmpdir(), "keywarden-paths-"));
    made.push(d);
    return d;
  };
  const mode = async (p: string) => (await stat(p)).mode & 0o777;

  it("creates missing folders 0700 and tightens a loose existing one", async () => {
    const root = await temp();
    ensurePrivateDir(join(root, "x", "y"));
    expect(await mode(join(root, "x", "y"))).toBe(0o700);
    await mkdir(join(root, "loose"));
    await chmod(join(root, "loose"), 0o755);
    ensurePrivateDir(join(root, "loose"));
    expect(await mode(join(root, "loose"))).toBe(0o700);
  });

  it("throws when the path is a file", async () => {
    const root = await temp();
    await writeFile(join(root, "f"), "x");
    expect(() => ensurePrivateDir(join(root, "f"))).toThrow(/EEXIST|ENOTDIR/);
  });
});
