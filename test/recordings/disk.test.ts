import { afterAll, afterEach, describe, expect, it } from "vitest";
import { startTestPrism, waitFor, type TestPrism } from "../support/prism.js";
import { publishTestStream } from "../support/publisher.js";
import { startRtmpReceiver } from "../support/receiver.js";
import { recordEvents } from "../support/events.js";
import { maxGapSec, packetTimestamps } from "../support/probe.js";
import { parseMetrics, value } from "../support/metrics.js";
import { killAll, withTimeout } from "../support/children.js";
import { makeTempDir, removeTempDirs } from "../support/tmp.js";
import { download, playThroughErrors, recordedStream, settledRecordings } from "./support.js";

const MiB = 1024 * 1024;

describe("the free-space floor", () => {
  let t: TestPrism | undefined;
  afterEach(async () => {
    await killAll();
    await t?.stop();
  });
  afterAll(removeTempDirs);

  it("pauses recording below PRISM_RECORDINGS_MIN_FREE_MB with a health warning, an event and metrics, while relaying goes on; resumes at a keyframe", async () => {
    let free = 50_000 * MiB;
    t = await startTestPrism({ env: { PRISM_RECORDINGS_MIN_FREE_MB: "1024" }, recordings: { freeSpace: () => free, checkEveryMs: 100 } });
    const dir = await makeTempDir("prism-floor-");
    const stream = await recordedStream(t, "Full disk");
    const receiver = await startRtmpReceiver({ dir });
    await t.api("POST", `/api/v1/streams/${stream.id}/destinations`, { name: "Receiver", url: receiver.url, streamKey: receiver.key });
    const events = recordEvents(t.prism.bus, stream.id, ["recording.paused", "recording.resumed", "stream.ended"]);
    const health = async () => (await t!.api("GET", `/api/v1/streams/${stream.id}/health`)).body;
    const metrics = async () => parseMetrics((await t!.api("GET", "/metrics")).text);

    const publisher = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: Infinity, keyframeIntervalSec: 1 });
    expect(await publisher.publishing).toBe(true);
    await waitFor(async () => (await health()).destinations[0]?.state === "live", { what: "receiver live" });
    await new Promise((r) => setTimeout(r, 2_000));
    expect(value(await metrics(), "prism_recording_state", { stream_id: stream.id, state: "recording" })).toBe(1);

    free = 300 * MiB;
    await events.until(1, 5_000, "recording.paused");
    const paused = await health();
    expect(paused.recording.state).toBe("paused");
    expect(paused.recording.warnings.join(" ")).toMatch(/300 MiB free, below PRISM_RECORDINGS_MIN_FREE_MB \(1024 MiB\)/);
    expect(paused.destinations[0].state).toBe("live");
    const m = await metrics();
    expect(value(m, "prism_recording_state", { stream_id: stream.id, state: "paused" })).toBe(1);
    expect(value(m, "prism_recordings_disk_free_bytes")).toBe(300 * MiB);
    const bytesAtPause = paused.recording.bytesWritten;
    await new Promise((r) => setTimeout(r, 3_000));
    expect((await health()).recording.bytesWritten).toBe(bytesAtPause);

    free = 50_000 * MiB;
    await events.until(2, 5_000, "recording.resumed");
    await waitFor(async () => (await health()).recording.bytesWritten > bytesAtPause, { what: "writing again" });
    await new Promise((r) => setTimeout(r, 2_000));
    await publisher.stop();
    await events.until(3, 10_000, "stream.ended");

    const logged = (await t.api("GET", "/api/v1/events?type=recording.paused")).body;
    expect(logged[0].data).toMatchObject({ streamId: stream.id, streamName: "Full disk", freeBytes: 300 * MiB });
    const [recording] = await settledRecordings(t, stream.id);
    expect(recording.state).toBe("ready");
    const file = await download(t, recording.downloadUrl, dir, "paused.mp4");
    expect(await playThroughErrors(file)).toBe("");
    // The recording has a hole where it paused; the destination got everything.
    expect(maxGapSec(await packetTimestamps(file, "video"))).toBeGreaterThan(2.5);
    await withTimeout(receiver.exited, 10_000, "receiver done");
    expect(maxGapSec(await packetTimestamps(receiver.file, "video"))).toBeLessThan(0.5);
    expect(value(await metrics(), "prism_recording_bytes_written_total", { stream_id: stream.id })).toBeGreaterThan(0);
  });
});
