import type { HubReader } from "./hub.js";
import type { EncodedFrame } from "./media.js";

/** What the hub's own health does not say about the ingest: its rhythm and its bitrate per track. */
export interface IngestMeasurements {
  /**
   * The longest keyframe interval seen lately (or the time since the last keyframe, when that is
   * longer already); null until it can be told.
   */
  keyframeIntervalSec: number | null;
  videoKbps: number | null;
  audioKbps: number | null;
  fps: number | null;
  hasVideo: boolean;
  hasAudio: boolean;
}

interface Sample {
  dts: number;
  bytes: number;
}

/** Media time the bitrate and fps figures are taken over. */
const WINDOW_MS = 10_000;
/** Without a second keyframe by then, the interval is at least this long: decide anyway. */
const MAX_WAIT_MS = 8_000;
/** An ingest that sends this much audio and no video at all is taken as audio-only. */
const AUDIO_ONLY_AFTER_MS = 3_000;

/**
 * A hub reader that measures the ingest from its frames' timestamps and sizes, so a destination's
 * plan (copy or transcode) and its warnings rest on what the publisher really sends, not on what
 * its metadata claims. Measured in media time, so a burst (a GOP catch-up, a slow network) does
 * not read as a bitrate spike.
 */
export class IngestAnalyzer implements HubReader {
  private readonly video: Sample[] = [];
  private readonly audio: Sample[] = [];
  private readonly keyframes: number[] = [];
  private videoHeader = false;
  private audioHeader = false;
  private firstAudioDts: number | null = null;
  private waiting: Array<() => void> = [];
  /** The figures since the last frame: a health request asks once per destination, often between two frames. */
  private measured: Readonly<IngestMeasurements> | null = null;

  frame(frame: EncodedFrame): void {
    if (frame.kind === "data") return;
    this.measured = null;
    if (frame.isHeader) {
      if (frame.kind === "video") this.videoHeader = true;
      else this.audioHeader = true;
      return;
    }
    const samples = frame.kind === "video" ? this.video : this.audio;
    samples.push({ dts: frame.dts, bytes: frame.size });
    while (samples.length > 1 && samples[0]!.dts < frame.dts - WINDOW_MS) samples.shift();
    if (frame.kind === "audio") this.firstAudioDts ??= frame.dts;
    if (frame.kind === "video" && frame.isKeyframe) {
      this.keyframes.push(frame.dts);
      // Intervals that end inside the window count, so keep the keyframe that opens the first one.
      while (this.keyframes.length > 2 && this.keyframes[1]! <= frame.dts - WINDOW_MS) this.keyframes.shift();
    }
    if (this.waiting.length > 0 && this.ready) {
      const callbacks = this.waiting;
      this.waiting = [];
      // After the hub has handed this frame to every reader: callbacks attach new readers to it.
      queueMicrotask(() => callbacks.forEach((cb) => cb()));
    }
  }

  crashed(): void {
    // Nothing to release; measurements simply stop.
  }

  /** Enough of the ingest seen to decide a plan: a whole GOP, or long enough to know there is none. */
  get ready(): boolean {
    if (this.keyframes.length >= 2) return true;
    const lastVideo = this.video.at(-1)?.dts;
    if (this.keyframes.length === 1 && lastVideo !== undefined && lastVideo - this.keyframes[0]! >= MAX_WAIT_MS) return true;
    const lastAudio = this.audio.at(-1)?.dts;
    return !this.videoHeader && this.video.length === 0 && lastAudio !== undefined && lastAudio - this.firstAudioDts! >= AUDIO_ONLY_AFTER_MS;
  }

  /** Calls `cb` once ready (at once if already); returns a cancel function. */
  whenReady(cb: () => void): () => void {
    if (this.ready) {
      queueMicrotask(cb);
      return () => {};
    }
    let cancelled = false;
    this.waiting.push(() => !cancelled && cb());
    return () => {
      cancelled = true;
    };
  }

  measurements(): Readonly<IngestMeasurements> {
    return (this.measured ??= {
      keyframeIntervalSec: this.keyframeInterval(),
      ...this.videoFigures(),
      audioKbps: rateKbps(this.audio),
      hasVideo: this.videoHeader || this.video.length > 0,
      hasAudio: this.audioHeader || this.audio.length > 0,
    });
  }

  private keyframeInterval(): number | null {
    const k = this.keyframes;
    const lastVideo = this.video.at(-1)?.dts;
    if (k.length === 0 || lastVideo === undefined) return null;
    const open = lastVideo - k.at(-1)!;
    let longest = 0;
    for (let i = 1; i < k.length; i++) longest = Math.max(longest, k[i]! - k[i - 1]!);
    if (longest === 0 && open < MAX_WAIT_MS) return null; // one keyframe so far: nothing to tell yet
    return Math.round(Math.max(longest, open)) / 1000;
  }

  /** Over whole GOPs when the window holds some (a GOP's size swings with its keyframe), else over the window. */
  private videoFigures(): { videoKbps: number | null; fps: number | null } {
    const inWindow = this.keyframes.filter((dts) => dts >= (this.video[0]?.dts ?? Infinity));
    let samples = this.video;
    if (inWindow.length >= 2) {
      const [from, to] = [inWindow[0]!, inWindow.at(-1)!];
      samples = this.video.filter((s) => s.dts >= from && s.dts <= to);
    }
    if (samples.length < 2) return { videoKbps: null, fps: null };
    const spanMs = samples.at(-1)!.dts - samples[0]!.dts;
    if (spanMs <= 0) return { videoKbps: null, fps: null };
    // The last sample starts the next interval: count the bytes and frames of the ones before it.
    const bytes = samples.slice(0, -1).reduce((sum, s) => sum + s.bytes, 0);
    return { videoKbps: Math.round((bytes * 8) / spanMs), fps: Math.round(((samples.length - 1) * 1000 * 100) / spanMs) / 100 };
  }
}

function rateKbps(samples: Sample[]): number | null {
  if (samples.length < 2) return null;
  const spanMs = samples.at(-1)!.dts - samples[0]!.dts;
  if (spanMs <= 0) return null;
  const bytes = samples.slice(0, -1).reduce((sum, s) => sum + s.bytes, 0);
  return Math.round((bytes * 8) / spanMs);
}
