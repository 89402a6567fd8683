import type { Socket } from "node:net";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { IngestConnection } from "../../src/relay/ingest/connection.js";
import { RtmpProtocolError } from "../../src/relay/rtmp/chunk-demuxer.js";
import { amf } from "../../src/relay/rtmp/nms.js";
import { chunkedMessage } from "../support/hostile-rtmp.js";
import { FUZZ_TIMEOUT_MS, fuzzRuns } from "./runs.js";

const LIMITS = { maxAllocatedBytes: 256 * 1024, maxChunkStreams: 16 };
const HANDSHAKE = Buffer.concat([Buffer.from([3]), Buffer.alloc(1536 * 2)]);

/** A socket that takes what the connection writes; the connection only writes, ends and reads its address. */
function fakeSocket(): Socket {
  return { destroyed: false, write: () => true, end: () => undefined, remoteAddress: "127.0.0.1" } as unknown as Socket;
}

/** Runs bytes through a whole ingest connection (handshake, demuxer, NMS's command and media handling). */
function feed(chunks: Buffer[]) {
  const connection = new IngestConnection(fakeSocket(), LIMITS, () => ({ accept: false, reason: "fuzzing" }));
  let peak = 0;
  try {
    for (const chunk of chunks) {
      connection.parserData(chunk);
      peak = Math.max(peak, connection.allocatedBytes);
    }
    return { error: null, peak };
  } catch (err) {
    return { error: err, peak: Math.max(peak, connection.allocatedBytes) };
  }
}

const amfValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.string(),
    fc.double({ noNaN: true }),
    fc.boolean(),
    fc.constant(null),
    fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }), tie("value"), { maxKeys: 5 }),
  ),
})).value;

describe("RTMP ingest connection under fuzzing", () => {
  it("throws only RtmpProtocolError and stays within its limits, whatever follows the handshake", { timeout: FUZZ_TIMEOUT_MS }, () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 8_000 }), { maxLength: 8 }), (chunks) => {
        const out = feed([HANDSHAKE, ...chunks.map((c) => Buffer.from(c))]);
        if (out.error !== null) expect(out.error).toBeInstanceOf(RtmpProtocolError);
        expect(out.peak).toBeLessThanOrEqual(LIMITS.maxAllocatedBytes);
      }),
      fuzzRuns(200),
    );
  });

  it("survives any handshake bytes (C1 of any content, cut anywhere)", { timeout: FUZZ_TIMEOUT_MS }, () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 3073, maxLength: 3073 + 500 }), fc.integer({ min: 1, max: 3000 }), (raw, cut) => {
        const bytes = Buffer.from(raw);
        bytes[0] = 3;
        const out = feed([bytes.subarray(0, cut), bytes.subarray(cut)]);
        if (out.error !== null) expect(out.error).toBeInstanceOf(RtmpProtocolError);
      }),
      fuzzRuns(100),
    );
  });

  it("handles commands with any AMF arguments (connect, createStream, publish, play, deleteStream and others)", { timeout: FUZZ_TIMEOUT_MS }, () => {
    const command = fc.record({
      cmd: fc.constantFrom("connect", "createStream", "publish", "play", "deleteStream", "releaseStream", "FCPublish", "x"),
      transId: fc.double({ noNaN: true }),
      cmdObj: amfValue,
      streamName: fc.oneof(fc.string(), amfValue),
    });
    fc.assert(
      fc.property(fc.array(command, { maxLength: 5 }), fc.boolean(), (commands, amf3) => {
        const messages = commands.map((c) => {
          const payload = amf.encodeAmf0Cmd(c as Record<string, unknown>);
          return chunkedMessage(3, amf3 ? 17 : 20, amf3 ? Buffer.concat([Buffer.from([0]), payload]) : payload);
        });
        const out = feed([HANDSHAKE, ...messages]);
        if (out.error !== null) expect(out.error).toBeInstanceOf(RtmpProtocolError);
      }),
      fuzzRuns(100),
    );
  });
});
