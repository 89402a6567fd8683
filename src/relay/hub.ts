import type { EncodedFrame, MediaPacket } from "./media.js";
import { encodeMedia } from "./rtmp/chunks.js";
import { kbps, RateMeter } from "./rate.js";
import { describeCodecs, emptyIngestMediaInfo, type IngestMediaInfo } from "./stream-info.js";
import { Timeline } from "./timeline.js";
import { SlatePlayer, type SlateClip, type SlateFormat } from "./slate.js";
import { parameterSetsOf, withParameterSets, type ParameterSets } from "./avc.js";

const AVC = 7;

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

/**
 * Where the stream's pictures come from: the publisher; the slate while the publisher is away;
 * "resuming" when a publisher is back and the slate runs until its first keyframe.
 */
export type HubSource = "publisher" | "slate" | "resuming";

/** Past this, the current GOP is not cached: late joiners then wait for the next keyframe. */
const GOP_CACHE_MAX_BYTES = 32 * 1024 * 1024;

/**
 * One live stream that outputs attach to (after MediaMTX's `stream`). Each message is encoded as RTMP
 * chunks once and the same Buffer goes to every reader; codec headers and the current GOP are kept
 * so a reader that joins late starts on a keyframe with the headers first. Publishers and the slate
 * are stitched onto one timeline, so readers never see time go backwards.
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
  private info: IngestMediaInfo = emptyIngestMediaInfo();
  private readonly startedAt = Date.now();
  private readonly timeline = new Timeline();
  private source: HubSource = "publisher";
  private slate: SlatePlayer | null = null;
  /** A returning publisher's codec headers, held until its first keyframe. */
  private pending: MediaPacket[] = [];
  /**
   * Once the stream has switched source, every keyframe carries its source's SPS/PPS in-band, so a
   * decoder that joins or seeks anywhere decodes it, whatever sequence header it saw first.
   */
  private inband: ParameterSets | null = null;
  private switched = false;

  /** From the publisher. */
  push(packet: MediaPacket): void {
    this.bytesIn.add(packet.payload.length);
    if (packet.kind === "video" && !packet.isHeader) this.videoFrames.add(0);
    if (this.source === "resuming") return this.resume(packet);
    describeCodecs(this.info, packet);
    this.emit(packet);
  }

  /** The publisher went away: keep the readers fed with the slate, if there is one. */
  publisherLost(clip: SlateClip | null): void {
    this.source = "slate";
    if (clip) this.playSlate(clip);
  }

  /** The slate became ready after the publisher had already gone. */
  slateReady(clip: SlateClip): void {
    if (this.source !== "publisher" && !this.slate) this.playSlate(clip);
  }

  /** A publisher is back: the slate goes on until its first keyframe, then the switch is seamless. */
  publisherReturned(): void {
    this.source = "resuming";
    this.pending = [];
  }

  get currentSource(): HubSource {
    return this.source;
  }

  /** What the slate must look like to pass for this stream; null until the stream's format is known. */
  slateFormat(): SlateFormat | null {
    const { width, height, framerate, audioCodec, audioSampleRate, audioChannels } = this.info;
    if (!width || !height || !this.videoHeader) return null;
    const measured = this.videoFrames.perSecond().count;
    const fps = framerate ?? (measured > 0 ? Math.round(measured) : 30);
    const audio = audioCodec === "AAC" && audioSampleRate && audioChannels ? { sampleRate: audioSampleRate, channels: audioChannels } : null;
    return { width, height, fps: Math.min(Math.max(Math.round(fps), 1), 60), audio };
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
    const { videoCodec, audioCodec, width, height } = this.info;
    return {
      bitrateKbps: kbps(this.bytesIn.perSecond().bytes),
      fps: Math.round(this.videoFrames.perSecond().count * 10) / 10,
      videoCodec,
      audioCodec,
      width,
      height,
      uptimeMs: Date.now() - this.startedAt,
    };
  }

  /** Stops the slate's clock; the hub is done. */
  close(): void {
    this.slate?.stop();
    this.slate = null;
  }

  private playSlate(clip: SlateClip): void {
    const frameMs = this.frameDurationMs();
    this.timeline.continueWith(0, frameMs);
    this.switched = true;
    this.slate = new SlatePlayer(clip, (packet) => this.emit(packet));
    this.slate.start();
  }

  /** A returning publisher: hold its headers, drop what precedes its first keyframe, then switch. */
  private resume(packet: MediaPacket): void {
    if (packet.isHeader) {
      this.pending = this.pending.filter((p) => p.kind !== packet.kind);
      this.pending.push({ ...packet, payload: Buffer.from(packet.payload) });
      return;
    }
    if (!(packet.kind === "video" && packet.isKeyframe)) return;
    this.slate?.stop();
    this.slate = null;
    this.source = "publisher";
    this.timeline.continueWith(packet.dts, this.frameDurationMs());
    this.switched = true;
    // Fresh codec headers first: the new publisher's encoder may differ from the old one's.
    this.info = emptyIngestMediaInfo();
    for (const header of this.pending) {
      describeCodecs(this.info, header);
      this.emit(header);
    }
    this.pending = [];
    describeCodecs(this.info, packet);
    this.emit(packet);
  }

  private emit(packet: MediaPacket): void {
    if (this.switched && packet.kind === "video" && packet.codecId === AVC) {
      if (packet.isHeader) this.inband = parameterSetsOf(packet.payload);
      else if (packet.isKeyframe && this.inband) packet = { ...packet, payload: withParameterSets(packet.payload, this.inband) };
    }
    const dts = packet.isHeader ? this.timeline.now() : this.timeline.map(packet.kind, packet.dts);
    if (dts === null) return; // would go backwards on its track
    const frame: EncodedFrame = {
      kind: packet.kind,
      isHeader: packet.isHeader,
      isKeyframe: packet.isKeyframe,
      dts,
      size: packet.payload.length,
      chunks: encodeMedia(packet.kind, dts, packet.payload),
    };
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

  private frameDurationMs(): number {
    return Math.round(1000 / (this.slateFormat()?.fps ?? 30));
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
