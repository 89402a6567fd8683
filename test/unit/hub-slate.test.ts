import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { StreamHub } from "../../src/relay/hub.js";
import type { EncodedFrame, MediaPacket } from "../../src/relay/media.js";
import type { SlateClip } from "../../src/relay/slate.js";
import { amf } from "../../src/relay/rtmp/nms.js";

// H.263 (FLV codec 2): the hub relays it as it is. The payload's first byte tells the sources apart.
const SLATE = 9;
const PUBLISHER = 1;
const video = (dts: number, tag: number, opts: { header?: boolean; key?: boolean } = {}): MediaPacket => ({
  kind: "video",
  isHeader: opts.header ?? false,
  isKeyframe: opts.key ?? opts.header ?? false,
  codecId: 2,
  dts,
  payload: Buffer.from([tag]),
});

/** One second of slate at 25 fps: a keyframe, then 24 frames. */
const clip: SlateClip = {
  headers: [video(0, SLATE, { header: true })],
  frames: Array.from({ length: 25 }, (_, i) => video(i * 40, SLATE, { key: i === 0 })),
  durationMs: 1000,
};

describe("the hub's slate", () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  function hubWithReader() {
    const hub = new StreamHub();
    const got: EncodedFrame[] = [];
    hub.attach({ frame: (f) => got.push(f), crashed: (err) => { throw err; } });
    const sources = () => got.filter((f) => !f.isHeader).map((f) => (f.chunks[12] === SLATE ? "slate" : "publisher"));
    return { hub, got, sources };
  }

  it("stops showing the slate once the publisher is back, even if the slate was put on twice meanwhile", () => {
    const { hub, sources } = hubWithReader();
    hub.push(video(0, PUBLISHER, { header: true }), "primary");
    for (let i = 0; i < 5; i++) hub.push(video(i * 40, PUBLISHER, { key: i === 0 }), "primary");
    // The primary drops: the slate bridges to the backup. The backup is lost before its keyframe: the slate holds.
    hub.showSlate(clip);
    hub.switchTo("backup", { fresh: false });
    vi.advanceTimersByTime(500);
    hub.showSlate(clip);
    vi.advanceTimersByTime(500);

    hub.switchTo("primary", { fresh: true });
    hub.push(video(0, PUBLISHER, { header: true }), "primary");
    const onAir = sources().length;
    for (let i = 0; i < 50; i++) {
      hub.push(video(i * 40, PUBLISHER, { key: i % 25 === 0 }), "primary");
      vi.advanceTimersByTime(40);
    }
    expect(sources().slice(onAir)).toEqual(Array(50).fill("publisher"));
    hub.close();
  });

  it("puts the slate's pictures on the stream's frame grid, though its clip's audio starts before its first picture", () => {
    const { hub, got } = hubWithReader();
    const audio = (dts: number): MediaPacket => ({ kind: "audio", isHeader: false, isKeyframe: false, codecId: 10, dts, payload: Buffer.from([0xaf, 1, 0]) });
    // As ffmpeg writes an AAC clip: the encoder's priming delay puts the first picture 23 ms after the first sound.
    const primed: SlateClip = {
      headers: clip.headers,
      frames: [audio(0), ...Array.from({ length: 25 }, (_, i) => [video(23 + i * 40, SLATE, { key: i === 0 }), audio(23 + i * 40 + 10)]).flat()],
      durationMs: 1000,
    };
    const metadata = amf.encodeAmf0Data({ cmd: "onMetaData", dataObj: { width: 320, height: 240, framerate: 25 } });
    hub.push({ kind: "data", isHeader: true, isKeyframe: false, codecId: 0, dts: 0, payload: metadata }, "primary");
    hub.push(video(0, PUBLISHER, { header: true }), "primary");
    for (let i = 0; i < 5; i++) hub.push(video(i * 40, PUBLISHER, { key: i === 0 }), "primary");
    hub.showSlate(primed);
    vi.advanceTimersByTime(1000);
    const pictures = got.filter((f) => f.kind === "video" && !f.isHeader).map((f) => f.dts);
    expect(pictures.length).toBeGreaterThan(20);
    for (const dts of pictures) expect(dts % 40, `picture at ${dts}`).toBe(0);
    hub.close();
  });
});
