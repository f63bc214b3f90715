// A recording HTTP proxy in front of the emulator that notes every AWS call by its action
// (sts:GetAccessKeyInfo, iam:UpdateAccessKey, cloudtrail:LookupEvents...), its status and when
// its answer was sent, and counts the TCP connections clients opened to it. Tests use it to
// assert which calls a verb makes and in what order, and how many connections it opens; the
// respond and audit benches use the same proxy to time "process start to key inactive" from
// the proxy's side and to count connections.
import { Agent, createServer, request, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { signingService } from "../endpoints-recorder.js";

export interface RecordedCall {
  /** "iam:UpdateAccessKey" */
  call: string;
  status: number;
  /** When the answer was fully sent, in ms since the epoch (fractional; performance clock). */
  answeredAt: number;
}

export interface ActionRecorder {
  readonly url: string;
  readonly calls: RecordedCall[];
  /** TCP connections clients opened to the proxy so far. */
  readonly connections: number;
  /** Forget what was seen (calls and connections). */
  clear(): void;
  close(): Promise<void>;
}

const HOP_BY_HOP = ["connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade"];

const nowMs = (): number => performance.timeOrigin + performance.now();

/** The action of a query-protocol body (Action=...) or of a JSON protocol's X-Amz-Target. */
function actionOf(req: IncomingMessage, body: Buffer): string {
  const target = req.headers["x-amz-target"];
  if (typeof target === "string") return target.slice(target.lastIndexOf(".") + 1);
  const m = /(?:^|&)Action=([A-Za-z0-9]+)/.exec(body.toString("utf8"));
  return m?.[1] ?? `${req.method ?? "?"} ${req.url ?? ""}`;
}

export async function startActionRecorder(upstream: string): Promise<ActionRecorder> {
  const target = new URL(upstream);
  const calls: RecordedCall[] = [];
  let connections = 0;
  // Its own connections to the emulator are kept alive, so the proxy adds as little as it can.
  const agent = new Agent({ keepAlive: true });
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const call = `${signingService(req)}:${actionOf(req, body)}`;
      const up = request(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
          agent,
        },
        (r) => {
          // Hop-by-hop headers stay on the emulator's side: moto (werkzeug, HTTP/1.0) closes every
          // connection, and passing its `Connection: close` on would hide how clients reuse theirs.
          const headers = Object.fromEntries(
            Object.entries(r.headers).filter(([h]) => !HOP_BY_HOP.includes(h)),
          );
          res.writeHead(r.statusCode ?? 502, headers);
          r.pipe(res);
          res.on("finish", () => calls.push({ call, status: r.statusCode ?? 502, answeredAt: nowMs() }));
        },
      );
      up.on("error", () => {
        res.writeHead(502).end();
      });
      up.end(body);
    });
  });
  server.on("connection", () => {
    connections++;
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    get connections() {
      return connections;
    },
    clear() {
      calls.length = 0;
      connections = 0;
    },
    close: () =>
      new Promise<void>((done) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => {
          done();
        });
      }),
  };
}
