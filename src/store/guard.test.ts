import { describe, expect, it } from "vitest";
import { SecretShapedValueError } from "./errors.js";
import { assertNoSecrets, looksLikeSecretAccessKey } from "./guard.js";

// Shaped like AWS's documented example secret; never a real one.
const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

describe("looksLikeSecretAccessKey", () => {
  it.each([
    ["the bare value", SECRET],
    ["inside an assignment", `aws_secret_access_key = ${SECRET}`],
    ["in quotes", `"${SECRET}"`],
    ["with + and /", "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789+/Ab"],
  ])("flags %s", (_label, text) => {
    expect(looksLikeSecretAccessKey(text)).toBe(true);
  });

  it.each([
    ["an access key id", "AKIAIOSFODNN7EXAMPLE"],
    ["a SHA-1 hex digest", "da39a3ee5e6b4b0d3255bfef95601890afd80709"],
    ["39 characters", SECRET.slice(1)],
    ["41 characters in one run", `${SECRET}A`],
    ["part of a longer base64 run", `x${SECRET}`],
    [
      "a path broken by dots and dashes",
      "/root/.local/share/keywarden/backups/rot-m1x2y3z4-k7q2p/credentials.bak",
    ],
    ["a lower-case path run", "/home/alice/projects/service/config/abcde"],
    ["an empty string", ""],
  ])("lets %s through", (_label, text) => {
    expect(looksLikeSecretAccessKey(text)).toBe(false);
  });
});

describe("assertNoSecrets", () => {
  it("names where the value was, never the value", () => {
    let caught: unknown;
    try {
      assertNoSecrets({ a: [{ b: 1 }, { c: SECRET }] }, "data");
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SecretShapedValueError);
    expect((caught as Error).message).toBe(
      "refusing to store something shaped like a secret access key (in data.a[1].c)",
    );
    expect((caught as Error).message).not.toContain(SECRET);
  });

  it("checks object keys without echoing them", () => {
    expect(() => {
      assertNoSecrets({ ok: { [SECRET]: 1 } }, "options");
    }).toThrow("refusing to store something shaped like a secret access key (in a key of options.ok)");
  });

  it("accepts ordinary nested data, undefined and cycles", () => {
    const cyclic: Record<string, unknown> = { n: 1, s: "AKIAIOSFODNN7EXAMPLE", d: new Date(0) };
    cyclic.self = cyclic;
    expect(() => {
      assertNoSecrets(cyclic, "data");
      assertNoSecrets(undefined, "data");
    }).not.toThrow();
  });
});
