import { describe, expect, it } from "vitest";
import { readDotenv, setDotenv } from "./dotenv.js";

describe("dotenv editing", () => {
  it("changes only the two values, keeping quotes, export, comments and CRLF", () => {
    const before =
      '# app settings\r\nexport AWS_ACCESS_KEY_ID="AKIAIOSFODNN7EXAMPLE"\r\nAPP=1 # keep\r\nAWS_SECRET_ACCESS_KEY = old/secret\r\n';
    const after = setDotenv(before, {
      AWS_ACCESS_KEY_ID: "AKIAI44QH8DHBEXAMPLE",
      AWS_SECRET_ACCESS_KEY: "new+secret",
    });
    expect(after).toBe(
      '# app settings\r\nexport AWS_ACCESS_KEY_ID="AKIAI44QH8DHBEXAMPLE"\r\nAPP=1 # keep\r\nAWS_SECRET_ACCESS_KEY = new+secret\r\n',
    );
    expect(readDotenv(after).get("AWS_ACCESS_KEY_ID")).toBe("AKIAI44QH8DHBEXAMPLE");
  });

  it("appends missing variables, adding a newline only where needed", () => {
    expect(setDotenv("A=1", { B: "2" })).toBe("A=1\nB=2\n");
    expect(setDotenv("", { B: "2" })).toBe("B=2\n");
  });

  it("ignores commented-out assignments", () => {
    const text = "# AWS_ACCESS_KEY_ID=AKIAOLD\nAWS_ACCESS_KEY_ID=AKIACUR\n";
    expect(readDotenv(text).get("AWS_ACCESS_KEY_ID")).toBe("AKIACUR");
    expect(setDotenv(text, { AWS_ACCESS_KEY_ID: "AKIANEW" })).toBe(
      "# AWS_ACCESS_KEY_ID=AKIAOLD\nAWS_ACCESS_KEY_ID=AKIANEW\n",
    );
  });
});
