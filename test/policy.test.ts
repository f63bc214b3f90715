// The policy file: every bad file fails with one line naming file:line:column and the problem,
// through the library and through the real CLI (exit 2, nothing written to the store); the starter
// file from `keywarden init` is valid; `keywarden rules` shows the policy's thresholds.
import { existsSync } from "node:fs";
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadPolicy, parsePolicy } from "../src/policy/load.js";
import { PolicyError } from "../src/policy/errors.js";
import { effectiveThresholds, ownerOf } from "../src/policy/model.js";
import { STARTER_POLICY } from "../src/policy/starter.js";
import { REPO_ROOT, runCli } from "./helpers/cli.js";
import { aKey } from "../src/rules/test-builders.js";

const FIX = join(REPO_ROOT, "test", "fixtures", "policy");

async function failure(name: string): Promise<PolicyError> {
  try {
    await loadPolicy(join(FIX, name));
  } catch (e) {
    if (e instanceof PolicyError) return e;
    throw e;
  }
  throw new Error(`${name} loaded without an error`);
}

describe("bad policy files name the line and column", () => {
  it.each([
    ["unknown-rule.yaml", 5, 3, 'rules.access-key-rotaton: unknown rule "access-key-rotaton"'],
    ["wrong-type.yaml", 3, 17, 'thresholds.rotationDays: must be a number, got "ninety"'],
    [
      "missing-expiry.yaml",
      6,
      5,
      "exemptions[1].expires: an exemption needs an expiry date (expires: YYYY-MM-DD)",
    ],
    ["invalid-cron.yaml", 4, 13, 'enforcement.schedule: "0 25 * * *" is not a cron expression'],
    [
      "inline-secret.yaml",
      7,
      7,
      "notifications.channels[0].password: secrets are never written in the policy file",
    ],
    [
      "timeline-order.yaml",
      7,
      15,
      "rules.access-key-unused.timeline.delete: delete (day 50) must come after deactivate (day 60)",
    ],
  ])("%s -> line %i, column %i", async (name, line, column, text) => {
    const e = await failure(name);
    expect(e.line).toBe(line);
    expect(e.column).toBe(column);
    expect(e.message).toContain(`${join(FIX, name)}:${line}:${column}: ${text}`);
    expect(e.exitCode).toBe(2);
  });

  it("an owners file that is not user: address fails at its own line", async () => {
    const e = await failure("bad-owners.yaml");
    expect(e.file).toBe(join(FIX, "owners-broken.yaml"));
    expect([e.line, e.column]).toEqual([2, 6]);
  });

  it.each([
    ["version: 1\nscope:\n  acounts: []\n", 3, 3, 'scope.acounts: unknown field "acounts"'],
    ["version: 2\n", 1, 10, "version: must be 1"],
    [
      "version: 1\nnotifications:\n  channels:\n    - type: fax\n",
      4,
      13,
      "channels[0].type: a channel needs",
    ],
    [
      "version: 1\nnotifications:\n  channels:\n    - type: slack\n      webhookUrlEnv: https://hooks.slack.com/x\n",
      5,
      22,
      "must be the NAME of an environment variable",
    ],
    [
      "version: 1\nrules:\n  user-two-active-keys:\n    timeline: { delete: 3 }\n",
      4,
      5,
      "has no per-key clock",
    ],
    [
      "version: 1\nrules:\n  access-key-unused:\n    timeline: { rotate: 50 }\n",
      4,
      17,
      'has no "rotate" stage',
    ],
    [
      'version: 1\nrules:\n  access-key-rotation:\n    timeline: { rotate: 90, rotateTo: ["ftp:x"] }\n',
      4,
      40,
      '"ftp:x" is not a target',
    ],
    [
      "version: 1\nexemptions:\n  - user: bob\n    reason: r\n    expires: soon\n",
      4,
      13,
      "exemptions[0].reason: an exemption needs a reason",
    ],
    [
      "version: 1\nthresholds:\n  rotationDays: 10\n  expiringWithinDays: 14\n",
      1,
      1,
      "expiringWithinDays (14) must be less than rotationDays (10)",
    ],
    [
      "version: 1\nrules:\n  access-key-unused:\n    thresholds: { rotationDays: 80 }\n",
      4,
      19,
      "rule access-key-unused does not read rotationDays; it reads unusedDays, newKeyGraceDays",
    ],
    [
      "version: 1\nthresholds:\n  unusedDays: 45\nrules:\n  access-key-unused:\n    thresholds: { unusedDays: 60 }\n",
      6,
      31,
      "unusedDays is 60 here but 45 in thresholds",
    ],
    ["version: 1\nfoo: [\n", 3, 1, "Flow sequence"],
    ["version: 1\nversion: 1\n", 2, 1, "Map keys must be unique"],
  ])("%j", (text, line, column, problem) => {
    let err: unknown;
    try {
      effectiveThresholds({ file: "k.yaml", doc: parsePolicy(text, "k.yaml"), ownerMap: {} });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PolicyError);
    const e = err as PolicyError;
    expect(e.message).toContain(problem);
    expect([e.line, e.column]).toEqual([line, column]);
  });
});

