import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A real HTTP server on 127.0.0.1 standing in for Zapier, IFTTT or a streamer's own endpoint. It
 * records every request (raw body included, for signature checks) and answers what `respond` says.
 */

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** When the request was complete (ms since epoch). */
  at: number;
}

export type Answer = number | { status: number; delayMs?: number } | "hang";

export interface HttpReceiver {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  /** Changes how later requests are answered. */
  respond: (answer: (req: ReceivedRequest, index: number) => Answer) => void;
  /** Resolves once at least `count` requests arrived. */
  waitForRequests(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

export async function startHttpReceiver(answer: (req: ReceivedRequest, index: number) => Answer = () => 200): Promise<HttpReceiver> {
  const requests: ReceivedRequest[] = [];
  let respond = answer;
  const waiters: Array<() => void> = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", () => {
      const received: ReceivedRequest = { method: req.method ?? "", path: req.url ?? "", headers: req.headers, body, at: Date.now() };
      const index = requests.push(received) - 1;
      for (const wake of waiters.splice(0)) wake();
      const reply = respond(received, index);
      if (reply === "hang") return;
      const { status, delayMs = 0 } = typeof reply === "number" ? { status: reply } : reply;
      const timer = setTimeout(() => res.writeHead(status, { "content-type": "text/plain" }).end(`answer ${status}`), delayMs);
      res.on("close", () => clearTimeout(timer));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    respond: (next) => (respond = next),
    async waitForRequests(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (requests.length < count) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`receiver on ${port}: ${requests.length} request(s) after ${timeoutMs} ms, expected ${count}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
