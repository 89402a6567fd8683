import { describe, expect, it } from "vitest";
import { waitFor, type TestPrism } from "../support/prism.js";
import { usePrism } from "../support/lifecycle.js";
import { publishTestStream } from "../support/publisher.js";
import { startRtmpReceiver } from "../support/receiver.js";
import { decodeErrors, decodeTimestamps, framePresentationTimes, nonIncreasing } from "../support/probe.js";
import { averageColors } from "../support/frames.js";
import { withTimeout } from "../support/children.js";
import { makeTempDir } from "../support/tmp.js";

const SLATE_RGB = [0x15, 0x1a, 0x2e]; // assets/slate.png's background
const near = (rgb: number[], target: number[], tolerance = 24) => rgb.every((v, i) => Math.abs(v - target[i]!) <= tolerance);

describe("a publisher that is connected but sends nothing", () => {
  let t!: TestPrism;
  usePrism((p) => (t = p));

  it("goes to the slate within 3 s and takes over again when it sends again", async () => {
    const dir = await makeTempDir("prism-stall-");
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Frozen encoder" });
    const receiver = await startRtmpReceiver({ dir });
    await t.api("POST", `/api/v1/streams/${stream.id}/destinations`, { name: "R", url: receiver.url, streamKey: receiver.key });
    const health = async () => (await t.api("GET", `/api/v1/streams/${stream.id}/health`)).body;

    const publisher = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: Infinity });
    await waitFor(async () => (await health()).destinations[0].state === "live", { what: "destination live" });
    expect((await health()).ingestWarnings).toEqual([]);
    // A few seconds of picture, and time for the slate to be encoded in the stream's format.
    await new Promise((r) => setTimeout(r, 4_000));

    // OBS hangs: its TCP connection stays open, nothing more arrives.
    publisher.freeze();
    const frozenAt = Date.now();
    const stalled = await waitFor(async () => {
      const h = await health();
      return h.ingestState === "stalled" ? h : undefined;
    }, { timeoutMs: 3_000, intervalMs: 20, what: "stalled" });
    const noticedAfterMs = Date.now() - frozenAt;
    expect(stalled.live).toBe(true);
    expect(stalled.ingestWarnings).toHaveLength(1);
    expect(stalled.ingestWarnings[0]).toMatch(/^OBS is connected but has sent nothing for \d+\.\d s; destinations show the slate until it sends again\.$/);
    expect(stalled.slateUntil).not.toBeNull();
    expect(stalled.destinations[0].state).toBe("live");
    // The slate reaches the destination: its bitrate does not fall to 0 while the publisher is silent.
    await waitFor(async () => (await health()).destinations[0].bitrateKbps > 0, { timeoutMs: 2_000, what: "slate flowing" });
    await new Promise((r) => setTimeout(r, 3_000));

    publisher.thaw();
    await waitFor(async () => (await health()).ingestState === "publisher", { timeoutMs: 3_000, what: "publisher again" });
    expect((await health()).ingestWarnings).toEqual([]);

    const events = await waitFor(async () => {
      const res = (await t.api("GET", "/api/v1/events?type=stream.ingest_lost,stream.ingest_resumed")).body as Array<{ type: string; data: { streamId: string; cause?: string; reason?: string } }>;
      const mine = res.filter((e) => e.data.streamId === stream.id);
      return mine.length === 2 ? mine : undefined;
    }, { what: "ingest events" });
    expect(events.map((e) => e.type)).toEqual(["stream.ingest_resumed", "stream.ingest_lost"]);
    expect(events[1]!.data).toMatchObject({ cause: "stalled", reason: expect.stringMatching(/connected but sent nothing/) });

    // A few seconds of the publisher again, then OBS stops streaming: the stream ends, the recording is finalized.
    await new Promise((r) => setTimeout(r, 2_000));
    await publisher.stop();
    expect((await withTimeout(receiver.exited, 10_000, "receiver end")).code).toBe(0);

    expect(await decodeErrors(receiver.file)).toEqual([]);
    for (const kind of ["video", "audio"] as const) expect(nonIncreasing(await decodeTimestamps(receiver.file, kind)), kind).toEqual([]);
    expect(nonIncreasing(await framePresentationTimes(receiver.file))).toEqual([]);
    // Test pattern, then the slate, then the test pattern again (sampled four times a second).
    const runs = (await averageColors(receiver.file, 4, dir)).map((rgb) => near(rgb, SLATE_RGB));
    const collapsed = runs.filter((onSlate, i) => i === 0 || onSlate !== runs[i - 1]);
    expect(collapsed).toEqual([false, true, false]);
    console.log(`stall noticed after ${noticedAfterMs} ms (PRISM_INGEST_STALL_MS 2000)`);
  });

  it("lets a new publish take over from a stalled one whose connection is still open", async () => {
    const dir = await makeTempDir("prism-stall-");
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Restarted OBS" });
    const receiver = await startRtmpReceiver({ dir });
    await t.api("POST", `/api/v1/streams/${stream.id}/destinations`, { name: "R", url: receiver.url, streamKey: receiver.key });
    const health = async () => (await t.api("GET", `/api/v1/streams/${stream.id}/health`)).body;

    const hung = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: Infinity });
    await waitFor(async () => (await health()).destinations[0].state === "live", { what: "destination live" });
    await new Promise((r) => setTimeout(r, 2_500));
    hung.freeze();
    await waitFor(async () => (await health()).ingestState === "stalled", { timeoutMs: 3_000, what: "stalled" });

    // The streamer restarts OBS; the hung one's connection is still open.
    const restarted = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: 3 });
    expect(await restarted.publishing).toBe(true);
    await waitFor(async () => (await health()).ingestState === "publisher", { timeoutMs: 5_000, what: "new publisher on air" });
    expect((await restarted.exited).code).toBe(0);
    expect((await withTimeout(receiver.exited, 10_000, "receiver end")).code).toBe(0);
    hung.process.kill("SIGKILL");

    expect(await decodeErrors(receiver.file)).toEqual([]);
    for (const kind of ["video", "audio"] as const) expect(nonIncreasing(await decodeTimestamps(receiver.file, kind)), kind).toEqual([]);
    expect(nonIncreasing(await framePresentationTimes(receiver.file))).toEqual([]);
  });
});
