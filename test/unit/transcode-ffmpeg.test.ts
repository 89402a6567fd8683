import { describe, expect, it } from "vitest";
import { parseProgressLine, transcodeOutputOptions } from "../../src/media/ffmpeg.js";

describe("ffmpeg transcoding arguments", () => {
  it("encode H.264 in strict CBR with fixed keyframes at the profile's size and rate", () => {
    const args = transcodeOutputOptions({
      video: { codec: "h264", width: 1280, height: 720, fps: 30, kbps: 2500, keyframeIntervalSec: 2 },
      audio: { codec: "aac", kbps: 128, silent: false },
    });
    const after = (flag: string) => args[args.indexOf(flag) + 1];
    expect(after("-vf")).toBe("fps=30,scale=1280:720:force_original_aspect_ratio=decrease,pad=1280:720:(ow-iw)/2:(oh-ih)/2,format=yuv420p");
    expect([after("-c:v"), after("-b:v"), after("-maxrate"), after("-minrate"), after("-g"), after("-keyint_min"), after("-bf")]).toEqual(["libx264", "2500k", "2500k", "2500k", "60", "60", "0"]);
    expect(after("-x264-params")).toBe("nal-hrd=cbr");
    expect([after("-c:a"), after("-b:a")]).toEqual(["aac", "128k"]);
    expect(args.filter((a) => a === "-map").length).toBe(2);
    expect(args).toContain("0:a:0?");
  });

  it("copy what needs no work, and take a silent track from the second input", () => {
    const args = transcodeOutputOptions({ video: { codec: "copy" }, audio: { codec: "aac", kbps: 128, silent: true } });
    expect(args.slice(0, 4)).toEqual(["-map", "0:v:0", "-map", "1:a:0"]);
    expect(args).toContain("copy");
    expect(args).not.toContain("-vf");
    expect(transcodeOutputOptions({ video: { codec: "copy" }, audio: { codec: "none" } }).filter((a) => a === "-map")).toHaveLength(1);
  });
});

describe("ffmpeg progress", () => {
  it("reads fps, bitrate, speed and dropped frames from the stats line", () => {
    expect(parseProgressLine("frame=  451 fps= 30 q=23.0 size=    4608kB time=00:00:15.00 bitrate=2516.6kbits/s dup=2 drop=7 speed=0.998x")).toEqual({
      frames: 451,
      fps: 30,
      bitrateKbps: 2517,
      speed: 0.998,
      droppedFrames: 7,
    });
    // ffmpeg leaves dup/drop out while both are zero, and prints N/A before it has figures.
    expect(parseProgressLine("frame=    0 fps=0.0 q=0.0 size=       0kB time=00:00:00.00 bitrate=N/A speed=   0x")).toEqual({
      frames: 0,
      fps: 0,
      bitrateKbps: 0,
      speed: 0,
      droppedFrames: 0,
    });
    expect(parseProgressLine("[flv @ 0x1] Failed to update header with correct duration.")).toBeNull();
  });
});
