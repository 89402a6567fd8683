import { describe, expect, it } from "vitest";
import { checkRtmpUrl, checkStreamKey } from "../../src/destinations/rtmp-url.js";

describe("checkRtmpUrl", () => {
  it.each([
    ["rtmp://live.twitch.tv/app", "rtmp://live.twitch.tv/app"],
    ["rtmps://va.pscp.tv:443/x/", "rtmps://va.pscp.tv:443/x"],
    ["  rtmp://127.0.0.1:1935/live2  ", "rtmp://127.0.0.1:1935/live2"],
    ["rtmp://[::1]:1935/app/instance", "rtmp://[::1]:1935/app/instance"],
  ])("accepts %s", (input, normalised) => {
    expect(checkRtmpUrl(input)).toEqual({ ok: true, url: normalised });
  });

  it.each([
    ["http://example.com/app", /Only rtmp/],
    ["rtmp://example.com", /application path/],
    ["rtmp://example.com/", /application path/],
    ["rtmp://user:pass@example.com/app", /credentials/],
    ["rtmp://exa mple.com/app", /spaces/],
    ["rtmp://example.com/a\npp", /control/],
    ["notaurl", /not a URL/],
    ["rtmp://example.com/app#x", /fragment/],
  ])("refuses %j with a reason", (input, reason) => {
    const result = checkRtmpUrl(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(reason);
  });
});

describe("checkStreamKey", () => {
  it("refuses empty, whitespace and overly long keys", () => {
    expect(checkStreamKey("live_123?bandwidthtest=true").ok).toBe(true);
    expect(checkStreamKey("").ok).toBe(false);
    expect(checkStreamKey("a b").ok).toBe(false);
    expect(checkStreamKey("x".repeat(1025)).ok).toBe(false);
  });
});
