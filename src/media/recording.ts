// Recordings and clips: remuxing and cutting with ffmpeg, never re-encoding unless a precise clip
// asks for it. Every ffmpeg runs with an argument list (no shell); inputs are paths Prism chose.
import { execFile } from "node:child_process";
import type { Readable } from "node:stream";
import { fluentFfmpeg, type Ffmpeg } from "./fluent.js";
import { ffmpegPath, ffprobePath } from "./binaries.js";

export interface MediaFacts {
  durationSec: number;
  videoCodec: string | null;
  audioCodec: string | null;
  width: number | null;
  height: number | null;
}

/** How long a remux or cut may run before it is killed: a broken input must not hold a slot forever. */
const FFMPEG_TIMEOUT_SEC = 600;

function run(command: Ffmpeg.FfmpegCommand, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let stderr = "";
    command
      .on("stderr", (line: string) => {
        stderr = `${stderr}\n${line}`.slice(-4000);
      })
      .on("error", (err: Error) => reject(new Error(`ffmpeg could not ${what}: ${err.message}${stderr ? `\n${stderr.trim()}` : ""}`)))
      .on("end", () => resolve())
      .run();
  });
}

const base = (input: string | Readable) =>
  fluentFfmpeg()({ timeout: FFMPEG_TIMEOUT_SEC }).setFfmpegPath(ffmpegPath()).input(input).inputOptions(["-hide_banner", "-v", "error"]);

/**
 * FLV (a file, or a stream of one) → an MP4 that browsers play and seek: the same packets
 * (-c copy), the index moved to the front (+faststart). ffmpeg copies a last tag cut short by a crash as a
 * packet that does not decode: a recording is given its whole tags only (recordings/flv-readable.ts).
 */
export function remuxToMp4(input: string | Readable, output: string): Promise<void> {
  const command = base(input);
  if (typeof input !== "string") command.inputFormat("flv");
  command.outputOptions(["-map", "0:v?", "-map", "0:a?", "-c", "copy", "-movflags", "+faststart"]).format("mp4").output(output);
  return run(command, "turn the recording into an MP4");
}

/**
 * MP4s of one recording (same codecs, one after the other) → one faststart MP4, packets copied. `listFile` is an
 * ffmpeg concat list naming files next to it by bare name: the demuxer's "safe" mode (kept on) refuses any other
 * path. Each file's timeline follows the previous file's end, so the result plays straight through.
 */
export function concatMp4s(listFile: string, output: string): Promise<void> {
  const command = base(listFile).inputFormat("concat").inputOptions(["-safe", "1"]);
  command.outputOptions(["-map", "0:v?", "-map", "0:a?", "-c", "copy", "-movflags", "+faststart"]).format("mp4").output(output);
  return run(command, "join the parts of the recording");
}

export interface CutOptions {
  input: string;
  output: string;
  startSec: number;
  durationSec: number;
  /** Re-encode from exactly startSec; otherwise copy from the keyframe `startSec` names. */
  precise: boolean;
}

/**
 * A clip of an MP4. A copy starts at `startSec`, which must be a keyframe's time (see
 * keyframeTimes): the packets are copied from there. A precise clip is re-encoded (H.264 + AAC)
 * from exactly startSec.
 */
export function cutClip({ input, output, startSec, durationSec, precise }: CutOptions): Promise<void> {
  const command = base(input).inputOptions(["-ss", startSec.toFixed(3)]);
  const codecs = precise ? ["-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-c:a", "aac", "-b:a", "160k"] : ["-c", "copy", "-avoid_negative_ts", "make_zero"];
  command
    .outputOptions(["-map", "0:v?", "-map", "0:a?", "-t", durationSec.toFixed(3), ...codecs, "-movflags", "+faststart"])
    .format("mp4")
    .output(output);
  return run(command, "cut the clip");
}

/** Codecs, picture size and duration of a media file. */
export function probeMedia(file: string): Promise<MediaFacts> {
  return new Promise((resolve, reject) => {
    const ffmpeg = fluentFfmpeg();
    ffmpeg.setFfprobePath(ffprobePath());
    ffmpeg.ffprobe(file, (err: Error | null, data: Ffmpeg.FfprobeData) => {
      if (err) return reject(new Error(`ffprobe could not read ${file}: ${err.message}`));
      const video = data.streams.find((s) => s.codec_type === "video");
      const audio = data.streams.find((s) => s.codec_type === "audio");
      resolve({
        durationSec: Number(data.format.duration) || 0,
        videoCodec: video?.codec_name ?? null,
        audioCodec: audio?.codec_name ?? null,
        width: video?.width ?? null,
        height: video?.height ?? null,
      });
    });
  });
}

/**
 * The presentation times (seconds) of a file's video keyframes, in order. fluent-ffmpeg's ffprobe
 * parses only streams and format, so this one reads ffprobe's packet list itself (argument list,
 * no shell). Packets are listed without decoding: an hour takes a second or so.
 */
export function keyframeTimes(file: string): Promise<number[]> {
  const args = ["-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts_time,flags", "-of", "csv=p=0", file];
  return new Promise((resolve, reject) => {
    execFile(ffprobePath(), args, { maxBuffer: 256 << 20, timeout: FFMPEG_TIMEOUT_SEC * 1000 }, (err, stdout) => {
      if (err) return reject(new Error(`ffprobe could not list the keyframes of ${file}: ${err.message}`));
      const times: number[] = [];
      for (const line of stdout.split("\n")) {
        const [pts, flags] = line.split(",");
        if (flags?.startsWith("K") && pts && pts !== "N/A") times.push(Number(pts));
      }
      resolve(times.sort((a, b) => a - b));
    });
  });
}
