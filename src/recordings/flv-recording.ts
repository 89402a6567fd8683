import { closeSync, fdatasync, openSync, writev, writeSync } from "node:fs";
import { close as closeFd } from "node:fs";
import type { EncodedFrame } from "../relay/media.js";
import type { HubReader, SourceId } from "../relay/hub.js";
import { flvHeader, flvTag } from "../relay/transcode/flv.js";

/** A keyframe of the recording: where its tag starts in the file, and the codec headers in force. */
interface KeyframeEntry {
  sec: number;
  offset: number;
  headers: Buffer[];
}

/** What a live clip reads: a fresh FLV header and codec headers, then the file's bytes [offset, end). */
export interface LiveSlice {
  prefix: Buffer;
  offset: number;
  end: number;
  startSec: number;
  endSec: number;
}

export interface FlvRecordingOptions {
  file: string;
  /** false: slate frames are left out and the publisher's return follows on one frame after what was last recorded. */
  includeSlate: boolean;
  /** What the hub is forwarding right now (it calls frame() synchronously as it emits). */
  source(): SourceId;
  /** Bytes waiting for the disk past which frames are dropped (until the next keyframe) rather than queued. */
  queueLimitBytes: number;
  /** How often written data is forced to the disk (fdatasync): what a power loss can cost at most. */
  syncEveryMs?: number;
  written?(bytes: number): void;
  dropped?(reason: string): void;
}

/** A track's frame interval until two of its frames have been seen (25 fps video, AAC at 44.1 kHz). */
const DEFAULT_INTERVAL_MS: Record<"video" | "audio", number> = { video: 40, audio: 23 };

/** Where a track stands on the recording's timeline: its last frame's time and the interval before it. */
interface TrackClock {
  last: number | null;
  interval: number;
}

/**
 * One broadcast session written to disk as FLV as it happens, a tag at a time: whatever a crash
 * leaves behind is a valid FLV up to its last whole tag. It reads the hub like a destination
 * (codec headers and frames on the hub's one timeline, which already stitches publishers and the
 * slate) and never blocks it: writes queue in memory up to a bound; beyond it, or while paused,
 * frames are dropped and writing resumes at a keyframe.
 */
export class FlvRecording implements HubReader {
  private readonly fd: number;
  private queue: Buffer[] = [];
  private queuedBytes = 0;
  private queuedDts = 0;
  private writing = false;
  private enqueuedBytes: number;
  /** Bytes on disk (written, not necessarily synced), and the time of the last tag among them. */
  private durableBytes: number;
  private durableDts = 0;
  private lastSync = Date.now();
  private base: number | null = null;
  private lastDts = 0;
  private readonly tracks: Record<"video" | "audio", TrackClock> = { video: { last: null, interval: DEFAULT_INTERVAL_MS.video }, audio: { last: null, interval: DEFAULT_INTERVAL_MS.audio } };
  private skippedSlate = false;
  private awaitingKeyframe = false;
  private hasVideo = false;
  private paused = false;
  private closed = false;
  private crashedWith: unknown = null;
  private readonly headers = new Map<string, Buffer>();
  private readonly keyframes: KeyframeEntry[] = [];
  private idle: Array<() => void> = [];
  /** Frames not written because the disk could not keep up (and those after them until a keyframe). */
  droppedFrames = 0;

  constructor(private readonly options: FlvRecordingOptions) {
    this.fd = openSync(options.file, "wx", 0o600);
    const header = flvHeader(true, true);
    writeSync(this.fd, header);
    this.enqueuedBytes = this.durableBytes = header.length;
  }

  /** Seconds recorded so far (the time of the last frame taken). */
  get durationSec(): number {
    return this.lastDts / 1000;
  }

