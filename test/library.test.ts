// The package's public API (package.json "main" -> dist/index.js): what a program importing
// keywarden gets, and that importing it starts nothing.
import { describe, expect, it } from "vitest";
import * as keywarden from "../src/index.js";

describe("library API", () => {
  it("exports each capability's entry points", () => {
    for (const name of [
      "openSession",
      "collectInventory",
      "runAudit",
      "runOrgAudit",
      "evaluateRules",
      "RotationEngine",
      "openStore",
      "respond",
      "duckDbLogReader",
      "renderIncidentReport",
      "runScan",
      "renderScan",
      "loadPolicy",
      "planEnforcement",
      "runEnforcement",
      "createApp",
    ] as const) {
      expect(typeof keywarden[name], name).toBe("function");
    }
    expect(keywarden.ALL_RULES.length).toBeGreaterThanOrEqual(10);
  });

  it("masks key ids and parses a policy without touching AWS", () => {
    expect(keywarden.maskKeyId("AKIAIOSFODNN7EXAMPLE")).toBe("AKIA************MPLE");
    const doc = keywarden.parsePolicy("version: 1\n", "keywarden.yaml");
    expect(doc.version).toBe(1);
    expect(() => keywarden.parsePolicy("version: 1\nrules:\n  no-such-rule: {}\n", "k.yaml")).toThrow(
      /k\.yaml:3:/,
    );
  });
});
