/**
 * The test clip: 20 s of 1080p30 H.264 at ~6 Mbps + AAC 128k, encoded once with libx264 and
 * cached in bench/.cache/ (gitignored). The benches loop it with `-re -stream_loop -1 -c copy`,
 * so encoding is never part of a measurement.
 *
 * The clip is MP4, not FLV: the bundled ffmpeg 4.x, looping an FLV input, adds a ~2 s timestamp
 * gap at every loop point and `-re` then sends nothing for ~2 s, so a 20 s window carried only
 * ~90% of the nominal bitrate. Looping the same streams from MP4 is seamless.
 */
import { existsSync, mkdirSync, renameSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ffmpegPath } from "../../src/media/binaries.js";
import { runToEnd } from "./proc.js";

export const CLIP = {
  seconds: 20,
  width: 1920,
  height: 1080,
  fps: 30,
  videoBitrate: "6M",
  audioBitrate: "128k",
  gop: 60,
} as const;

export const cacheDir = fileURLToPath(new URL("../.cache/", import.meta.url));

/** Path of the cached clip; encodes it first if it is not there yet. */
export async function ensureClip(log: (msg: string) => void): Promise<string> {
  const name = `clip-${CLIP.height}p${CLIP.fps}-${CLIP.videoBitrate}-${CLIP.seconds}s.mp4`;
  const path = `${cacheDir}${name}`;
  if (existsSync(path) && statSync(path).size > 0) return path;

  mkdirSync(cacheDir, { recursive: true });
  const partial = `${path}.partial`;
  log(`encoding the test clip once (${CLIP.seconds} s ${CLIP.height}p${CLIP.fps}, libx264 veryfast ${CLIP.videoBitrate}) → ${path}`);
  const started = Date.now();
  // testsrc2 alone compresses to almost nothing; temporal noise makes x264 spend the whole 6 Mbps.
  const video = `testsrc2=size=${CLIP.width}x${CLIP.height}:rate=${CLIP.fps},noise=alls=12:allf=t+u,format=yuv420p`;
  await runToEnd("clip encoder", ffmpegPath(), [
    "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
    "-f", "lavfi", "-i", video,
    "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
    "-t", String(CLIP.seconds),
    "-c:v", "libx264", "-preset", "veryfast",
    "-b:v", CLIP.videoBitrate, "-maxrate", CLIP.videoBitrate, "-bufsize", "12M",
    "-g", String(CLIP.gop), "-keyint_min", String(CLIP.gop), "-sc_threshold", "0",
    "-c:a", "aac", "-b:a", CLIP.audioBitrate, "-ac", "2",
    "-movflags", "+faststart", "-f", "mp4", partial,
  ]);
  renameSync(partial, path);
  log(`clip ready in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return path;
}
