import net, { type Server, type Socket } from "node:net";
import tls from "node:tls";
import type { Logger } from "pino";
import { IngestConnection, type Decide } from "./connection.js";

export interface RtmpIngestOptions {
  host: string;
  port: number;
  log: Logger;
  decide: Decide;
  /** A connection must be publishing within this time (handshake + connect + publish). */
  handshakeTimeoutMs?: number;
  /** A publisher that sends nothing for this long is considered gone. */
  idleTimeoutMs?: number;
  /** Bytes the unfinished messages of one connection may hold together (also the largest message). */
  maxPendingBytes?: number;
  /** Chunk streams one connection may use; encoders use a handful. */
  maxChunkStreams?: number;
  /** Connections one address may hold open before it is publishing (half-open handshakes, slow clients). */
  maxPendingPerAddress?: number;
  /** Also listen for RTMP over TLS. */
  tls?: { port: number; cert: string; key: string } | undefined;
}

export interface IngestPorts {
  rtmp: number;
  rtmps: number | null;
}

const RTMP_VERSION = 3;
export const DEFAULT_MAX_PENDING_BYTES = 4 * 1024 * 1024;
export const DEFAULT_MAX_CHUNK_STREAMS = 32;

/** The RTMP listener OBS publishes to. Each socket is isolated: whatever it sends, only it is closed. */
export class RtmpIngest {
  private readonly servers: Server[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly pendingByAddress = new Map<string, number>();

  constructor(private readonly options: RtmpIngestOptions) {}

  async listen(): Promise<IngestPorts> {
    const rtmp = await this.listenOn(net.createServer((socket) => this.accept(socket)), this.options.port, "RTMP");
    const secure = this.options.tls;
    if (!secure) return { rtmp, rtmps: null };
    const server = tls.createServer({ cert: secure.cert, key: secure.key }, (socket) => this.accept(socket));
    // A failed TLS handshake (a plain RTMP client, a scanner) only costs that socket.
    server.on("tlsClientError", (err, socket) => {
      this.options.log.debug({ peer: socket.remoteAddress, reason: err.message }, "RTMPS handshake failed");
      socket.destroy();
    });
    return { rtmp, rtmps: await this.listenOn(server, secure.port, "RTMPS") };
  }

  async close(): Promise<void> {
    const servers = this.servers.splice(0);
    for (const socket of this.sockets) socket.destroy();
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }

  private async listenOn(server: Server, port: number, name: string): Promise<number> {
    this.servers.push(server);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, this.options.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    server.on("error", (err) => this.options.log.error({ err }, `${name} ingest listener error`));
    const address = server.address();
    return typeof address === "object" && address ? address.port : port;
  }

  private accept(socket: Socket): void {
    const { log } = this.options;
    const handshakeTimeoutMs = this.options.handshakeTimeoutMs ?? 10_000;
    const idleTimeoutMs = this.options.idleTimeoutMs ?? 20_000;
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    const address = socket.remoteAddress ?? "";
    const pending = this.pendingByAddress.get(address) ?? 0;
    if (pending >= (this.options.maxPendingPerAddress ?? 32)) {
      log.debug({ peer }, "too many unfinished RTMP connections from this address; closing");
      socket.destroy();
      return;
    }
    this.pendingByAddress.set(address, pending + 1);
    let counted = true;
    const settle = () => {
      if (!counted) return;
      counted = false;
      const left = (this.pendingByAddress.get(address) ?? 1) - 1;
      if (left > 0) this.pendingByAddress.set(address, left);
      else this.pendingByAddress.delete(address);
    };
    this.sockets.add(socket);
    socket.setNoDelay(true);

    const connection = new IngestConnection(
      socket,
      {
        maxAllocatedBytes: this.options.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES,
        maxChunkStreams: this.options.maxChunkStreams ?? DEFAULT_MAX_CHUNK_STREAMS,
      },
      this.options.decide,
      // A decision from a networked store gets the handshake's deadline again, counted from the publish.
      {
        decisionTimeoutMs: handshakeTimeoutMs,
        onProtocolError: (err) => {
          log.warn({ peer, reason: err.message }, "RTMP protocol error; closing connection");
          connection.finish("protocol error");
          socket.destroy();
        },
      },
    );
    let first = true;

    // Until the peer is publishing it gets a short deadline; after, only a stalled publisher is cut.
    const handshakeTimer = setTimeout(() => {
      if (!connection.publishing && !connection.deciding) {
        log.debug({ peer }, "RTMP connection did not start publishing in time; closing");
        socket.destroy();
      }
    }, handshakeTimeoutMs);
    socket.setTimeout(idleTimeoutMs, () => {
      log.warn({ peer }, "RTMP publisher sent nothing for too long; closing");
      socket.destroy();
    });

    socket.on("data", (data: Buffer) => {
      if (first) {
        first = false;
        if (data[0] !== RTMP_VERSION) {
          log.debug({ peer }, "not an RTMP client (bad handshake version); closing");
          socket.destroy();
          return;
        }
      }
      try {
        const err = connection.parserData(data);
        if (err) throw new Error(err);
        if (connection.publishing) settle();
      } catch (err) {
        log.warn({ peer, reason: (err as Error).message }, "RTMP protocol error; closing connection");
        connection.finish("protocol error");
        socket.destroy();
      }
    });
    socket.on("error", (err) => log.debug({ peer, code: (err as NodeJS.ErrnoException).code }, "RTMP socket error"));
    socket.on("close", () => {
      settle();
      clearTimeout(handshakeTimer);
      this.sockets.delete(socket);
      connection.finish("publisher disconnected");
    });
  }
}
