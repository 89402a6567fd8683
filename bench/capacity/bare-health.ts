/**
 * The health poller's reference: a bare Node HTTP server (no framework, no media) in its own process
 * that answers GET /api/v1/streams/:id/health with a body Prism really gave, polled at the same rate
 * in the same window. Its p99 is what the machine alone costs a request (the publishers, receivers and
 * other programs competing for the cores), so Prism's figure can be read against it.
 */
import { freePort, spawnTracked, stop, waitListening, type Proc } from "../lib/proc.js";

/** Plain JavaScript for `node -e`: the port, token and body come as arguments. */
const SERVER = `
const http = require("node:http");
const [port, token, body] = process.argv.slice(1);
const payload = Buffer.from(body);
http.createServer((req, res) => {
  const ok = /^\\/api\\/v1\\/streams\\/[^/]+\\/health$/.test(req.url ?? "") && req.headers.authorization === "Bearer " + token;
  res.writeHead(ok ? 200 : 404, { "content-type": "application/json", "content-length": ok ? payload.length : 0 });
  res.end(ok ? payload : undefined);
}).listen(Number(port), "127.0.0.1");
`;

export interface BareHealthServer {
  origin: string;
  token: string;
  proc: Proc;
  stop(): Promise<void>;
}

/** Starts the reference server answering every stream's health with `body`. */
export async function startBareHealth(token: string, body: string): Promise<BareHealthServer> {
  const port = await freePort();
  const proc = spawnTracked("bare-health", process.execPath, ["-e", SERVER, String(port), token, body]);
  await waitListening([port], 10_000, "bare-health", () => (proc.running() ? undefined : `exited:\n${proc.tail()}`));
  return { origin: `http://127.0.0.1:${port}`, token, proc, stop: () => stop(proc, 2000) };
}
