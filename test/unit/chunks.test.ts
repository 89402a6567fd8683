import { describe, expect, it } from "vitest";
import { Rtmp } from "../../src/relay/rtmp/nms.js";
import { encodeChunks, encodeMedia, OUT_CHUNK_SIZE } from "../../src/relay/rtmp/chunks.js";

/** Decodes chunks with node-media-server's parser: an independent reader of what we write. */
function decode(bytes: Buffer, chunkSize = OUT_CHUNK_SIZE) {
  const parser = new Rtmp();
  parser.inChunkSize = chunkSize;
  const messages: Array<{ type: number; timestamp: number; streamId: number; payload: Buffer }> = [];
  parser.packetHandler = () => {
    const { header, payload, clock } = parser.parserPacket;
    messages.push({ type: header.type, timestamp: clock, streamId: header.stream_id, payload: Buffer.from(payload.subarray(0, header.length)) });
  };
  parser.chunkRead(bytes, 0, bytes.length);
  return messages;
}

const payloadOf = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7) % 251));

describe("RTMP chunk encoding", () => {
  it.each([1, OUT_CHUNK_SIZE - 1, OUT_CHUNK_SIZE, OUT_CHUNK_SIZE + 1, 3 * OUT_CHUNK_SIZE + 17])("round-trips a %i-byte message", (size) => {
    const payload = payloadOf(size);
    const [message, ...rest] = decode(encodeMedia("video", 123_456, payload));
    expect(rest).toHaveLength(0);
    expect(message).toMatchObject({ type: 9, timestamp: 123_456, streamId: 1 });
    expect(message!.payload.equals(payload)).toBe(true);
  });

  it("uses extended timestamps past 0xFFFFFF and repeats them on continuation chunks", () => {
    const payload = payloadOf(2 * OUT_CHUNK_SIZE + 5);
    const ts = 0x1234_5678;
    const [message] = decode(encodeMedia("audio", ts, payload));
    expect(message).toMatchObject({ type: 8, timestamp: ts });
    expect(message!.payload.equals(payload)).toBe(true);
  });

  it.each([0xfffffe, 0xffffff, 0x1000000])("switches to extended timestamps exactly at 0xFFFFFF (%i)", (ts) => {
    const payload = payloadOf(OUT_CHUNK_SIZE + 9);
    const bytes = encodeMedia("video", ts, payload);
    const extended = ts >= 0xffffff;
    // One type-0 header (11 bytes + basic header) and one continuation byte, each with 4 more bytes when extended.
    expect(bytes.length).toBe(payload.length + 12 + 1 + (extended ? 8 : 0));
    expect(bytes.readUIntBE(1, 3)).toBe(extended ? 0xffffff : ts);
    const [message] = decode(bytes);
    expect(message).toMatchObject({ timestamp: ts });
    expect(message!.payload.equals(payload)).toBe(true);
  });

  it("sends the low 32 bits of a timeline past 2^32 ms (49.7 days), as RTMP's serial timestamps wrap", () => {
    const [before, after] = decode(Buffer.concat([encodeMedia("video", 2 ** 32 - 40, payloadOf(10)), encodeMedia("video", 2 ** 32 + 40, payloadOf(10))]));
    expect([before!.timestamp, after!.timestamp]).toEqual([2 ** 32 - 40, 40]);
  });

  it("keeps consecutive messages on different chunk streams apart", () => {
    const video = payloadOf(5000);
    const audio = payloadOf(300);
    const command = payloadOf(90);
    const bytes = Buffer.concat([
      encodeMedia("video", 40, video),
      encodeMedia("audio", 41, audio),
      encodeChunks({ chunkStream: 3, type: 20, streamId: 0, timestamp: 0, payload: command }),
    ]);
    const messages = decode(bytes);
    expect(messages.map((m) => [m.type, m.timestamp, m.streamId])).toEqual([
      [9, 40, 1],
      [8, 41, 1],
      [20, 0, 0],
    ]);
    expect(messages.map((m) => m.payload)).toEqual([video, audio, command]);
  });
});
