// `keywarden serve` as a process: loopback only unless --host says otherwise, the token printed
// once and kept as a hash, a clean stop on SIGTERM.
import { mkdtemp } from "node:fs/promises";
import { connect } from "node:net";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REMEDIATE_PERMISSIONS, RESPOND_PERMISSIONS } from "../src/response/ports.js";
import { runCli } from "./helpers/cli.js";
import { startServe } from "./e2e/serve.js";

/** An address of this machine that is not loopback (the test machine has one: eth0). */
function externalAddress(): string {
  const addr = Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === "IPv4" && !a.internal)?.address;
  if (!addr) throw new Error("this machine has no non-loopback IPv4 address to test against");
  return addr;
}

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((done) => {
    const s = connect({ host, port });
    s.once("connect", () => {
      s.destroy();
      done(true);
    });
    s.once("error", () => {
      done(false);
    });
  });
}

const session = (url: string, token: string | null) =>
  fetch(new URL("api/v1/session", url), token ? { headers: { Authorization: `Bearer ${token}` } } : {});

describe("keywarden serve", () => {
  it("binds 127.0.0.1 by default: not reachable on the machine's other addresses", async () => {
    const home = await mkdtemp(join(tmpdir(), "keywarden-serve-"));
    const served = await startServe(["--port", "0", "--no-audit"], { KEYWARDEN_HOME: home });
    try {
      const url = new URL(served.url);
      expect(url.hostname).toBe("127.0.0.1");
      expect(served.token).toMatch(/^kwd_[\w-]{43}$/);
      expect((await session(served.url, served.token)).status).toBe(200);
      expect((await session(served.url, null)).status).toBe(401);
      expect(await reachable("127.0.0.1", Number(url.port))).toBe(true);
      expect(await reachable(externalAddress(), Number(url.port))).toBe(false);
      expect(served.stderr()).not.toMatch(/warning: listening on/);
    } finally {
      expect(await served.stop("SIGTERM")).toBe(0);
    }
    expect(served.stderr()).toContain("stopping the dashboard");

    // The token is stored as a hash only: a second start prints none and the first one still works.
    const again = await startServe(["--port", "0", "--no-audit"], { KEYWARDEN_HOME: home });
    try {
      expect(again.token).toBeNull();
      expect(again.stderr()).not.toContain(served.token ?? "?");
      expect((await session(again.url, served.token)).status).toBe(200);
    } finally {
      expect(await again.stop("SIGINT")).toBe(0);
    }

    // --rotate-token: a new token, and the old one stops working.
    const rotated = await startServe(["--port", "0", "--no-audit", "--rotate-token"], {
      KEYWARDEN_HOME: home,
    });
    try {
      expect(rotated.token).toMatch(/^kwd_/);
      expect(rotated.token).not.toBe(served.token);
      expect((await session(rotated.url, served.token)).status).toBe(401);
      expect((await session(rotated.url, rotated.token)).status).toBe(200);
    } finally {
      await rotated.stop();
    }
  });

  it("binds another address only with --host, and warns", async () => {
    const home = await mkdtemp(join(tmpdir(), "keywarden-serve-"));
    const served = await startServe(["--port", "0", "--no-audit", "--host", "0.0.0.0"], {
      KEYWARDEN_HOME: home,
    });
    try {
      expect(served.stderr()).toMatch(/warning: listening on 0\.0\.0\.0, reachable from other machines/);
      // The same check that failed above succeeds here: the loopback test is not vacuous.
      expect(await reachable(externalAddress(), Number(new URL(served.url).port))).toBe(true);
    } finally {
      await served.stop();
    }
  });

  it("`permissions serve` covers what the dashboard calls: audit, rotate and respond", async () => {
    const actions = async (verb: string) => {
      const r = await runCli(["permissions", verb]);
      expect(r.code).toBe(0);
      return (JSON.parse(r.stdout) as { Statement: { Action: string[] }[] }).Statement[0]?.Action ?? [];
    };
    const [serve, audit, rotate] = await Promise.all([actions("serve"), actions("audit"), actions("rotate")]);
    expect(serve).toEqual([...new Set([...audit, ...rotate, ...RESPOND_PERMISSIONS])].sort());
    // Containment from the page never removes what the key created (that is `respond --remediate`).
    expect(REMEDIATE_PERMISSIONS).toContain("iam:DeleteLoginProfile");
    expect(serve).not.toContain("iam:DeleteLoginProfile");
  });

  it("refuses a bad --port or --host with a one-line usage error", async () => {
    const port = await runCli(["serve", "--port", "70000"]);
    expect(port.code).toBe(2);
    expect(port.stderr.trim().split("\n")).toHaveLength(1);
    const host = await runCli(["serve", "--host", "a b"]);
    expect(host.code).toBe(2);
    expect(host.stderr).toMatch(/--host "a b" is not a host name/);
  });
});
