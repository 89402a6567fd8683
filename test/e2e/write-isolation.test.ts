import { afterEach, describe, expect, it } from "vitest";
import { waitFor, type TestPrism } from "../support/prism.js";
import { usePrism } from "../support/lifecycle.js";
import { publishTestStream } from "../support/publisher.js";
import { startStallingRtmpServer } from "../support/stalling-rtmp-server.js";
import { freePort } from "../support/ports.js";
import { RtmpSink, type ConnectionStats, type SinkEvent } from "../../bench/lib/rtmp-sink.js";

interface DestinationHealth {
  id: string;
  state: string;
  bytesOut: number;
  reconnects: number;
  lastError: string | null;
}

/**
 * Outputs write corked: every message of one ingest read leaves in one writev per destination. A
 * destination that reads nothing must still only cost itself: its backlog is checked before each
 * write, it is cut and redialled, and every other destination gets every byte Prism sent it.
 */
describe("the corked write path with a destination that reads nothing", () => {
  let t!: TestPrism;
  // A small queue so the stalled destination overflows within seconds.
  usePrism((p) => (t = p), { PRISM_OUTPUT_QUEUE_MB: "0.25" });
  const sinks: RtmpSink[] = [];
  afterEach(async () => {
    await Promise.all(sinks.splice(0).map((s) => s.close()));
  });

  it("cuts and reconnects only that destination; the others receive every byte", async () => {
    const stalled = await startStallingRtmpServer();
    const closed: ConnectionStats[] = [];
    const onEvent = (event: SinkEvent) => {
      if (event.ev === "closed") closed.push(event.stats);
    };
    try {
      const healthyPorts = [await freePort(), await freePort(), await freePort()];
      for (const port of healthyPorts) {
        const sink = new RtmpSink(port, { onEvent });
        await sink.listen();
        sinks.push(sink);
      }
      const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Corked" });
      const base = `/api/v1/streams/${stream.id}/destinations`;
      const healthyIds: string[] = [];
      for (const [i, port] of healthyPorts.entries()) {
        const { body } = await t.api("POST", base, { name: `Healthy ${i + 1}`, url: `rtmp://127.0.0.1:${port}/app`, streamKey: `healthy-key-${i}000` });
        healthyIds.push(body.id);
      }
      const { body: slow } = await t.api("POST", base, { name: "Reads nothing", url: stalled.url, streamKey: "stalled-key-0000" });

      // A constant 8 Mbps gets past the ~4 MB the kernel buffers for a stalled peer within seconds.
      const publisher = publishTestStream({
        url: t.publishUrl(stream.streamKey),
        durationSec: 12,
        videoBitrateKbps: 8000,
        extraOutputArgs: ["-minrate", "8000k", "-x264-params", "nal-hrd=cbr"],
      });
      const health = async () => (await t.api("GET", `/api/v1/streams/${stream.id}/health`)).body as { live: boolean; destinations: DestinationHealth[] };
      await waitFor(
        async () => (await health()).destinations.find((d) => d.id === slow.id)?.lastError?.includes("not keeping up"),
        { timeoutMs: 11_000, intervalMs: 100, what: "the stalled destination to be cut" },
      );
      await waitFor(() => stalled.publishes() >= 2, { timeoutMs: 5_000, what: "the stalled destination to be reconnected" });

      expect((await publisher.exited).code).toBe(0);
      // ffmpeg unpublishes at its end, so the stream ends (no slate): every output closes, so every sink has its final counts.
      await waitFor(async () => !(await health()).live && closed.length >= healthyPorts.length, {
        timeoutMs: 15_000,
        intervalMs: 100,
        what: "the stream to end and the healthy destinations to close",
      });
      const final = await health();
      for (const [i, port] of healthyPorts.entries()) {
        const d = final.destinations.find((x) => x.id === healthyIds[i])!;
        const connections = closed.filter((c) => c.port === port);
        expect(connections).toHaveLength(1);
        expect(d.reconnects).toBe(0);
        expect(d.bytesOut).toBeGreaterThan(8_000_000); // most of 12 s at 8 Mbps
        // Every media byte Prism wrote, re-counted as it sat on the wire: nothing lost, nothing extra.
        expect(connections[0]!.mediaBytes).toBe(d.bytesOut);
      }
      expect(final.destinations.find((x) => x.id === slow.id)!.reconnects).toBeGreaterThanOrEqual(1);
    } finally {
      await stalled.close();
    }
  });
});
