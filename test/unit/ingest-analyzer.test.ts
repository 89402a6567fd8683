import { describe, expect, it } from "vitest";
import { IngestAnalyzer } from "../../src/relay/analyzer.js";
import type { EncodedFrame, TrackKind } from "../../src/relay/media.js";

const frame = (kind: TrackKind, dts: number, size: number, flags: { header?: boolean; key?: boolean } = {}): EncodedFrame => ({
  kind,
  isHeader: flags.header ?? false,
  isKeyframe: flags.key ?? false,
  dts,
  size,
  chunks: Buffer.alloc(0),
});

/** Feeds `seconds` of a 30 fps stream with a keyframe every `gopSec` and AAC-like audio frames. */
function feed(analyzer: IngestAnalyzer, o: { seconds: number; fps?: number; gopSec: number; videoKbps: number; audioKbps?: number; from?: number }) {
  const fps = o.fps ?? 30;
  const frameBytes = (o.videoKbps * 1000) / 8 / fps;
  const from = o.from ?? 0;
  const audioFrameMs = 1024 / 48;
  let nextAudio = from;
  for (let i = 0; i < o.seconds * fps; i++) {
    const dts = from + Math.round((i * 1000) / fps);
    for (; o.audioKbps && nextAudio <= dts; nextAudio += audioFrameMs) {
      analyzer.frame(frame("audio", Math.round(nextAudio), (o.audioKbps * 1000 * audioFrameMs) / 8 / 1000));
    }
    analyzer.frame(frame("video", dts, frameBytes, { key: i % Math.round(o.gopSec * fps) === 0 }));
  }
}

describe("ingest analyzer", () => {
  it("measures keyframe interval, bitrates and frame rate from timestamps and sizes", () => {
    const a = new IngestAnalyzer();
    a.frame(frame("video", 0, 40, { header: true }));
    a.frame(frame("audio", 0, 4, { header: true }));
    feed(a, { seconds: 9, gopSec: 2, videoKbps: 6000, audioKbps: 160 });
    const m = a.measurements();
    expect(m.keyframeIntervalSec).toBe(2);
    expect(m.videoKbps).toBeGreaterThan(5900);
    expect(m.videoKbps).toBeLessThan(6100);
    expect(m.audioKbps).toBeGreaterThan(150);
    expect(m.audioKbps).toBeLessThan(170);
    expect(m.fps).toBeCloseTo(30, 0);
    expect(m).toMatchObject({ hasVideo: true, hasAudio: true });
  });

  it("is ready after one whole GOP, and tells those who wait once, after the frame is handed out", async () => {
    const a = new IngestAnalyzer();
    let called = 0;
    a.whenReady(() => called++);
    feed(a, { seconds: 1.9, gopSec: 2, videoKbps: 1000 });
    expect(a.ready).toBe(false);
    expect(a.measurements().keyframeIntervalSec).toBeNull();
    a.frame(frame("video", 2000, 100, { key: true }));
    expect(a.ready).toBe(true);
    expect(called).toBe(0); // not during the hub's loop over its readers
    await Promise.resolve();
    expect(called).toBe(1);
    a.frame(frame("video", 2033, 100));
    await Promise.resolve();
    expect(called).toBe(1);
  });

  it("sees a keyframe interval longer than its wait, and says so without a second keyframe", () => {
    const a = new IngestAnalyzer();
    feed(a, { seconds: 9, gopSec: 20, videoKbps: 2000 });
    expect(a.ready).toBe(true);
    expect(a.measurements().keyframeIntervalSec).toBeGreaterThanOrEqual(8.9);
  });

  it("reports the longest recent interval, and the open one when it runs longer", () => {
    const a = new IngestAnalyzer();
    feed(a, { seconds: 8, gopSec: 4, videoKbps: 2000 });
    feed(a, { seconds: 4, gopSec: 1, videoKbps: 2000, from: 8000 });
    expect(a.measurements().keyframeIntervalSec).toBe(4);
    feed(a, { seconds: 8, gopSec: 1, videoKbps: 2000, from: 12_000 });
    expect(a.measurements().keyframeIntervalSec).toBe(1);
  });

  it("knows a stream without audio, and an audio-only one", () => {
    const mute = new IngestAnalyzer();
    feed(mute, { seconds: 3, gopSec: 1, videoKbps: 1000 });
    expect(mute.measurements()).toMatchObject({ hasAudio: false, audioKbps: null, hasVideo: true });
    const radio = new IngestAnalyzer();
    radio.frame(frame("audio", 0, 4, { header: true }));
    for (let t = 0; t <= 3100; t += 21) radio.frame(frame("audio", t, 400));
    expect(radio.ready).toBe(true);
    expect(radio.measurements()).toMatchObject({ hasAudio: true, hasVideo: false, keyframeIntervalSec: null });
  });
});
