import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Store } from "../store/types.js";

// The dashboard's access token: random, shown once, kept only as a SHA-256 hash in the store.

export const TOKEN_SETTING = "server.tokenHash";

/** 32 random bytes, URL-safe: typed or pasted once, then kept in the page's sessionStorage. */
export function generateToken(): string {
  return `kwd_${randomBytes(32).toString("base64url")}`;
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/**
 * Compares the hash of what was presented with the stored hash in constant time: both sides are
 * 32-byte digests, so neither the length nor the content of the real token leaks through timing.
 */
export function tokenMatches(presented: string, storedHash: string): boolean {
  const a = createHash("sha256").update(presented, "utf8").digest();
  const b = Buffer.from(storedHash, "hex");
  return b.length === a.length && timingSafeEqual(a, b);
}

/**
 * The stored hash, creating a token when there is none (or when `rotate` asks for a new one).
 * `token` is the new token in clear, to print once; null when the stored one is kept.
 */
export async function ensureToken(
  store: Store,
  rotate: boolean,
): Promise<{ hash: string; token: string | null }> {
  const stored = await store.getSetting(TOKEN_SETTING);
  if (stored && !rotate) return { hash: stored, token: null };
  const token = generateToken();
  const hash = hashToken(token);
  await store.setSetting(TOKEN_SETTING, hash);
  return { hash, token };
}
