import { describe, expect, it } from "vitest";
import { waitFor, type TestPrism } from "../support/prism.js";
import { usePrism } from "../support/lifecycle.js";
import { publishTestStream } from "../support/publisher.js";
import { startRtmpReceiver } from "../support/receiver.js";
import { startStallingRtmpServer } from "../support/stalling-rtmp-server.js";
import { maxGapSec, packetTimestamps, probeRecording } from "../support/probe.js";
import { withTimeout } from "../support/children.js";
import { makeTempDir } from "../support/tmp.js";

describe("a destination that stops reading", () => {
  let t!: TestPrism;
  // A small queue so the stalled destination overflows within seconds rather than minutes.
  usePrism((p) => (t = p), { PRISM_OUTPUT_QUEUE_MB: "0.25" });

  it("is cut and reconnected on its own while the publisher and the other destination carry on", async () => {
    const dir = await makeTempDir("prism-slow-");
    const stalled = await startStallingRtmpServer();
    try {
      const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Slow" });
      const receiver = await startRtmpReceiver({ dir });
      const base = `/api/v1/streams/${stream.id}/destinations`;
      const { body: healthy } = await t.api("POST", base, { name: "Healthy", url: receiver.url, streamKey: receiver.key });
      const { body: slow } = await t.api("POST", base, { name: "Stalled", url: stalled.url, streamKey: "stalled-key-0000" });

      // The kernel takes ~4 MB into socket buffers before a stalled peer shows as a backlog; a
      // constant 8 Mbps (x264 pads with filler to hold CBR) gets past that in a few seconds.
      const publisher = publishTestStream({
        url: t.publishUrl(stream.streamKey),
        durationSec: 12,
        videoBitrateKbps: 8000,
        extraOutputArgs: ["-minrate", "8000k", "-x264-params", "nal-hrd=cbr"],
      });
      const cut = await waitFor(
        async () => {
          const h = (await t.api("GET", `/api/v1/streams/${stream.id}/health`)).body;
          const d = h.destinations.find((x: { id: string }) => x.id === slow.id);
          return d.lastError?.includes("not keeping up") ? d : undefined;
        },
        { timeoutMs: 11_000, intervalMs: 100, what: "the stalled destination to be cut" },
      );
      expect(["reconnecting", "connecting", "live"]).toContain(cut.state);
      // It comes back by itself (and will be cut again while the server keeps stalling).
      await waitFor(() => stalled.publishes() >= 2, { timeoutMs: 5_000, what: "a reconnect" });
      const during = (await t.api("GET", `/api/v1/streams/${stream.id}/health`)).body;
      expect(during.live).toBe(true);
      expect(during.destinations.find((x: { id: string }) => x.id === healthy.id).state).toBe("live");

      expect((await publisher.exited).code).toBe(0);
      await withTimeout(receiver.exited, 10_000, "receiver end");
      const rec = await probeRecording(receiver.file);
      expect(rec.durationSec).toBeGreaterThanOrEqual(0.8 * 12);
      expect(maxGapSec(await packetTimestamps(receiver.file, "video"))).toBeLessThan(0.5);
    } finally {
      await stalled.close();
    }
  });
});
