// The one module that drives ffmpeg. fluent-ffmpeg is archived upstream, so nothing else imports
// it: replacing it with another wrapper or plain spawn() touches this file only. fluent-ffmpeg
// spawns ffmpeg with an argument list, never through a shell.
import ffmpeg from "fluent-ffmpeg";
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
  const command = ffmpeg({ timeout: 60 }).setFfmpegPath(ffmpegPath()).input(image).inputOptions(["-loop", "1", "-framerate", String(format.fps)]);
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
    ffmpeg({ timeout: 10 })
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
