import net, { type Socket } from "node:net";
import tls from "node:tls";
import { randomBytes } from "node:crypto";
import { amf, Rtmp } from "./nms.js";
import { ChunkStream, encodeChunks, MEDIA_STREAM_ID, OUT_CHUNK_SIZE } from "./chunks.js";
import { couldNotConnect, describeSocketError, OutputError, policyRefusal } from "../output-error.js";
import { AddressRefused, allowsAddress, policyLookup, type AddressPolicy } from "../../net/address-policy.js";

export interface PublishTarget {
  /** rtmp(s)://host[:port]/app[/…] — the server URL without the stream key. */
  url: string;
  streamKey: string;
}

export interface PublishClientOptions {
  connectTimeoutMs: number;
  /** Extra CA certificates (PEM) trusted for rtmps://, e.g. a self-hosted server's. */
  tlsCa?: string | Buffer | undefined;
  /**
   * Which addresses may be connected to (PRISM_DESTINATION_ALLOW); checked on the addresses the
   * host resolves to, which are then the ones connected to. Undefined: any (only Prism's own
   * ingest is dialled without one, in tests).
   */
  addressPolicy?: AddressPolicy | undefined;
}

const HANDSHAKE_SIZE = 1536;
/** Pause between two dials within one connection attempt (see connect()). */
const REDIAL_MS = 500;
/** Bytes the server may receive from us before it acknowledges them (librtmp's default). */
const WINDOW_ACK_SIZE = 2_500_000;
const TYPE = { setChunkSize: 1, ack: 3, userControl: 4, windowAckSize: 5, invoke: 20 } as const;
const REFUSAL = /BadName|Rejected|Failed|Unauthorized|Denied|Invalid|Error/i;

/**
 * An RTMP(S) publisher: the client side of what OBS does (connect, releaseStream, FCPublish,
 * createStream, publish). Incoming chunks are parsed by node-media-server's engine; outgoing media
 * are the hub's pre-encoded chunks, written as they are.
 */
export class RtmpPublishClient extends Rtmp {
  private socket: Socket | null = null;
  private handshake: Buffer = Buffer.alloc(0);
  private handshakeDone = false;
  private transId = 1;
  private readonly pending = new Map<number, (message: Rtmp.InvokeMessage) => void>();
  private onPublished: (() => void) | null = null;
  private fail: (err: OutputError) => void = () => {};
  private received = 0;
  private acked = 0;
  private toldWindowAckSize = false;
  private closing = false;
  /** The socket corked until the end of this tick, if any (see write). */
  private corked: Socket | null = null;
  private readonly where: string;

  /** Called once when an established or pending connection ends, with the reason unless we closed it. */
  onClose: (err: OutputError | null) => void = () => {};

  constructor(
    private readonly target: PublishTarget,
    private readonly options: PublishClientOptions,
  ) {
    super();
    const url = new URL(target.url);
    this.where = `${url.protocol}//${url.host}`;
    this.onOutputCallback = (buffer) => this.write(buffer);
  }

