import { describe, expect, it } from "vitest";
import { waitFor, type TestPrism } from "../support/prism.js";
import { usePrism } from "../support/lifecycle.js";
import { publishTestStream } from "../support/publisher.js";
import { startRtmpReceiver } from "../support/receiver.js";
import { decodeErrors, isMonotonic, maxGapSec, packetTimestamps, probeRecording } from "../support/probe.js";
import { withTimeout } from "../support/children.js";
import { makeTempDir } from "../support/tmp.js";

describe("a destination whose receiver keeps dying", () => {
  let t!: TestPrism;
  usePrism((p) => (t = p));

  it("is reconnected after each of 10 restarts within 3 s, while the other destination has no gap", async () => {
    const dir = await makeTempDir("prism-reconnect-");
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Flaky" });
    const steady = await startRtmpReceiver({ dir, name: "steady" });
    let flaky = await startRtmpReceiver({ dir, name: "flaky-0" });
    const base = `/api/v1/streams/${stream.id}/destinations`;
    await t.api("POST", base, { name: "Steady", url: steady.url, streamKey: steady.key });
    const { body: flakyDest } = await t.api("POST", base, { name: "Flaky", url: flaky.url, streamKey: flaky.key });
    const flakyHealth = async () =>
      (await t.api("GET", `/api/v1/streams/${stream.id}/health`)).body.destinations.find((d: { id: string }) => d.id === flakyDest.id);

    const publisher = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: Infinity });
    await waitFor(async () => (await flakyHealth()).state === "live", { what: "flaky live" });

    const recoveries: number[] = [];
    const recordings: string[] = [];
    for (let round = 1; round <= 10; round++) {
      await flaky.connected;
      await new Promise((r) => setTimeout(r, 1_500)); // let it record (and flush) a stretch
      // A crash: no unpublish, no FLV trailer, the socket just goes away.
      await flaky.process.kill("SIGKILL");
      await flaky.exited;
      recordings.push(flaky.file);
      await waitFor(async () => (await flakyHealth()).state === "reconnecting", { timeoutMs: 5_000, what: "reconnecting after the kill" });
      const reconnecting = await flakyHealth();
      expect(reconnecting.lastError).toMatch(/closed the connection/);
      expect(reconnecting.nextRetryAt).not.toBeNull();

      flaky = await startRtmpReceiver({ dir, name: `flaky-${round}`, port: flaky.port, key: flaky.key });
      const restartedAt = Date.now();
      await waitFor(async () => (await flakyHealth()).state === "live", { timeoutMs: 3_000, intervalMs: 20, what: `live again after restart ${round}` });
      recoveries.push(Date.now() - restartedAt);
    }
    await flaky.connected;
    const last = await flakyHealth();
    expect(last.reconnects).toBe(10);
    expect(last.attempt).toBe(0);

    await publisher.stop();
    await Promise.all([withTimeout(steady.exited, 10_000, "steady end"), withTimeout(flaky.exited, 10_000, "flaky end")]);
    recordings.push(flaky.file);

    // Every session of the flaky receiver starts on a keyframe with codec headers and decodes.
    for (const file of recordings) {
      const rec = await probeRecording(file);
      expect(rec.video?.codec, file).toBe("h264");
      expect(rec.audio?.codec, file).toBe("aac");
      const video = await packetTimestamps(file, "video");
      expect(video.length, file).toBeGreaterThan(10);
      expect(await decodeErrors(file), file).toEqual([]);
    }

    // The steady destination never noticed.
    const steadyVideo = await packetTimestamps(steady.file, "video");
    const steadyAudio = await packetTimestamps(steady.file, "audio");
    expect(isMonotonic(steadyVideo)).toBe(true);
    expect(maxGapSec(steadyVideo)).toBeLessThan(0.25);
    expect(maxGapSec(steadyAudio)).toBeLessThan(0.25);
    expect(await decodeErrors(steady.file)).toEqual([]);
    console.log(`recovery after restart (ms): ${recoveries.join(", ")}`);
  });
});