describe("a valid policy", () => {
  it("loads, with owners from tags, the owners file, then the default", async () => {
    const p = await loadPolicy(join(FIX, "valid.yaml"));
    expect(effectiveThresholds(p)).toMatchObject({
      rotationDays: 60,
      expiringWithinDays: 10,
      unusedDays: 45,
    });
    expect(ownerOf(p, aKey({ userName: "alice" }))).toBe("alice@example.com");
    expect(ownerOf(p, aKey({ userName: "bob", accountId: "111122223333" }))).toBe("bob-team@example.com");
    expect(ownerOf(p, aKey({ userName: "zed", userTags: { owner: "zed-lead@example.com" } }))).toBe(
      "zed-lead@example.com",
    );
    expect(ownerOf(p, aKey({ userName: "nobody" }))).toBe("security@example.com");
  });

  it("a rule's own thresholds set the shared ones", () => {
    const doc = parsePolicy(
      "version: 1\nrules:\n  access-key-unused:\n    thresholds: { unusedDays: 60 }\n",
      "k.yaml",
    );
    expect(effectiveThresholds(doc)).toMatchObject({ unusedDays: 60, rotationDays: 90 });
  });

  it("the starter file keywarden init writes is valid and enforces the CIS timeline", () => {
    const doc = parsePolicy(STARTER_POLICY, "keywarden.yaml");
    expect(doc.rules?.["access-key-rotation"]?.timeline).toMatchObject({
      warn: 76,
      rotate: 90,
      deactivate: 100,
      delete: 110,
    });
    expect(doc.notifications?.channels).toEqual([]);
  });
});

describe("through the CLI", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "keywarden-policy-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const env = () => ({
    KEYWARDEN_HOME: join(dir, "home"),
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
    AWS_ENDPOINT_URL: "http://127.0.0.1:9",
  });

  it.each(["unknown-rule.yaml", "wrong-type.yaml", "missing-expiry.yaml", "invalid-cron.yaml"])(
    "enforce --apply --config %s: exit 2, one line, nothing changed",
    async (name) => {
      await copyFile(join(FIX, name), join(dir, name));
      const r = await runCli(["enforce", "--apply", "--yes", "--config", name], { cwd: dir, env: env() });
      expect(r.code).toBe(2);
      const lines = r.stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        new RegExp(`^keywarden: ${join(dir, name).replace(/[.]/g, "\\.")}:\\d+:\\d+: `),
      );
      expect(r.stdout).toBe("");
      // The store was never opened: no database file exists.
      expect(existsSync(join(dir, "home"))).toBe(false);
    },
  );

  it("enforce --schedule with an invalid cron expression is refused before anything runs", async () => {
    await writeFile(join(dir, "keywarden.yaml"), STARTER_POLICY);
    const r = await runCli(["enforce", "--schedule", "every day"], { cwd: dir, env: env() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^keywarden: --schedule: "every day" is not a cron expression .*\n$/);
    expect(existsSync(join(dir, "home"))).toBe(false);
  });

  it("init writes the starter file, refuses to overwrite it, and --force overwrites", async () => {
    const sub = join(dir, "init");
    const { mkdir } = await import("node:fs/promises");
    await mkdir(sub);
    const first = await runCli(["init"], { cwd: sub, env: env() });
    expect(first.code).toBe(0);
    expect(await readFile(join(sub, "keywarden.yaml"), "utf8")).toBe(STARTER_POLICY);
    await writeFile(join(sub, "keywarden.yaml"), "version: 1\n# mine\n");
    const second = await runCli(["init"], { cwd: sub, env: env() });
    expect(second.code).toBe(2);
    expect(second.stderr).toContain("already exists; it was left unchanged. Pass --force");
    expect(await readFile(join(sub, "keywarden.yaml"), "utf8")).toBe("version: 1\n# mine\n");
    const forced = await runCli(["init", "--force"], { cwd: sub, env: env() });
    expect(forced.code).toBe(0);
    expect(await readFile(join(sub, "keywarden.yaml"), "utf8")).toBe(STARTER_POLICY);
  });

  it("rules shows the policy's effective thresholds and timelines", async () => {
    await copyFile(join(FIX, "valid.yaml"), join(dir, "valid.yaml"));
    await copyFile(join(FIX, "owners.yaml"), join(dir, "owners.yaml"));
    const r = await runCli(["rules", "--format", "json", "--config", "valid.yaml"], { cwd: dir, env: env() });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      policyFile: string;
      rules: {
        id: string;
        enabled: boolean;
        effectiveThresholds: Record<string, number>;
        timeline: unknown;
      }[];
    };
    const rotation = out.rules.find((x) => x.id === "access-key-rotation");
    expect(rotation?.effectiveThresholds).toEqual({ rotationDays: 60 });
    expect(rotation?.timeline).toMatchObject({ rotate: 60, deactivate: 70 });
    expect(out.rules.find((x) => x.id === "root-mfa")?.enabled).toBe(false);
    const table = await runCli(["rules", "--config", "valid.yaml", "--format", "table"], {
      cwd: dir,
      env: env(),
    });
    expect(table.stdout).toMatch(
      /access-key-rotation .* rotate after 60 days; timeline: warn 46, rotate 60, deactivate 70, delete 80/,
    );
    const bad = await runCli(["rules", "--config", join(FIX, "unknown-rule.yaml")], { cwd: dir, env: env() });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("unknown-rule.yaml:5:3:");
  });
});
