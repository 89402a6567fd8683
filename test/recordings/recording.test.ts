import { describe, expect, it } from "vitest";
import { type TestPrism } from "../support/prism.js";
import { usePrism } from "../support/lifecycle.js";
import { publishTestStream } from "../support/publisher.js";
import { recordEvents } from "../support/events.js";
import { probeRecording } from "../support/probe.js";
import { makeTempDir } from "../support/tmp.js";
import { download, playThroughErrors, recordedStream, settledRecordings } from "./support.js";

describe("recording a broadcast session", () => {
  let t!: TestPrism;
  usePrism((p) => (t = p), { PRISM_INGEST_STALL_MS: "1000" });

  it("records 20 s with a publisher drop and the slate as ONE MP4 that plays through and lasts as long as the session", async () => {
    const dir = await makeTempDir("prism-rec-");
    const stream = await recordedStream(t, "Recorded show");
    const events = recordEvents(t.prism.bus, stream.id, ["stream.started", "stream.ingest_lost", "stream.ingest_resumed", "stream.ended", "recording.ready"]);
    const health = async () => (await t.api("GET", `/api/v1/streams/${stream.id}/health`)).body;

    const first = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: Infinity, keyframeIntervalSec: 1 });
    expect(await first.publishing).toBe(true);
    await events.until(1, 10_000, "stream.started");
    await new Promise((r) => setTimeout(r, 7_000));
    const recordingNow = await health();
    expect(recordingNow.recording).toMatchObject({ state: "recording" });
    expect(recordingNow.recording.bytesWritten).toBeGreaterThan(0);
    // OBS crashes; the slate covers ~5 s; OBS comes back for 8 s and stops.
    first.process.kill("SIGKILL");
    await first.exited;
    await events.until(2, 5_000, "stream.ingest_lost");
    await new Promise((r) => setTimeout(r, 5_000));
    const second = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: 8, keyframeIntervalSec: 1 });
    expect((await second.exited).code).toBe(0);
    await events.until(4, 10_000, "stream.ended");
    const started = events.seen.find((e) => e.type === "stream.started")!.data as { at: string; sessionId: string };
    const ended = events.seen.find((e) => e.type === "stream.ended")!.data as { at: string };
    const sessionSec = (Date.parse(ended.at) - Date.parse(started.at)) / 1000;
    expect(sessionSec).toBeGreaterThan(18);

    // Ready within seconds of the end: one recording of the session.
    const [recording, ...others] = await settledRecordings(t, stream.id, 8_000);
    expect(others).toEqual([]);
    expect(recording).toMatchObject({ state: "ready", sessionId: started.sessionId, videoCodec: "h264", audioCodec: "aac", width: 320, height: 240, note: null });
    await events.until(5, 5_000, "recording.ready");
    expect(events.seen.find((e) => e.type === "recording.ready")!.data).toMatchObject({ recordingId: recording.id, repaired: false });

    const file = await download(t, recording.downloadUrl, dir, "session.mp4");
    expect(await playThroughErrors(file)).toBe("");
    const probed = await probeRecording(file);
    expect(Math.abs(probed.durationSec - sessionSec)).toBeLessThan(1);
    expect(Math.abs(recording.durationSec - sessionSec)).toBeLessThan(1);
  });

  it("leaves the slate out with includeSlate: false, on one continuous timeline", async () => {
    const dir = await makeTempDir("prism-rec-");
    const stream = await recordedStream(t, "No slate", { includeSlate: false });
    expect((await t.api("GET", `/api/v1/streams/${stream.id}`)).body.recording).toEqual({ enabled: true, includeSlate: false, retention: { days: null, maxGb: null } });
    const events = recordEvents(t.prism.bus, stream.id, ["stream.ingest_lost", "stream.ingest_resumed", "stream.ended"]);
    const first = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: Infinity });
    expect(await first.publishing).toBe(true);
    await new Promise((r) => setTimeout(r, 5_000));
    first.process.kill("SIGKILL");
    await first.exited;
    await events.until(1, 5_000, "stream.ingest_lost");
    const lostAt = Date.now();
    await new Promise((r) => setTimeout(r, 5_000));
    const second = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: 5 });
    expect((await second.exited).code).toBe(0);
    await events.until(3, 10_000, "stream.ended");
    const resumedAt = Date.parse((events.seen.find((e) => e.type === "stream.ingest_resumed")!.data as { at: string }).at);
    const slateSec = (resumedAt - lostAt) / 1000;

    const [recording] = await settledRecordings(t, stream.id);
    const file = await download(t, recording.downloadUrl, dir, "noslate.mp4");
    expect(await playThroughErrors(file)).toBe("");
    const probed = await probeRecording(file);
    // ~5 s + ~5 s of publisher; the ~5 s of slate is not there, and no hole stands in for it.
    expect(slateSec).toBeGreaterThan(4);
    expect(probed.durationSec).toBeGreaterThan(8.5);
    expect(probed.durationSec).toBeLessThan(11.5);
  });
});
