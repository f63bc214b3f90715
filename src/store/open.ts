// Chooses the store from `--store` or KEYWARDEN_STORE: a postgres:// URL is the shared PostgreSQL
// store, a path (or nothing) the embedded SQLite file. Each store is imported only when chosen, so
// a PostgreSQL-only install never loads the SQLite native module, and the other way round.
import { homedir } from "node:os";
import { join } from "node:path";
import { UsageError } from "../domain/errors.js";
import { defaultDatabasePath } from "./paths.js";
import type { Store } from "./types.js";

export interface StoreSpec {
  /** `--store`: wins over KEYWARDEN_STORE. */
  url?: string;
  env: NodeJS.ProcessEnv;
}

export type StoreChoice = { kind: "postgres"; url: string } | { kind: "sqlite"; path: string };

const ACCEPTED =
  "a postgres:// or postgresql:// URL (postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE) or the path of a SQLite file";

/** Which store a spec names, without opening it. Throws UsageError for anything else. */
export function chooseStore(spec: StoreSpec): StoreChoice {
  const given = nonEmpty(spec.url) ?? nonEmpty(spec.env.KEYWARDEN_STORE);
  if (given === undefined) return { kind: "sqlite", path: defaultDatabasePath(spec.env) };
  if (/^postgres(ql)?:\/\//i.test(given)) return { kind: "postgres", url: given };
  // Any other scheme (mysql://, sqlite:, http://...) is a mistake, not a file name. Only the
  // scheme is repeated: the rest of a URL may hold a password.
  const scheme = /^([a-z][a-z0-9+.-]+):/i.exec(given)?.[1];
  if (scheme !== undefined) {
    throw new UsageError(
      `the store "${scheme}:..." is not supported; keywarden's store is ${ACCEPTED}`,
      "Pass --store postgres://USER@HOST:PORT/DATABASE, or --store /path/to/keywarden.db, or leave it out for the default SQLite file.",
    );
  }
  const home = nonEmpty(spec.env.HOME) ?? homedir();
  const path = given === "~" ? home : given.startsWith("~/") ? join(home, given.slice(2)) : given;
  return { kind: "sqlite", path };
}

/** Opens the store `--store` / KEYWARDEN_STORE names (see chooseStore). */
export async function openStore(spec: StoreSpec): Promise<Store> {
  const choice = chooseStore(spec);
  if (choice.kind === "postgres") {
    const { openPostgresStore } = await import("./postgres.js");
    return openPostgresStore(choice.url);
  }
  const { openSqliteStore } = await import("./sqlite.js");
  return openSqliteStore(choice.path);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value;
}
