import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/**
 * Where the ffmpeg and ffprobe executables live. The npm installer packages ship static builds
 * so a fresh `npm install` is enough; FFMPEG_PATH / FFPROBE_PATH override them (e.g. a newer
 * system build with more encoders).
 */
export function ffmpegPath(): string {
  return process.env.FFMPEG_PATH || (require("@ffmpeg-installer/ffmpeg") as { path: string }).path;
}

export function ffprobePath(): string {
  return process.env.FFPROBE_PATH || (require("@ffprobe-installer/ffprobe") as { path: string }).path;
}
