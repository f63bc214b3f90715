// vitest globalSetup: one emulator for the whole test run. Test files reach it through
// `inject("emulatorEndpoint")` (see harness.ts, which also resets it before each file).
// Set KEYWARDEN_EMULATOR_ENDPOINT to reuse an emulator you started yourself (e.g. with --verbose).
import type { TestProject } from "vitest/node";
import { startEmulator } from "../../src/emulator/process.js";
import { missingPrerequisites } from "../helpers/prerequisites.js";

declare module "vitest" {
  export interface ProvidedContext {
    emulatorEndpoint: string;
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
    project.provide("emulatorEndpoint", external);
    return () => Promise.resolve();
  }
  const emulator = await startEmulator();
  project.provide("emulatorEndpoint", emulator.endpoint);
  return () => emulator.stop();
}
