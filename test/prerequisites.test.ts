// A machine without one of npm test's prerequisites fails in one line naming the install command,
// before the emulator or a browser starts (so there is no stack trace and no teardown error).
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "./helpers/cli.js";
import { missingPrerequisites } from "./helpers/prerequisites.js";

describe("npm test's prerequisites", () => {
  it("this machine has them all", () => {
    expect(missingPrerequisites()).toEqual([]);
  });

  it("without chromium, npm test stops in one line that names `apt-get install -y chromium`", () => {
    const r = spawnSync(process.execPath, ["node_modules/vitest/vitest.mjs", "run", "test/library.test.ts"], {
      cwd: REPO_ROOT,
      encoding: "utf8",
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "/tmp",
        CHROMIUM_PATH: "/nonexistent/chromium",
      },
    });
    expect(r.status).toBe(2);
    const lines = r.stderr.split("\n").filter((l) => l.trim() !== "");
    expect(lines).toEqual([
      "npm test: Chromium is missing at /nonexistent/chromium (the dashboard tests drive it): run `sudo apt-get install -y chromium`, or set CHROMIUM_PATH. See the README's quick start.",
    ]);
    expect(r.stdout).not.toMatch(/\n\s+at /);
  });
});
