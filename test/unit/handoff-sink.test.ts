import { describe, expect, it } from "vitest";
import { HandoffSink } from "../../src/relay/ingest/handoff.js";
import type { IngestSink } from "../../src/relay/ingest/connection.js";
import type { MediaPacket } from "../../src/relay/media.js";

const packet = (kind: MediaPacket["kind"], opts: Partial<MediaPacket> = {}): MediaPacket => ({ kind, isHeader: false, isKeyframe: false, codecId: kind === "video" ? 7 : 10, dts: 0, payload: Buffer.from([1, 2, 3]), ...opts });

/** A publisher's sink as the relay would hand it over, recording what reaches it. */
function recordingSink() {
  const got: MediaPacket[] = [];
  const ended: Array<[string, boolean]> = [];
  const sink: IngestSink = { packet: (p) => got.push({ ...p, payload: Buffer.from(p.payload) }), end: (reason, deliberate) => ended.push([reason, deliberate]) };
  return { sink, got, ended };
}

describe("HandoffSink: a publisher taking over from the media player", () => {
  it("takes over at its first keyframe, its latest headers first, and passes everything after", () => {
    const { sink, got } = recordingSink();
    let takeovers = 0;
    const handoff = new HandoffSink(() => (takeovers++, sink), () => {});
    const reused = Buffer.from([9, 9]);
    handoff.packet(packet("video", { isHeader: true, payload: reused }));
    reused.fill(0); // the ingest reuses its buffer after the call
    handoff.packet(packet("audio", { isHeader: true }));
    handoff.packet(packet("video", { isHeader: true, payload: Buffer.from([7]) })); // replaces the first
    handoff.packet(packet("audio", { dts: 10 }));
    handoff.packet(packet("video", { dts: 20 })); // not a keyframe: the file stays on air
    expect(takeovers).toBe(0);
    handoff.packet(packet("video", { dts: 40, isKeyframe: true }));
    handoff.packet(packet("audio", { dts: 41 }));
    expect(takeovers).toBe(1);
    expect(got.map((p) => [p.kind, p.isHeader, p.dts])).toEqual([
      ["audio", true, 0],
      ["video", true, 0],
      ["video", false, 40],
      ["audio", false, 41],
    ]);
    expect([...got[1]!.payload]).toEqual([7]);
  });

  it("an audio-only publisher takes over at its first audio frame", () => {
    const { sink, got } = recordingSink();
    const handoff = new HandoffSink(() => sink, () => {});
    handoff.packet(packet("audio", { isHeader: true }));
    handoff.packet(packet("audio", { dts: 5 }));
    expect(got.map((p) => p.dts)).toEqual([0, 5]);
  });

  it("a publisher that leaves before its keyframe never takes over; one that took over ends like any publisher", () => {
    const abandoned: string[] = [];
    const early = new HandoffSink(() => {
      throw new Error("must not take over");
    }, (reason) => abandoned.push(reason));
    early.packet(packet("video", { isHeader: true }));
    early.end("publisher disconnected", false);
    early.packet(packet("video", { isKeyframe: true }));
    expect(abandoned).toEqual(["publisher disconnected"]);

    const { sink, ended } = recordingSink();
    const late = new HandoffSink(() => sink, () => abandoned.push("wrong"));
    late.packet(packet("video", { isHeader: true }));
    late.packet(packet("video", { isKeyframe: true }));
    late.end("publisher stopped", true);
    late.end("again", false);
    expect(ended).toEqual([["publisher stopped", true]]);
    expect(abandoned).toEqual(["publisher disconnected"]);
  });
});
