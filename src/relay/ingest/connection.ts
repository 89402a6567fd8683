import type { Socket } from "node:net";
import type AVPacket from "node-media-server/src/core/avpacket.js";
import { Rtmp, toMediaPacket } from "../rtmp/nms.js";
import { ChunkDemuxer, RtmpProtocolError, type ChunkLimits, type ChunkMessage } from "../rtmp/chunk-demuxer.js";
import type { MediaPacket } from "../media.js";

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
 * One RTMP connection to the ingest, on node-media-server's protocol engine (handshake, AMF, command
 * and media handling). It answers connect and createStream like NMS, but asks `decide` before
 * acknowledging a publish so a wrong key gets a NetStream.Publish.BadName instead of a Publish.Start
 * followed by a hang-up; and it refuses play. Chunks are demuxed by Prism's bounded ChunkDemuxer
 * instead of NMS's parser, which allocates whatever length a chunk header claims.
 */
export class IngestConnection extends Rtmp {
  private sink: IngestSink | null = null;
  private ended = false;
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
    private readonly decide: (req: PublishRequest, connection: IngestConnection) => PublishDecision,
  ) {
    super();
    this.demuxer = new ChunkDemuxer(limits, (message) => this.handle(message));
    this.onOutputCallback = (buffer) => {
      if (!socket.destroyed) socket.write(buffer);
    };
    this.onPacketCallback = (packet) => this.forward(packet);
  }

  get publishing(): boolean {
    return this.sink !== null && !this.ended;
  }

  override onPublish(message: Rtmp.InvokeMessage): void {
    const [streamKey = "", query = ""] = String(message.streamName ?? "").split("?");
    this.streamId = this.parserPacket.header.stream_id;
    const decision = this.decide(
      { app: this.streamApp ?? "", streamKey, query, remoteAddress: this.socket.remoteAddress ?? "" },
      this,
    );
    if (!decision.accept) {
      this.sendStatusMessage(this.streamId, "error", "NetStream.Publish.BadName", decision.reason);
      this.socket.end();
      return;
    }
    this.sink = decision.sink;
    this.sendStatusMessage(this.streamId, "status", "NetStream.Publish.Start", "Publishing.");
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

  /** Drops the publisher for good, e.g. when its stream is deleted while live. */
  disconnect(reason: string): void {
    this.finish(reason, true);
    this.socket.destroy();
  }

  /** Ends the publish (once), whatever ended it: unpublish, socket close, error, timeout. */
  finish(reason: string, deliberate = false): void {
    if (this.ended) return;
    this.ended = true;
    this.sink?.end(reason, deliberate);
  }

  private forward(packet: AVPacket): void {
    const media = toMediaPacket(packet);
    if (media && this.sink && !this.ended) this.sink.packet(media);
  }
}
