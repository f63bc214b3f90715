import { describe, expect, it } from "vitest";
import { storeUrlOfSecret } from "./lambda.js";

// KEYWARDEN_STORE_SECRET_ARN's secret: the URL itself, JSON with `url`, or RDS's generated JSON.
describe("storeUrlOfSecret", () => {
  it("takes a postgres URL as it is", () => {
    expect(storeUrlOfSecret(" postgres://kw:pw@db:5432/kw\n")).toBe("postgres://kw:pw@db:5432/kw");
  });
  it("takes JSON with url", () => {
    expect(storeUrlOfSecret(JSON.stringify({ url: "postgresql://kw@db/kw" }))).toBe("postgresql://kw@db/kw");
  });
  it("builds the URL from RDS's fields, encoding the password", () => {
    const s = JSON.stringify({
      username: "kw",
      password: "p@ss/w:rd",
      host: "db.example",
      port: 5433,
      dbname: "keywarden",
    });
    expect(storeUrlOfSecret(s)).toBe("postgres://kw:p%40ss%2Fw%3Ard@db.example:5433/keywarden");
  });
  it("refuses anything else without repeating it", () => {
    expect(() => storeUrlOfSecret("hunter2-not-a-url")).toThrow(/neither a postgres:\/\/ URL nor JSON/);
    expect(() => storeUrlOfSecret("hunter2-not-a-url")).not.toThrow(/hunter2/);
    expect(() => storeUrlOfSecret(JSON.stringify({ password: "x" }))).toThrow(/no url/);
  });
});
