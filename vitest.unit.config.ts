import { defineConfig } from "vitest/config";

// Pure unit tests only (no emulator): `npm run test:unit` for a fast loop while editing.
export default defineConfig({
  test: { include: ["src/**/*.test.ts"] },
});
