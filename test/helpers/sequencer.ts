// The order files start in. Two workers finish together only if the longest files start first:
// vitest orders by the durations it cached on an earlier run, and by file size on a fresh clone,
// where rotation-explore (a small file driving a long exploration) started last and ran alone for
// its whole minute (345 s for the run instead of about 314 s). These start first, longest first
// (measured with `npx vitest run`); every other file follows in vitest's own order.
import { BaseSequencer, type TestSpecification } from "vitest/node";

const LONGEST_FIRST = [
  "test/rotation-explore.test.ts",
  "test/rotation-trust.test.ts",
  "test/cli.test.ts",
  "test/rotation-flow.test.ts",
  "test/enforce-emulator.test.ts",
  "test/rotation-crash.test.ts",
  "test/mfa.test.ts",
  "test/response-cli.test.ts",
  "test/rotation-mfa.test.ts",
  "test/e2e/dashboard.test.ts",
  "test/store/postgres.test.ts",
  "test/rotation.test.ts",
  "test/org.test.ts",
  "test/athena-cli.test.ts",
];

export default class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => {
      const i = LONGEST_FIRST.findIndex((name) => f.moduleId.endsWith(`/${name}`));
      return i < 0 ? LONGEST_FIRST.length : i;
    };
    // Array#sort is stable: the rest keep vitest's order.
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}
