/* eslint-disable no-console */
/* global process, console */
// The peer of `keywarden serve` in the serve bench: a bare Node http server sending bytes it was
// handed, the floor any server sending the same answers has to pay. It reads one JSON file naming,
// per "<path> <accept-encoding>", a file of body bytes and the headers keywarden sent with them,
// and answers each request with those, unchanged. No routing beyond a Map lookup, no auth check.
//   node bench/serve-peer.js answers.json   (prints its URL on stdout)
import { readFileSync } from "node:fs";
import { createServer } from "node:http";

const spec = JSON.parse(readFileSync(process.argv[2], "utf8"));
const answers = new Map(
  Object.entries(spec).map(([key, a]) => [key, { headers: a.headers, body: readFileSync(a.file) }]),
);

const server = createServer((req, res) => {
  const a = answers.get(`${req.url} ${req.headers["accept-encoding"] ?? ""}`);
  if (!a) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, a.headers);
  res.end(a.body);
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  console.log(`http://127.0.0.1:${server.address().port}`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
