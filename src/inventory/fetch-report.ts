import { AwsFailureError } from "../domain/errors.js";
import { ReportNotReadyError, type CredentialReport, type IamInventoryPort } from "./ports.js";

export type Sleep = (ms: number) => Promise<void>;
export const realSleep: Sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export interface FetchReportOptions {
  sleep?: Sleep;
  /** Give up after this many polls (with backoff from 250 ms doubling to 5 s, about two minutes). */
  maxPolls?: number;
}

function isLimitExceeded(e: unknown): boolean {
  const cause = (e as { cause?: { name?: string } }).cause;
  return cause?.name === "LimitExceededException" || cause?.name === "LimitExceeded";
}

/**
 * Generate-then-poll, as AWS documents it. AWS regenerates at most every 4 hours and returns the
 * cached report meanwhile; LimitExceeded on generate means "too often": read the one that exists.
 */
export async function fetchCredentialReport(
  port: IamInventoryPort,
  opts: FetchReportOptions = {},
): Promise<CredentialReport> {
  const sleep = opts.sleep ?? realSleep;
  const maxPolls = opts.maxPolls ?? 30;
  let delay = 250;
  let needGenerate = true;
  for (let poll = 0; poll < maxPolls; poll++) {
    if (needGenerate) {
      try {
        await port.generateCredentialReport();
      } catch (e) {
        if (!isLimitExceeded(e)) throw e;
      }
    }
    try {
      return await port.getCredentialReport();
    } catch (e) {
      if (!(e instanceof ReportNotReadyError)) throw e;
      // In progress: wait. Not present or expired: ask for a new one, then wait.
      needGenerate = e.code !== "ReportInProgress";
    }
    await sleep(delay);
    delay = Math.min(delay * 2, 5_000);
  }
  throw new AwsFailureError(
    "REPORT_TIMEOUT",
    `GetCredentialReport failed: the credential report was still not ready after ${maxPolls} polls`,
    "Run the audit again in a minute; very large accounts can take several minutes to generate it.",
    { retryable: true },
  );
}
