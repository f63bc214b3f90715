// A recording HTTP proxy in front of the emulator: every request it forwards is noted with the
// service it was signed for (the SigV4 credential scope: iam, sts, secretsmanager, cloudtrail...).
// A test points one way of configuring an endpoint at a recorder and then sees, from the
// recorder's side, that the call went there and succeeded.
import { createServer, request, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface Recorder {
  readonly url: string;
  /** Signing names of the requests forwarded, in order. */
  readonly seen: string[];
  close(): Promise<void>;
}

/** The service a request was signed for, from `Authorization: AWS4-HMAC-SHA256 Credential=AKID/date/region/service/aws4_request`. */
export function signingService(req: IncomingMessage): string {
  const auth = req.headers.authorization ?? "";
  const scope = /Credential=([^,]+)/.exec(auth)?.[1]?.split("/") ?? [];
  return scope[3] ?? "?";
}

export async function startRecorder(upstream: string): Promise<Recorder> {
  const target = new URL(upstream);
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(signingService(req));
    const up = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on("error", () => {
      res.writeHead(502).end();
    });
    req.pipe(up);
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => {
          done();
        });
      }),
  };
}

/** A URL where nothing listens: a port the OS handed out and took back. */
export async function deadUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((done) => s.listen(0, "127.0.0.1", done));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((done) => {
    s.close(() => {
      done();
    });
  });
  return `http://127.0.0.1:${port}`;
}
