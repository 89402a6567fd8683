import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { Rtmp } from "../../src/relay/rtmp/nms.js";
import { RtmpPublishClient } from "../../src/relay/rtmp/publish-client.js";

// A full collection on demand, so that only what the objects keep is counted.
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** ArrayBuffers still allocated once a full collection and V8's sweeping of their memory are over. */
async function liveArrayBufferBytes(): Promise<number> {
  gc();
  // V8 frees dead ArrayBuffers' memory on a background thread after the collection: let it finish.
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  return process.memoryUsage().arrayBuffers;
}

/** ArrayBuffer bytes each of `count` objects made by `make` keeps alive. */
async function keptBytesEach(count: number, make: () => unknown): Promise<number> {
  const before = await liveArrayBufferBytes();
  const kept = Array.from({ length: count }, make);
  const each = ((await liveArrayBufferBytes()) - before) / kept.length;
  kept.length = 0;
  return each;
}

describe("memory an RTMP connection keeps", () => {
  it("keeps a few kilobytes per destination's publish client, not node-media-server's 1 MiB FLV parser buffer", async () => {
    const each = await keptBytesEach(32, () => new RtmpPublishClient({ url: "rtmp://127.0.0.1:1935/live", streamKey: "k" }, { connectTimeoutMs: 1_000 }));
    // The handshake buffer (1536 bytes) and the chunk parser's header buffer.
    expect(each).toBeLessThan(16 * 1024);
  });

  it("keeps as little per engine, the base of the ingest's connections too", async () => {
    expect(await keptBytesEach(32, () => new Rtmp())).toBeLessThan(16 * 1024);
  });
});
