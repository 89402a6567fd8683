import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FlvRecording } from "../../src/recordings/flv-recording.js";
import { encodeMedia } from "../../src/relay/rtmp/chunks.js";
import type { EncodedFrame, TrackKind } from "../../src/relay/media.js";
import type { SourceId } from "../../src/relay/hub.js";
import { makeTempDir, removeTempDirs } from "../support/tmp.js";

const frame = (kind: TrackKind, dts: number, size: number, opts: { key?: boolean; header?: boolean } = {}): EncodedFrame => {
  const payload = Buffer.alloc(size, dts & 0xff);
  return { kind, isHeader: opts.header ?? false, isKeyframe: opts.key ?? false, dts, size, chunks: encodeMedia(kind, dts, payload) };
};

/** The FLV's tags: type, timestamp and payload size, read back from the file. */
function tags(file: string): Array<{ type: number; ts: number; size: number }> {
  const bytes = readFileSync(file);
  expect(bytes.subarray(0, 3).toString()).toBe("FLV");
  const out: Array<{ type: number; ts: number; size: number }> = [];
  for (let at = 13; at < bytes.length; ) {
    const size = bytes.readUIntBE(at + 1, 3);
    const ts = bytes.readUIntBE(at + 4, 3) | (bytes[at + 7]! << 24);
    out.push({ type: bytes[at]!, ts, size });
    expect(bytes.readUInt32BE(at + 11 + size)).toBe(11 + size);
    at += 11 + size + 4;
  }
  return out;
}

describe("FlvRecording (a hub reader writing FLV)", () => {
  afterAll(removeTempDirs);

  it("never waits for the disk: past its queue bound it drops frames up to the next keyframe, and the file stays whole FLV tags", async () => {
    const dir = await makeTempDir("flv-rec-");
    const file = join(dir, "r.flv");
    const recording = new FlvRecording({ file, includeSlate: true, source: () => "primary", queueLimitBytes: 50_000 });
    recording.frame(frame("video", 0, 40, { header: true }));
    // 300 frames of 10 kB handed over at once, as a burst the disk cannot take in one go: each call returns at once.
    for (let i = 0; i < 300; i++) recording.frame(frame("video", 1000 + i * 40, 10_000, { key: i % 25 === 0 }));
    expect(recording.droppedFrames).toBeGreaterThan(0);
    const { bytes } = await recording.finish();
    const written = tags(file);
    expect(13 + written.reduce((sum, t) => sum + 15 + t.size, 0)).toBe(bytes);
    expect(written.length).toBe(1 + 300 - recording.droppedFrames);
    // The recording's time starts at its first frame and never goes back.
    const times = written.slice(1).map((t) => t.ts);
    expect(times[0]).toBe(0);
    expect(times.every((ts, i) => i === 0 || ts > times[i - 1]!)).toBe(true);
  });

  it("without the slate, joins the publisher's return one frame after what it recorded last", async () => {
    const dir = await makeTempDir("flv-rec-");
    const file = join(dir, "r.flv");
    let source: SourceId = "primary";
    const recording = new FlvRecording({ file, includeSlate: false, source: () => source, queueLimitBytes: 1 << 20 });
    recording.frame(frame("video", 500, 100, { key: true }));
    recording.frame(frame("video", 540, 100));
    source = "slate";
    for (let dts = 580; dts < 5_580; dts += 40) recording.frame(frame("video", dts, 50, { key: dts === 580 }));
    source = "primary";
    recording.frame(frame("video", 5_620, 40, { header: true }));
    recording.frame(frame("video", 5_620, 100, { key: true }));
    recording.frame(frame("video", 5_660, 100));
    await recording.finish();
    // The frame grid goes on: a shorter join put two pictures in one 1/25 s slot, which ffmpeg refuses to mux.
    expect(tags(file).map((t) => t.ts)).toEqual([0, 40, 40, 80, 120]);
  });

  it("without the slate, joins audio and video so that each track only moves forward, whichever comes back first", async () => {
    const dir = await makeTempDir("flv-rec-");
    const file = join(dir, "r.flv");
    let source: SourceId = "primary";
    const recording = new FlvRecording({ file, includeSlate: false, source: () => source, queueLimitBytes: 1 << 20 });
    for (let i = 0; i < 10; i++) {
      recording.frame(frame("video", 1000 + i * 40, 100, { key: i === 0 }));
      recording.frame(frame("audio", 1010 + i * 23, 20));
    }
    source = "slate";
    recording.frame(frame("video", 1400, 50, { key: true }));
    source = "primary";
    // Back from the slate: audio first, and video 100 ms earlier than that audio on the hub's timeline.
    recording.frame(frame("audio", 6100, 20));
    recording.frame(frame("audio", 6123, 20));
    recording.frame(frame("video", 6000, 100, { key: true }));
    recording.frame(frame("audio", 6146, 20));
    recording.frame(frame("video", 6040, 100));
    await recording.finish();
    const written = tags(file);
    const video = written.filter((t) => t.type === 9).map((t) => t.ts);
    const audio = written.filter((t) => t.type === 8).map((t) => t.ts);
    expect(video).toEqual([0, 40, 80, 120, 160, 200, 240, 280, 320, 360, 400, 440]);
    expect(audio.every((ts, i) => i === 0 || ts > audio[i - 1]!)).toBe(true);
    // The audio that came back before the first picture is left out; the rest keeps its place beside the video.
    expect(audio.slice(10)).toEqual([400 + 146]);
  });

  it("pauses and resumes at a keyframe", async () => {
    const dir = await makeTempDir("flv-rec-");
    const file = join(dir, "r.flv");
    const recording = new FlvRecording({ file, includeSlate: true, source: () => "primary", queueLimitBytes: 1 << 20 });
    recording.frame(frame("video", 0, 100, { key: true }));
    recording.pause();
    recording.frame(frame("video", 40, 100));
    recording.resume();
    recording.frame(frame("video", 80, 100));
    recording.frame(frame("video", 120, 100, { key: true }));
    await recording.finish();
    expect(tags(file).map((t) => t.ts)).toEqual([0, 120]);
  });
});
