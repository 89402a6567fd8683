// The module that drives live ffmpegs. fluent-ffmpeg is archived upstream, so nothing outside src/media imports
// it: replacing it with another wrapper or plain spawn() touches this folder only. fluent-ffmpeg
// spawns ffmpeg with an argument list, never through a shell.
import { PassThrough, type Readable, type Writable } from "node:stream";
import { fluentFfmpeg } from "./fluent.js";
import { ffmpegPath } from "./binaries.js";

export interface SlateFormat {
  width: number;
  height: number;
  fps: number;
  /** null: the stream has no audio, so neither has the slate. */
  audio: { sampleRate: number; channels: number } | null;
}

/**
 * Encodes a still image as a short H.264 (+ silent AAC) FLV clip in the stream's own format, to be
 * looped while the publisher is away. The clip starts with a keyframe and holds exactly one GOP,
 * so every loop starts on a keyframe; x264's stillimage tuning keeps it a few kilobytes a second.
 */
export function encodeSlateClip(image: string, format: SlateFormat, durationSec: number): Promise<Buffer> {
  const frames = Math.round(format.fps * durationSec);
  const { width: w, height: h } = format;
  // A broken image makes a looping input spin forever instead of failing: bound it.
  const command = fluentFfmpeg()({ timeout: 60 }).setFfmpegPath(ffmpegPath()).input(image).inputOptions(["-loop", "1", "-framerate", String(format.fps)]);
  if (format.audio) {
    command.input(`anullsrc=r=${format.audio.sampleRate}:cl=${format.audio.channels === 1 ? "mono" : "stereo"}`).inputFormat("lavfi");
  }
  command.outputOptions([
    "-map", "0:v",
    ...(format.audio ? ["-map", "1:a", "-c:a", "aac", "-b:a", "128k", "-ar", String(format.audio.sampleRate), "-ac", String(format.audio.channels)] : []),
    "-frames:v", String(frames),
    "-t", String(durationSec),
    "-vf", `scale=${w}:${h}:force_original_aspect_ratio=decrease,pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2,format=yuv420p`,
    "-c:v", "libx264",
    "-preset", "veryfast",
    "-tune", "stillimage",
    "-profile:v", "high",
    "-g", String(frames),
    "-keyint_min", String(frames),
    "-sc_threshold", "0",
    "-bf", "0",
    "-threads", "1",
  ]);
  command.format("flv");

  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let stderr = "";
    command
      .on("stderr", (line: string) => {
        stderr = `${stderr}\n${line}`.slice(-4000);
      })
      .on("error", (err: Error) => reject(new Error(`ffmpeg could not encode the slate: ${err.message}\n${stderr}`)))
      .on("end", () => resolve(Buffer.concat(chunks)));
    const out = command.pipe();
    out.on("data", (chunk: Buffer) => chunks.push(chunk));
  });
}

/** Resolves when ffmpeg can decode a picture from `image` (PNG, JPEG, …); rejects with its reason otherwise. */
export function checkImage(image: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let stderr = "";
    fluentFfmpeg()({ timeout: 10 })
      .setFfmpegPath(ffmpegPath())
      .input(image)
      .outputOptions(["-frames:v", "1", "-v", "error", "-xerror"])
      .format("null")
      .output("-")
      .on("stderr", (line: string) => {
        stderr = `${stderr}\n${line}`.slice(-2000);
      })
      .on("error", (err: Error) => reject(new Error(`${err.message}${stderr}`)))
      .on("end", () => (stderr.trim() ? reject(new Error(stderr.trim())) : resolve()))
      .run();
  });
}

/** What one transcoding ffmpeg produces. Each track is either passed through or re-encoded. */
export interface TranscodeFormat {
  video: { codec: "copy" } | { codec: "h264"; width: number; height: number; fps: number; kbps: number; keyframeIntervalSec: number };
  /** "silent": the ingest has no audio and the platform needs some, so ffmpeg adds a silent track. */
  audio: { codec: "copy" } | { codec: "none" } | { codec: "aac"; kbps: number; silent: boolean };
}

/** ffmpeg's own progress figures, from its periodic stats line. */
export interface TranscodeProgress {
  frames: number;
  fps: number;
  bitrateKbps: number;
  /** Media seconds encoded per wall-clock second: below 1 the machine cannot keep up. */
  speed: number;
  /** Frames ffmpeg dropped to hold the output frame rate (its "drop=" figure). */
  droppedFrames: number;
}

export interface TranscodeHandlers {
  progress(progress: TranscodeProgress): void;
  /** Every stderr line that is not a progress line: warnings and errors. */
  stderr(line: string): void;
  /** ffmpeg ended: null when it exited cleanly after its input ended. */
  exit(err: Error | null): void;
}

export interface TranscodeProcess {
  /** FLV into ffmpeg (its stdin). */
  input: Writable;
  /** FLV out of ffmpeg (its stdout). */
  output: Readable;
  /** Input written but not yet taken by ffmpeg: grows when ffmpeg cannot keep up. */
  backlogBytes(): number;
  kill(): void;
}

/** x264's speed/quality trade-off for live transcoding: what OBS defaults to for streaming. */
const X264_PRESET = "veryfast";

