import type { MediaPacket } from "../media.js";
import type { IngestSink } from "./connection.js";

/**
 * The sink of a publisher that takes over from the media player (a file played into the stream).
 * The file stays on air until this publisher's first keyframe (its first audio frame for a stream
 * without pictures): only then is `takeOver` called, which stops the player and returns the sink
 * the publisher would have had on a fresh publish. Its codec headers, seen before, go first.
 */
export class HandoffSink implements IngestSink {
  private readonly headers: MediaPacket[] = [];
  private sink: IngestSink | null = null;
  private done = false;

  constructor(
    private readonly takeOver: () => IngestSink,
    /** The publisher left before its first keyframe: the file plays on. */
    private readonly abandoned: (reason: string) => void,
  ) {}

  packet(packet: MediaPacket): void {
    if (this.done) return;
    if (this.sink) return this.sink.packet(packet);
    if (packet.isHeader) {
      // The ingest reuses the payload's buffer once the call returns: keep a copy.
      const kept = this.headers.filter((p) => p.kind !== packet.kind);
      kept.push({ ...packet, payload: Buffer.from(packet.payload) });
      this.headers.splice(0, this.headers.length, ...kept);
      return;
    }
    if (!this.isSyncPoint(packet)) return;
    this.sink = this.takeOver();
    for (const header of this.headers) this.sink.packet(header);
    this.headers.length = 0;
    this.sink.packet(packet);
  }

  end(reason: string, deliberate: boolean): void {
    if (this.done) return;
    this.done = true;
    if (this.sink) this.sink.end(reason, deliberate);
    else this.abandoned(reason);
  }

  private isSyncPoint(packet: MediaPacket): boolean {
    const hasVideo = this.headers.some((p) => p.kind === "video");
    return hasVideo ? packet.kind === "video" && packet.isKeyframe : packet.kind === "audio";
  }
}