  get bytes(): number {
    return this.enqueuedBytes;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  frame(frame: EncodedFrame): void {
    if (this.closed || frame.kind === "data") return; // RTMP's @setDataFrame is no FLV script tag; players need none
    if (!this.options.includeSlate && this.options.source() === "slate") {
      this.skippedSlate = true;
      return;
    }
    if (this.paused) return;
    if (frame.isHeader) return this.header(frame);
    if (frame.kind === "video") this.hasVideo = true;
    const isSync = frame.kind === "video" ? frame.isKeyframe : !this.hasVideo;
    if (this.awaitingKeyframe && !isSync) {
      this.droppedFrames++; // undecodable without the keyframe the drop (or pause) cost
      return;
    }
    this.awaitingKeyframe = false;
    if (this.queuedBytes > this.options.queueLimitBytes) return this.drop("the disk is not keeping up");
    const dts = this.timeOf(frame);
    if (dts === null) return;
    if (frame.kind === "video" && frame.isKeyframe) this.keyframes.push({ sec: dts / 1000, offset: this.enqueuedBytes, headers: [...this.headers.values()] });
    this.enqueue(flvTag({ ...frame, dts }), dts);
  }

  crashed(err: unknown): void {
    this.crashedWith = err;
    this.closed = true;
  }

  /** Stops writing until resume() (the disk is nearly full); what comes meanwhile is not recorded. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.awaitingKeyframe = true;
  }

  /**
   * The last `lastSec` seconds on disk now, from the keyframe at or before their start (the
   * first keyframe if the recording is shorter); null before the first keyframe is on disk.
   */
  liveSlice(lastSec: number): LiveSlice | null {
    const endSec = this.durableDts / 1000;
    const onDisk = this.keyframes.filter((k) => k.offset < this.durableBytes);
    if (onDisk.length === 0) return null;
    const from = onDisk.findLast((k) => k.sec <= endSec - lastSec) ?? onDisk[0]!;
    return { prefix: Buffer.concat([flvHeader(true, true), ...from.headers]), offset: from.offset, end: this.durableBytes, startSec: from.sec, endSec };
  }

  /** Everything queued reaches the disk and the file is closed; the crash of the reader, if any, is rethrown. */
  async finish(): Promise<{ bytes: number; durationSec: number }> {
    this.closed = true;
    if (this.writing || this.queue.length > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
    await new Promise<void>((resolve) => fdatasync(this.fd, () => closeFd(this.fd, () => resolve())));
    if (this.crashedWith) throw this.crashedWith;
    return { bytes: this.durableBytes, durationSec: this.lastDts / 1000 };
  }

  /** Closes the file at once (shutdown after finish failed). */
  abandon(): void {
    this.closed = true;
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
  }

  private header(frame: EncodedFrame): void {
    // Headers carry no time of their own: they go at the current end of the recording.
    const tag = flvTag({ ...frame, dts: this.lastDts });
    this.headers.set(frame.kind, tag);
    this.enqueue(tag, this.lastDts);
  }

  /**
   * The hub's time made relative to the recording's first frame, or null for a frame left out at a join. After a
   * skipped slate the publisher's return is placed on the recording's frame grid: its first picture one video
   * interval after the last recorded one (a shorter gap puts two pictures in one frame slot for a reader that
   * counts in frames, such as ffmpeg at 1/25 s), so the recording is one continuous timeline without the hole the
   * slate filled. Audio that comes back before that picture, or overlaps audio already recorded, is left out
   * (a few milliseconds).
   */
  private timeOf(frame: EncodedFrame): number | null {
    if (this.base === null) this.base = frame.dts;
    const kind = frame.kind === "video" ? "video" : "audio";
    const track = this.tracks[kind];
    if (this.skippedSlate) {
      if (kind === "audio" && this.hasVideo) return null;
      this.skippedSlate = false;
      const joinAt = (track.last ?? this.lastDts) + track.interval;
      const shift = frame.dts - this.base - joinAt;
      if (shift > 0) this.base += shift;
    }
    const dts = Math.max(0, frame.dts - this.base);
    if (track.last !== null) {
      // Audio from before the join that the shift put under what is recorded: a few ms, left out.
      if (kind === "audio" && dts <= track.last) return null;
      if (dts > track.last) track.interval = Math.min(dts - track.last, 1000);
    }
    track.last = dts;
    this.lastDts = Math.max(this.lastDts, dts);
    return dts;
  }

  private drop(reason: string): void {
    this.droppedFrames++;
    this.awaitingKeyframe = true;
    this.options.dropped?.(reason);
  }

  private enqueue(tag: Buffer, dts: number): void {
    this.queue.push(tag);
    this.queuedBytes += tag.length;
    this.queuedDts = dts;
    this.enqueuedBytes += tag.length;
    this.flush();
  }

  private flush(): void {
    if (this.writing) return;
    if (this.queue.length === 0) {
      for (const resolve of this.idle.splice(0)) resolve();
      return;
    }
    const batch = this.queue;
    const bytes = this.queuedBytes;
    const dts = this.queuedDts;
    this.queue = [];
    this.queuedBytes = 0;
    this.writing = true;
    writev(this.fd, batch, (err) => {
      if (err) {
        this.writing = false;
        this.crashed(err);
        this.queue = [];
        for (const resolve of this.idle.splice(0)) resolve();
        return;
      }
      this.durableBytes += bytes;
      this.durableDts = dts;
      this.options.written?.(bytes);
      const next = () => {
        this.writing = false;
        this.flush();
      };
      if (Date.now() - this.lastSync < (this.options.syncEveryMs ?? 2000)) return next();
      this.lastSync = Date.now();
      fdatasync(this.fd, next);
    });
  }
}
