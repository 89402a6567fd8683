import type { EncodedFrame, MediaPacket } from "./media.js";
import { encodedLength, encodeMedia } from "./rtmp/chunks.js";
import { kbps, RateMeter } from "./rate.js";
import { describeCodecs, emptyIngestMediaInfo, type IngestMediaInfo } from "./stream-info.js";
import { Timeline } from "./timeline.js";
import { SlatePlayer, type SlateClip, type SlateFormat } from "./slate.js";
import { parameterSetsOf, withParameterSets, type ParameterSets } from "./avc.js";
import { compositionTime } from "./composition-time.js";
import type { FramePool } from "./frame-pool.js";

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
 * A live input of the hub: the main encoder ("primary") or a second one publishing with the
 * stream's backup key ("backup"). The hub keeps every input's codec headers and forwards only the
 * selected one.
 */
export type InputId = "primary" | "backup";

/** What the hub forwards: one of its inputs, or the slate. */
export type SourceId = InputId | "slate";

/**
 * Where the stream's pictures come from, as health tells it: the publisher; the slate while the
 * publisher is away; "resuming" when the hub is switching to an input and the previous source
 * runs on until that input's first keyframe.
 */
export type HubSource = "publisher" | "backup" | "slate" | "resuming";

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
  private active: SourceId = "primary";
  /** The input the hub switches to at its next keyframe; until then the active source runs on. */
  private switchingTo: InputId | null = null;
  /** Each input's latest codec headers (and metadata), sent again when the hub switches to it. */
  private readonly inputHeaders = new Map<InputId, MediaPacket[]>();
  private slate: SlatePlayer | null = null;
  /**
   * Once the stream has switched source, every keyframe carries its source's SPS/PPS in-band, so a
   * decoder that joins or seeks anywhere decodes it, whatever sequence header it saw first.
   */
  private inband: ParameterSets | null = null;
  private switched = false;

  /** `pool`: where frames' buffers come from and go back to; without one, each frame gets its own. */
  constructor(private readonly pool: FramePool | null = null) {}

  /** From an input (the publisher). Only the active input reaches the readers. */
  push(packet: MediaPacket, input: InputId = "primary"): void {
    if (packet.isHeader) this.keepHeader(input, packet);
    if (input !== this.switchingTo && input !== this.active) return;
    // Measured is what is (about to be) on air; each encoder's own figures are measured upstream.
    this.bytesIn.add(packet.payload.length);
    if (packet.kind === "video" && !packet.isHeader) this.videoFrames.add(0);
    if (input === this.switchingTo) return this.switchAt(input, packet);
    describeCodecs(this.info, packet);
    this.emit(packet);
  }

  /**
   * The active input is gone or silent: keep the readers fed with the slate, if there is one. A
   * slate already playing (it bridged a switch to an encoder that was lost before its keyframe)
   * plays on: a second player would outlive the first's stop and keep its clock ahead of the
   * returning publisher, whose frames would then all be dropped as going back in time.
   */
  showSlate(clip: SlateClip | null): void {
    this.active = "slate";
    this.switchingTo = null;
    if (clip && !this.slate) this.playSlate(clip);
  }

  /** The slate became ready after the hub had already switched to it. */
  slateReady(clip: SlateClip): void {
    if (this.active === "slate" && !this.slate) this.playSlate(clip);
  }

  /**
   * Switch to `input` at its next keyframe; the current source (the slate) runs on until then.
   * `fresh`: a new encoder on that input (a reconnect, a restarted ffmpeg), so its old codec
   * headers no longer apply; a stalled input that sends again keeps them.
   */
  switchTo(input: InputId, { fresh }: { fresh: boolean }): void {
    this.switchingTo = input;
    if (fresh) this.inputHeaders.delete(input);
  }

  /** A new encoder on `input` whose old codec headers no longer apply; it is not switched to. */
  forgetInput(input: InputId): void {
    this.inputHeaders.delete(input);
  }

  /** What the hub forwards, or is switching to at its next keyframe. */
  get target(): SourceId {
    return this.switchingTo ?? this.active;
  }

  /**
   * The source whose frames the hub is emitting now (during a switch, the old one until the new
   * one's keyframe). Readers ask it from frame(), which the hub calls as it emits: the recorder
   * leaves the slate out this way.
   */
  get onAir(): SourceId {
    return this.active;
  }

  get currentSource(): HubSource {
    if (this.switchingTo) return "resuming";
    return this.active === "slate" ? "slate" : this.active === "backup" ? "backup" : "publisher";
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
    // Placed by its first picture, like a publisher at its keyframe: the AAC encoder's priming puts
    // the clip's first sound (dts 0) some 23 ms before it.
    const first = clip.frames.find((f) => f.kind === "video" && f.isKeyframe) ?? clip.frames[0];
    this.timeline.continueWith(first?.dts ?? 0, first ? compositionTime(first) : 0, this.frameDurationMs());
    this.switched = true;
    this.slate = new SlatePlayer(clip, (packet) => this.emit(packet));
    this.slate.start();
  }

  private keepHeader(input: InputId, packet: MediaPacket): void {
    const kept = (this.inputHeaders.get(input) ?? []).filter((p) => p.kind !== packet.kind);
    kept.push({ ...packet, payload: Buffer.from(packet.payload) });
    this.inputHeaders.set(input, kept);
  }

  /** While switching: what precedes the input's first keyframe is dropped (its headers are kept). */
  private switchAt(input: InputId, packet: MediaPacket): void {
    if (packet.isHeader) return;
    // A stream with pictures waits for a keyframe even if the input's video header is still to come.
    const hasVideo = this.hasVideo || (this.inputHeaders.get(input)?.some((p) => p.kind === "video") ?? false);
    const syncPoint = hasVideo ? packet.kind === "video" && packet.isKeyframe : packet.kind === "audio";
    if (syncPoint) this.take(input, packet);
  }

  /** Makes `input` the source from `first` on (its keyframe, or its first frame for audio-only). */
  private take(input: InputId, first: MediaPacket): void {
    this.slate?.stop();
    this.slate = null;
    this.active = input;
    this.switchingTo = null;
    this.timeline.continueWith(first.dts, compositionTime(first), this.frameDurationMs());
    this.switched = true;
    // Fresh codec headers first: the new source's encoder may differ from the old one's.
    this.info = emptyIngestMediaInfo();
    for (const header of this.inputHeaders.get(input) ?? []) {
      describeCodecs(this.info, header);
      this.emit(header);
    }
    describeCodecs(this.info, first);
    this.emit(first);
  }

  private emit(packet: MediaPacket): void {
    if (this.switched && packet.kind === "video" && packet.codecId === AVC) {
      if (packet.isHeader) this.inband = parameterSetsOf(packet.payload);
      else if (packet.isKeyframe && this.inband) packet = { ...packet, payload: withParameterSets(packet.payload, this.inband) };
    }
    const dts = packet.isHeader ? this.timeline.now() : this.timeline.map(packet.kind, packet.dts, compositionTime(packet));
    if (dts === null) return; // would go backwards on its track
    // Codec headers are kept for the whole stream: only frames, which the GOP lets go, are pooled.
    const lease = packet.isHeader ? null : (this.pool?.lease(encodedLength(packet.payload.length, dts)) ?? null);
    const frame: EncodedFrame = {
      kind: packet.kind,
      isHeader: packet.isHeader,
      isKeyframe: packet.isKeyframe,
      dts,
      size: packet.payload.length,
      chunks: encodeMedia(packet.kind, dts, packet.payload, lease?.buffer),
      lease: lease ?? undefined,
    };
    const kept = this.remember(frame);
    this.emitToReaders(frame);
    if (!kept) lease?.release();
  }

  private emitToReaders(frame: EncodedFrame): void {
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

  /**
   * The stream's frame duration (fractional at 30 fps): a new source starts whole frames after the
   * last one's pictures, so the stream stays on one frame grid.
   */
  private frameDurationMs(): number {
    return 1000 / (this.slateFormat()?.fps ?? 30);
  }

  /** Keeps headers and the current GOP for late joiners; whether `frame` is kept. */
  private remember(frame: EncodedFrame): boolean {
    if (frame.isHeader) {
      if (frame.kind === "data") this.metadata = frame;
      else if (frame.kind === "audio") this.audioHeader = frame;
      else this.videoHeader = frame;
      return true;
    }
    if (frame.kind === "video" && frame.isKeyframe) {
      this.dropGop();
    } else if (this.gop.length === 0) {
      return false; // no keyframe yet: nothing a late joiner could decode
    }
    this.gopBytes += frame.chunks.length;
    if (this.gopBytes > GOP_CACHE_MAX_BYTES) {
      this.dropGop();
      return false;
    }
    this.gop.push(frame);
    return true;
  }

  /** Forgets the cached GOP; its frames' buffers go back to the pool once no output still sends them. */
  private dropGop(): void {
    for (const frame of this.gop) frame.lease?.release();
    this.gop = [];
    this.gopBytes = 0;
  }
}
