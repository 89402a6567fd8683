import type { Socket } from "node:net";
import type AVPacket from "node-media-server/src/core/avpacket.js";
import { Rtmp, toMediaPacket } from "../rtmp/nms.js";
import type { MediaPacket } from "../media.js";

export interface PublishRequest {
  app: string;
  streamKey: string;
  remoteAddress: string;
}

/** Where an accepted publisher's packets go. */
export interface IngestSink {
  packet(packet: MediaPacket): void;
  /** `deliberate`: the publisher unpublished (OBS "Stop Streaming"), as opposed to dropping off. */
  end(reason: string, deliberate: boolean): void;
}

export type PublishDecision = { accept: true; sink: IngestSink } | { accept: false; reason: string };

export interface ConnectionLimits {
  /** Largest RTMP message accepted; the parser would otherwise allocate whatever a peer claims. */
  maxMessageBytes: number;
}

/**
 * One RTMP connection to the ingest, on node-media-server's protocol engine. It answers connect and
 * createStream like NMS, but asks `decide` before acknowledging a publish so a wrong key gets a
 * NetStream.Publish.BadName instead of a Publish.Start followed by a hang-up; and it refuses play.
 */
export class IngestConnection extends Rtmp {
  private sink: IngestSink | null = null;
  private ended = false;

  constructor(
    private readonly socket: Socket,
    private readonly limits: ConnectionLimits,
    private readonly decide: (req: PublishRequest, connection: IngestConnection) => PublishDecision,
  ) {
    super();
    this.onOutputCallback = (buffer) => {
      if (!socket.destroyed) socket.write(buffer);
    };
    this.onPacketCallback = (packet) => this.forward(packet);
  }

  get publishing(): boolean {
    return this.sink !== null && !this.ended;
  }

  override onPublish(message: Rtmp.InvokeMessage): void {
    const [streamKey = ""] = String(message.streamName ?? "").split("?");
    this.streamId = this.parserPacket.header.stream_id;
    const decision = this.decide(
      { app: this.streamApp ?? "", streamKey, remoteAddress: this.socket.remoteAddress ?? "" },
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

  override packetAlloc(): void {
    if (this.parserPacket.header.length > this.limits.maxMessageBytes) {
      throw new Error(`RTMP message of ${this.parserPacket.header.length} bytes exceeds the limit`);
    }
    // Timestamp deltas add up past 32 bits when the publisher's clock wraps, and NMS drops every
    // message whose clock exceeds 32 bits: keep the wire value (IngestClock unwraps it).
    this.parserPacket.clock %= 2 ** 32;
    super.packetAlloc();
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
