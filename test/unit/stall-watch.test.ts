import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { StallWatch } from "../../src/relay/ingest/stall-watch.js";
import type { MediaPacket } from "../../src/relay/media.js";

const packet = (kind: MediaPacket["kind"], isHeader = false): MediaPacket => ({ kind, isHeader, isKeyframe: false, codecId: kind === "video" ? 7 : 10, dts: 0, payload: Buffer.alloc(8) });

describe("StallWatch", () => {
  let events: string[];
  let watch: StallWatch;
  beforeEach(() => {
    vi.useFakeTimers();
    events = [];
    watch = new StallWatch(2_000, { stalled: () => events.push("stalled"), resumed: () => events.push("resumed") });
  });
  afterEach(() => {
    watch.stop();
    vi.useRealTimers();
  });

  it("says nothing before the first frame, then notices 2 s without video and the video coming back", () => {
    vi.advanceTimersByTime(10_000);
    expect(events).toEqual([]);
    watch.media(packet("video"));
    vi.advanceTimersByTime(1_900);
    expect(events).toEqual([]);
    vi.advanceTimersByTime(400);
    expect(events).toEqual(["stalled"]);
    expect(watch.silentForMs()).toBeGreaterThanOrEqual(2_000);
    // Audio, headers or metadata alone do not end a video stream's stall.
    watch.media(packet("audio"));
    watch.media(packet("video", true));
    watch.media(packet("data"));
    expect(events).toEqual(["stalled"]);
    watch.media(packet("video"));
    expect(events).toEqual(["stalled", "resumed"]);
    expect(watch.silentForMs()).toBeNull();
  });

  it("watches audio when the stream has no video", () => {
    watch.media(packet("audio"));
    vi.advanceTimersByTime(2_300);
    expect(events).toEqual(["stalled"]);
    watch.media(packet("audio"));
    expect(events).toEqual(["stalled", "resumed"]);
  });

  it("does not stall while video keeps coming, even with no audio", () => {
    watch.media(packet("audio"));
    for (let i = 0; i < 100; i++) {
      vi.advanceTimersByTime(40);
      watch.media(packet("video"));
    }
    expect(events).toEqual([]);
  });
});
