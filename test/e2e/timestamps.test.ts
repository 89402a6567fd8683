import { describe, expect, it } from "vitest";
import { waitFor, type TestPrism } from "../support/prism.js";
import { usePrism } from "../support/lifecycle.js";
import { publishTestStream } from "../support/publisher.js";
import { startRtmpReceiver } from "../support/receiver.js";
import { decodeErrors, decodeTimestamps, framePresentationTimes, maxGapSec, nonIncreasing, probeRecording } from "../support/probe.js";
import { withTimeout } from "../support/children.js";
import { makeTempDir } from "../support/tmp.js";

/**
 * Hours- and weeks-long streams, without the wait: publishers start just before a timestamp
 * boundary, cross it, drop, the slate runs, and a publisher comes back (crossing it again).
 */
const BOUNDARIES = [
  // RTMP's 24-bit timestamp field is full at 0xFFFFFF ms (4 h 39 m 37 s): extended timestamps from there on.
  { name: "the 24-bit field (4 h 39 m)", atSec: 0xffffff / 1000 },
  // FLV timestamps are signed 32-bit: ffmpeg and OBS mask the top bit, so their clocks wrap to 0 at 2^31 ms (24.8 days).
  { name: "the publisher's clock wrap at 2^31 ms (24.8 days)", atSec: 2 ** 31 / 1000 },
];

describe("timestamps across the RTMP boundaries", () => {
  let t!: TestPrism;
  usePrism((p) => (t = p));

  for (const boundary of BOUNDARIES) {
    it(`stays clean across ${boundary.name}, through a drop and the slate`, async () => {
      const dir = await makeTempDir("prism-ts-");
      const { body: stream } = await t.api("POST", "/api/v1/streams", { name: boundary.name });
      const receivers = await Promise.all(["a", "b"].map((name) => startRtmpReceiver({ dir, name })));
      for (const r of receivers) await t.api("POST", `/api/v1/streams/${stream.id}/destinations`, { name: r.file, url: r.url, streamKey: r.key });
      const health = async () => (await t.api("GET", `/api/v1/streams/${stream.id}/health`)).body;
      const publish = (durationSec: number) =>
        publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec, tsOffsetSec: boundary.atSec - 2, bFrames: 2 });

      // The first publisher crosses the boundary 2 s in, then drops.
      const first = publish(Infinity);
      await waitFor(async () => (await health()).destinations.every((d: { state: string }) => d.state === "live"), { what: "destinations live" });
      await new Promise((r) => setTimeout(r, 3_500));
      first.process.kill("SIGKILL");
      await waitFor(async () => (await health()).ingestState === "slate", { timeoutMs: 3_000, what: "slate" });
      await new Promise((r) => setTimeout(r, 1_500));

      // The next one starts before the boundary again and crosses it too.
      const second = publish(4);
      await waitFor(async () => (await health()).ingestState === "publisher", { timeoutMs: 5_000, what: "publisher back" });
      expect((await second.exited).code).toBe(0);

      for (const r of receivers) {
        expect((await withTimeout(r.exited, 10_000, "receiver end")).code).toBe(0);
        expect(await decodeErrors(r.file), r.file).toEqual([]);
        for (const kind of ["video", "audio"] as const) {
          const ts = await decodeTimestamps(r.file, kind);
          expect(nonIncreasing(ts), `${kind} of ${r.file}`).toEqual([]);
          expect(maxGapSec(ts), `${kind} gap in ${r.file}`).toBeLessThan(1);
        }
        expect(nonIncreasing(await framePresentationTimes(r.file)), r.file).toEqual([]);
        // Both publishers' media and the slate in between, not a fragment.
        expect((await probeRecording(r.file)).durationSec, r.file).toBeGreaterThan(7);
      }
    });
  }
});
