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

/** The average colour of the recording's picture `perSecond` times a second, start to end, each as [r, g, b]. */
export async function averageColors(file: string, perSecond: number, scratchDir: string): Promise<Array<[number, number, number]>> {
  const out = join(scratchDir, `colors-${Date.now()}.rgb`);
  const result = await runToCompletion(ffmpegPath(), [
    "-v", "error", "-i", file, "-vf", `fps=${perSecond},scale=1:1:flags=area`, "-f", "rawvideo", "-pix_fmt", "rgb24", "-y", out,
  ]);
  if (result.code !== 0) throw new Error(`colours of ${file}: ${result.stderr}`);
  const rgb = await readFile(out);
  const colors: Array<[number, number, number]> = [];
  for (let i = 0; i + 2 < rgb.length; i += 3) colors.push([rgb[i]!, rgb[i + 1]!, rgb[i + 2]!]);
  return colors;
}
