import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ChunkDemuxer, RtmpProtocolError, type ChunkMessage } from "../../src/relay/rtmp/chunk-demuxer.js";
import { chunkHeader, chunkedMessage, setChunkSize } from "../support/hostile-rtmp.js";
import { FUZZ_TIMEOUT_MS, fuzzRuns } from "./runs.js";

const LIMITS = { maxAllocatedBytes: 256 * 1024, maxChunkStreams: 16 };

/** Feeds `bytes` cut at `cuts` (fractions) and returns what came out, or the error it threw. */
function demux(bytes: Buffer, cuts: number[], limits = LIMITS) {
  const messages: Array<Omit<ChunkMessage, "payload"> & { payload: Buffer }> = [];
  let peak = 0;
  const demuxer = new ChunkDemuxer(limits, (m) => messages.push({ ...m, payload: Buffer.from(m.payload) }));
  const points = [...new Set(cuts.map((c) => Math.floor(c * bytes.length)))].sort((a, b) => a - b);
  let from = 0;
  try {
    for (const to of [...points, bytes.length]) {
      demuxer.push(bytes.subarray(from, to));
      peak = Math.max(peak, demuxer.allocatedBytes);
      from = to;
    }
    return { messages, peak, error: null };
  } catch (err) {
    return { messages, peak: Math.max(peak, demuxer.allocatedBytes), error: err };
  }
}

const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 20 });

const message = fc.record({
  chunkStream: fc.integer({ min: 3, max: 400 }),
  type: fc.constantFrom(8, 9, 18, 20),
  timestamp: fc.integer({ min: 0, max: 0xffffff - 1 }),
  payload: fc.uint8Array({ maxLength: 20_000 }).map((a) => Buffer.from(a)),
});

describe("ChunkDemuxer under fuzzing", () => {
  it("reassembles any sequence of messages, at any chunk size, however the bytes are cut", { timeout: FUZZ_TIMEOUT_MS }, () => {
    fc.assert(
      fc.property(fc.array(message, { maxLength: 12 }), fc.integer({ min: 128, max: 70_000 }), cuts, (messages, chunkSize, at) => {
        // Distinct chunk streams stay within the limit; one message at a time per chunk stream.
        const used = messages.filter((m, i) => messages.findIndex((n) => n.chunkStream === m.chunkStream) === i).slice(0, LIMITS.maxChunkStreams - 1);
        const bytes = Buffer.concat([setChunkSize(chunkSize), ...used.map((m) => chunkedMessage(m.chunkStream, m.type, m.payload, chunkSize, m.timestamp))]);
        const out = demux(bytes, at);
        expect(out.error).toBeNull();
        expect(out.messages.map((m) => [m.chunkStream, m.type, m.timestamp, m.payload.toString("hex")])).toEqual(
          used.map((m) => [m.chunkStream, m.type, m.timestamp, m.payload.toString("hex")]),
        );
        expect(out.peak).toBeLessThanOrEqual(LIMITS.maxAllocatedBytes);
      }),
      fuzzRuns(50),
    );
  });

  it("throws only RtmpProtocolError and never holds more than its limit, whatever the bytes", { timeout: FUZZ_TIMEOUT_MS }, () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64_000 }), cuts, (raw, at) => {
        const out = demux(Buffer.from(raw), at);
        if (out.error !== null) expect(out.error).toBeInstanceOf(RtmpProtocolError);
        expect(out.peak).toBeLessThanOrEqual(LIMITS.maxAllocatedBytes);
      }),
      fuzzRuns(200),
    );
  });

  it("stays within its limits against hostile headers (claims, chunk streams, chunk sizes, aborts)", { timeout: FUZZ_TIMEOUT_MS }, () => {
    const piece = fc.oneof(
      fc
        .record({
          fmt: fc.constantFrom(0, 1, 2, 3) as fc.Arbitrary<0 | 1 | 2 | 3>,
          chunkStream: fc.integer({ min: 2, max: 65_599 }),
          timestamp: fc.integer({ min: 0, max: 0xffffff }),
          length: fc.integer({ min: 0, max: 0xffffff }),
          type: fc.integer({ min: 0, max: 255 }),
        })
        .map((h) => chunkHeader(h)),
      fc.uint8Array({ maxLength: 5_000 }).map((a) => Buffer.from(a)),
      fc.integer({ min: 0, max: 0xffffffff }).map((size) => setChunkSize(size)),
      fc.integer({ min: 0, max: 400 }).map((cid) => chunkedMessage(2, 2, Buffer.from([0, 0, cid >> 8, cid & 0xff]))),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 60 }), cuts, (pieces, at) => {
        const out = demux(Buffer.concat(pieces), at);
        if (out.error !== null) expect(out.error).toBeInstanceOf(RtmpProtocolError);
        expect(out.peak).toBeLessThanOrEqual(LIMITS.maxAllocatedBytes);
        for (const m of out.messages) expect(m.payload.length).toBeLessThanOrEqual(LIMITS.maxAllocatedBytes);
      }),
      fuzzRuns(200),
    );
  });
});
