import { describe, expect, it } from "vitest";
import { waitFor, type TestPrism } from "../support/prism.js";
import { usePrism } from "../support/lifecycle.js";
import { publishTestStream } from "../support/publisher.js";
import { startRtmpReceiver } from "../support/receiver.js";
import { decodeErrors, decodeTimestamps, framePresentationTimes, nonIncreasing, offGridSteps } from "../support/probe.js";
import { withTimeout } from "../support/children.js";
import { makeTempDir } from "../support/tmp.js";

describe("switching between publisher and slate", () => {
  let t!: TestPrism;
  usePrism((p) => (t = p));

  it("never steps presentation back when a publisher with B-frames dies mid-GOP", async () => {
    const dir = await makeTempDir("prism-switch-");
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "B-frames" });
    const receiver = await startRtmpReceiver({ dir });
    await t.api("POST", `/api/v1/streams/${stream.id}/destinations`, { name: "R", url: receiver.url, streamKey: receiver.key });
    const health = async () => (await t.api("GET", `/api/v1/streams/${stream.id}/health`)).body;
    // Long GOPs so the kill lands mid-GOP; B-frames so the last frame sent is not the latest presented.
    const publish = (durationSec: number) =>
      publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec, bFrames: 2, keyframeIntervalSec: 2 });

    const first = publish(Infinity);
    await waitFor(async () => (await health()).destinations[0].state === "live", { what: "destination live" });
    await new Promise((r) => setTimeout(r, 3_300));
    first.process.kill("SIGKILL");
    await waitFor(async () => (await health()).ingestState === "slate", { timeoutMs: 3_000, what: "slate" });
    await new Promise((r) => setTimeout(r, 1_500));

    const second = publish(4);
    await waitFor(async () => (await health()).ingestState === "publisher", { timeoutMs: 5_000, what: "publisher back" });
    expect((await second.exited).code).toBe(0);
    expect((await withTimeout(receiver.exited, 10_000, "receiver end")).code).toBe(0);

    expect(await decodeErrors(receiver.file)).toEqual([]);
    for (const kind of ["video", "audio"] as const) expect(nonIncreasing(await decodeTimestamps(receiver.file, kind)), kind).toEqual([]);
    // To the slate and back, the pictures stay on the 25 fps grid (see offGridSteps).
    expect(offGridSteps(await decodeTimestamps(receiver.file, "video"), 1 / 25)).toEqual([]);
    const shown = await framePresentationTimes(receiver.file);
    expect(shown.length).toBeGreaterThan(150);
    expect(nonIncreasing(shown)).toEqual([]);
  });
});
