import type { Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { IngestConnection, type IngestSink, type PublishDecision } from "../../src/relay/ingest/connection.js";
import type { MediaPacket } from "../../src/relay/media.js";
import { amf } from "../../src/relay/rtmp/nms.js";
import { chunkedMessage } from "../support/hostile-rtmp.js";

/**
 * A publish decided later (a store such as PostgreSQL, issue #21 S5): what the publisher sends right behind its
 * publish command waits, bounded, and goes to the sink in order once accepted; nothing goes on air for a
 * connection that ended meanwhile.
 */
const LIMITS = { maxAllocatedBytes: 64 * 1024, maxChunkStreams: 16 };
const HANDSHAKE = Buffer.concat([Buffer.from([3]), Buffer.alloc(1536 * 2)]);

function fakeSocket() {
  const calls: string[] = [];
  const socket = {
    destroyed: false,
    remoteAddress: "127.0.0.1",
    write: () => true,
    end: () => void calls.push("end"),
    destroy: () => void calls.push("destroy"),
    pause: () => void calls.push("pause"),
    resume: () => void calls.push("resume"),
  };
  return { socket: socket as unknown as Socket, calls };
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((res) => (resolve = res));
  return { promise, resolve };
}

const command = (c: Record<string, unknown>) => chunkedMessage(3, 20, amf.encodeAmf0Cmd(c));
/** An AAC raw frame (FLV audio tag: AAC, 44.1 kHz, stereo, raw), numbered by its last byte. */
const audio = (n: number, bytes = 16) => {
  const payload = Buffer.alloc(bytes, 0x11);
  payload[0] = 0xaf;
  payload[1] = 1;
  payload[bytes - 1] = n;
  return chunkedMessage(4, 8, payload, 128, n * 20);
};
const publishBurst = (frames: number, bytes = 16) =>
  Buffer.concat([
    HANDSHAKE,
    command({ cmd: "connect", transId: 1, cmdObj: { app: "live", tcUrl: "rtmp://127.0.0.1/live" } }),
    command({ cmd: "createStream", transId: 2, cmdObj: null }),
    command({ cmd: "publish", transId: 3, cmdObj: null, streamName: "key", type: "live" }),
    ...Array.from({ length: frames }, (_, i) => audio(i + 1, bytes)),
  ]);

function recordingSink() {
  /** The last byte of each packet: the frame number audio() put there. */
  const packets: number[] = [];
  const ends: string[] = [];
  const sink: IngestSink = { packet: (p: MediaPacket) => void packets.push(p.payload[p.payload.length - 1]!), end: (reason) => void ends.push(reason) };
  return { sink, packets, ends };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("an ingest connection whose publish decision is pending", () => {
  it("stops reading, holds what came behind the publish, and hands it to the sink in order once accepted", async () => {
    const { socket, calls } = fakeSocket();
    const decision = deferred<PublishDecision>();
    const connection = new IngestConnection(socket, LIMITS, () => decision.promise);
    connection.parserData(publishBurst(5));
    expect(calls).toEqual(["pause"]);
    expect(connection.deciding).toBe(true);
    expect(connection.publishing).toBe(false);
    const { sink, packets } = recordingSink();
    decision.resolve({ accept: true, sink });
    await tick();
    expect(connection.publishing).toBe(true);
    expect(packets).toEqual([1, 2, 3, 4, 5]);
    expect(calls).toEqual(["pause", "resume"]);
  });

  it("uses a synchronous decision at once, with no pause", () => {
    const { socket, calls } = fakeSocket();
    const { sink, packets } = recordingSink();
    const connection = new IngestConnection(socket, LIMITS, () => ({ accept: true, sink }));
    connection.parserData(publishBurst(3));
    expect(packets).toHaveLength(3);
    expect(connection.publishing).toBe(true);
    expect(calls).toEqual([]);
  });

  it("ends the sink of a decision that arrives after the connection closed, and sends it nothing", async () => {
    const { socket } = fakeSocket();
    const decision = deferred<PublishDecision>();
    const connection = new IngestConnection(socket, LIMITS, () => decision.promise);
    connection.parserData(publishBurst(3));
    connection.finish("publisher disconnected");
    const { sink, packets, ends } = recordingSink();
    decision.resolve({ accept: true, sink });
    await tick();
    expect(packets).toEqual([]);
    expect(ends).toEqual(["publisher disconnected"]);
    expect(connection.publishing).toBe(false);
  });

  it("refuses once the decision timeout passes, and ends the sink of a late acceptance", async () => {
    const { socket, calls } = fakeSocket();
    const decision = deferred<PublishDecision>();
    const connection = new IngestConnection(socket, LIMITS, () => decision.promise, { decisionTimeoutMs: 20 });
    connection.parserData(publishBurst(1));
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(calls).toEqual(["pause", "end", "resume"]);
    expect(connection.closed).toBe(true);
    const { sink, packets, ends } = recordingSink();
    decision.resolve({ accept: true, sink });
    await tick();
    expect(packets).toEqual([]);
    expect(ends).toHaveLength(1);
  });

  it("is a protocol error to send more than the held-bytes bound meanwhile", () => {
    const { socket } = fakeSocket();
    const connection = new IngestConnection(socket, LIMITS, () => new Promise<PublishDecision>(() => {}), { maxHeldBytes: 4_000 });
    expect(() => connection.parserData(publishBurst(5, 1_000))).toThrow(/before its publish was accepted/);
  });
});