/** The output options of a transcoding ffmpeg: FLV in on stdin, FLV out on stdout. */
export function transcodeOutputOptions(format: TranscodeFormat): string[] {
  const { video, audio } = format;
  const args = ["-map", "0:v:0"];
  if (audio.codec === "aac" && audio.silent) args.push("-map", "1:a:0");
  else if (audio.codec !== "none") args.push("-map", "0:a:0?");
  if (video.codec === "copy") {
    args.push("-c:v", "copy");
  } else {
    const { width: w, height: h, fps, kbps } = video;
    const gop = Math.max(1, Math.round(fps * video.keyframeIntervalSec));
    args.push(
      // Letterbox rather than stretch if a returning publisher changes the aspect ratio mid-stream.
      "-vf", `fps=${fps},scale=${w}:${h}:force_original_aspect_ratio=decrease,pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2,format=yuv420p`,
      "-c:v", "libx264",
      "-preset", X264_PRESET,
      "-profile:v", "main",
      // Strict CBR with a one-second buffer, what the strictest platforms ask for and every platform accepts.
      "-b:v", `${kbps}k`, "-minrate", `${kbps}k`, "-maxrate", `${kbps}k`, "-bufsize", `${kbps}k`,
      "-x264-params", "nal-hrd=cbr",
      "-g", String(gop), "-keyint_min", String(gop), "-sc_threshold", "0",
      // No B-frames: when a crashed ffmpeg is replaced, the new one's pictures follow the old one's
      // in display order too (B-frames show later than they arrive, so the stitch would overlap).
      // It also spares a few frames of latency; the cost is a little quality per bit.
      "-bf", "0",
    );
  }
  if (audio.codec === "copy") args.push("-c:a", "copy");
  else if (audio.codec === "aac") args.push("-c:a", "aac", "-b:a", `${audio.kbps}k`);
  // Without this ffmpeg holds output in a 32 KiB buffer: at low bitrates, a visible delay.
  args.push("-flush_packets", "1");
  return args;
}

/** Parses ffmpeg's stats line ("frame=  120 fps= 30 … bitrate=2500.1kbits/s dup=0 drop=3 speed=1.0x"). */
export function parseProgressLine(line: string): TranscodeProgress | null {
  if (!line.startsWith("frame=")) return null;
  const field = (name: string) => new RegExp(`${name}=\\s*([\\d.]+)`).exec(line)?.[1];
  const num = (name: string) => Number(field(name) ?? 0) || 0;
  return { frames: num("frame"), fps: num("fps"), bitrateKbps: Math.round(num("bitrate")), speed: num("speed"), droppedFrames: num("drop") };
}

/**
 * Starts one live transcoding ffmpeg: FLV in on stdin, FLV out on stdout, argument list only.
 * The caller owns the process: it writes the input, reads the output and kills it.
 */
export function spawnTranscoder(format: TranscodeFormat, handlers: TranscodeHandlers): TranscodeProcess {
  const input = new PassThrough();
  // -stats at loglevel warning: progress lines and real problems, none of the banner chatter.
  const command = fluentFfmpeg()({ stdoutLines: 40 })
    .setFfmpegPath(ffmpegPath())
    .input(input)
    .inputFormat("flv")
    .inputOptions(["-hide_banner", "-loglevel", "warning", "-stats"]);
  if (format.audio.codec === "aac" && format.audio.silent) {
    command.input("anullsrc=r=48000:cl=stereo").inputFormat("lavfi");
  }
  command.outputOptions(transcodeOutputOptions(format)).format("flv");

  let ended = false;
  let killed = false;
  const end = (err: Error | null) => {
    if (ended) return;
    ended = true;
    handlers.exit(err);
  };
  command
    // fluent-ffmpeg spawns after checking capabilities; a kill that came first must still land.
    .on("start", () => {
      if (killed) command.kill("SIGKILL");
    })
    .on("stderr", (line: string) => {
      const progress = parseProgressLine(line.trim());
      if (progress) handlers.progress(progress);
      else if (line.trim()) handlers.stderr(line.trim());
    })
    .on("error", (err: Error) => end(err))
    .on("end", () => end(null));
  const output = command.pipe() as PassThrough;
  return {
    input,
    output,
    backlogBytes: () => input.writableLength + input.readableLength,
    kill: () => {
      killed = true;
      input.destroy();
      command.kill("SIGKILL");
    },
  };
}

/**
 * Decodes the first picture of a short FLV (codec headers and one keyframe) into a JPEG at most
 * `maxWidth` wide: the stream's preview thumbnail. FLV in on stdin, JPEG out on stdout; bounded in
 * time, since a broken keyframe must not keep an ffmpeg around.
 */
export function keyframeToJpeg(flv: Buffer, maxWidth: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const input = new PassThrough();
    const chunks: Buffer[] = [];
    let stderr = "";
    const command = fluentFfmpeg()({ timeout: 10 })
      .setFfmpegPath(ffmpegPath())
      .input(input)
      .inputFormat("flv")
      .inputOptions(["-hide_banner", "-loglevel", "error"])
      .outputOptions(["-map", "0:v:0", "-frames:v", "1", "-vf", `scale='min(${maxWidth},iw)':-2`, "-q:v", "5", "-c:v", "mjpeg"])
      .format("image2pipe")
      .on("stderr", (line: string) => {
        stderr = `${stderr}\n${line}`.slice(-2000);
      })
      .on("error", (err: Error) => reject(new Error(`ffmpeg could not decode the keyframe: ${err.message}${stderr}`)))
      .on("end", () => (chunks.length > 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(`ffmpeg made no picture from the keyframe.${stderr}`))));
    const out = command.pipe();
    out.on("data", (chunk: Buffer) => chunks.push(chunk));
    input.on("error", () => {}); // EPIPE if ffmpeg dies first; reported through "error"
    input.end(flv);
  });
}
