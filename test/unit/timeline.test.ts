import { describe, expect, it } from "vitest";
import { Timeline } from "../../src/relay/timeline.js";
import { compositionTime } from "../../src/relay/composition-time.js";
import type { MediaPacket } from "../../src/relay/media.js";

describe("Timeline", () => {
  it("keeps audio and video strictly increasing, and lets data repeat", () => {
    const t = new Timeline();
    expect(t.map("video", 0)).toBe(0);
    expect(t.map("video", 0)).toBeNull();
    expect(t.map("audio", 10)).toBe(10);
    expect(t.map("audio", 5)).toBeNull();
    expect(t.map("data", 7)).toBe(7);
    expect(t.map("data", 7)).toBe(7);
  });

  it("starts a new source after the latest presentation time, not after the last decode time", () => {
    const t = new Timeline();
    // I P B B with B-frames: the P frame (dts 40) is shown at 160, after the B-frames that never came.
    t.map("video", 0, 80);
    t.map("video", 40, 120);
    t.map("audio", 60);
    t.continueWith(5_000, 0, 40);
    const first = t.map("video", 5_000, 0)!;
    expect(first).toBe(40 + 120 + 40);
    expect(t.map("audio", 5_000)).toBeGreaterThan(60);
  });

  it("starts a new source after the last decode time when that is later", () => {
    const t = new Timeline();
    t.map("video", 100, 0);
    t.map("audio", 300);
    t.continueWith(0, 80, 20);
    expect(t.map("video", 0, 80)).toBe(320);
  });

  it("continues the video on its frame grid when the audio ran ahead of it (whole frames after its last frame)", () => {
    const t = new Timeline();
    // 25 fps video up to 760 ms; the audio (23 ms frames) has already reached 766 ms when the source is lost.
    for (let dts = 0; dts <= 760; dts += 40) t.map("video", dts);
    t.map("audio", 766);
    t.continueWith(5_000, 0, 40);
    const first = t.map("video", 5_000)!;
    // Not 766 + 40 = 806: 46 ms after the last frame puts every later frame off the grid, and a reader that
    // infers the frame rate from the timestamps (ffmpeg, a platform's transcoder) then guesses 24.83 fps.
    expect((first - 760) % 40).toBe(0);
    expect(first).toBeGreaterThanOrEqual(766 + 40); // still a whole frame after the audio too
    expect(t.map("audio", 5_000)).toBeGreaterThan(766);
  });

  it("keeps a fractional frame duration's grid to the millisecond (30 fps)", () => {
    const t = new Timeline();
    for (let i = 0; i <= 10; i++) t.map("video", Math.round((i * 1000) / 30)); // …, 300, 333
    t.map("audio", 340);
    t.continueWith(0, 0, 1000 / 30);
    // The next grid points after 340 + 33.3 are 400 (12 frames) and 433 (13 frames).
    expect(t.map("video", 0)).toBe(400);
  });
});

const video = (payload: number[], codecId = 7): MediaPacket => ({ kind: "video", isHeader: false, isKeyframe: false, codecId, dts: 0, payload: Buffer.from(payload) });

describe("compositionTime", () => {
  it("reads the signed 24-bit composition time of AVC frames", () => {
    expect(compositionTime(video([0x27, 1, 0x00, 0x00, 0x50, 0]))).toBe(80);
    expect(compositionTime(video([0x27, 1, 0xff, 0xff, 0xd8, 0]))).toBe(-40);
    expect(compositionTime(video([0x17, 0, 0x00, 0x00, 0x50, 0]))).toBe(0); // sequence header
  });

  it("reads it after the FourCC of enhanced-RTMP HEVC coded frames, and not from CodedFramesX", () => {
    const fourcc = [...Buffer.from("hvc1")];
    expect(compositionTime(video([0x80 | 0x10 | 1, ...fourcc, 0x00, 0x00, 0x28, 0], 0x68766331))).toBe(40);
    expect(compositionTime(video([0x80 | 0x10 | 3, ...fourcc, 0x00, 0x00, 0x28, 0], 0x68766331))).toBe(0);
  });

  it("is 0 for audio", () => {
    expect(compositionTime({ ...video([0xaf, 1, 0, 0, 0x50]), kind: "audio", codecId: 10 })).toBe(0);
  });
});
