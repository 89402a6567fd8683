import { describe, expect, it } from "vitest";
import { platforms, platformIds } from "../../src/destinations/registry.js";

describe("platform adapters", () => {
  it("lists every platform once, keyed by its own id", () => {
    expect(platformIds).toEqual(["custom", "facebook", "kick", "twitcasting", "twitch", "x", "youtube"]);
    for (const id of platformIds) expect(platforms[id].id).toBe(id);
  });

  it.each(["twitch", "youtube", "x", "twitcasting", "kick"] as const)("%s takes a pasted RTMP(S) URL + key and says what is wrong", (id) => {
    const adapter = platforms[id];
    expect(adapter.checkIngest({ url: " rtmps://ingest.example.net:443/app/ ", streamKey: "live_123_abc" })).toEqual({
      ok: true,
      url: "rtmps://ingest.example.net:443/app",
      streamKey: "live_123_abc",
    });
    const badUrl = adapter.checkIngest({ url: "https://example.net/app", streamKey: "k" });
    expect(badUrl.ok).toBe(false);
    expect(!badUrl.ok && badUrl.message).toMatch(/Only rtmp/);
    const badKey = adapter.checkIngest({ url: "rtmp://example.net/app", streamKey: "has space" });
    expect(!badKey.ok && badKey.message).toMatch(/spaces/);
  });

  it("takes only rtmps:// for Facebook, which refuses plain RTMP, and hints at its server", () => {
    expect(platforms.facebook.checkIngest({ url: "rtmps://live-api-s.facebook.com:443/rtmp/", streamKey: "FB-1-0-Ab?s_bl=1" })).toEqual({
      ok: true,
      url: "rtmps://live-api-s.facebook.com:443/rtmp",
      streamKey: "FB-1-0-Ab?s_bl=1",
    });
    const plain = platforms.facebook.checkIngest({ url: "rtmp://live-api-s.facebook.com:80/rtmp", streamKey: "k" });
    expect(!plain.ok && plain.message).toMatch(/RTMPS only.*rtmps:\/\/live-api-s\.facebook\.com:443\/rtmp/);
    expect(platforms.facebook.limits).toMatchObject({ maxVideoKbps: 9000, maxKeyframeIntervalSec: 4, audioCodecs: ["AAC"] });
  });

  it("hints at the platform's own server when the URL is wrong", () => {
    const check = platforms.twitch.checkIngest({ url: "live.twitch.tv/app", streamKey: "k" });
    expect(!check.ok && check.message).toMatch(/rtmp:\/\/ingest\.global-contribute\.live-video\.net\/app/);
  });

  it("carries the published caps the transcoding plan and the warnings rely on", () => {
    expect(platforms.twitch.limits).toMatchObject({ maxVideoKbps: 6000, maxKeyframeIntervalSec: 2, maxAudioKbps: 160, videoCodecs: ["H264"] });
    expect(platforms.youtube.limits).toMatchObject({ requiresAudio: true, maxKeyframeIntervalSec: 4 });
    expect(platforms.youtube.limits.videoKbpsByHeight?.find((s) => s.maxHeight >= 1080)?.maxKbps).toBe(12_000);
    expect(platforms.youtube.limits.maxVideoKbps).toBeGreaterThanOrEqual(50_000);
    expect(platforms.x.limits.videoCodecs).toEqual(["H264"]);
    expect(platforms.twitcasting.limits.maxVideoKbps! + platforms.twitcasting.limits.maxAudioKbps!).toBeLessThanOrEqual(6000);
    expect(platforms.kick.limits).toMatchObject({ maxKeyframeIntervalSec: 2, videoCodecs: ["H264"], audioCodecs: ["AAC"] });
    expect(platforms.custom.limits).toBeNull();
  });
});
