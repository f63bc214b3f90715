import { AwsFailureError } from "../../domain/errors.js";
import type { AthenaPort, QueryContext, QueryStatus, ResultPage } from "./ports.js";

// One Athena query, start to last row: StartQueryExecution, then GetQueryExecution until the query
// ends (waits growing from 250 ms to 5 s: a query over a day of one account ends in seconds, one
// over an organization's quarter in minutes, and every poll is an API call), then every page of
// GetQueryResults. A query that FAILED or was CANCELLED is one line with Athena's reason.

export interface Waiting {
  sleep(ms: number): Promise<void>;
  /** Gives up (the query keeps running in Athena) after this many polls. */
  maxPolls?: number;
}

export const REAL_WAITING: Waiting = {
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  maxPolls: 2_000,
};

/** The wait before poll n (0-based): 250 ms doubling to 5 s. */
export const pollDelayMs = (n: number): number => Math.min(5_000, 250 * 2 ** n);

export interface FinishedQuery {
  queryExecutionId: string;
  status: QueryStatus;
}

export async function waitForQuery(
  athena: AthenaPort,
  sql: string,
  ctx: QueryContext,
  waiting: Waiting,
  what: string,
): Promise<FinishedQuery> {
  const id = await athena.start(sql, ctx);
  const max = waiting.maxPolls ?? 2_000;
  for (let n = 0; ; n++) {
    const status = await athena.status(id);
    if (status.state === "SUCCEEDED") return { queryExecutionId: id, status };
    if (status.state === "FAILED" || status.state === "CANCELLED") {
      const reason = (status.reason ?? "Athena gave no reason").split("\n")[0] ?? "";
      throw new AwsFailureError(
        `ATHENA_QUERY_${status.state}`,
        `the Athena query for ${what} ${status.state === "FAILED" ? "failed" : "was cancelled"} (${id}): ${reason}`,
        status.state === "FAILED"
          ? "Check the reason above; `keywarden athena setup --dry-run` shows the table keywarden expects, and --dry-run the query it runs."
          : "Someone or something stopped the query (a workgroup limit?); run the command again.",
      );
    }
    if (n + 1 >= max) {
      throw new AwsFailureError(
        "ATHENA_QUERY_TIMEOUT",
        `the Athena query for ${what} (${id}) is still ${status.state} after ${max} checks`,
        `Look at it in the Athena console (query id ${id}), or run again later.`,
        { retryable: true },
      );
    }
    await waiting.sleep(pollDelayMs(n));
  }
}

/** Every row of a finished query, the header row left out; each row keyed by its column name. */
export async function readResults(
  athena: AthenaPort,
  queryExecutionId: string,
): Promise<{ columns: string[]; rows: ResultPage["rows"]; pages: number }> {
  let token: string | null = null;
  let columns: string[] = [];
  const rows: ResultPage["rows"] = [];
  let pages = 0;
  do {
    const page = await athena.results(queryExecutionId, token);
    pages++;
    let data = page.rows;
    if (pages === 1) {
      columns = page.columns;
      // The first row of the first page repeats the column names (a SELECT's header).
      const first = data[0]?.Data?.map((d) => d.VarCharValue ?? "");
      if (first && columns.length > 0 && first.join("\u0000") === columns.join("\u0000"))
        data = data.slice(1);
    }
    rows.push(...data);
    token = page.nextToken;
  } while (token);
  return { columns, rows, pages };
}
