import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ffmpegPath } from "../../src/media/binaries.js";
import { runToCompletion } from "./children.js";

/** The average colour of the video frame at `atSec` of a recording, as [r, g, b]. */
export async function averageColorAt(file: string, atSec: number, scratchDir: string): Promise<[number, number, number]> {
  const out = join(scratchDir, `frame-${atSec}-${Date.now()}.rgb`);
  const result = await runToCompletion(ffmpegPath(), [
    "-v", "error", "-ss", String(atSec), "-i", file, "-frames:v", "1",
    "-vf", "scale=1:1:flags=area", "-f", "rawvideo", "-pix_fmt", "rgb24", "-y", out,
  ]);
  if (result.code !== 0) throw new Error(`frame at ${atSec}s of ${file}: ${result.stderr}`);
  const rgb = await readFile(out);
  return [rgb[0]!, rgb[1]!, rgb[2]!];
}
