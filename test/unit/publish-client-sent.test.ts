import net, { type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { Rtmp } from "../../src/relay/rtmp/nms.js";
import { encodeMedia } from "../../src/relay/rtmp/chunks.js";
import { RtmpPublishClient } from "../../src/relay/rtmp/publish-client.js";
import { OutputError } from "../../src/relay/output-error.js";
import { startStallingRtmpServer } from "../support/stalling-rtmp-server.js";

// The write callback is what gives a pooled frame's buffer back (src/relay/frame-pool.ts): it must
// run once per write, only when the socket is done with the bytes, whether they were sent or dropped.

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** A real RTMP server (node-media-server's engine) that reads and counts what is published. */
async function readingServer(): Promise<{ url: string; mediaBytes: () => number }> {
  const sockets = new Set<Socket>();
  let mediaBytes = 0;
  const server: Server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    const rtmp = new Rtmp();
    rtmp.onOutputCallback = (buffer) => socket.write(buffer);
    rtmp.onPacketCallback = (packet) => {
      mediaBytes += packet.size;
    };
    socket.on("data", (data: Buffer) => rtmp.parserData(data));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `rtmp://127.0.0.1:${(server.address() as net.AddressInfo).port}/app`, mediaBytes: () => mediaBytes };
}

const frame = (dts: number, size = 50_000) => encodeMedia("video", dts, Buffer.alloc(size, dts & 0xff));

describe("RTMP publish client: knowing when the socket is done with a write", () => {
  it("calls back once per write after the bytes left, and the server got them", async () => {
    const server = await readingServer();
    const client = new RtmpPublishClient({ url: server.url, streamKey: "key" }, { connectTimeoutMs: 5_000 });
    await client.connect();
    const calls = [0, 0, 0];
    const done = calls.map(
      (_, i) =>
        new Promise<void>((resolve) =>
          client.write(frame(i * 40), () => {
            calls[i]! += 1;
            resolve();
          }),
        ),
    );
    await Promise.all(done);
    expect(calls).toEqual([1, 1, 1]);
    await expect.poll(() => server.mediaBytes()).toBe(3 * 50_000);
    client.close();
  });

  it("calls back every queued write once when a stalled destination is cut, none before", async () => {
    const server = await startStallingRtmpServer();
    closers.push(server.close);
    const client = new RtmpPublishClient({ url: server.url, streamKey: "key" }, { connectTimeoutMs: 5_000 });
    client.onClose = () => {};
    await client.connect();
    const calls: number[] = [];
    // Far more than the kernel's socket buffers take: most of it waits in the client's queue.
    for (let i = 0; i < 200; i++) client.write(frame(i * 40), () => (calls[i] = (calls[i] ?? 0) + 1));
    client.flush();
    await expect.poll(() => client.queuedBytes).toBeGreaterThan(1_000_000);
    const sentBeforeCut = calls.filter(Boolean).length;
    expect(sentBeforeCut).toBeLessThan(200);
    client.destroy(new OutputError("slow", "cut for the test"));
    await expect.poll(() => calls.filter(Boolean).length).toBe(200);
    expect(calls.every((n) => n === 1)).toBe(true);
  });

  it("calls back at once when there is no connection to take the bytes", () => {
    const client = new RtmpPublishClient({ url: "rtmp://127.0.0.1:1/app", streamKey: "key" }, { connectTimeoutMs: 5_000 });
    let calls = 0;
    client.write(frame(0), () => (calls += 1));
    expect(calls).toBe(1);
  });
});
