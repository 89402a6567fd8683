import { connect, createServer, type Server, type Socket } from "node:net";

export interface Backend {
  host: string;
  port: number;
}

/**
 * A tiny TCP load balancer standing in for HAProxy in the cluster tests (RTMP and HTTP alike): each new
 * connection goes to the next backend in turn, skipping one that refuses the connection (a dead node), or to the
 * pinned one only. Bytes are piped unchanged both ways; either side closing closes the other.
 */
export interface TcpProxy {
  port: number;
  /** The backend index each accepted connection went to, in order (null: every backend refused it). */
  readonly routed: Array<number | null>;
  /** Every new connection to backend `index` only (refused: the client is closed); null: round-robin again. */
  pin(index: number | null): void;
  /** Stops listening and cuts every connection it carries. */
  close(): Promise<void>;
}

export async function startTcpProxy(backends: Backend[], options: { connectTimeoutMs?: number } = {}): Promise<TcpProxy> {
  if (backends.length === 0) throw new Error("A TCP proxy needs at least one backend");
  let next = 0;
  let pinned: number | null = null;
  const routed: Array<number | null> = [];
  const open = new Set<Socket>();
  const track = (socket: Socket) => {
    open.add(socket);
    socket.once("close", () => open.delete(socket));
  };

  /** Connects to the first backend of `order` that accepts; null when none does. */
  const reach = async (order: number[]): Promise<{ index: number; socket: Socket } | null> => {
    for (const index of order) {
      const socket = await attempt(backends[index]!, options.connectTimeoutMs ?? 2_000);
      if (socket) return { index, socket };
    }
    return null;
  };

  const server: Server = createServer({ pauseOnConnect: true }, (client) => {
    track(client);
    client.on("error", () => client.destroy());
    const order = pinned !== null ? [pinned] : backends.map((_, i) => (next + i) % backends.length);
    if (pinned === null) next = (next + 1) % backends.length;
    void reach(order).then((reached) => {
      routed.push(reached?.index ?? null);
      if (!reached || client.destroyed) {
        reached?.socket.destroy();
        return void client.destroy();
      }
      const upstream = reached.socket;
      track(upstream);
      upstream.on("error", () => upstream.destroy());
      upstream.once("close", () => client.destroy());
      client.once("close", () => upstream.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  return {
    port: (server.address() as { port: number }).port,
    routed,
    pin(index) {
      if (index !== null && !backends[index]) throw new Error(`No backend ${index}: there are ${backends.length}`);
      pinned = index;
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of open) socket.destroy();
      await closed;
    },
  };
}

/** A connected socket to `backend`, or null when it refuses, fails or does not answer in time. */
function attempt(backend: Backend, timeoutMs: number): Promise<Socket | null> {
  return new Promise((resolve) => {
    const socket = connect({ host: backend.host, port: backend.port });
    const fail = () => {
      socket.destroy();
      resolve(null);
    };
    socket.setTimeout(timeoutMs, fail);
    socket.once("error", fail);
    socket.once("connect", () => {
      socket.setTimeout(0);
      socket.removeListener("error", fail);
      resolve(socket);
    });
  });
}
