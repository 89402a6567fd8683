import { describe, expect, it } from "vitest";
import { FramePool, sizeClass } from "../../src/relay/frame-pool.js";
import { StreamHub } from "../../src/relay/hub.js";
import type { EncodedFrame, MediaPacket } from "../../src/relay/media.js";
import { encodeChunks, encodedLength, encodeMedia, OUT_CHUNK_SIZE } from "../../src/relay/rtmp/chunks.js";

const payloadOf = (n: number, seed = 0) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + seed) % 251));

// H.263 (FLV codec 2): the hub relays it untouched (no in-band SPS/PPS work).
const video = (dts: number, size: number, key = false): MediaPacket => ({ kind: "video", isHeader: false, isKeyframe: key, codecId: 2, dts, payload: payloadOf(size, dts) });
const header = (): MediaPacket => ({ kind: "video", isHeader: true, isKeyframe: true, codecId: 2, dts: 0, payload: payloadOf(5000) });

describe("encoding into a given buffer", () => {
  const sizes = [0, 1, 4095, OUT_CHUNK_SIZE, OUT_CHUNK_SIZE + 1, 3 * OUT_CHUNK_SIZE + 17, 70_000];
  const chunkSizes = [128, 1000, OUT_CHUNK_SIZE];
  const times = [0, 123_456, 0xffffff, 2 ** 32 + 40];

  it.each(sizes.flatMap((size) => chunkSizes.flatMap((chunkSize) => times.map((ts) => [size, chunkSize, ts]))))(
    "writes the same bytes as a Buffer of its own (%i bytes, chunks of %i, timestamp %i)",
    (size, chunkSize, ts) => {
      const message = { chunkStream: 6, type: 9, streamId: 1, timestamp: ts, payload: payloadOf(size) };
      const own = encodeChunks(message, chunkSize);
      expect(own.length).toBe(encodedLength(size, ts, chunkSize));
      const roomy = Buffer.alloc(own.length + 100, 0xee); // a pooled buffer is bigger than the frame
      const into = encodeChunks(message, chunkSize, roomy);
      expect(into.equals(own)).toBe(true);
      expect(into.buffer).toBe(roomy.buffer); // no copy of its own
      expect(roomy[own.length]).toBe(0xee); // nothing written past the frame
    },
  );

  it("refuses a buffer too small for the message", () => {
    expect(() => encodeMedia("video", 0, payloadOf(5000), Buffer.alloc(100))).toThrow(RangeError);
  });
});

describe("the frame pool", () => {
  it("rounds sizes up to classes of 2^k and 1.5 × 2^k, wasting at most a third", () => {
    expect([4096, 4097, 6144, 6145, 8192, 100_000].map(sizeClass)).toEqual([4096, 6144, 6144, 8192, 8192, 131072]);
    for (let bytes = 4096; bytes < 4_000_000; bytes = Math.ceil(bytes * 1.37)) {
      const size = sizeClass(bytes)!;
      expect(size).toBeGreaterThanOrEqual(bytes);
      expect(size - bytes).toBeLessThanOrEqual(size / 3); // the unused part of the buffer
    }
    expect(sizeClass(5 * 1024 * 1024)).toBeNull();
  });

  it("leaves small and huge frames to buffers of their own", () => {
    const pool = new FramePool();
    expect(pool.lease(1000)).toBeNull();
    expect(pool.lease(5 * 1024 * 1024)).toBeNull();
  });

  it("hands a buffer out again only after its last holder let go, and only once", () => {
    const pool = new FramePool();
    const lease = pool.lease(10_000)!;
    lease.retain(); // an output queues it
    lease.release(); // the hub drops it
    expect(pool.idleBytes).toBe(0);
    expect(pool.lease(10_000)!.buffer).not.toBe(lease.buffer);
    lease.release(); // the output has sent it
    expect(pool.idleBytes).toBe(lease.buffer.length);
    lease.release(); // a stray extra call must not give it back twice
    expect(pool.idleBytes).toBe(lease.buffer.length);
    expect(pool.lease(10_000)!.buffer).toBe(lease.buffer);
    expect(pool.lease(10_000)!.buffer).not.toBe(lease.buffer);
  });

  it("keeps no more than its limit for reuse", () => {
    const pool = new FramePool(20_000);
    const leases = [pool.lease(12_000)!, pool.lease(12_000)!];
    leases.forEach((l) => l.release());
    expect(pool.idleBytes).toBe(12_288);
  });
});

describe("a hub with a frame pool", () => {
  function pooledHub(hold: boolean) {
    const pool = new FramePool();
    const hub = new StreamHub(pool);
    const got: Array<{ frame: EncodedFrame; copy: Buffer }> = [];
    hub.attach({
      frame: (frame) => {
        if (hold) frame.lease?.retain(); // like an output whose socket has not sent it yet
        got.push({ frame, copy: Buffer.from(frame.chunks) });
      },
      crashed: (err) => {
        throw err;
      },
    });
    return { pool, hub, got };
  }

  it("encodes frames into pooled buffers byte for byte as before, codec headers into buffers of their own", () => {
    const { hub, got } = pooledHub(false);
    hub.push(header());
    hub.push(video(0, 30_000, true));
    hub.push(video(40, 9000));
    const [h, key, p] = got.map((g) => g.frame);
    expect(h!.lease).toBeUndefined();
    expect(key!.lease).toBeDefined();
    expect(key!.chunks.equals(encodeMedia("video", 0, payloadOf(30_000, 0)))).toBe(true);
    expect(p!.chunks.equals(encodeMedia("video", 40, payloadOf(9000, 40)))).toBe(true);
  });

  it("reuses a GOP's buffers once the next keyframe replaced it and no reader holds them", () => {
    const { pool, hub, got } = pooledHub(false);
    hub.push(header());
    hub.push(video(0, 20_000, true));
    hub.push(video(40, 20_000));
    expect(pool.idleBytes).toBe(0); // the GOP keeps them for late joiners
    hub.push(video(80, 20_000, true));
    expect(pool.idleBytes).toBe(2 * sizeClass(encodedLength(20_000, 0))!);
    hub.push(video(120, 20_000));
    expect(got.at(-1)!.frame.chunks.buffer).toBe(got[2]!.frame.chunks.buffer); // the old GOP's buffer carries a new frame
    expect(got.at(-1)!.frame.chunks.equals(encodeMedia("video", 120, payloadOf(20_000, 120)))).toBe(true);
    expect(hub.catchUp().map((f) => f.dts)).toEqual([0, 80, 120]);
  });

  it("never reuses a buffer a reader still holds: what it queued stays intact", () => {
    const { hub, got } = pooledHub(true);
    hub.push(header());
    for (let i = 0; i < 12; i++) hub.push(video(i * 40, 10_000 + i, i % 3 === 0));
    for (const { frame, copy } of got) expect(frame.chunks.equals(copy)).toBe(true);
    const buffers = new Set(got.map((g) => g.frame.chunks.buffer));
    expect(buffers.size).toBe(got.length);
  });

  it("gives frames that are not kept (before the first keyframe) straight back", () => {
    const { pool, hub } = pooledHub(false);
    hub.push(video(0, 20_000));
    expect(pool.idleBytes).toBe(sizeClass(encodedLength(20_000, 0)));
  });
});
