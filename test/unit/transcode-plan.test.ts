import { describe, expect, it } from "vitest";
import { complianceIssues, decidePlan, videoKbpsCap, warningsFor, type IngestFacts } from "../../src/relay/transcode/plan.js";
import { platforms } from "../../src/destinations/registry.js";

/** What OBS sends with its usual Twitch settings: 1080p60, 6 Mbps CBR, 2 s keyframes, AAC 160. */
const obs: IngestFacts = {
  videoCodec: "H264",
  audioCodec: "AAC",
  width: 1920,
  height: 1080,
  fps: 60,
  videoKbps: 6000,
  audioKbps: 160,
  keyframeIntervalSec: 2,
  hasVideo: true,
  hasAudio: true,
};
const { twitch, youtube, x, custom } = platforms;

describe("transcoding plan", () => {
  it("copies when the ingest keeps the platform's rules", () => {
    expect(decidePlan("auto", twitch, obs)).toEqual({ mode: "copy" });
    expect(decidePlan("auto", youtube, obs)).toEqual({ mode: "copy" });
    expect(complianceIssues(twitch, obs)).toEqual([]);
  });

  it("copies to a server without published limits, and whenever told to copy", () => {
    const wild = { ...obs, videoCodec: "HEVC", videoKbps: 50_000, keyframeIntervalSec: 10 };
    expect(decidePlan("auto", custom, wild)).toEqual({ mode: "copy" });
    expect(decidePlan("copy", twitch, wild)).toEqual({ mode: "copy" });
  });

  it("auto re-encodes the video down to Twitch's cap, keeping size, rate and an acceptable audio track", () => {
    const plan = decidePlan("auto", twitch, { ...obs, videoKbps: 9000 });
    expect(plan).toEqual({
      mode: "transcode",
      format: { video: { codec: "h264", width: 1920, height: 1080, fps: 60, kbps: 6000, keyframeIntervalSec: 2 }, audio: { codec: "copy" } },
      reasons: [expect.stringMatching(/video bitrate is 9000 kbps, above Twitch's limit of 6000 kbps/)],
    });
  });

  it("tolerates the wobble of a stream measured right at the cap", () => {
    expect(decidePlan("auto", twitch, { ...obs, videoKbps: 6400 })).toEqual({ mode: "copy" });
    expect(decidePlan("auto", twitch, { ...obs, keyframeIntervalSec: 2.1 })).toEqual({ mode: "copy" });
  });

  it("fixes long keyframe intervals by re-encoding at the ingest's own bitrate when it is under the cap", () => {
    const plan = decidePlan("auto", twitch, { ...obs, keyframeIntervalSec: 4, videoKbps: 4500 });
    expect(plan.mode === "transcode" && plan.format.video).toEqual({ codec: "h264", width: 1920, height: 1080, fps: 60, kbps: 4500, keyframeIntervalSec: 2 });
  });

  it("scales 4K down to fit the platform, keeping the aspect ratio, and uses the cap for that size", () => {
    const plan = decidePlan("auto", twitch, { ...obs, width: 3840, height: 2160, videoKbps: 20_000 });
    expect(plan.mode === "transcode" && plan.format.video).toMatchObject({ width: 1920, height: 1080, kbps: 6000 });
    const portrait = decidePlan("auto", twitch, { ...obs, width: 2160, height: 3840, videoKbps: 5000 });
    expect(portrait.mode === "transcode" && portrait.format.video).toMatchObject({ width: 1080, height: 1920 });
  });

  it("converts HEVC for a platform that only takes H.264, but not for YouTube", () => {
    const hevc = { ...obs, videoCodec: "HEVC" };
    expect(decidePlan("auto", youtube, hevc)).toEqual({ mode: "copy" });
    const plan = decidePlan("auto", x, { ...hevc, fps: 30, videoKbps: 8000 });
    expect(plan.mode === "transcode" && plan.format.video).toMatchObject({ codec: "h264", fps: 30, kbps: 8000, keyframeIntervalSec: 3 });
    expect(plan.mode === "transcode" && plan.reasons[0]).toMatch(/The video is HEVC, but X \(Media Studio\) only takes H264 over RTMP/);
  });

  it("re-encodes only the audio when only the audio breaks the rules", () => {
    const plan = decidePlan("auto", twitch, { ...obs, audioKbps: 320 });
    expect(plan).toMatchObject({ mode: "transcode", format: { video: { codec: "copy" }, audio: { codec: "aac", kbps: 160, silent: false } } });
  });

  it("adds a silent track for YouTube when the ingest has no audio, and nothing for Twitch", () => {
    const mute = { ...obs, audioCodec: null, audioKbps: null, hasAudio: false };
    expect(decidePlan("auto", youtube, mute)).toMatchObject({ mode: "transcode", format: { video: { codec: "copy" }, audio: { codec: "aac", kbps: 128, silent: true } } });
    expect(decidePlan("auto", twitch, mute)).toEqual({ mode: "copy" });
  });

  it("follows a profile: its own values first, the ingest and the platform for the rest, never scaling up", () => {
    const plan = decidePlan({ height: 720, videoKbps: 2500 }, youtube, { ...obs, fps: 30 });
    expect(plan.mode === "transcode" && plan.format).toEqual({
      video: { codec: "h264", width: 1280, height: 720, fps: 30, kbps: 2500, keyframeIntervalSec: 2 },
      audio: { codec: "copy" },
    });
    const small = { ...obs, width: 640, height: 360, fps: 30, videoKbps: 800 };
    const up = decidePlan({ width: 1920, height: 1080, fps: 60 }, custom, small);
    expect(up.mode === "transcode" && up.format.video).toMatchObject({ width: 640, height: 360, fps: 30, kbps: 800 });
    const audioOnly = decidePlan({ audioKbps: 96 }, custom, obs);
    expect(audioOnly).toMatchObject({ mode: "transcode", format: { video: { codec: "copy" }, audio: { codec: "aac", kbps: 96 } }, reasons: ["This destination has its own transcoding profile."] });
  });

  it("leaves an audio-only ingest alone", () => {
    expect(decidePlan({ videoKbps: 1000 }, twitch, { ...obs, hasVideo: false, videoCodec: null, width: null, height: null })).toEqual({ mode: "copy" });
  });

  it("uses the size-dependent cap: YouTube takes 12 Mbps at 1080p, 51 at 2160p, 8 at 720p", () => {
    expect(videoKbpsCap(youtube.limits, 1080)).toBe(12_000);
    expect(videoKbpsCap(youtube.limits, 2160)).toBe(51_000);
    expect(videoKbpsCap(youtube.limits, 720)).toBe(8_000);
    expect(videoKbpsCap(youtube.limits, null)).toBe(51_000);
    expect(complianceIssues(youtube, { ...obs, videoKbps: 11_000 })).toEqual([]);
    expect(complianceIssues(youtube, { ...obs, height: 720, width: 1280, videoKbps: 11_000 })).toHaveLength(1);
  });
});

describe("warnings", () => {
  const broken: IngestFacts = { ...obs, videoCodec: "HEVC", keyframeIntervalSec: 4, videoKbps: 8000, width: 2560, height: 1440, fps: 120, audioCodec: "Opus", audioKbps: 256 };

  it("name every broken rule, in words a streamer can act on", () => {
    const messages = warningsFor({ mode: "copy" }, twitch, broken);
    expect(messages).toEqual([
      expect.stringMatching(/^The video is HEVC, but Twitch only takes H264 over RTMP/),
      expect.stringMatching(/^A keyframe comes only every 4 s, but Twitch needs one at least every 2 s: set OBS → Settings → Output → Keyframe Interval to 2/),
      expect.stringMatching(/^The video bitrate is 8000 kbps, above Twitch's limit of 6000 kbps/),
      expect.stringMatching(/^The picture is 2560×1440, larger than Twitch accepts \(1920×1080\)/),
      expect.stringMatching(/^The stream runs at 120 fps, more than Twitch accepts \(60 fps\)/),
      expect.stringMatching(/^The audio is Opus, but Twitch only takes AAC/),
      expect.stringMatching(/^The audio bitrate is 256 kbps, above Twitch's limit of 160 kbps/),
    ]);
  });

  it("say YouTube refuses a stream without audio", () => {
    expect(warningsFor({ mode: "copy" }, youtube, { ...obs, hasAudio: false, audioCodec: null, audioKbps: null })).toEqual([
      expect.stringMatching(/no audio track, and YouTube silently refuses a stream without audio/),
    ]);
  });

  it("drop what a transcode fixes: only tracks passed through keep their warnings", () => {
    const plan = decidePlan("auto", twitch, broken);
    expect(warningsFor(plan, twitch, broken)).toEqual([]);
    const videoOnly = { mode: "transcode" as const, format: { video: { codec: "copy" as const }, audio: { codec: "aac" as const, kbps: 128, silent: false } }, reasons: [] };
    expect(warningsFor(videoOnly, twitch, broken)).toHaveLength(5);
  });

  it("say nothing before anything is measured", () => {
    const unknown: IngestFacts = { videoCodec: null, audioCodec: null, width: null, height: null, fps: null, videoKbps: null, audioKbps: null, keyframeIntervalSec: null, hasVideo: false, hasAudio: true };
    expect(warningsFor({ mode: "copy" }, twitch, unknown)).toEqual([]);
  });
});
