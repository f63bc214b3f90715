// Every call carries the token from sessionStorage (this tab only; no cookie, so no CSRF).

const TOKEN_KEY = "keywarden.token";

export function getToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(token: string | null): void {
  if (token === null) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly fix: string,
  ) {
    super(message);
  }
}

export async function api<T>(
  path: string,
  init: { method?: "GET" | "POST"; body?: unknown } = {},
): Promise<T> {
  const headers: Record<string, string> = { Authorization: `Bearer ${getToken() ?? ""}` };
  if (init.body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(`/api/v1/${path}`, {
    method: init.method ?? "GET",
    headers,
    body: init.body === undefined ? null : JSON.stringify(init.body),
    credentials: "omit",
    cache: "no-store",
  });
  const data = (await res.json().catch(() => null)) as unknown;
  if (!res.ok) {
    const err = (data as { error?: { message?: string; fix?: string } } | null)?.error;
    throw new ApiError(res.status, err?.message ?? `HTTP ${res.status}`, err?.fix ?? "");
  }
  return data as T;
}

/** A rendered text (a report) rather than JSON. */
export async function apiText(path: string): Promise<string> {
  const res = await fetch(`/api/v1/${path}`, {
    headers: { Authorization: `Bearer ${getToken() ?? ""}` },
    credentials: "omit",
    cache: "no-store",
  });
  if (!res.ok) throw new ApiError(res.status, `HTTP ${res.status}`, "");
  return res.text();
}
