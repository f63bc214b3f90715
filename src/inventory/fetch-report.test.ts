import { describe, expect, it } from "vitest";
import { AwsFailureError } from "../domain/errors.js";
import { fetchCredentialReport } from "./fetch-report.js";
import { ReportNotReadyError, type IamInventoryPort } from "./ports.js";

// The emulator shows ReportInProgress (test/audit.test.ts); LimitExceeded on generate and an
// endless in-progress report it cannot show, so this drives the protocol with a scripted port.
function scripted(gets: (ReportNotReadyError | "ok")[], generateError?: Error) {
  const calls: string[] = [];
  const port = {
    generateCredentialReport() {
      calls.push("generate");
      return generateError ? Promise.reject(generateError) : Promise.resolve("STARTED" as const);
    },
    getCredentialReport() {
      calls.push("get");
      const next = gets.shift() ?? new ReportNotReadyError("ReportInProgress");
      return next === "ok"
        ? Promise.resolve({ csv: "user,arn", generatedAt: new Date(0) })
        : Promise.reject(next);
    },
  } as unknown as IamInventoryPort;
  return { port, calls };
}

describe("fetchCredentialReport", () => {
  const noSleep = () => Promise.resolve();

  it("polls with backoff while the report is in progress", async () => {
    const waits: number[] = [];
    const { port, calls } = scripted([
      new ReportNotReadyError("ReportInProgress"),
      new ReportNotReadyError("ReportInProgress"),
      "ok",
    ]);
    await fetchCredentialReport(port, { sleep: (ms) => (waits.push(ms), Promise.resolve()) });
    expect(calls).toEqual(["generate", "get", "get", "get"]);
    expect(waits).toEqual([250, 500]);
  });

  it("regenerates when the report is missing or expired", async () => {
    const { port, calls } = scripted([new ReportNotReadyError("ReportExpired"), "ok"]);
    await fetchCredentialReport(port, { sleep: noSleep });
    expect(calls).toEqual(["generate", "get", "generate", "get"]);
  });

  it("reads the existing report when generating is refused as too frequent", async () => {
    const limit = Object.assign(new Error("LimitExceeded"), { cause: { name: "LimitExceededException" } });
    const { port, calls } = scripted(["ok"], limit);
    await expect(fetchCredentialReport(port, { sleep: noSleep })).resolves.toMatchObject({ csv: "user,arn" });
    expect(calls).toEqual(["generate", "get"]);
  });

  it("gives up with a typed, retryable error after maxPolls", async () => {
    const { port } = scripted([]);
    const err = await fetchCredentialReport(port, { sleep: noSleep, maxPolls: 3 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AwsFailureError);
    expect((err as AwsFailureError).code).toBe("REPORT_TIMEOUT");
    expect((err as AwsFailureError).retryable).toBe(true);
  });

  it("propagates other failures", async () => {
    const denied = new Error("denied");
    const { port } = scripted([], denied);
    await expect(fetchCredentialReport(port, { sleep: noSleep })).rejects.toBe(denied);
  });
});
