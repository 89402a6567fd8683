import type { EncodedFrame, MediaPacket } from "./media.js";
import { encodeMedia } from "./rtmp/chunks.js";
import { kbps, RateMeter } from "./rate.js";
import { describeCodecs, type StreamInfo } from "./stream-info.js";

/** A reader of a live stream: it must never block; it queues or drops on its own. */
export interface HubReader {
  frame(frame: EncodedFrame): void;
  /** The hub detached this reader because it threw; nothing more will come. */
  crashed(err: unknown): void;
}

export interface IngestHealth {
  bitrateKbps: number;
  fps: number;
  videoCodec: string | null;
  audioCodec: string | null;
  width: number | null;
  height: number | null;
  uptimeMs: number;
}

/** Past this, the current GOP is not cached: late joiners then wait for the next keyframe. */
const GOP_CACHE_MAX_BYTES = 32 * 1024 * 1024;

/**
 * One live stream that outputs attach to (after MediaMTX's `stream`). Each message is encoded as RTMP
 * chunks once and the same Buffer goes to every reader; codec headers and the current GOP are kept
 * so a reader that joins late starts on a keyframe with the headers first.
 */
export class StreamHub {
  private metadata: EncodedFrame | null = null;
  private audioHeader: EncodedFrame | null = null;
  private videoHeader: EncodedFrame | null = null;
  private gop: EncodedFrame[] = [];
  private gopBytes = 0;
  private readonly readers = new Set<HubReader>();
  private readonly bytesIn = new RateMeter();
  private readonly videoFrames = new RateMeter();
  private readonly info: StreamInfo = { videoCodec: null, audioCodec: null, width: null, height: null };
  private readonly startedAt = Date.now();

  push(packet: MediaPacket): void {
    const frame: EncodedFrame = {
      kind: packet.kind,
      isHeader: packet.isHeader,
      isKeyframe: packet.isKeyframe,
      dts: packet.dts,
      size: packet.payload.length,
      chunks: encodeMedia(packet.kind, packet.dts, packet.payload),
    };
    this.bytesIn.add(frame.size);
    if (packet.kind === "video" && !packet.isHeader) this.videoFrames.add(0);
    describeCodecs(this.info, packet);
    this.remember(frame);
    for (const reader of this.readers) {
      try {
        reader.frame(frame);
      } catch (err) {
        // A bug in one output must not cost the publisher or the other outputs a frame.
        this.readers.delete(reader);
        reader.crashed(err);
      }
    }
  }

  attach(reader: HubReader): void {
    this.readers.add(reader);
  }

  detach(reader: HubReader): void {
    this.readers.delete(reader);
  }

  get hasVideo(): boolean {
    return this.videoHeader !== null;
  }

  /** What a reader that starts now must send first: codec headers, then the frames since the last keyframe. */
  catchUp(): EncodedFrame[] {
    const headers = [this.metadata, this.audioHeader, this.videoHeader].filter((f): f is EncodedFrame => f !== null);
    return [...headers, ...this.gop];
  }

  health(): IngestHealth {
    return {
      bitrateKbps: kbps(this.bytesIn.perSecond().bytes),
      fps: Math.round(this.videoFrames.perSecond().count * 10) / 10,
      ...this.info,
      uptimeMs: Date.now() - this.startedAt,
    };
  }

  private remember(frame: EncodedFrame): void {
    if (frame.isHeader) {
      if (frame.kind === "data") this.metadata = frame;
      else if (frame.kind === "audio") this.audioHeader = frame;
      else this.videoHeader = frame;
      return;
    }
    if (frame.kind === "video" && frame.isKeyframe) {
      this.gop = [];
      this.gopBytes = 0;
    } else if (this.gop.length === 0) {
      return; // no keyframe yet: nothing a late joiner could decode
    }
    this.gopBytes += frame.chunks.length;
    if (this.gopBytes > GOP_CACHE_MAX_BYTES) {
      this.gop = [];
      this.gopBytes = 0;
      return;
    }
    this.gop.push(frame);
  }
}
