import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { postJson } from "./http.js";

/** A loopback port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) =>
    server.close(() => {
      r();
    }),
  );
  return port;
}

// Real sockets on loopback: the reason is the socket's, not the TypeError fetch wraps it in.
describe("postJson says why a webhook cannot be reached", () => {
  it("names the refused address and port", async () => {
    const port = await closedPort();
    await expect(postJson(`http://127.0.0.1:${port}/hook`, "{}", {}, 5_000)).rejects.toThrow(
      `request failed (ECONNREFUSED 127.0.0.1:${port})`,
    );
  });

  it("a host with two addresses (localhost) still names the socket's reason", async () => {
    const port = await closedPort();
    await expect(postJson(`http://localhost:${port}/hook`, "{}", {}, 5_000)).rejects.toThrow(
      new RegExp(`request failed \\(ECONNREFUSED (127\\.0\\.0\\.1|::1):${port}\\)`),
    );
  });

  it("a port fetch refuses (9, discard) is named as such", async () => {
    await expect(postJson("http://127.0.0.1:9/hook", "{}", {}, 5_000)).rejects.toThrow(
      "request failed (port 9 is one fetch refuses to connect to; use another port)",
    );
  });
});
