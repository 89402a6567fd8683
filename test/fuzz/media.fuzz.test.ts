import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parameterSetsOf, withParameterSets } from "../../src/relay/avc.js";
import { flvTag } from "../../src/relay/transcode/flv.js";
import { encodeMedia } from "../../src/relay/rtmp/chunks.js";
import { IngestAnalyzer } from "../../src/relay/analyzer.js";
import type { EncodedFrame, TrackKind } from "../../src/relay/media.js";
import { FUZZ_TIMEOUT_MS, fuzzRuns } from "./runs.js";

const bytes = (max: number) => fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a));
const kind = fc.constantFrom<TrackKind>("audio", "video", "data");

function frame(k: TrackKind, dts: number, payload: Buffer, isHeader = false, isKeyframe = false): EncodedFrame {
  return { kind: k, dts, isHeader, isKeyframe, size: payload.length, chunks: encodeMedia(k, dts, payload) };
}

describe("Prism's own FLV/AVC parsing under fuzzing", () => {
  it("reads parameter sets from any sequence header or refuses it, and puts them in front of any keyframe", { timeout: FUZZ_TIMEOUT_MS }, () => {
    // Either random bytes or a well-formed AVC record header with random NAL counts and lengths.
    const header = fc.oneof(
      bytes(600),
      fc.tuple(bytes(3), fc.integer({ min: 0, max: 255 }), bytes(600)).map(([profile, counts, rest]) => Buffer.concat([Buffer.from([0x17, 0, 0, 0, 0, 1]), profile, Buffer.from([0xff, counts]), rest])),
    );
    fc.assert(
      fc.property(header, bytes(2_000), (sequenceHeader, keyframe) => {
        const sets = parameterSetsOf(sequenceHeader);
        if (sets === null) return;
        for (const nal of sets.nalUnits) expect(sequenceHeader.includes(nal)).toBe(true);
        const out = withParameterSets(keyframe, sets);
        const added = sets.nalUnits.reduce((sum, nal) => sum + sets.lengthSize + nal.length, 0);
        expect(out.length).toBe(keyframe.length + added);
      }),
      fuzzRuns(300),
    );
  });

  it("writes an FLV tag carrying exactly the frame's payload, for any payload size and timestamp", { timeout: FUZZ_TIMEOUT_MS }, () => {
    fc.assert(
      fc.property(kind, fc.integer({ min: 0, max: 0xffffffff }), bytes(20_000), (k, dts, payload) => {
        const tag = flvTag(frame(k, dts, payload));
        expect(tag.length).toBe(11 + payload.length + 4);
        expect(tag.readUIntBE(1, 3)).toBe(payload.length);
        expect(tag.readUIntBE(4, 3) + tag[7]! * 0x1000000).toBe(dts);
        expect(tag.subarray(11, 11 + payload.length).equals(payload)).toBe(true);
        expect(tag.readUInt32BE(11 + payload.length)).toBe(11 + payload.length);
      }),
      fuzzRuns(200),
    );
  });

  it("measures any sequence of frames (timestamps out of order, jumps, no keyframes) into finite figures or nulls", { timeout: FUZZ_TIMEOUT_MS }, () => {
    const frames = fc.array(
      fc.record({ k: kind, dts: fc.integer({ min: 0, max: 0xffffffff }), size: fc.integer({ min: 0, max: 3_000 }), isHeader: fc.boolean(), isKeyframe: fc.boolean() }),
      { maxLength: 300 },
    );
    fc.assert(
      fc.property(frames, (list) => {
        const analyzer = new IngestAnalyzer();
        for (const f of list) {
          analyzer.frame(frame(f.k, f.dts, Buffer.alloc(f.size), f.isHeader, f.isKeyframe));
          const m = analyzer.measurements();
          for (const figure of [m.keyframeIntervalSec, m.videoKbps, m.audioKbps, m.fps]) {
            if (figure !== null) expect(Number.isFinite(figure) && figure >= 0).toBe(true);
          }
        }
      }),
      fuzzRuns(100),
    );
  });
});
