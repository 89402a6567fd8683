import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeRequest {
  method: string;
  url: URL;
  headers: IncomingMessage["headers"];
  /** The raw body; `form()` and `json()` parse it the way the platform would. */
  body: string;
  form(): URLSearchParams;
  json<T>(): T;
}

export interface FakeAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface FakeServer {
  url: string;
  close(): Promise<void>;
  /** The platform goes away: open connections are cut and new ones refused, until `up()`. */
  down(): Promise<void>;
  /** The platform is back, on the same address, with everything it held before `down()`. */
  up(): Promise<void>;
}

/** A loopback HTTP server that answers with `handle`; unknown routes get 404 the way the fake decides. */
export async function startFakeServer(handle: (req: FakeRequest) => FakeAnswer | Promise<FakeAnswer>): Promise<FakeServer> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const request: FakeRequest = {
        method: req.method ?? "GET",
        url: new URL(req.url ?? "/", "http://fake.invalid"),
        headers: req.headers,
        body,
        form: () => new URLSearchParams(body),
        json: <T>() => JSON.parse(body) as T,
      };
      let answer: FakeAnswer;
      try {
        answer = await handle(request);
      } catch (err) {
        answer = { status: 500, body: { error: String(err) } };
      }
      const headers: Record<string, string> = { ...answer.headers };
      let payload = "";
      if (answer.body !== undefined) {
        payload = typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body);
        headers["content-type"] ??= typeof answer.body === "string" ? "text/plain" : "application/json; charset=utf-8";
      }
      res.writeHead(answer.status, headers).end(payload);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const stop = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      // Answers ERR_SERVER_NOT_RUNNING when already down: closed either way.
      server.close(() => resolve());
    });
  return {
    url: `http://127.0.0.1:${port}`,
    close: stop,
    down: stop,
    up: () =>
      new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, "127.0.0.1", () => {
          server.off("error", reject);
          resolve();
        });
      }),
  };
}

/** The bearer token of a request, given the scheme the platform expects ("Bearer", or Twitch's "OAuth" on /validate). */
export function bearer(req: FakeRequest, scheme = "Bearer"): string | undefined {
  const match = new RegExp(`^${scheme} (\\S+)$`).exec(req.headers.authorization ?? "");
  return match?.[1];
}