  /** Resolves once the server answers NetStream.Publish.Start. */
  connect(): Promise<void> {
    const url = new URL(this.target.url);
    const secure = url.protocol === "rtmps:";
    const port = Number(url.port) || (secure ? 443 : 1935);
    const host = url.hostname.replace(/^\[|\]$/g, "");
    const app = decodeURIComponent(url.pathname.replace(/^\//, "")) + url.search;
    const tcUrl = `${url.protocol}//${url.host}${url.pathname}${url.search}`;

    const policy = this.options.addressPolicy;
    if (policy && net.isIP(host) && !allowsAddress(policy, host)) return Promise.reject(policyRefusal(this.where, new AddressRefused(host, host), policy));

    return new Promise<void>((resolve, reject) => {
      let settled = false;
      /**
       * Why the connection failed before the RTMP handshake. Such a failure is not reported at once:
       * the server is dialled again every REDIAL_MS until the connect timeout, and only then does
       * the attempt fail, with one wording for all of them. Refused, filtered, unreachable and
       * "open but not RTMP" thus look the same, at the same moment, so a destination cannot map
       * which ports of a network are open; a server that comes back meanwhile is still caught
       * within REDIAL_MS. The detail goes to the log only.
       */
      let early: string | null = null;
      let redial: NodeJS.Timeout | null = null;
      const settle = (err: OutputError | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (redial) clearTimeout(redial);
        if (err) reject(err);
        else resolve();
      };
      const timer = setTimeout(() => {
        settle(couldNotConnect(this.where, early ?? `nothing accepted the stream within ${this.options.connectTimeoutMs / 1000} s`));
        this.socket?.destroy();
      }, this.options.connectTimeoutMs);
      const failEarly = (socket: Socket, detail: string) => {
        if (this.socket !== socket) return;
        early = detail;
        this.socket = null;
        this.handshake = Buffer.alloc(0);
        socket.destroy();
        if (!settled && !this.closing) redial = setTimeout(dial, REDIAL_MS);
      };

      this.fail = (err) => {
        if (!this.handshakeDone) return this.socket && failEarly(this.socket, err.message);
        if (!settled) settle(err);
        this.socket?.destroy();
      };
      this.onPublished = () => settle(null);

      // With a policy, the host is resolved and checked by policyLookup and the socket connects to
      // the checked address; TLS still verifies the certificate against the host name (servername).
      const lookup = policy ? policyLookup(policy) : undefined;
      const dial = () => {
        redial = null;
        if (settled || this.closing) return;
        const socket = secure
          ? tls.connect({ host, port, lookup, servername: net.isIP(host) ? undefined : host, ca: this.options.tlsCa ? [...tls.rootCertificates, String(this.options.tlsCa)] : undefined })
          : net.connect({ host, port, lookup });
        this.socket = socket;
        socket.setNoDelay(true);
        socket.once(secure ? "secureConnect" : "connect", () => {
          const c1 = randomBytes(HANDSHAKE_SIZE);
          c1.writeUInt32BE(0, 0);
          c1.writeUInt32BE(0, 4);
          socket.write(Buffer.concat([Buffer.from([3]), c1]));
        });
        socket.on("data", (data: Buffer) => {
          if (this.socket !== socket) return;
          try {
            this.received += data.length;
            if (this.handshakeDone) this.chunkRead(data, 0, data.length);
            else this.readHandshake(data, app, tcUrl);
            this.acknowledge();
          } catch (err) {
            this.fail(new OutputError("protocol", `${this.where} sent data Prism could not parse (${(err as Error).message}).`));
          }
        });
        socket.on("error", (err) => {
          if (err instanceof AddressRefused && policy) return settle(policyRefusal(this.where, err, policy));
          const described = describeSocketError(err, this.where);
          if (!this.handshakeDone && !this.closing) failEarly(socket, described.message);
          else if (!settled) settle(described);
          else this.endWith(described);
        });
        socket.on("close", () => {
          if (this.socket !== socket && !this.handshakeDone) return; // an abandoned early dial
          if (!this.handshakeDone && !this.closing) return failEarly(socket, `${this.where} closed the connection before the RTMP handshake.`);
          if (!settled) settle(new OutputError("closed", `${this.where} closed the connection before accepting the stream.`));
          this.endWith(this.closing ? null : new OutputError("closed", `${this.where} closed the connection.`));
        });
      };
      dial();
    });
  }

  /** Bytes handed to the socket and not yet sent: the output's queue. */
  get queuedBytes(): number {
    return this.socket?.writableLength ?? 0;
  }

  /**
   * Queues bytes for the server. Everything written in one tick (the messages of one ingest read, a
   * late joiner's catch-up) is corked and leaves in one writev at the end of the tick: one syscall
   * per destination per ingest read instead of one per message. `sent` runs once, when the socket is
   * done with `chunks` (sent, or dropped by a close), or at once when there is no socket to take them.
   */
  write(chunks: Buffer, sent?: () => void): void {
    const socket = this.socket;
    if (!socket || socket.destroyed) return sent?.();
    if (this.corked !== socket) {
      this.corked?.uncork();
      this.corked = socket;
      socket.cork();
      process.nextTick(this.uncork);
    }
    socket.write(chunks, sent);
  }

  /** Sends what this tick corked now, e.g. a catch-up that must not wait for the rest of the tick's work. */
  flush(): void {
    if (this.corked === this.socket) this.uncork();
  }

  private readonly uncork = (): void => {
    const socket = this.corked;
    this.corked = null;
    socket?.uncork();
  };

  /** Unpublishes politely, then closes; no onClose error follows. */
  close(): void {
    if (this.closing) return;
    this.closing = true;
    const socket = this.socket;
    if (!socket || socket.destroyed) return;
    if (this.handshakeDone) {
      this.invoke("FCUnpublish", { cmdObj: null, streamName: this.target.streamKey });
      this.invoke("deleteStream", { cmdObj: null, streamId: MEDIA_STREAM_ID });
    }
    socket.end();
    setTimeout(() => socket.destroy(), 2000).unref();
  }

  /** Drops the connection at once, e.g. when its queue overflowed. */
  destroy(err: OutputError): void {
    this.closing = true;
    this.socket?.destroy();
    this.endWith(err);
  }

  private endWith(err: OutputError | null): void {
    const onClose = this.onClose;
    this.onClose = () => {};
    onClose(err);
  }

  private readHandshake(data: Buffer, app: string, tcUrl: string): void {
    this.handshake = Buffer.concat([this.handshake, data]);
    if (this.handshake.length < 1 + 2 * HANDSHAKE_SIZE) return;
    if (this.handshake[0] !== 3) throw new Error(`RTMP version ${this.handshake[0]} in handshake`);
    const s1 = this.handshake.subarray(1, 1 + HANDSHAKE_SIZE);
    const rest = this.handshake.subarray(1 + 2 * HANDSHAKE_SIZE);
    this.handshakeDone = true;
    this.handshake = Buffer.alloc(0);
    this.write(s1); // C2 echoes S1
    this.startPublishing(app, tcUrl);
    if (rest.length > 0) this.chunkRead(rest, 0, rest.length);
  }

  /**
   * connect, then (on its answer) releaseStream, FCPublish and createStream, then (on that answer)
   * publish: the order OBS's librtmp, ffmpeg and nginx-rtmp's push all keep, so every platform's
   * ingest takes it. Media waits for NetStream.Publish.Start.
   */
  private startPublishing(app: string, tcUrl: string): void {
    const chunkSize = Buffer.alloc(4);
    chunkSize.writeUInt32BE(OUT_CHUNK_SIZE);
    this.write(encodeChunks({ chunkStream: ChunkStream.control, type: TYPE.setChunkSize, streamId: 0, timestamp: 0, payload: chunkSize }));

    const key = this.target.streamKey;
    this.invoke(
      "connect",
      { cmdObj: { app, type: "nonprivate", flashVer: "FMLE/3.0 (compatible; Prism)", swfUrl: tcUrl, tcUrl } },
      (result) => {
        if (result.cmd === "_error") return this.fail(this.refusal(result, "refused the connection"));
        this.invoke("releaseStream", { cmdObj: null, streamName: key });
        this.invoke("FCPublish", { cmdObj: null, streamName: key });
        this.invoke("createStream", { cmdObj: null }, (created) => {
          if (created.cmd === "_error" || typeof created.info !== "number") {
            return this.fail(this.refusal(created, "refused to create a stream"));
          }
          if (created.info !== MEDIA_STREAM_ID) {
            // Media chunks are encoded once for every output with stream id 1; a server that
            // hands out another id would need re-framed chunks. None seen in practice.
            return this.fail(new OutputError("protocol", `${this.where} assigned stream id ${created.info}; Prism needs 1.`));
          }
          this.invoke("publish", { cmdObj: null, streamName: key, type: "live" }, undefined, MEDIA_STREAM_ID);
        });
      },
    );
  }

  private invoke(cmd: string, fields: Record<string, unknown>, onResult?: (m: Rtmp.InvokeMessage) => void, streamId = 0): void {
    const transId = this.transId++;
    if (onResult) this.pending.set(transId, onResult);
    const payload = amf.encodeAmf0Cmd({ cmd, transId, ...fields });
    this.write(encodeChunks({ chunkStream: ChunkStream.command, type: TYPE.invoke, streamId, timestamp: 0, payload }));
  }

  override invokeHandler(): void {
    const header = this.parserPacket.header;
    const offset = header.type === 17 ? 1 : 0;
    const message = amf.decodeAmf0Cmd(this.parserPacket.payload.subarray(offset, header.length)) as Rtmp.InvokeMessage;
    if (message.cmd === "_result" || message.cmd === "_error") {
      const handler = this.pending.get(Number(message.transId));
      this.pending.delete(Number(message.transId));
      handler?.(message);
    } else if (message.cmd === "onStatus") {
      const info = (message.info ?? {}) as { code?: string; description?: string };
      const code = info.code ?? "";
      if (code === "NetStream.Publish.Start") this.onPublished?.();
      else if (REFUSAL.test(code)) {
        const err = this.refusal(message, "refused the stream key");
        this.fail(err);
        this.endWith(err);
      }
    } else if (message.cmd === "close") {
      this.fail(new OutputError("closed", `${this.where} ended the stream.`));
    }
  }

  override controlHandler(): void {
    const { header, payload } = this.parserPacket;
    if (header.type === TYPE.setChunkSize) this.inChunkSize = payload.readUInt32BE(0) & 0x7fffffff;
    else if (header.type === TYPE.windowAckSize) {
      this.ackSize = payload.readUInt32BE(0);
      this.tellWindowAckSize();
    }
  }

  /**
   * Our own Window Acknowledgement Size (what OBS's librtmp also sends), right when the server's
   * arrives. A server answers connect with several small writes; one without TCP_NODELAY holds
   * all but the first until that one is ACKed, and after the handshake our kernel delays that ACK
   * (~40 ms) unless we send something it can ride on: this reply is that something.
   */
  private tellWindowAckSize(): void {
    if (this.toldWindowAckSize) return;
    this.toldWindowAckSize = true;
    const size = Buffer.alloc(4);
    size.writeUInt32BE(WINDOW_ACK_SIZE);
    this.write(encodeChunks({ chunkStream: ChunkStream.control, type: TYPE.windowAckSize, streamId: 0, timestamp: 0, payload: size }));
  }

  override eventHandler(): void {
    const payload = this.parserPacket.payload;
    if (payload.length < 6 || payload.readUInt16BE(0) !== 6) return;
    // PingRequest → PingResponse with the same timestamp; servers drop clients that ignore pings.
    const pong = Buffer.alloc(6);
    pong.writeUInt16BE(7, 0);
    payload.copy(pong, 2, 2, 6);
    this.write(encodeChunks({ chunkStream: ChunkStream.control, type: TYPE.userControl, streamId: 0, timestamp: 0, payload: pong }));
  }

  private refusal(message: Rtmp.InvokeMessage, what: string): OutputError {
    const info = (message.info ?? {}) as { code?: string; description?: string };
    // Servers often echo the stream name (the key) in descriptions; it must not reach health or logs.
    const detail = [info.code, info.description].filter(Boolean).join(": ").split(this.target.streamKey).join("[stream key]");
    return new OutputError("rejected", `${this.where} ${what}${detail ? ` (${detail})` : ""}. Check the stream key and the app path of the URL.`);
  }

  private acknowledge(): void {
    if (!this.ackSize || this.received - this.acked < this.ackSize) return;
    this.acked = this.received;
    const ack = Buffer.alloc(4);
    ack.writeUInt32BE(this.received >>> 0);
    this.write(encodeChunks({ chunkStream: ChunkStream.control, type: TYPE.ack, streamId: 0, timestamp: 0, payload: ack }));
  }
}

