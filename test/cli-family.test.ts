// One CLI family: the options every verb shares (the AWS CLI's global options as the model), one
// output-file option, one default format, one list syntax, help with examples and exit codes.
// Runs the real CLI entry point in process with its own streams; nothing here calls AWS.
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, readdir, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";
import type { CliIO } from "../src/cli/io.js";
import { nameList, targetList } from "../src/cli/common-options.js";
import { closest } from "../src/cli/errors.js";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(args: string[], opts: { tty?: boolean; cwd?: string; home?: string } = {}): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const home = opts.home ?? (await mkdtemp(join(tmpdir(), "kw-family-home-")));
  const io: CliIO = {
    stdout: { write: (s: string) => (stdout += s), isTTY: opts.tty === true, columns: 120 },
    stderr: { write: (s: string) => (stderr += s), isTTY: false },
    env: { HOME: home, KEYWARDEN_HOME: home, NO_COLOR: "1", PATH: process.env.PATH ?? "" },
    cwd: opts.cwd ?? home,
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

// Every verb and sub-verb a user can type; a new verb must be added here (the next test checks).
const VERBS = [
  "audit",
  "keys",
  "rotate",
  "rotations",
  "rotations list",
  "rotations show",
  "rotations advance",
  "demo",
  "rules",
  "permissions",
  "mfa",
  "doctor",
  "respond",
  "trail",
  "plan-migration",
  "athena",
  "athena setup",
  "incidents",
  "incidents list",
  "incidents show",
  "incidents report",
  "enforce",
  "init",
  "pause",
  "resume",
  "notifications",
  "scan",
  "hook",
  "hook install",
  "serve",
  "deploy",
  "deploy responder",
];

describe("help", () => {
  it("lists every verb this test walks", async () => {
    const r = await run(["--help"]);
    const commands = r.stdout.slice(r.stdout.indexOf("Commands:"));
    const listed = [...commands.matchAll(/^ {2}([a-z-]+)\b/gm)].map((m) => m[1]).filter((v) => v !== "help");
    expect(listed.sort()).toEqual(VERBS.filter((v) => !v.includes(" ")).sort());
  });

  it.each(VERBS)("%s --help has examples, exit codes and the global options", async (verb) => {
    const r = await run([...verb.split(" "), "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Examples?:\n {2}keywarden /);
    expect(r.stdout).toMatch(/Exit codes: 0 /);
    for (const flag of [
      "--profile",
      "--region",
      "--endpoint-url",
      "--max-attempts",
      "--no-color",
      "--debug",
      "--store",
    ])
      expect(r.stdout, flag).toContain(flag);
  });
});

describe("global options", () => {
  it("are accepted by every verb, before or after it, with one meaning", async () => {
    const home = await mkdtemp(join(tmpdir(), "kw-family-"));
    const globals = [
      "--profile",
      "dev",
      "--region",
      "eu-west-1",
      "--endpoint-url",
      "http://127.0.0.1:9",
      "--max-attempts",
      "2",
      "--no-color",
      "--debug",
    ];
    // Verbs that answer without AWS: the options are taken, not refused as unknown.
    for (const args of [
      ["rules"],
      ["permissions", "audit"],
      ["rotations"],
      ["incidents"],
      ["notifications"],
    ]) {
      const after = await run([...args, ...globals, "--format", "json"], { home });
      expect(after.code, `${args.join(" ")}: ${after.stderr}`).toBe(0);
      const before = await run([...globals, ...args, "--format", "json"], { home });
      expect(before.code, `${args.join(" ")}: ${before.stderr}`).toBe(0);
      expect(before.stdout).toBe(after.stdout);
    }
  });

  it("--max-attempts is checked the same way wherever it is written", async () => {
    for (const args of [
      ["rules", "--max-attempts", "0"],
      ["--max-attempts", "0", "keys"],
    ]) {
      const r = await run(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("--max-attempts must be a whole number from 1 to 20");
    }
  });
});

describe("output", () => {
  it("the same default everywhere: the human form on a terminal, JSON when piped", async () => {
    const home = await mkdtemp(join(tmpdir(), "kw-family-"));
    for (const args of [["rules"], ["rotations"], ["incidents"], ["notifications"]]) {
      const piped = await run(args, { home });
      expect(piped.code).toBe(0);
      expect(() => JSON.parse(piped.stdout) as unknown, args.join(" ")).not.toThrow();
      const tty = await run(args, { home, tty: true });
      expect(tty.code).toBe(0);
      expect(() => JSON.parse(tty.stdout) as unknown, args.join(" ")).toThrow();
    }
  });

  it("--output json is answered with a hint, not a file named json", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kw-family-"));
    for (const verb of [
      ["audit"],
      ["rules"],
      ["scan"],
      ["keys"],
      ["trail", "AKIAIOSFODNN7EXAMPLE"],
      ["plan-migration", "AKIAIOSFODNN7EXAMPLE"],
    ]) {
      const r = await run([...verb, "--output", "json"], { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toContain("pass --format json");
      expect(r.stderr).toContain("-o ./json");
    }
    expect(await readdir(dir)).toEqual([]);
  });

  it("-o/--output writes the report (mode 0600) on every verb that prints one; its extension picks the format", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kw-family-"));
    const home = await mkdtemp(join(tmpdir(), "kw-family-home-"));
    for (const [args, file] of [
      [["rules", "-o"], "rules.json"],
      [["rotations", "--output"], "rotations.json"],
      [["incidents", "list", "-o"], "incidents.json"],
      [["permissions", "audit", "-o"], "policy.json"],
      [["notifications", "-o"], "notes.json"],
    ] as const) {
      const r = await run([...args, file], { cwd: dir, home, tty: true });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe("");
      expect(r.stderr).toContain(`report written to ${join(dir, file)}`);
      expect(() => JSON.parse(readFileSync(join(dir, file), "utf8")) as unknown).not.toThrow();
      expect((await stat(join(dir, file))).mode & 0o777).toBe(0o600);
    }
  });

  it("a verb that fails leaves the --output file as it was", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kw-family-"));
    await writeFile(join(dir, "incident.md"), "kept\n");
    const r = await run(["incidents", "show", "inc-nope", "-o", "incident.md"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(await readFile(join(dir, "incident.md"), "utf8")).toBe("kept\n");
  });

  it("--out, the older name, still works where it existed", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kw-family-"));
    const r = await run(["rules", "--out", "r.json"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(await readFile(join(dir, "r.json"), "utf8")).toContain('"rules"');
  });
});

describe("errors and defaults", () => {
  it("a bad value is answered with the closest allowed one", async () => {
    expect((await run(["rules", "--format", "jsno"])).stderr).toContain("Pass --format json.");
    expect((await run(["audit", "--format", "markdwn"])).stderr).toContain("Pass --format markdown.");
    expect((await run(["audit", "--fail-on", "hgh"])).stderr).toContain("Pass --fail-on high.");
    expect((await run(["permissions", "rotat"])).stderr).toContain("Did you mean rotate?");
    expect(closest("OCSF", ["table", "json", "ocsf"] as const)).toBe("ocsf");
  });

  it("enforce takes --dry-run (its default) and refuses it with --apply", async () => {
    const r = await run(["enforce", "--dry-run", "--apply"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--dry-run and --apply contradict each other");
  });

  it("lists take commas or a repeated flag; targets keep the commas of a path", () => {
    expect(nameList("b", nameList("a, c", undefined))).toEqual(["a", "c", "b"]);
    expect(targetList("dotenv:./a,b.env,ssm:/app/aws", undefined)).toEqual([
      "dotenv:./a,b.env",
      "ssm:/app/aws",
    ]);
    expect(targetList("stdout", targetList("profile:dev", undefined))).toEqual(["profile:dev", "stdout"]);
  });
});
