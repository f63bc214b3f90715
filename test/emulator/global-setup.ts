// vitest globalSetup: one emulator per test worker (vitest.config.ts runs TEST_WORKERS files at
// once), so that a worker resets and seeds its own emulator while another file runs beside it.
// Test files reach theirs through `inject("emulatorEndpoints")` and VITEST_POOL_ID (see
// harness.ts, which also resets it before each file). Set KEYWARDEN_EMULATOR_ENDPOINT to have every
// worker use an emulator you started yourself (e.g. with --verbose); run one file at a time then.
import type { TestProject } from "vitest/node";
import { startEmulator } from "../../src/emulator/process.js";
import { missingPrerequisites } from "../helpers/prerequisites.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** One per worker: the worker with VITEST_POOL_ID n uses the n-th (modulo their number). */
    emulatorEndpoints: string[];
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Checked before anything starts, so nothing needs tearing down: one line per missing piece.
  const missing = missingPrerequisites();
  if (missing.length > 0) {
    process.stderr.write(missing.map((m) => `npm test: ${m}. See the README's quick start.\n`).join(""));
    process.exit(2);
  }
  const external = process.env.KEYWARDEN_EMULATOR_ENDPOINT;
  if (external !== undefined && external !== "") {
    project.provide("emulatorEndpoints", [external]);
    return () => Promise.resolve();
  }
  const workers = Math.max(1, project.config.maxWorkers || 1);
  const emulators = await Promise.all(Array.from({ length: workers }, () => startEmulator()));
  project.provide(
    "emulatorEndpoints",
    emulators.map((e) => e.endpoint),
  );
  return async () => {
    await Promise.all(emulators.map((e) => e.stop()));
  };
}
