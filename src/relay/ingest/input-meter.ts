import type { MediaPacket } from "../media.js";
import { kbps, RateMeter } from "../rate.js";
import { describeCodecs, emptyIngestMediaInfo, type IngestMediaInfo } from "../stream-info.js";

/** One encoder's ingest as health shows it, whether or not it is on air. */
export interface InputHealth {
  connected: boolean;
  bitrateKbps: number;
  fps: number;
  codecs: { video: string | null; audio: string | null };
  size: { width: number; height: number } | null;
  /** When its last audio or video frame arrived; null if none yet. */
  lastMediaAt: string | null;
}

/** ~0.2 s of AAC at 48 kHz: an encoder with pictures has sent its video header well before this. */
const AUDIO_ONLY_AFTER_FRAMES = 10;

/** Measures one encoder (primary or backup) from what it sends, on air or not. */
export class InputMeter {
  private readonly bytes = new RateMeter();
  private readonly frames = new RateMeter();
  private info: IngestMediaInfo = emptyIngestMediaInfo();
  private lastMediaAt: number | null = null;
  /** Audio frames since it connected, before any sign of video. */
  private audioOnlyFrames = 0;
  connected = false;

  /** A new connection on this input: its encoder (and so its format) may differ from the last one's. */
  connect(): void {
    this.connected = true;
    this.info = emptyIngestMediaInfo();
    this.audioOnlyFrames = 0;
  }

  packet(packet: MediaPacket): void {
    this.bytes.add(packet.payload.length);
    if (packet.kind === "video" && !packet.isHeader) this.frames.add(0);
    if (!packet.isHeader && packet.kind !== "data") this.lastMediaAt = Date.now();
    describeCodecs(this.info, packet);
    if (packet.kind === "audio" && !packet.isHeader && this.info.videoCodec === null) this.audioOnlyFrames++;
  }

  /**
   * Whether this encoder sends pictures: true once a video header, frame or metadata size says so;
   * false only after a run of audio frames with no sign of video (headers may come in any order);
   * null until then.
   */
  get hasVideo(): boolean | null {
    if (this.info.videoCodec !== null || this.info.width !== null) return true;
    return this.audioOnlyFrames >= AUDIO_ONLY_AFTER_FRAMES ? false : null;
  }

  /** Codecs and size in words, e.g. "H264 1280x720 + AAC", or null until anything is known. */
  describe(): string | null {
    const { videoCodec, audioCodec, width, height } = this.info;
    if (videoCodec === null && audioCodec === null) return null;
    const video = videoCodec === null ? "no video" : width && height ? `${videoCodec} ${width}x${height}` : videoCodec;
    return `${video} + ${audioCodec ?? "no audio"}`;
  }

  health(): InputHealth {
    const { videoCodec, audioCodec, width, height } = this.info;
    return {
      connected: this.connected,
      bitrateKbps: this.connected ? kbps(this.bytes.perSecond().bytes) : 0,
      fps: this.connected ? Math.round(this.frames.perSecond().count * 10) / 10 : 0,
      codecs: { video: videoCodec, audio: audioCodec },
      size: width && height ? { width, height } : null,
      lastMediaAt: this.lastMediaAt === null ? null : new Date(this.lastMediaAt).toISOString(),
    };
  }
}
