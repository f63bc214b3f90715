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
    const cause = (e as { cause?: { code?: string } }).cause?.code;
    throw new Error(`request failed (${cause ?? (e as Error).name})`, { cause: e });
  }
  await res.arrayBuffer().catch(() => undefined);
  if (res.ok) return;
  const msg = `HTTP ${res.status}`;
  if (res.status === 429 || res.status >= 500) throw new Error(msg);
  throw new PermanentChannelError(msg);
}
