// Shared inputs for the store tests; no vitest import, so the race worker can use them too.
import type { CreateJobInput } from "../../src/store/types.js";

export const T0 = new Date("2025-03-01T10:00:00.000Z");

// Shaped like AWS's documented example secret; never a real one.
export const SECRET_SHAPED = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

export function jobInput(overrides: Partial<CreateJobInput> = {}): CreateJobInput {
  return {
    accountId: "123456789012",
    userName: "alice",
    oldAccessKeyId: "AKIAIOSFODNN7EXAMPLE",
    newAccessKeyId: null,
    step: "create",
    state: "running",
    nextAt: null,
    targets: [{ kind: "profile", ref: "default", file: "/home/alice/.aws/credentials" }],
    options: { observeMs: 0, soakMs: 86_400_000, self: true },
    data: {},
    ...overrides,
  };
}
