// Access key ids: 20 characters, a 4-letter prefix that says what kind of id it is, then base32.
const KEY_ID = /^(AKIA|ASIA)[A-Z2-7]{16}$/;

export function isAccessKeyId(s: string): boolean {
  return KEY_ID.test(s);
}

/** AKIA************ABCD: enough to tell keys apart in a table, not enough to be a credential. */
export function maskKeyId(id: string): string {
  if (id.length < 8) return "*".repeat(id.length);
  return id.slice(0, 4) + "*".repeat(id.length - 8) + id.slice(-4);
}
