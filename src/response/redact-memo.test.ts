import { describe, expect, it } from "vitest";
import { SECRET_A as SECRET } from "../credentials/corpus.js";
import { redactText, REDACTED } from "./redact.js";

describe("redactText on repeated strings", () => {
  it("answers a string it has judged before as it did the first time, secret or not", () => {
    const agent = `aws-cli/2.15.0 Python/3.11 Linux/6.1 exe/x86_64 prompt/off command/s3.cp token=${SECRET}`;
    const clean = "aws-cli/2.15.0 Python/3.11.6 Linux/6.1.0-18-cloud-amd64 exe/x86_64.debian.12";
    for (let i = 0; i < 3; i++) {
      expect(redactText(agent)).toBe(agent.replace(SECRET, REDACTED));
      expect(redactText(clean)).toBe(clean);
    }
  });

  it("still judges a string longer than it remembers, and leaves short strings alone", () => {
    const long = `${"x ".repeat(1500)}${SECRET}`;
    expect(redactText(long)).toBe(`${"x ".repeat(1500)}${REDACTED}`);
    expect(redactText(long)).toBe(`${"x ".repeat(1500)}${REDACTED}`);
    expect(redactText("10.0.0.1")).toBe("10.0.0.1");
  });

  it("keeps judging correctly after its memory is cleared for being full", () => {
    for (let i = 0; i < 25_000; i++) redactText(`user-agent number ${i} padded to be long enough ${i}`);
    expect(redactText(`k=${SECRET}`)).toBe(`k=${REDACTED}`);
  });
});
