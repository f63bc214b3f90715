// A throw-away PostgreSQL cluster for the store tests: Debian's postgresql (initdb + pg_ctl) in a
// temp folder, on a free loopback port, trust auth for user `keywarden`. pg_ctl refuses to run as
// root, so as root every server command runs as the `postgres` user (runuser), which owns the folder.
// No vitest import: the multi-process workers may use it too.
import { execFile, spawnSync } from "node:child_process";
import { chownSync, existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

export interface PgCluster {
  /** postgres://keywarden@127.0.0.1:PORT/keywarden */
  url: string;
  port: number;
  /** A URL for another database of this cluster (see createDatabase). */
  urlFor(database: string): string;
  /** Creates an empty database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

const INSTALL_HINT =
  "PostgreSQL's server binaries are missing: run `apt-get install -y postgresql` (Debian's postgresql 15; .ci/run does it)";

/** The newest /usr/lib/postgresql/<version>/bin that has initdb and pg_ctl. */
export function findPgBin(): string {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+(\.\d+)?$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  for (const v of versions) {
    const bin = join(root, v, "bin");
    if (existsSync(join(bin, "initdb")) && existsSync(join(bin, "pg_ctl"))) return bin;
  }
  throw new Error(INSTALL_HINT);
}

const isRoot = () => process.getuid?.() === 0;

/** uid and gid of the `postgres` user, needed when we are root. */
function postgresUser(): { uid: number; gid: number } {
  const id = (flag: string) => spawnSync("id", [flag, "postgres"], { encoding: "utf8" });
  const u = id("-u");
  const g = id("-g");
  if (u.status !== 0 || g.status !== 0) {
    throw new Error(
      `running as root, but there is no "postgres" user to run the server as (pg_ctl refuses root): ${INSTALL_HINT}`,
    );
  }
  return { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) };
}

/** argv for a server command: as root, through runuser as `postgres`. */
function asServerUser(cmd: string, args: string[]): [string, string[]] {
  return isRoot() ? ["runuser", ["-u", "postgres", "--", cmd, ...args]] : [cmd, args];
}

function run(cmd: string, args: string[], cwd: string, timeoutMs = 60_000): Promise<string> {
  const [file, argv] = asServerUser(cmd, args);
  return new Promise((resolve, reject) => {
    execFile(
      file,
      argv,
      { cwd, timeout: timeoutMs, env: { ...process.env, LC_ALL: "C", LANG: "C" } },
      (err, stdout, stderr) => {
        if (err) {
          reject(new Error(`${cmd} ${args.join(" ")} failed: ${err.message}\n${stdout}\n${stderr}`));
        } else {
          resolve(stdout);
        }
      },
    );
  });
}

/** A loopback port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => {
        if (addr !== null && typeof addr === "object") resolve(addr.port);
        else reject(new Error("no port"));
      });
    });
  });
}

/** Clusters of this process still running, stopped on exit if a test run dies before afterAll. */
const running = new Set<{ pgCtl: string; dir: string }>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const c of running) {
      const [file, argv] = asServerUser(c.pgCtl, ["-D", c.dir, "stop", "-m", "immediate", "-w"]);
      spawnSync(file, argv, { cwd: c.dir, stdio: "ignore", timeout: 10_000 });
    }
  });
}

/**
 * A new temp folder the server user owns. $TMPDIR is used when the server user can reach it and
 * its path leaves room for the socket (Unix socket paths are limited to about 100 bytes), else /tmp.
 */
async function serverDir(owner: { uid: number; gid: number } | null): Promise<string> {
  for (const base of [tmpdir(), "/tmp"]) {
    if (base.length > 60) continue;
    const dir = await mkdtemp(join(base, "keywarden-pg-"));
    if (!owner) return dir;
    chownSync(dir, owner.uid, owner.gid);
    const [file, argv] = asServerUser("test", ["-w", dir, "-a", "-x", dir]);
    if (spawnSync(file, argv, { stdio: "ignore" }).status === 0) return dir;
    await rm(dir, { recursive: true, force: true });
  }
  throw new Error("no temp folder the postgres user can write to (tried $TMPDIR and /tmp)");
}

export async function startPgCluster(): Promise<PgCluster> {
  const bin = findPgBin();
  const owner = isRoot() ? postgresUser() : null;
  const dir = await serverDir(owner);
  const data = join(dir, "data");
  const pgCtl = join(bin, "pg_ctl");
  try {
    await run(
      join(bin, "initdb"),
      ["-D", data, "-U", "keywarden", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"],
      dir,
    );
    // The port can be taken between freePort() and the server's bind: try a few.
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const opts = [
        `-p ${port}`,
        `-k ${dir}`,
        "-c listen_addresses=127.0.0.1",
        // A test cluster: durability is not the point, speed is.
        "-c fsync=off",
        "-c synchronous_commit=off",
        "-c full_page_writes=off",
        "-c max_connections=100",
      ].join(" ");
      try {
        await run(
          pgCtl,
          ["-D", data, "-l", join(dir, "server.log"), "-o", opts, "-w", "-t", "60", "start"],
          dir,
        );
        break;
      } catch (err) {
        if (attempt >= 3) {
          const log = existsSync(join(dir, "server.log"))
            ? readFileSync(join(dir, "server.log"), "utf8")
            : "";
          throw new Error(`${(err as Error).message}\nserver log:\n${log}`, { cause: err });
        }
      }
    }
    const entry = { pgCtl, dir: data };
    running.add(entry);
    installExitHook();
    const urlFor = (database: string) => `postgres://keywarden@127.0.0.1:${port}/${database}`;
    const createDatabase = async (name: string): Promise<string> => {
      const admin = new pg.Client({ connectionString: urlFor("postgres") });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      } finally {
        await admin.end();
      }
      return urlFor(name);
    };
    const url = await createDatabase("keywarden");
    let stopped = false;
    return {
      url,
      port,
      urlFor,
      createDatabase,
      async stop() {
        if (stopped) return;
        stopped = true;
        try {
          await run(pgCtl, ["-D", data, "stop", "-m", "fast", "-w", "-t", "60"], dir);
        } finally {
          running.delete(entry);
          await rm(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (err) {
    // Leave nothing behind: a half-started server and its folder.
    const [file, argv] = asServerUser(pgCtl, ["-D", data, "stop", "-m", "immediate", "-w"]);
    spawnSync(file, argv, { cwd: dir, stdio: "ignore", timeout: 10_000 });
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
