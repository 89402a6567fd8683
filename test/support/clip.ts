import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ffmpegPath } from "../../src/media/binaries.js";
import { runToCompletion } from "./children.js";
import type { TestPrism } from "./prism.js";
import { makeTempDir } from "./tmp.js";

export interface ClipOptions {
  dir: string;
  name?: string;
  durationSec: number;
  /** Default "mp4". */
  container?: "mp4" | "mkv" | "flv" | "mov" | "webm";
  /** Default "libx264"; e.g. "libx265", "libvpx-vp9". */
  videoCodec?: string;
  /** Default "aac"; null: no audio track. */
  audioCodec?: string | null;
  /** A solid colour instead of the test pattern (tells the file from OBS in a recording). */
  color?: string;
  fps?: number;
}

/** A short video file made with ffmpeg: 320x240, a keyframe a second, a tone for audio. */
export async function makeClip(options: ClipOptions): Promise<string> {
  const container = options.container ?? "mp4";
  const fps = options.fps ?? 25;
  const file = join(options.dir, `${options.name ?? "clip"}.${container}`);
  const audio = options.audioCodec === undefined ? "aac" : options.audioCodec;
  const picture = options.color ? `color=c=${options.color}:size=320x240:rate=${fps}` : `testsrc2=size=320x240:rate=${fps}`;
  const args = [
    "-v", "error", "-y",
    "-f", "lavfi", "-i", picture,
    ...(audio ? ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100"] : []),
    "-t", String(options.durationSec),
    "-c:v", options.videoCodec ?? "libx264", "-pix_fmt", "yuv420p", "-g", String(fps),
    ...((options.videoCodec ?? "libx264") === "libx264" ? ["-preset", "ultrafast", "-bf", "0"] : []),
    ...(audio ? ["-c:a", audio, "-ac", "2"] : []),
    file,
  ];
  const result = await runToCompletion(ffmpegPath(), args);
  if (result.code !== 0) throw new Error(`making ${file}: ${result.stderr}`);
  return file;
}

/** POST /media as a browser form would: multipart/form-data with the file in the field `file`. */
export async function uploadClip(t: TestPrism, file: string, field = "file") {
  const form = new FormData();
  form.append(field, new Blob([await readFile(file)]), file.split("/").pop());
  const res = await fetch(`http://127.0.0.1:${t.prism.httpPort}/api/v1/media`, { method: "POST", headers: { authorization: `Bearer ${t.token}` }, body: form });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text), text, headers: res.headers };
}

/** A clip made and uploaded in one step, for tests that need a real media id: the 201 body of POST /media. */
export async function uploadedClip(t: TestPrism, options: Omit<ClipOptions, "dir"> & { dir?: string } = { durationSec: 1 }) {
  const file = await makeClip({ ...options, dir: options.dir ?? (await makeTempDir("prism-clip-")) });
  const res = await uploadClip(t, file);
  if (res.status !== 201) throw new Error(`uploading ${file}: ${res.status} ${res.text}`);
  return res.body as { id: string; name: string; durationSec: number; sizeBytes: number };
}
