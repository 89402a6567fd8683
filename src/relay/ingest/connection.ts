import type { Socket } from "node:net";
import type AVPacket from "node-media-server/src/core/avpacket.js";
import { Rtmp, toMediaPacket } from "../rtmp/nms.js";
import { ChunkDemuxer, RtmpProtocolError, type ChunkLimits, type ChunkMessage } from "../rtmp/chunk-demuxer.js";
import type { MediaPacket } from "../media.js";
import { isPromise, type MaybePromise } from "../../core/maybe-promise.js";

export interface PublishRequest {
  app: string;
  streamKey: string;
  /** What followed the key after a "?" (e.g. the in-process media player's mark); "" if nothing. */
  query: string;
  remoteAddress: string;
}

/** Where an accepted publisher's packets go. */
export interface IngestSink {
  packet(packet: MediaPacket): void;
  /** `deliberate`: the publisher unpublished (OBS "Stop Streaming"), as opposed to dropping off. */
  end(reason: string, deliberate: boolean): void;
}

export type PublishDecision = { accept: true; sink: IngestSink } | { accept: false; reason: string };

/**
 * Answers a publish: at once when configuration is in memory or in SQLite, or later when it comes from a
 * networked store (PostgreSQL). A synchronous answer is used on the spot, with no extra tick.
 */
export type Decide = (req: PublishRequest, connection: IngestConnection) => MaybePromise<PublishDecision>;

export interface DecisionOptions {
  /** How long a publish may wait for its decision before it is refused (default 10 s). */
  decisionTimeoutMs?: number;
  /** Bytes of messages a publisher may send while its decision is pending, held then replayed in order (default: the chunk limit). */
  maxHeldBytes?: number;
  /** A replayed message broke the protocol (default: close the connection). */
  onProtocolError?: (err: Error) => void;
}

/** Refused when the store does not answer in time; the publisher (OBS) retries on its own. */
export const DECISION_TIMEOUT_REASON = "Prism could not check the stream key in time (its database is slow or unreachable); try again shortly.";
export const DECISION_FAILED_REASON = "Prism could not check the stream key (its database is unavailable); try again shortly.";


/**
 * One RTMP connection to the ingest, on node-media-server's protocol engine (handshake, AMF, command
 * and media handling). It answers connect and createStream like NMS, but asks `decide` before
 * acknowledging a publish so a wrong key gets a NetStream.Publish.BadName instead of a Publish.Start
 * followed by a hang-up; and it refuses play. Chunks are demuxed by Prism's bounded ChunkDemuxer
 * instead of NMS's parser, which allocates whatever length a chunk header claims.
 */
export class IngestConnection extends Rtmp {
  private sink: IngestSink | null = null;
  private ended = false;
  /** Messages received while the publish decision is pending (copied: the demuxer reuses its buffers). */
  private held: ChunkMessage[] | null = null;
  private heldBytes = 0;
  private decisionTimer: NodeJS.Timeout | undefined;
  private readonly decisionTimeoutMs: number;
  private readonly maxHeldBytes: number;
  private readonly onProtocolError: (err: Error) => void;
  private readonly demuxer: ChunkDemuxer;
  /** The one packet object NMS's handlers read each demuxed message from. */
  private readonly message: Rtmp.ParserPacket = {
    header: { fmt: 0, cid: 0, timestamp: 0, length: 0, type: 0, stream_id: 0 },
    clock: 0,
    payload: Buffer.alloc(0),
    capacity: 0,
    bytes: 0,
  };

  constructor(
    private readonly socket: Socket,
    limits: ChunkLimits,
    private readonly decide: Decide,
    decision: DecisionOptions = {},
  ) {
    super();
    this.decisionTimeoutMs = decision.decisionTimeoutMs ?? 10_000;
    this.maxHeldBytes = decision.maxHeldBytes ?? limits.maxAllocatedBytes;
    this.onProtocolError =
      decision.onProtocolError ??
      (() => {
        this.finish("protocol error");
        socket.destroy();
      });
    this.demuxer = new ChunkDemuxer(limits, (message) => this.handle(message));
    this.onOutputCallback = (buffer) => {
      if (!socket.destroyed) socket.write(buffer);
    };
    this.onPacketCallback = (packet) => this.forward(packet);
  }

  get publishing(): boolean {
    return this.sink !== null && !this.ended;
  }

  /** A publish is waiting for its decision (bounded by DecisionLimits.decisionTimeoutMs, not the handshake deadline). */
  get deciding(): boolean {
    return this.held !== null;
  }

  /** The connection has ended (closed, refused, timed out, unpublished): a late decision must not put it on air. */
  get closed(): boolean {
    return this.ended;
  }

  override onPublish(message: Rtmp.InvokeMessage): void {
    const [streamKey = "", query = ""] = String(message.streamName ?? "").split("?");
    const streamId = this.parserPacket.header.stream_id;
    this.streamId = streamId;
    const decision = this.decide(
      { app: this.streamApp ?? "", streamKey, query, remoteAddress: this.socket.remoteAddress ?? "" },
      this,
    );
    if (isPromise(decision)) this.awaitDecision(decision, streamId);
    else this.apply(decision, streamId);
  }

