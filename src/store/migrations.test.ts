import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import {
  applyMigrations,
  latestVersion,
  MIGRATIONS,
  SchemaTooNewError,
  validateMigrations,
  type Migration,
} from "./migrations.js";

const noop = (): void => undefined;

describe("migrations", () => {
  it("are numbered 1, 2, 3... and the latest is the last", () => {
    expect(() => {
      validateMigrations(MIGRATIONS);
    }).not.toThrow();
    expect(latestVersion()).toBe(MIGRATIONS.length);
  });

  it("reject gaps, duplicates and missing names", () => {
    const m = (version: number, name = "x"): Migration => ({ version, name, up: noop });
    expect(() => {
      validateMigrations([m(1), m(3)]);
    }).toThrow(/versions must be 1, 2, 3/);
    expect(() => {
      validateMigrations([m(1), m(1)]);
    }).toThrow(/has version 1/);
    expect(() => {
      validateMigrations([m(1, " ")]);
    }).toThrow(/has no name/);
  });

  it("apply in order, record each, and do nothing the second time", () => {
    const db = new Database(":memory:");
    const at = new Date("2025-01-01T00:00:00Z");
    expect(applyMigrations(db, MIGRATIONS, () => at)).toEqual({ from: 0, to: 2, applied: [1, 2] });
    expect(applyMigrations(db, MIGRATIONS, () => at)).toEqual({ from: 2, to: 2, applied: [] });
    expect(db.prepare("SELECT version, name, applied_at FROM schema_migrations").all()).toEqual([
      { version: 1, name: "rotation jobs and events", applied_at: at.toISOString() },
      { version: 2, name: "records, settings and named locks", applied_at: at.toISOString() },
    ]);
    db.close();
  });

  it("refuse a database newer than the code", () => {
    const db = new Database(":memory:");
    applyMigrations(db);
    db.prepare("INSERT INTO schema_migrations VALUES (99, 'future', 'x')").run();
    expect(() => applyMigrations(db)).toThrow(SchemaTooNewError);
    db.close();
  });
});
