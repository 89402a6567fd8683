import { describe, expect, it } from "vitest";
import { StreamHub } from "../../src/relay/hub.js";
import type { MediaPacket } from "../../src/relay/media.js";
import { LivePreviews, type PreviewEnd } from "../../src/relay/preview/live-preview.js";

// H.263 (FLV codec 2): the hub relays it without touching its payload.
const video = (dts: number, bytes: number, opts: { header?: boolean; key?: boolean } = {}): MediaPacket => ({
  kind: "video",
  isHeader: opts.header ?? false,
  isKeyframe: opts.key ?? opts.header ?? false,
  codecId: 2,
  dts,
  payload: Buffer.alloc(bytes, dts & 0xff),
});

function setUp(queueLimitBytes: number) {
  const hub = new StreamHub();
  const ends: PreviewEnd[] = [];
  const previews = new LivePreviews(() => hub, { maxViewersPerStream: 2, queueLimitBytes }, (_id, why) => ends.push(why));
  return { hub, previews, ends };
}

/** The preview's own queue, with a real hub and no HTTP: what a viewer that stops reading costs. */
describe("live preview viewers", () => {
  it("a viewer that stops reading is cut once its queue passes the limit, and its reader leaves the hub", async () => {
    const { hub, previews, ends } = setUp(1024 * 1024);
    hub.push(video(0, 100, { header: true }));
    const opened = previews.open("s");
    if (!opened.ok) throw new Error("not opened");
    const reader = opened.body.getReader();
    // Nothing read: 100 KB frames pile up in the viewer's queue, never beyond about the limit.
    for (let i = 0; i < 40; i++) hub.push(video(40 * i, 100_000, { key: i % 10 === 0 }));
    expect(ends).toEqual(["fell_behind"]);
    expect(previews.viewerCount("s")).toBe(0);
    // What it had queued is still there for it, then the body ends.
    let queued = 0;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      queued += value.byteLength;
    }
    expect(queued).toBeGreaterThan(1024 * 1024 - 200_000);
    expect(queued).toBeLessThan(1024 * 1024 + 200_000);
    // The hub no longer feeds it: more frames cost this viewer nothing.
    hub.push(video(2000, 100_000, { key: true }));
    expect(ends).toEqual(["fell_behind"]);
  });

  it("starts on a keyframe (headers first), refuses past the limit, and ends every viewer with the stream", async () => {
    const { hub, previews, ends } = setUp(1024 * 1024);
    hub.push(video(0, 10, { header: true }));
    hub.push(video(0, 10)); // before any keyframe: nobody could decode it
    const first = previews.open("s");
    const second = previews.open("s");
    expect(previews.open("s")).toEqual({ ok: false, reason: "full" });
    if (!first.ok || !second.ok) throw new Error("not opened");
    hub.push(video(40, 20)); // still no keyframe
    hub.push(video(80, 30, { key: true }));
    hub.push(video(120, 40));
    previews.streamEnded("s");
    expect(ends).toEqual(["stream_ended", "stream_ended"]);
    const bytes: number[] = [];
    const reader = first.body.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      bytes.push(value.byteLength);
    }
    // FLV header (13), the video header tag (11 + 10 + 4), then only the keyframe and what follows.
    expect(bytes).toEqual([13, 25, 45, 55]);
    expect(previews.viewerCount("s")).toBe(0);
  });

  it("a viewer that leaves (cancels its body) takes its reader off the hub", async () => {
    const { hub, previews, ends } = setUp(1024 * 1024);
    hub.push(video(0, 10, { header: true }));
    const opened = previews.open("s");
    if (!opened.ok) throw new Error("not opened");
    await opened.body.cancel();
    expect(ends).toEqual(["closed"]);
    expect(previews.viewerCount("s")).toBe(0);
    expect(previews.open("other")).toMatchObject({ ok: true });
  });
});
