import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestPrism, waitFor, type TestPrism } from "../support/prism.js";
import { publishTestStream } from "../support/publisher.js";
import { startRtmpReceiver } from "../support/receiver.js";
import { decodeErrors, isMonotonic, maxGapSec, packetTimestamps, probeRecording } from "../support/probe.js";
import { averageColorAt } from "../support/frames.js";
import { killAll, withTimeout } from "../support/children.js";
import { makeTempDir, removeTempDirs } from "../support/tmp.js";

const SLATE_RGB = [0x15, 0x1a, 0x2e]; // assets/slate.png's background
const near = (rgb: number[], target: number[], tolerance = 24) => rgb.every((v, i) => Math.abs(v - target[i]!) <= tolerance);

describe("ingest-loss protection", () => {
  let t: TestPrism;
  beforeAll(async () => {
    t = await startTestPrism();
  });
  afterEach(async () => {
    await killAll();
  });
  afterAll(async () => {
    await t.stop();
    await removeTempDirs();
  });

  it("holds every destination on the slate while the publisher is gone and switches back seamlessly", async () => {
    const dir = await makeTempDir("prism-slate-");
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Wobbly Wi-Fi" });
    const receivers = await Promise.all(["a", "b"].map((name) => startRtmpReceiver({ dir, name })));
    for (const r of receivers) await t.api("POST", `/api/v1/streams/${stream.id}/destinations`, { name: r.file, url: r.url, streamKey: r.key });
    const health = async () => (await t.api("GET", `/api/v1/streams/${stream.id}/health`)).body;

    const first = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: Infinity });
    await waitFor(async () => (await health()).destinations.every((d: { state: string }) => d.state === "live"), { what: "destinations live" });
    await new Promise((r) => setTimeout(r, 4_000));

    // OBS crashes: the connection just drops, no unpublish.
    first.process.kill("SIGKILL");
    await first.exited;
    const lostAt = Date.now();
    await waitFor(async () => (await health()).ingestState === "slate", { timeoutMs: 3_000, what: "slate on" });
    const onSlate = await health();
    expect(onSlate.live).toBe(true);
    expect(new Date(onSlate.slateUntil).getTime()).toBeGreaterThan(Date.now() + 290_000);
    expect(onSlate.destinations.map((d: { state: string }) => d.state)).toEqual(["live", "live"]);
    await new Promise((r) => setTimeout(r, 5_000 - (Date.now() - lostAt)));
    expect((await health()).destinations.map((d: { state: string }) => d.state)).toEqual(["live", "live"]);

    const second = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: 5 });
    expect(await second.publishing).toBe(true);
    await waitFor(async () => (await health()).ingestState === "publisher", { timeoutMs: 3_000, what: "publisher back" });
    expect((await second.exited).code).toBe(0);

    // The deliberate stop ends the stream: each receiver's single session ends cleanly.
    for (const r of receivers) {
      expect((await withTimeout(r.exited, 10_000, "receiver end")).code).toBe(0);
      const rec = await probeRecording(r.file);
      expect(rec.durationSec).toBeGreaterThan(12);
      expect(await decodeErrors(r.file)).toEqual([]);
      for (const kind of ["video", "audio"] as const) {
        const ts = await packetTimestamps(r.file, kind);
        expect(isMonotonic(ts), `${kind} timestamps of ${r.file}`).toBe(true);
        expect(maxGapSec(ts), `${kind} gap in ${r.file}`).toBeLessThan(1);
      }
      // Part 1 is the test pattern, then the slate, then part 2.
      expect(near(await averageColorAt(r.file, 2, dir), SLATE_RGB)).toBe(false);
      expect(near(await averageColorAt(r.file, 7, dir), SLATE_RGB)).toBe(true);
      expect(near(await averageColorAt(r.file, rec.durationSec - 2, dir), SLATE_RGB)).toBe(false);
    }
  });
});
