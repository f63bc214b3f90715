import { describe, expect, it } from "vitest";
import { redact, redactReport } from "./redact.js";
import { renderDoctorJson, renderDoctorTable } from "./render.js";
import type { DoctorReport } from "./types.js";

const REPORT: DoctorReport = {
  schemaVersion: 1,
  profile: "dev",
  source: {
    kind: "credentials-file",
    name: "dev",
    shadowed: [{ kind: "environment", name: "AWS_ACCESS_KEY_ID", accessKeyId: "AKIA************MPLE" }],
  },
  accessKeyId: "AKIA************ABCD",
  checks: [
    { id: "credentials-file", status: "ok", message: "parses", fix: null },
    { id: "credentials-file.mode", status: "warn", message: "mode 0644", fix: "chmod 600 /x" },
    { id: "identity", status: "fail", message: "inactive", fix: "re-activate" },
    { id: "admin", status: "skip", message: "no --admin-profile", fix: "pass --admin-profile" },
  ],
  diagnosis: { code: "KEY_INACTIVE", message: "The key is inactive.", fix: "aws iam update-access-key ..." },
};

const ESC = "\u001b[";

describe("renderDoctorTable", () => {
  it("one line per check with its status, then the diagnosis and the fix", () => {
    const lines = renderDoctorTable(REPORT, { color: false }).trimEnd().split("\n");
    expect(lines.slice(0, 3)).toEqual([
      "profile  dev",
      'source   credentials-file "dev"; shadowed: environment "AWS_ACCESS_KEY_ID" (AKIA************MPLE)',
      "key      AKIA************ABCD",
    ]);
    const checkLines = lines.filter((l) => /^(ok|warn|fail|skip) /.test(l));
    expect(checkLines).toEqual([
      "ok    credentials-file       parses",
      "warn  credentials-file.mode  mode 0644 Fix: chmod 600 /x",
      "fail  identity               inactive Fix: re-activate",
      "skip  admin                  no --admin-profile",
    ]);
    expect(lines.at(-2)).toBe("diagnosis KEY_INACTIVE: The key is inactive.");
    expect(lines.at(-1)).toBe("fix       aws iam update-access-key ...");
    expect(lines.join("\n")).not.toContain(ESC);
  });

  it("with colour: the fix is bold, statuses are coloured", () => {
    const text = renderDoctorTable(REPORT, { color: true });
    expect(text).toContain(`${ESC}1maws iam update-access-key ...${ESC}22m`);
    expect(text).toContain(`${ESC}31mfail`);
    expect(text).toContain(`${ESC}33mwarn`);
  });

  it("no fix line when the diagnosis has none", () => {
    const text = renderDoctorTable(
      { ...REPORT, diagnosis: { code: "OK", message: "fine.", fix: null } },
      { color: false },
    );
    expect(text).not.toMatch(/^fix /m);
  });
});

describe("renderDoctorJson", () => {
  it("is the report, pretty-printed, one trailing newline", () => {
    const text = renderDoctorJson(REPORT);
    expect(JSON.parse(text)).toEqual(REPORT);
    expect(text.endsWith("}\n")).toBe(true);
  });
});

describe("redact", () => {
  it("removes known secrets (longest first) and long token-like runs", () => {
    const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    expect(redact(`a ${secret} b ${secret}`, [secret])).toBe("a **** b ****");
    expect(redact(`x ${"Ab0+".repeat(40)} y`, [])).toBe("x **** y");
    expect(redact("arn:aws:iam::123456789012:user/alice", [])).toBe("arn:aws:iam::123456789012:user/alice");
    // Too short to be a secret: left alone (it would mangle ordinary words).
    expect(redact("abc def", ["abc"])).toBe("abc def");
  });

  it("covers every string of the report", () => {
    const secret = "SECRETSECRETSECRETSECRET";
    const dirty: DoctorReport = {
      ...REPORT,
      source: {
        kind: "none",
        name: secret,
        shadowed: [{ kind: "environment", name: secret, accessKeyId: null }],
      },
      checks: [{ id: "x", status: "fail", message: secret, fix: secret }],
      diagnosis: { code: "AWS_ERROR", message: secret, fix: secret },
    };
    expect(JSON.stringify(redactReport(dirty, [secret]))).not.toContain(secret);
  });
});
