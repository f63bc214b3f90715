import { defineConfig } from "vitest/config";
import LongestFirst from "./test/helpers/sequencer.js";

// Files run two at a time (KEYWARDEN_TEST_WORKERS to change it), each worker with its own
// emulator (test/emulator/global-setup.ts), reset between its files. Two, not one per core:
// a file's time is mostly its emulator's and its CLI child processes', which take the other core.
const workers = Math.max(1, Number(process.env.KEYWARDEN_TEST_WORKERS) || 2);

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["test/emulator/global-setup.ts", "test/helpers/cli-build.ts"],
    fileParallelism: workers > 1,
    maxWorkers: workers,
    minWorkers: 1,
    // A worker keeps the modules it loaded (the AWS SDK, the store drivers) from one file to the
    // next instead of loading them again for each (418 s -> 314 s for the whole run). Files
    // must therefore leave no global state behind (timers, env stubs, mocks are restored in them).
    isolate: false,
    sequence: { sequencer: LongestFirst },
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
