import { describe, expect, it } from "vitest";
import { Flv } from "../../src/relay/rtmp/nms.js";
import { encodeMedia, OUT_CHUNK_SIZE } from "../../src/relay/rtmp/chunks.js";
import { flvHeader, flvTag } from "../../src/relay/transcode/flv.js";
import type { EncodedFrame, TrackKind } from "../../src/relay/media.js";

const payloadOf = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 13) % 251));
const frameOf = (kind: TrackKind, dts: number, payload: Buffer): EncodedFrame => ({
  kind,
  isHeader: false,
  isKeyframe: false,
  dts,
  size: payload.length,
  chunks: encodeMedia(kind, dts, payload),
});

/** Reads FLV with node-media-server's parser: an independent reader of what we write. */
function parse(flv: Buffer) {
  const tags: Array<{ type: number; dts: number; payload: Buffer }> = [];
  const parser = new Flv();
  parser.onPacketCallback = (p) => tags.push({ type: p.codec_type, dts: p.dts, payload: Buffer.from(p.data.subarray(0, p.size)) });
  const err = parser.parserData(flv);
  if (err) throw new Error(err);
  return tags;
}

describe("FLV from the hub's RTMP chunks", () => {
  it.each([1, OUT_CHUNK_SIZE - 1, OUT_CHUNK_SIZE, OUT_CHUNK_SIZE + 1, 3 * OUT_CHUNK_SIZE + 17])("un-chunks a %i-byte message into one tag", (size) => {
    const payload = payloadOf(size);
    const tags = parse(Buffer.concat([flvHeader(true, true), flvTag(frameOf("video", 40_000, payload))]));
    expect(tags).toHaveLength(1);
    expect(tags[0]).toMatchObject({ type: 9, dts: 40_000 });
    expect(tags[0]!.payload.equals(payload)).toBe(true);
  });

  it("keeps timestamps past 0xFFFFFF (4.6 h into a stream), where RTMP switches to extended timestamps", () => {
    const payload = payloadOf(2 * OUT_CHUNK_SIZE + 5);
    const late = 0x1234567;
    const tags = parse(Buffer.concat([flvHeader(true, false), flvTag(frameOf("audio", late, payload)), flvTag(frameOf("audio", late + 23, payloadOf(9)))]));
    expect(tags.map((t) => [t.type, t.dts])).toEqual([
      [8, late],
      [8, late + 23],
    ]);
    expect(tags[0]!.payload.equals(payload)).toBe(true);
  });

  it("announces the tracks ffmpeg should wait for in the header", () => {
    expect([...flvHeader(true, true).subarray(0, 5)]).toEqual([0x46, 0x4c, 0x56, 1, 5]);
    expect(flvHeader(false, true)[4]).toBe(1);
    expect(flvHeader(true, false)[4]).toBe(4);
  });
});
