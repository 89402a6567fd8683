import { ffmpegPath } from "../../src/media/binaries.js";
import { DEFAULT_GRACE_MS, spawnTracked, type ExitInfo, type TrackedProcess } from "./children.js";

/**
 * ffmpeg standing in for OBS: a generated H.264 + AAC stream published in real time over RTMP.
 */

export interface PublishOptions {
  /** Full publish URL including the stream key, e.g. rtmp://127.0.0.1:1935/live/KEY. */
  url: string;
  /** Seconds of media to send; Infinity publishes until stop(). Default 10. */
  durationSec?: number;
  /** WxH, default "320x240". */
  size?: string;
  /** Default 25. */
  fps?: number;
  /** Default 500. */
  videoBitrateKbps?: number;
  /** Seconds between keyframes, default 1. Fixed GOP (no scene-cut keyframes) so tests can count them. */
  keyframeIntervalSec?: number;
  /** false publishes a video-only stream. Default true. */
  audio?: boolean;
  /** false publishes an audio-only stream. Default true. */
  video?: boolean;
  /** x264 preset, default "ultrafast": the suite runs several publishers at once on 2 cores. */
  preset?: string;
  /**
   * Give up when a single socket read/write blocks this long (ffmpeg -rw_timeout). Without it a
   * server that accepts TCP but never answers the RTMP handshake hangs the publisher forever.
   * Default 10.
   */
  ioTimeoutSec?: number;
  /** B-frames between references (x264 -bf); default 0 (zerolatency). With B-frames, pts runs ahead of dts. */
  bFrames?: number;
  /** Shift every output timestamp by this many seconds (ffmpeg -output_ts_offset), e.g. to start near a wrap. */
  tsOffsetSec?: number;
  /** A solid colour (ffmpeg colour syntax, e.g. "0xC02020") instead of the testsrc2 pattern: tells two encoders apart in a recording. */
  color?: string;
  /** Extra ffmpeg output options inserted before the URL (e.g. ["-metadata", "title=x"]). */
  extraOutputArgs?: string[];
}

export interface Publisher {
  process: TrackedProcess["process"];
  /**
   * Resolves when ffmpeg exits. A refused publish, a closed port or a connection the server drops
   * all give a non-zero code; a complete run gives 0. stop() gives 255 (ffmpeg's code for
   * "interrupted by signal"), so check `stopRequested` before asserting on the code.
   */
  exited: Promise<ExitInfo>;
  /**
   * true once the RTMP server accepted the publish (ffmpeg only prints "Output #0" after the
   * connect + publish handshake succeeded); false if ffmpeg exited first.
   */
  publishing: Promise<boolean>;
  /** True once stop() has been called. */
  readonly stopRequested: boolean;
  /** SIGINT (ffmpeg closes the stream cleanly), SIGKILL after `graceMs`; resolves with the exit. */
  stop(graceMs?: number): Promise<ExitInfo>;
  /**
   * SIGSTOP: the encoder freezes with its connection open, sending nothing (a hung OBS).
   * thaw() (SIGCONT) lets it go on where it stopped.
   */
  freeze(): void;
  thaw(): void;
  /** Full ffmpeg argument list, for debugging failed tests. */
  args: string[];
}

export function publisherArgs(options: PublishOptions): string[] {
  const durationSec = options.durationSec ?? 10;
  const size = options.size ?? "320x240";
  const fps = options.fps ?? 25;
  const videoKbps = options.videoBitrateKbps ?? 500;
  const gop = Math.max(1, Math.round(fps * (options.keyframeIntervalSec ?? 1)));
  const audio = options.audio ?? true;
  const video = options.video ?? true;
  const ioTimeoutUs = Math.round((options.ioTimeoutSec ?? 10) * 1_000_000);

  // -nostats: progress lines would crowd real errors out of the kept stderr tail.
  const args = ["-hide_banner", "-nostdin", "-nostats", "-loglevel", "info"];
  // -re on every input: otherwise lavfi generates as fast as the CPU allows and starves the rest.
  const picture = options.color ? `color=c=${options.color}:size=${size}:rate=${fps}` : `testsrc2=size=${size}:rate=${fps}`;
  if (video) args.push("-re", "-f", "lavfi", "-i", picture);
  if (audio) args.push("-re", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100");
  // lavfi sources never end, so -t is what makes a finite publish.
  if (Number.isFinite(durationSec)) args.push("-t", String(durationSec));
  if (video) args.push("-map", "0:v");
  if (audio) args.push("-map", `${video ? 1 : 0}:a`);
  if (video) args.push(
    "-c:v", "libx264",
    "-preset", options.preset ?? "ultrafast",
    // zerolatency turns B-frames off; a stream that wants them keeps x264's lookahead.
    ...(options.bFrames ? ["-bf", String(options.bFrames)] : ["-tune", "zerolatency"]),
    // One encoder thread is plenty at this size and keeps several publishers from oversubscribing 2 cores.
    "-threads", "1",
    "-pix_fmt", "yuv420p",
    "-b:v", `${videoKbps}k`,
    "-maxrate", `${videoKbps}k`,
    "-bufsize", `${videoKbps * 2}k`,
    "-g", String(gop),
    "-keyint_min", String(gop),
    "-sc_threshold", "0",
  );
  if (audio) args.push("-c:a", "aac", "-b:a", "64k", "-ar", "44100", "-ac", "2");
  if (options.tsOffsetSec !== undefined) args.push("-output_ts_offset", String(options.tsOffsetSec));
  args.push(...(options.extraOutputArgs ?? []));
  args.push("-rw_timeout", String(ioTimeoutUs), "-f", "flv", options.url);
  return args;
}

export function publishTestStream(options: PublishOptions): Publisher {
  const args = publisherArgs(options);
  let resolvePublishing!: (value: boolean) => void;
  const publishing = new Promise<boolean>((resolve) => (resolvePublishing = resolve));
  // Chunks can split the marker; keep a short overlap between them.
  let carry = "";
  const tracked = spawnTracked(ffmpegPath(), args, {
    onStderr: (chunk) => {
      const text = carry + chunk;
      if (text.includes("Output #0")) resolvePublishing(true);
      carry = text.slice(-16);
    },
  });
  void tracked.exited.then(() => resolvePublishing(false));

  let stopRequested = false;
  return {
    process: tracked.process,
    exited: tracked.exited,
    publishing,
    get stopRequested() {
      return stopRequested;
    },
    stop: (graceMs = DEFAULT_GRACE_MS) => {
      stopRequested = true;
      return tracked.stop("SIGINT", graceMs);
    },
    freeze: () => void tracked.process.kill("SIGSTOP"),
    thaw: () => void tracked.process.kill("SIGCONT"),
    args,
  };
}
