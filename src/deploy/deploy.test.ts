// The pieces of `deploy responder` that need no AWS: the zip writer (read back by the scanner's own
// zip reader), the template's shape, and the deploy flow over a recorded port (a failed stack, a
// stack that cannot be updated).
import { inflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import type { StackPort, StackState } from "../aws/cloudformation.js";
import { ConflictError } from "../domain/errors.js";
import { zipEntries } from "../scan/zip.js";
import { deployStack, failureLines } from "./apply.js";
import { responderTemplate } from "./responder-template.js";
import { settingsFrom } from "./settings.js";
import { zip } from "./zip.js";

describe("zip", () => {
  it("writes entries a zip reader lists and inflates back, in name order, byte for byte the same each time", () => {
    const a = zip([
      { name: "index.mjs", data: "export const handler = async () => 1;\n".repeat(50) },
      { name: "a/b.txt", data: Buffer.from([0, 1, 2, 255]) },
    ]);
    const b = zip([
      { name: "a/b.txt", data: Buffer.from([0, 1, 2, 255]) },
      { name: "index.mjs", data: "export const handler = async () => 1;\n".repeat(50) },
    ]);
    expect(a.equals(b)).toBe(true);
    const entries = zipEntries(a, 10);
    expect(entries.map((e) => e.name)).toEqual(["a/b.txt", "index.mjs"]);
    const index = entries[1];
    if (!index) throw new Error("no index.mjs");
    const start =
      index.localOffset +
      30 +
      a.readUInt16LE(index.localOffset + 26) +
      a.readUInt16LE(index.localOffset + 28);
    const body = inflateRawSync(a.subarray(start, start + index.compressedSize)).toString("utf8");
    expect(body).toBe("export const handler = async () => 1;\n".repeat(50));
  });
});

describe("template", () => {
  it("one rule and one invoke permission per event kind; the environment only names what was given", () => {
    const t = responderTemplate(
      settingsFrom({ snsTopicArn: "arn:aws:sns:us-east-1:111111111111:team" }, undefined),
    );
    const resources = t.Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>;
    const types = Object.values(resources).map((r) => r.Type);
    expect(types.filter((x) => x === "AWS::Events::Rule")).toHaveLength(3);
    expect(types.filter((x) => x === "AWS::Lambda::Permission")).toHaveLength(3);
    // A topic was given: none is created.
    expect(types).not.toContain("AWS::SNS::Topic");
    const env = (resources.Function?.Properties.Environment as { Variables: Record<string, unknown> })
      .Variables;
    expect(env).toEqual({ KEYWARDEN_SNS_TOPIC_ARN: "arn:aws:sns:us-east-1:111111111111:team" });
  });

  it("refuses an environment larger than Lambda takes", () => {
    expect(() => settingsFrom({}, { notes: "x".repeat(5000) })).toThrow(/Lambda allows 4096/);
  });
});

function recordingPort(states: (StackState | null)[], failed = false): StackPort & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    ensureBucket: (b) => (calls.push(`ensureBucket ${b}`), Promise.resolve()),
    putObject: (b, k) => (calls.push(`putObject ${b}/${k}`), Promise.resolve()),
    describeStack: () => Promise.resolve(states.shift() ?? null),
    createStack: (n) => (calls.push(`createStack ${n}`), Promise.resolve()),
    updateStack: (n) => (calls.push(`updateStack ${n}`), Promise.resolve(true)),
    failedResources: () =>
      Promise.resolve(
        failed
          ? [
              {
                logicalId: "Function",
                type: "AWS::Lambda::Function",
                status: "CREATE_FAILED",
                reason: 'Resource handler returned message:\n"Runtime nodejs20.x is not supported"',
              },
              {
                logicalId: "FunctionRole",
                type: "AWS::IAM::Role",
                status: "CREATE_FAILED",
                reason: "Resource creation cancelled",
              },
            ]
          : [],
      ),
  };
}

const input = {
  stackName: "kw",
  templateBody: "{}",
  bundle: Buffer.from("zip"),
  bucket: "b",
  createBucket: true,
};
const noSleep = { sleep: () => Promise.resolve(), pollMs: 0 };

describe("deploy flow", () => {
  it("a failed stack is answered with one line per failed resource", async () => {
    const port = recordingPort(
      [
        null,
        { status: "CREATE_IN_PROGRESS", reason: null, outputs: {} },
        { status: "ROLLBACK_COMPLETE", reason: "x", outputs: {} },
      ],
      true,
    );
    const r = await deployStack(port, input, noSleep);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const lines = failureLines(r, "kw");
    expect(lines).toEqual([
      'keywarden: Function (AWS::Lambda::Function) CREATE_FAILED: Resource handler returned message: "Runtime nodejs20.x is not supported"',
      "keywarden: FunctionRole (AWS::IAM::Role) CREATE_FAILED: Resource creation cancelled",
    ]);
    expect(port.calls).toEqual([
      "ensureBucket b",
      expect.stringMatching(/^putObject b\/keywarden\/responder\/[0-9a-f]{20}\.zip$/),
      "createStack kw",
    ]);
  });

  it("a stack whose creation was rolled back is refused before anything is uploaded", async () => {
    const port = recordingPort([{ status: "ROLLBACK_COMPLETE", reason: null, outputs: {} }]);
    await expect(deployStack(port, input, noSleep)).rejects.toBeInstanceOf(ConflictError);
    expect(port.calls).toEqual([]);
  });

  it("an existing stack is updated, with the given bucket used as it is", async () => {
    const port = recordingPort([
      { status: "CREATE_COMPLETE", reason: null, outputs: {} },
      { status: "UPDATE_COMPLETE", reason: null, outputs: { FunctionArn: "arn" } },
    ]);
    const r = await deployStack(port, { ...input, createBucket: false }, noSleep);
    expect(r).toMatchObject({ ok: true, action: "updated", state: { outputs: { FunctionArn: "arn" } } });
    expect(port.calls.filter((c) => c.startsWith("ensureBucket"))).toEqual([]);
    expect(port.calls).toContain("updateStack kw");
  });
});