  /**
   * Holds the publisher while its decision is pending: the socket stops being read, and whatever was already
   * read (media right behind the publish command) is kept in order, bounded, and replayed once accepted.
   */
  private awaitDecision(pending: Promise<PublishDecision>, streamId: number): void {
    this.held = [];
    this.heldBytes = 0;
    this.socket.pause();
    this.decisionTimer = setTimeout(() => settle({ accept: false, reason: DECISION_TIMEOUT_REASON }), this.decisionTimeoutMs);
    let settled = false;
    const settle = (decision: PublishDecision) => {
      if (settled) {
        // Answered after the deadline: the connection was refused meanwhile; release what was set up for it.
        if (decision.accept) decision.sink.end("the publish was refused before its decision arrived", false);
        return;
      }
      settled = true;
      clearTimeout(this.decisionTimer);
      const held = this.held ?? [];
      this.held = null;
      if (this.ended || this.socket.destroyed) {
        if (decision.accept) decision.sink.end("publisher disconnected", false);
        return;
      }
      this.apply(decision, streamId);
      try {
        if (decision.accept) for (const message of held) this.handle(message);
      } catch (err) {
        this.onProtocolError(err as Error);
        return;
      }
      // Read on, also after a refusal, so the publisher's own close is seen as with a synchronous refusal.
      this.socket.resume();
    };
    pending.then(settle, () => settle({ accept: false, reason: DECISION_FAILED_REASON }));
  }

  private apply(decision: PublishDecision, streamId: number): void {
    if (!decision.accept) {
      this.sendStatusMessage(streamId, "error", "NetStream.Publish.BadName", decision.reason);
      // Ended now, not when the socket closes: a decision still in flight for it must not go on air.
      this.finish("publish refused");
      this.socket.end();
      return;
    }
    this.sink = decision.sink;
    this.sendStatusMessage(streamId, "status", "NetStream.Publish.Start", "Publishing.");
  }

  override onPlay(): void {
    this.sendStatusMessage(this.parserPacket.header.stream_id, "error", "NetStream.Play.Failed", "Prism does not serve playback.");
    this.socket.end();
  }

  override onDeleteStream(): void {
    this.finish("publisher stopped", true);
  }

  /** Called by NMS's parserData with everything after the handshake. */
  override chunkRead(data: Buffer, offset: number, bytes: number): null {
    this.demuxer.push(data.subarray(offset, offset + bytes));
    return null;
  }

  /** Bytes this connection's message buffers hold now (bounded by its ChunkLimits). */
  get allocatedBytes(): number {
    return this.demuxer.allocatedBytes;
  }

  /** One complete message, through NMS's handlers (commands, media) as if its own parser had read it. */
  private handle(message: ChunkMessage): void {
    if (this.held) return this.hold(message);
    // Timestamp deltas add up past 32 bits when the publisher's clock wraps: keep the wire value,
    // which IngestClock unwraps (NMS's parser dropped every message after such a wrap).
    const clock = message.timestamp % 2 ** 32;
    const packet = this.message;
    packet.header.cid = message.chunkStream;
    packet.header.type = message.type;
    packet.header.stream_id = message.streamId;
    packet.header.length = message.payload.length;
    packet.header.timestamp = clock;
    packet.clock = clock;
    packet.payload = message.payload;
    packet.capacity = message.payload.length;
    this.parserPacket = packet;
    try {
      this.packetHandler();
    } catch (err) {
      if (err instanceof RtmpProtocolError) throw err;
      throw new RtmpProtocolError(`malformed RTMP message of type ${message.type}: ${(err as Error).message}`);
    }
  }

  private hold(message: ChunkMessage): void {
    this.heldBytes += message.payload.length;
    if (this.heldBytes > this.maxHeldBytes) {
      throw new RtmpProtocolError(`sent more than ${this.maxHeldBytes} bytes before its publish was accepted`);
    }
    this.held!.push({ ...message, payload: Buffer.from(message.payload) });
  }

  /**
   * Drops the publisher, e.g. when its stream is deleted while live. `deliberate: false` ends it as a drop rather
   * than a stop, so the stream waits on the slate (its key was rotated: the encoder must come back with the new one).
   */
  disconnect(reason: string, { deliberate = true }: { deliberate?: boolean } = {}): void {
    this.finish(reason, deliberate);
    this.socket.destroy();
  }

  /** Ends the publish (once), whatever ended it: unpublish, socket close, error, timeout. */
  finish(reason: string, deliberate = false): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.decisionTimer);
    this.sink?.end(reason, deliberate);
  }

  private forward(packet: AVPacket): void {
    const media = toMediaPacket(packet);
    if (media && this.sink && !this.ended) this.sink.packet(media);
  }
}
