import { PermanentChannelError } from "./channel.js";

/** POSTs JSON; 2xx is success, 429/5xx/network errors may be retried, other 4xx are permanent. */
export async function postJson(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    const why = whyFetchFailed(e);
    // fetch refuses a few well-known ports outright (9, 25, 6000...): say so rather than "bad port".
    const shown =
      why === "bad port"
        ? `port ${new URL(url).port} is one fetch refuses to connect to; use another port`
        : why;
    throw new Error(`request failed (${shown})`, { cause: e });
  }
  await res.arrayBuffer().catch(() => undefined);
  if (res.ok) return;
  const msg = `HTTP ${res.status}`;
  if (res.status === 429 || res.status >= 500) throw new Error(msg);
  throw new PermanentChannelError(msg);
}

interface NetError {
  name?: string;
  message?: string;
  code?: string;
  address?: string;
  port?: number;
  cause?: unknown;
  errors?: unknown[];
}

/**
 * Why fetch failed, in the words of the socket: `ECONNREFUSED 127.0.0.1:9`, `ENOTFOUND hooks.example`,
 * `timed out after 5000 ms`. fetch wraps it in a TypeError ("fetch failed"), and a host with two
 * addresses (localhost: ::1 and 127.0.0.1) in an AggregateError whose errors hold the reasons.
 */
export function whyFetchFailed(e: unknown, depth = 0): string {
  const err = (e ?? {}) as NetError;
  if (err.name === "TimeoutError") return "timed out";
  if (err.code) {
    const where = err.address ? ` ${err.address}${err.port !== undefined ? `:${err.port}` : ""}` : "";
    return `${err.code}${where}`;
  }
  if (depth < 4) {
    const inner = err.errors?.[0] ?? err.cause;
    if (inner !== undefined) return whyFetchFailed(inner, depth + 1);
  }
  return err.message && err.message !== "fetch failed" ? err.message : (err.name ?? "unknown error");
}
