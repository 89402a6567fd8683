import { describe, expect, it } from "vitest";
import { StreamHub, type InputId } from "../../src/relay/hub.js";
import type { EncodedFrame, MediaPacket } from "../../src/relay/media.js";
import { amf } from "../../src/relay/rtmp/nms.js";

// H.263 (FLV codec 2): the hub relays it without touching its payload (no in-band SPS/PPS work).
const video = (dts: number, opts: { header?: boolean; key?: boolean; tag?: number } = {}): MediaPacket => ({
  kind: "video",
  isHeader: opts.header ?? false,
  isKeyframe: opts.key ?? opts.header ?? false,
  codecId: 2,
  dts,
  payload: Buffer.from([opts.tag ?? 0, dts & 0xff]),
});

function hubWithReader() {
  const hub = new StreamHub();
  const got: EncodedFrame[] = [];
  hub.attach({ frame: (f) => got.push(f), crashed: (err) => { throw err; } });
  // The tag byte of each payload (after its 11-byte chunk header, type 0) says which encoder sent it.
  const tags = () => got.map((f) => (f.isHeader ? "h" : "") + String(f.chunks[12]));
  return { hub, got, tags };
}

const feed = (hub: StreamHub, input: InputId, tag: number, from: number, count: number, keyEvery = 3) => {
  for (let i = 0; i < count; i++) hub.push(video(from + i * 40, { key: i % keyEvery === 0, tag }), input);
};

describe("the hub's two inputs", () => {
  it("forwards only the input on air; the other's frames are kept out until a switch", () => {
    const { hub, tags } = hubWithReader();
    hub.push(video(0, { header: true, tag: 1 }), "primary");
    hub.push(video(0, { header: true, tag: 2 }), "backup");
    feed(hub, "primary", 1, 0, 3);
    feed(hub, "backup", 2, 0, 3);
    expect(tags()).toEqual(["h1", "1", "1", "1"]);
    expect(hub.currentSource).toBe("publisher");
  });

  it("switches to the backup at its next keyframe, with its own headers first, and back the same way", () => {
    const { hub, tags } = hubWithReader();
    hub.push(video(0, { header: true, tag: 1 }), "primary");
    hub.push(video(5000, { header: true, tag: 2 }), "backup");
    feed(hub, "primary", 1, 0, 2);
    hub.switchTo("backup", { fresh: false });
    expect(hub.target).toBe("backup");
    expect(hub.currentSource).toBe("resuming");
    hub.push(video(5040, { tag: 2 }), "backup"); // not a keyframe: dropped
    feed(hub, "primary", 1, 80, 1, 1); // the primary runs on meanwhile
    hub.push(video(5080, { key: true, tag: 2 }), "backup");
    hub.push(video(5120, { tag: 2 }), "backup");
    feed(hub, "primary", 1, 120, 2, 1); // no longer on air
    expect(hub.currentSource).toBe("backup");
    expect(tags()).toEqual(["h1", "1", "1", "1", "h2", "2", "2"]);

    hub.switchTo("primary", { fresh: false });
    hub.push(video(5160, { tag: 2 }), "backup");
    hub.push(video(200, { key: true, tag: 1 }), "primary");
    expect(tags().slice(7)).toEqual(["2", "h1", "1"]);
    expect(hub.currentSource).toBe("publisher");
  });

  it("forgets a reconnected encoder's old headers, and keeps those it sends before it goes on air", () => {
    const { hub, tags } = hubWithReader();
    hub.push(video(0, { header: true, tag: 1 }), "primary");
    feed(hub, "primary", 1, 0, 1);
    hub.switchTo("backup", { fresh: true });
    hub.push(video(0, { header: true, tag: 2 }), "backup");
    hub.push(video(0, { key: true, tag: 2 }), "backup");
    hub.forgetInput("primary"); // a new primary connection: its encoder may differ
    hub.push(video(0, { header: true, tag: 3 }), "primary");
    hub.switchTo("primary", { fresh: false });
    hub.push(video(40, { key: true, tag: 3 }), "primary");
    expect(tags()).toEqual(["h1", "1", "h2", "2", "h3", "3"]);
  });
});

describe("the hub's timeline across a switch", () => {
  const metadata = (framerate: number): MediaPacket => ({
    kind: "data",
    isHeader: true,
    isKeyframe: false,
    codecId: 0,
    dts: 0,
    payload: amf.encodeAmf0Data({ cmd: "onMetaData", dataObj: { width: 320, height: 240, framerate } }),
  });
  const audio = (dts: number): MediaPacket => ({ kind: "audio", isHeader: false, isKeyframe: false, codecId: 10, dts, payload: Buffer.from([0xaf, 1, 0]) });

  /** 25 fps video with 23 ms audio frames interleaved in dts order, as encoders send them. */
  const publish = (hub: StreamHub, input: InputId, from: number, untilMs: number, tag: number) => {
    let a = from;
    for (let v = from; v <= from + untilMs; v += 40) {
      for (; a <= v; a += 23) hub.push(audio(a), input);
      hub.push(video(v, { key: (v - from) % 1000 === 0, tag }), input);
    }
    return a;
  };

  it("starts the new encoder's pictures a whole number of frames after the old one's last picture, and after its last audio", () => {
    const { hub, got } = hubWithReader();
    for (const input of ["primary", "backup"] as const) {
      hub.push(metadata(25), input);
      hub.push(video(0, { header: true, tag: input === "primary" ? 1 : 2 }), input);
    }
    publish(hub, "primary", 0, 760, 1);
    hub.push(audio(782), "primary"); // the audio runs 22 ms ahead of the last picture (760) when the primary drops
    hub.switchTo("backup", { fresh: false });
    publish(hub, "backup", 9_000, 400, 2);

    const pictures = got.filter((f) => f.kind === "video" && !f.isHeader).map((f) => f.dts);
    const sounds = got.filter((f) => f.kind === "audio").map((f) => f.dts);
    const lastOld = pictures[19]!;
    const firstNew = pictures[20]!;
    expect(lastOld).toBe(760);
    expect((firstNew - lastOld) % 40).toBe(0);
    expect(firstNew).toBeGreaterThanOrEqual(782 + 40);
    for (let i = 1; i < pictures.length; i++) expect((pictures[i]! - pictures[0]!) % 40, `picture ${i}`).toBe(0);
    for (let i = 1; i < sounds.length; i++) expect(sounds[i]!).toBeGreaterThan(sounds[i - 1]!);
  });
});
