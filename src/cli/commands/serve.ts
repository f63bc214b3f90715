import type { Command } from "@commander-js/extra-typings";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { EnvironmentError, KeywardenError, UsageError } from "../../domain/errors.js";
import { parseIntFlag } from "../errors.js";
import type { CliIO } from "../io.js";

interface ServeFlags {
  profile?: string;
  region?: string;
  endpointUrl?: string;
  maxAttempts?: number;
  port: number;
  host: string;
  allowActions?: boolean;
  rotateToken?: boolean;
  audit?: boolean;
}

const DEFAULT_PORT = 8787;
const SHUTDOWN_GRACE_MS = 10_000;
const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function urlOf(a: AddressInfo): string {
  return `http://${a.family === "IPv6" ? `[${a.address}]` : a.address}:${a.port}/`;
}

async function serve(flags: ServeFlags, io: CliIO, signals: NodeJS.EventEmitter): Promise<number> {
  if (!/^[\w.:-]+$/.test(flags.host)) {
    throw new UsageError(`--host "${flags.host}" is not a host name or address`, "Pass --host 127.0.0.1.");
  }
  const [{ openStore }, hono, app, token, wiring, statics, audits] = await Promise.all([
    import("../rotation-wiring.js"),
    import("@hono/node-server"),
    import("../../server/app.js"),
    import("../../server/token.js"),
    import("../../server/wiring.js"),
    import("../../server/static.js"),
    import("../../server/audit-records.js"),
  ]);
  const target = {
    profile: flags.profile,
    region: flags.region,
    endpointUrl: flags.endpointUrl,
    maxAttempts: flags.maxAttempts,
  };
  const store = await openStore(io);
  try {
    const { hash, token: fresh } = await token.ensureToken(store, flags.rotateToken === true);
    if (fresh) {
      io.stderr.write(
        `keywarden: dashboard access token (shown once; only its hash is stored): ${fresh}\n` +
          "keywarden: a new one replaces it with `keywarden serve --rotate-token`.\n",
      );
    }
    const runAudit = wiring.auditRunner(io, target, store);
    if (flags.audit !== false && (await audits.latestAudit(store)) === null) {
      io.stderr.write("keywarden: no audit stored yet; auditing the account now...\n");
      try {
        const run = await runAudit();
        await audits.saveAudit(store, run.report, run.lastUsedSources);
        io.stderr.write(`keywarden: audit saved (${run.report.keys.length} keys).\n`);
      } catch (e) {
        if (!(e instanceof KeywardenError)) throw e;
        io.stderr.write(
          `keywarden: warning: the audit failed, serving without one: ${e.message}. ${e.fix}\n`,
        );
      }
    }
    const dir = statics.defaultDashboardDir();
    const built = existsSync(join(dir, "index.html"));
    if (!built) {
      io.stderr.write(
        "keywarden: warning: the dashboard is not built (npm run build); serving the API only.\n",
      );
    }
    const handler = app.createApp({
      store,
      now: () => new Date(),
      runAudit,
      rotations: wiring.rotationController(io, store, target),
      respond: wiring.respondRunner(io, store, target),
      tokenHash: hash,
      allowActions: flags.allowActions === true,
      dashboardDir: built ? dir : null,
    });
    if (!isLoopback(flags.host)) {
      io.stderr.write(
        `keywarden: warning: listening on ${flags.host}, reachable from other machines over plain HTTP; ` +
          "the token is the only protection. Prefer the default 127.0.0.1 behind an SSH tunnel or a TLS proxy.\n",
      );
    }
    const server = hono.createAdaptorServer({ fetch: handler.fetch });
    await new Promise<void>((ready, fail) => {
      server.once("error", (e: NodeJS.ErrnoException) => {
        fail(
          new EnvironmentError(
            "LISTEN_FAILED",
            `could not listen on ${flags.host}:${flags.port} (${e.code ?? e.message})`,
            "Pick another --port (0 picks a free one) or stop what holds it.",
          ),
        );
      });
      server.listen(flags.port, flags.host, ready);
    });
    const url = urlOf(server.address() as AddressInfo);
    io.stdout.write(`${url}\n`);
    io.stderr.write(
      `keywarden: dashboard and API at ${url} (${flags.allowActions ? "actions allowed" : "read-only"}); Ctrl-C stops it.\n`,
    );
    await new Promise<void>((stopped) => {
      const stop = () => {
        signals.off("SIGINT", stop);
        signals.off("SIGTERM", stop);
        io.stderr.write("keywarden: stopping the dashboard...\n");
        const http = server as { closeIdleConnections?: () => void; closeAllConnections?: () => void };
        const force = setTimeout(() => http.closeAllConnections?.(), SHUTDOWN_GRACE_MS);
        server.close(() => {
          clearTimeout(force);
          stopped();
        });
        // Idle keep-alive connections would hold close() open; a request still running (a rotation
        // step) gets a grace period to finish before the store closes under it.
        http.closeIdleConnections?.();
      };
      signals.on("SIGINT", stop);
      signals.on("SIGTERM", stop);
    });
  } finally {
    await store.close();
  }
  return 0;
}

export function register(program: Command, io: CliIO, exit: (code: number) => void): void {
  const cmd = program
    .command("serve")
    .description(
      "Serve the dashboard and the JSON API (/api/v1) on 127.0.0.1, read-only unless --allow-actions",
    )
    .option(
      "--port <n>",
      `port to listen on; 0 picks a free one`,
      parseIntFlag("--port", 0, 65535, 8787),
      DEFAULT_PORT,
    )
    .option(
      "--host <address>",
      "address to bind; anything but loopback is reachable from other machines (a warning says so)",
      "127.0.0.1",
    )
    .option(
      "--allow-actions",
      "let the page run audits, start, advance and roll back rotations, and respond to (contain) a key",
    )
    .option("--rotate-token", "issue a new access token (printed once) and invalidate the old one")
    .option("--no-audit", "do not audit at start, even when no audit is stored")
    .addHelpText(
      "after",
      `
The first start prints an access token once; the page asks for it and keeps it for the browser
tab only (sessionStorage). Only its SHA-256 hash is stored. Every API call needs it:
  curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:${DEFAULT_PORT}/api/v1/overview
When no audit is stored, serve audits the account first (the AWS flags as for \`keywarden audit\`);
\`keywarden audit --save\` stores a fresh one for it.

Examples:
  keywarden serve                                   # http://127.0.0.1:${DEFAULT_PORT}/, read-only
  keywarden serve --port 0 --profile prod           # a free port; the URL is printed
  keywarden serve --allow-actions                   # audits and rotations from the page
  keywarden serve --rotate-token                    # forget the old token, print a new one

Exit codes: 0 stopped cleanly (SIGINT/SIGTERM), 2 usage, 6 could not listen or open the store.`,
    );
  cmd.action(async () => {
    exit(await serve(cmd.opts(), io, process));
  });
}
