// The deploy flow of `keywarden deploy responder --apply`: the bundle into S3 under a key named by
// its content (an unchanged bundle is an unchanged stack), then CreateStack or UpdateStack, then a
// wait for the end state. A failed stack is answered with its failed resources, one line each.
import { createHash } from "node:crypto";
import type { FailedResource, StackPort, StackState } from "../aws/cloudformation.js";
import { ConflictError } from "../domain/errors.js";

export interface DeployInput {
  stackName: string;
  templateBody: string;
  bundle: Buffer;
  bucket: string;
  /** The bucket was not given: create it (or reuse the one an earlier deploy made). */
  createBucket: boolean;
}

export type DeployResult =
  | { ok: true; action: "created" | "updated" | "unchanged"; state: StackState; codeKey: string }
  | { ok: false; status: string; reason: string | null; failures: FailedResource[] };

export interface DeployOptions {
  progress?: (line: string) => void;
  pollMs?: number;
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export function codeKey(bundle: Buffer): string {
  return `keywarden/responder/${createHash("sha256").update(bundle).digest("hex").slice(0, 20)}.zip`;
}

// A stack in one of these has no operation running and can be updated.
const UPDATABLE = new Set([
  "CREATE_COMPLETE",
  "UPDATE_COMPLETE",
  "UPDATE_ROLLBACK_COMPLETE",
  "IMPORT_COMPLETE",
  "IMPORT_ROLLBACK_COMPLETE",
]);

export async function deployStack(
  port: StackPort,
  input: DeployInput,
  opts: DeployOptions = {},
): Promise<DeployResult> {
  const say = opts.progress ?? (() => undefined);
  const existing = await port.describeStack(input.stackName);
  // Checked before the upload: nothing is written for a stack that cannot take the change.
  if (existing && !UPDATABLE.has(existing.status)) {
    throw new ConflictError(
      "STACK_BUSY",
      `stack ${input.stackName} is ${existing.status} and cannot be updated`,
      existing.status === "ROLLBACK_COMPLETE"
        ? `Its first creation failed; delete it (aws cloudformation delete-stack --stack-name ${input.stackName}) and deploy again.`
        : "Wait for its current operation to end, then deploy again.",
    );
  }
  const key = codeKey(input.bundle);
  if (input.createBucket) {
    say(`bucket ${input.bucket}: creating (or reusing) it for the function's code`);
    await port.ensureBucket(input.bucket);
  }
  say(`uploading the function (${input.bundle.length} bytes) to s3://${input.bucket}/${key}`);
  await port.putObject(input.bucket, key, input.bundle);
  const parameters = { CodeBucket: input.bucket, CodeKey: key };
  let action: "created" | "updated";
  if (existing) {
    say(`stack ${input.stackName}: updating`);
    if (!(await port.updateStack(input.stackName, input.templateBody, parameters))) {
      return { ok: true, action: "unchanged", state: existing, codeKey: key };
    }
    action = "updated";
  } else {
    say(`stack ${input.stackName}: creating`);
    await port.createStack(input.stackName, input.templateBody, parameters);
    action = "created";
  }
  const state = await waitForStack(port, input.stackName, opts);
  if (state.status === "CREATE_COMPLETE" || state.status === "UPDATE_COMPLETE") {
    return { ok: true, action, state, codeKey: key };
  }
  return {
    ok: false,
    status: state.status,
    reason: state.reason,
    failures: await port.failedResources(input.stackName),
  };
}

async function waitForStack(port: StackPort, name: string, opts: DeployOptions): Promise<StackState> {
  const pollMs = opts.pollMs ?? 5_000;
  const deadline = Date.now() + (opts.timeoutMs ?? 30 * 60_000);
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let last = "";
  for (;;) {
    const state = await port.describeStack(name);
    // A first creation that failed and was rolled back with deletion leaves no stack behind.
    if (!state) return { status: "DELETE_COMPLETE", reason: "the stack is gone", outputs: {} };
    if (state.status !== last) opts.progress?.(`stack ${name}: ${state.status}`);
    last = state.status;
    if (!state.status.endsWith("_IN_PROGRESS")) return state;
    if (Date.now() > deadline) {
      throw new ConflictError(
        "STACK_TIMEOUT",
        `stack ${name} is still ${state.status} after ${Math.round((opts.timeoutMs ?? 1_800_000) / 60_000)} minutes`,
        `Follow it with: aws cloudformation describe-stack-events --stack-name ${name}`,
      );
    }
    await sleep(pollMs);
  }
}

/** One line per failed resource: what it is, and CloudFormation's reason. */
export function failureLines(result: Extract<DeployResult, { ok: false }>, stackName: string): string[] {
  const lines = result.failures.map(
    (f) => `keywarden: ${f.logicalId} (${f.type}) ${f.status}: ${f.reason.replace(/\s*\n\s*/g, " ")}`,
  );
  if (lines.length === 0) {
    lines.push(`keywarden: stack ${stackName} ended ${result.status}: ${result.reason ?? "no reason given"}`);
  }
  return lines;
}
