import { readFile, readdir, readlink } from "node:fs/promises";
import net from "node:net";

/**
 * Port helpers for end-to-end tests. Everything binds to 127.0.0.1 only, and ports always come
 * from the kernel (port 0) so two suites can run side by side on one machine.
 */

const LOOPBACK = "127.0.0.1";

/**
 * A port that was free a moment ago. There is an unavoidable window between closing our probe
 * socket and the real server binding it; callers that spawn servers should be ready to retry on
 * EADDRINUSE (startRtmpReceiver does).
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close();
        reject(new Error("freePort: server has no TCP address"));
        return;
      }
      server.close((err) => (err ? reject(err) : resolve(address.port)));
    });
  });
}

interface ListenEntry {
  port: number;
  inode: string;
}

const TCP_LISTEN_STATE = "0A";

/** LISTEN sockets from /proc/net/tcp{,6}; tcp6 may be absent when IPv6 is disabled. */
async function listeningSockets(): Promise<ListenEntry[]> {
  const entries: ListenEntry[] = [];
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = await readFile(table, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
      const cols = line.trim().split(/\s+/);
      const local = cols[1];
      const state = cols[3];
      const inode = cols[9];
      if (local === undefined || state !== TCP_LISTEN_STATE || inode === undefined) continue;
      const portHex = local.slice(local.lastIndexOf(":") + 1);
      entries.push({ port: Number.parseInt(portHex, 16), inode });
    }
  }
  return entries;
}

/** Socket inodes held open by `pid` (its own children are readable without privileges). */
async function socketInodesOf(pid: number): Promise<Set<string>> {
  const inodes = new Set<string>();
  let fds: string[];
  try {
    fds = await readdir(`/proc/${pid}/fd`);
  } catch {
    return inodes;
  }
  await Promise.all(
    fds.map(async (fd) => {
      try {
        const target = await readlink(`/proc/${pid}/fd/${fd}`);
        const match = /^socket:\[(\d+)\]$/.exec(target);
        if (match?.[1] !== undefined) inodes.add(match[1]);
      } catch {
        // fd closed between readdir and readlink
      }
    }),
  );
  return inodes;
}

/**
 * True when something (optionally: process `pid` itself) has a LISTEN socket on `port`.
 * Reads kernel tables instead of connecting, because a probe connection would be consumed by
 * servers that accept exactly one client (ffmpeg `-listen 1`).
 */
export async function isListening(port: number, pid?: number): Promise<boolean> {
  const matches = (await listeningSockets()).filter((e) => e.port === port);
  if (matches.length === 0) return false;
  if (pid === undefined) return true;
  const owned = await socketInodesOf(pid);
  return matches.some((e) => owned.has(e.inode));
}

export interface WaitForListeningOptions {
  /**
   * Only count a listener owned by this process. Guards against a neighbouring suite that grabbed
   * the same port during the freePort() window: without it we would "see" their server.
   */
  pid?: number;
  /** Stop waiting (reject) as soon as this settles, e.g. the server process's exit promise. */
  abortOn?: Promise<unknown>;
  pollMs?: number;
}

/** Resolves once 127.0.0.1:`port` is in LISTEN state, without ever connecting to it. */
export async function waitForListening(
  port: number,
  timeoutMs = 10_000,
  options: WaitForListeningOptions = {},
): Promise<void> {
  const pollMs = options.pollMs ?? 20;
  const deadline = Date.now() + timeoutMs;
  let aborted = false;
  options.abortOn?.then(
    () => (aborted = true),
    () => (aborted = true),
  );
  for (;;) {
    if (await isListening(port, options.pid)) return;
    if (aborted) throw new Error(`waitForListening: gave up on port ${port}: the awaited process ended first`);
    if (Date.now() >= deadline) throw new Error(`waitForListening: nothing listened on 127.0.0.1:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

const closedPortHolders: { server: net.Server; sockets: net.Socket[] }[] = [];

/**
 * A port on which nothing listens, so connecting gets "connection refused" immediately.
 *
 * Rather than merely returning a port that happened to be free (which a parallel suite could then
 * bind), we keep it occupied: the port is the local end of an established loopback connection.
 * That socket has no SO_REUSEADDR, so nobody else can bind the port, yet it is not listening, so
 * incoming SYNs are answered with RST. Held until releaseClosedPorts() or process exit.
 */
export async function closedPort(): Promise<number> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => {
    socket.on("error", () => {});
    socket.unref();
    sockets.push(socket);
  });
  server.unref();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, LOOPBACK, () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("closedPort: server has no TCP address");
  const client = net.connect({ host: LOOPBACK, port: address.port });
  client.on("error", () => {});
  await new Promise<void>((resolve, reject) => {
    client.once("connect", () => resolve());
    client.once("error", reject);
  });
  client.unref();
  const port = client.localPort;
  if (port === undefined) throw new Error("closedPort: client socket has no local port");
  sockets.push(client);
  closedPortHolders.push({ server, sockets });
  return port;
}

/** Frees ports handed out by closedPort() (optional: the holders never keep the process alive). */
export async function releaseClosedPorts(): Promise<void> {
  const holders = closedPortHolders.splice(0);
  await Promise.all(
    holders.map(
      ({ server, sockets }) =>
        new Promise<void>((resolve) => {
          for (const socket of sockets) socket.destroy();
          server.close(() => resolve());
        }),
    ),
  );
}
