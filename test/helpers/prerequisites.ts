// What `npm test` needs besides npm's packages, each with the command that installs it, so that a
// machine without one fails in one line naming the fix instead of a stack trace mid-run.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

/** The browser the dashboard tests drive: Debian's chromium, or CHROMIUM_PATH. */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.CHROMIUM_PATH && env.CHROMIUM_PATH !== "" ? env.CHROMIUM_PATH : "/usr/bin/chromium";
}

function hasPostgres(): boolean {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return false;
  return readdirSync(root).some((v) => existsSync(join(root, v, "bin", "initdb")));
}

export function missingPrerequisites(env: NodeJS.ProcessEnv = process.env): string[] {
  const missing: string[] = [];
  if (!existsSync(chromiumPath(env)))
    missing.push(
      `Chromium is missing at ${chromiumPath(env)} (the dashboard tests drive it): run \`sudo apt-get install -y chromium\`, or set CHROMIUM_PATH`,
    );
  if (!hasPostgres())
    missing.push(
      "PostgreSQL's server binaries are missing (the shared-store tests start their own cluster): run `sudo apt-get install -y postgresql`",
    );
  const python = "python3";
  const moto = spawnSync(python, ["-c", "import moto, flask, werkzeug"], { stdio: "ignore" });
  if (moto.status !== 0)
    missing.push(
      `python3 with moto is missing (the AWS emulator): run \`${python} -m pip install "moto[server]==5.2.1"\``,
    );
  return missing;
}
