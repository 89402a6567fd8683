/**
 * A small clip for the API bench: 10 s of 320x240 at 25 fps, ~300 kbit/s H.264 + AAC, encoded once
 * into bench/.cache/ and then looped with `-c copy`. The API bench needs 20 live streams on 2 cores,
 * so each has to cost next to nothing: no encoding while measuring, little data to move.
 * MP4 for the reason bench/lib/clip.ts gives (seamless loops with the bundled ffmpeg).
 */
import { existsSync, mkdirSync, renameSync, statSync } from "node:fs";
import { ffmpegPath } from "../../src/media/binaries.js";
import { cacheDir } from "../lib/clip.js";
import { runToEnd } from "../lib/proc.js";

export const SMALL_CLIP = { seconds: 10, size: "320x240", fps: 25, videoBitrate: "250k", audioBitrate: "48k" } as const;

export async function ensureSmallClip(log: (msg: string) => void): Promise<string> {
  const path = `${cacheDir}clip-${SMALL_CLIP.size}-${SMALL_CLIP.fps}-${SMALL_CLIP.videoBitrate}-${SMALL_CLIP.seconds}s.mp4`;
  if (existsSync(path) && statSync(path).size > 0) return path;
  mkdirSync(cacheDir, { recursive: true });
  const partial = `${path}.partial`;
  log(`encoding the small clip once → ${path}`);
  await runToEnd("small clip encoder", ffmpegPath(), [
    "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
    "-f", "lavfi", "-i", `testsrc2=size=${SMALL_CLIP.size}:rate=${SMALL_CLIP.fps}`,
    "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
    "-t", String(SMALL_CLIP.seconds),
    "-c:v", "libx264", "-preset", "veryfast", "-b:v", SMALL_CLIP.videoBitrate, "-maxrate", SMALL_CLIP.videoBitrate, "-bufsize", "500k",
    "-g", String(SMALL_CLIP.fps), "-keyint_min", String(SMALL_CLIP.fps), "-sc_threshold", "0",
    "-c:a", "aac", "-b:a", SMALL_CLIP.audioBitrate, "-ac", "1",
    "-movflags", "+faststart", "-f", "mp4", partial,
  ]);
  renameSync(partial, path);
  return path;
}
