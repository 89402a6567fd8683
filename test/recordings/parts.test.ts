import { readdir, stat, truncate, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ffmpegPath } from "../../src/media/binaries.js";
import { probeMedia } from "../../src/media/recording.js";
import { RecordingFiles } from "../../src/recordings/files.js";
import { wholeTags } from "../../src/recordings/flv-readable.js";
import { joinParts, rawParts } from "../../src/recordings/parts.js";
import { runToCompletion } from "../support/children.js";
import { isMonotonic, maxGapSec, packetTimestamps } from "../support/probe.js";
import { makeTempDir, removeTempDirs } from "../support/tmp.js";
import { playThroughErrors } from "./support.js";

/** An FLV as a recording is (H.264 + AAC, a keyframe a second), `sec` long, made by a real ffmpeg. */
async function flv(file: string, sec: number, size = "320x240"): Promise<void> {
  const run = await runToCompletion(ffmpegPath(), [
    "-nostdin", "-v", "error", "-y",
    "-f", "lavfi", "-i", `testsrc=size=${size}:rate=25:duration=${sec}`,
    "-f", "lavfi", "-i", `sine=frequency=440:sample_rate=44100:duration=${sec}`,
    "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p", "-c:a", "aac", "-f", "flv", file,
  ]);
  if (run.code !== 0) throw new Error(`ffmpeg: ${run.stderr}`);
}

/**
 * The parts of a recording taken over mid-session (issue #21), as a shared data directory holds them: found by the
 * names made from the recording's id only, read up to their last whole tag, and joined back to back in one MP4.
 */
describe("a recording's parts", () => {
  let dir: string;
  let files: RecordingFiles;
  const id = "rec_0123abcd";
  const laterAt = Date.parse("2026-12-06T12:00:10.000Z");

  beforeAll(async () => {
    dir = await makeTempDir("prism-parts-");
    files = new RecordingFiles(dir);
    await flv(files.path(`${id}.flv`), 2);
    await flv(files.path(`${id}-${laterAt}.flv`), 3);
    // Names that are not this recording's parts.
    for (const name of [`${id}x.flv`, `${id}-12ab.flv`, `other.flv`, `${id}.mp4`]) await writeFile(files.path(name), "not a part");
  });
  afterAll(() => removeTempDirs());

  it("reads an FLV cut mid-tag up to its last whole tag, and a whole one to its end", async () => {
    const intact = await wholeTags(files.path(`${id}-${laterAt}.flv`));
    expect(intact.length).toBe(intact.size);
    expect(intact.lastMs).toBeGreaterThan(2_800);
    const cutFile = join(dir, "cut.flv");
    await flv(cutFile, 2);
    const whole = await stat(cutFile);
    await truncate(cutFile, whole.size - 7);
    const cut = await wholeTags(cutFile);
    expect(cut.size).toBe(whole.size - 7);
    expect(cut.length).toBeLessThan(cut.size);
    expect(cut.length).toBeGreaterThan(whole.size - 64 * 1024);
    await expect(wholeTags(join(dir, "other.flv"))).resolves.toMatchObject({ length: 0 });
  });

  it("lists only the recording's own parts, oldest first and the current one last, and none for an id that is no id", async () => {
    const parts = await rawParts(files, id, `${id}-${laterAt}.flv`);
    expect(parts.map((p) => [p.file, p.startedAt])).toEqual([
      [`${id}.flv`, null],
      [`${id}-${laterAt}.flv`, laterAt],
    ]);
    expect(await rawParts(files, "../rec_0123abcd", `${id}.flv`)).toEqual([]);
    expect(await rawParts(files, "rec_0123abcd|other", `${id}.flv`)).toEqual([]);
  });

  it("joins the parts back to back in one MP4 that plays through: the first cut mid-tag, the gap measured from its last write", async () => {
    const first = files.path(`${id}.flv`);
    await truncate(first, (await stat(first)).size - 300);
    await utimes(first, new Date(laterAt - 4_500), new Date(laterAt - 4_500));
    const out = files.path(`${id}.mp4`);
    const joined = await joinParts(files, id, await rawParts(files, id, `${id}-${laterAt}.flv`), out);

    expect(joined.joined).toEqual([`${id}.flv`, `${id}-${laterAt}.flv`]);
    expect(joined.leftOut).toEqual([]);
    expect(joined.joins).toHaveLength(1);
    expect(joined.joins[0]).toMatchObject({ gapSec: 4.5, from: `${id}.flv`, to: `${id}-${laterAt}.flv` });
    expect(joined.joins[0]!.atSec).toBeGreaterThan(1.8);
    expect(joined.joins[0]!.atSec).toBeLessThan(2.1);
    expect((await probeMedia(out)).durationSec).toBeCloseTo(5, 0);
    expect(joined.facts).toMatchObject({ videoCodec: "h264", audioCodec: "aac", width: 320, height: 240 });
    expect(await playThroughErrors(out)).toBe("");
    for (const kind of ["video", "audio"] as const) {
      const ts = await packetTimestamps(out, kind);
      expect(isMonotonic(ts, true)).toBe(true);
      // The join adds 0.1 s (JOIN_PAD_SEC) so the second part's first decode times never precede the first part's last.
      expect(maxGapSec(ts)).toBeLessThan(0.25);
    }
    // Nothing of the work is left beside the parts.
    expect((await readdir(dir)).filter((f) => f.includes(".part") || f.endsWith(".txt"))).toEqual([]);
  });

  it("leaves out a part whose picture size differs from the rest, naming it and why", async () => {
    const other = "rec_4567cdef";
    await flv(files.path(`${other}.flv`), 2, "640x360");
    await flv(files.path(`${other}-${laterAt}.flv`), 2);
    const out = files.path(`${other}.mp4`);
    const joined = await joinParts(files, other, await rawParts(files, other, `${other}-${laterAt}.flv`), out);
    expect(joined.joined).toEqual([`${other}-${laterAt}.flv`]);
    expect(joined.joins).toEqual([]);
    expect(joined.leftOut).toEqual([{ file: `${other}.flv`, why: "its format (h264, 640x360, aac) differs from the rest (h264, 320x240, aac)" }]);
    expect((await probeMedia(out)).durationSec).toBeCloseTo(2, 0);
  });
});
