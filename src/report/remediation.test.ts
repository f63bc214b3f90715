import { describe, expect, it } from "vitest";
import { ALL_RULES } from "../rules/registry.js";
import { fixtureFindings } from "./fixture.js";
import { remediationCommands, splitRemediation } from "./remediation.js";

describe("splitRemediation", () => {
  it("turns code spans into commands and keeps the prose between them, without dangling punctuation", () => {
    const parts = splitRemediation(
      "Sign in (with root credentials: `aws iam list-access-keys`, then `aws iam delete-access-key --access-key-id X`). Then `keywarden audit`.",
    );
    expect(parts).toEqual([
      { kind: "text", text: "Sign in (with root credentials:" },
      { kind: "command", text: "aws iam list-access-keys" },
      { kind: "text", text: "then" },
      { kind: "command", text: "aws iam delete-access-key --access-key-id X" },
      { kind: "text", text: "Then" },
      { kind: "command", text: "keywarden audit" },
    ]);
  });

  it("reads a line that starts with aws or keywarden as a command", () => {
    const f = fixtureFindings()[0];
    expect(remediationCommands(f?.remediation ?? "")).toEqual([
      "keywarden rotate --user alice --key AKIAIOSFODNN7EXAMPLE",
      "aws iam update-access-key --user-name alice --access-key-id AKIAIOSFODNN7EXAMPLE --status Inactive",
    ]);
  });

  it("leaves an unclosed backtick and plain prose as prose", () => {
    expect(splitRemediation("Grant `iam:ListUsers to the caller")).toEqual([
      { kind: "text", text: "Grant `iam:ListUsers to the caller" },
    ]);
    expect(splitRemediation("")).toEqual([]);
  });

  it("finds at least one command in every rule's general remediation", () => {
    for (const r of ALL_RULES)
      expect(remediationCommands(r.meta.remediation).length, r.meta.id).toBeGreaterThan(0);
  });
});
