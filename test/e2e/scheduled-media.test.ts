import { describe, expect, it } from "vitest";
import { waitFor, type TestPrism } from "../support/prism.js";
import { usePrism } from "../support/lifecycle.js";
import { publishTestStream } from "../support/publisher.js";
import { decodeErrors, isMonotonic, maxGapSec, packetTimestamps, probeRecording } from "../support/probe.js";
import { averageColors } from "../support/frames.js";
import { recordEvents } from "../support/events.js";
import { withTimeout } from "../support/children.js";
import { isBlue, isRed, streamWithReceivers } from "../support/stream-receivers.js";
import { makeClip, uploadClip } from "../support/clip.js";

/**
 * Issue #18's acceptance, through the API only: upload a clip (POST /media), schedule an event with
 * it as source (POST /streams/:id/events), and check with ffprobe what real receivers got.
 */
describe("a scheduled event plays an uploaded video into the stream", () => {
  let t!: TestPrism;
  usePrism((p) => (t = p));

  const upload = async (options: Parameters<typeof makeClip>[0]) => {
    const res = await uploadClip(t, await makeClip(options));
    expect(res.status, res.text).toBe(201);
    return res.body as { id: string; durationSec: number };
  };
  const schedule = async (streamId: string, body: Record<string, unknown>) => {
    const res = await t.api("POST", `/api/v1/streams/${streamId}/events`, body);
    expect(res.status, res.text).toBe(201);
    return res.body as { id: string };
  };
  /** Both tracks' timestamps only go forward, without a hole (a loop or a hand-over shows no seam). */
  const expectSeamless = async (file: string, maxGap: number) => {
    for (const kind of ["video", "audio"] as const) {
      const ts = await packetTimestamps(file, kind);
      expect(isMonotonic(ts), kind).toBe(true);
      expect(maxGapSec(ts), kind).toBeLessThan(maxGap);
    }
    expect(await decodeErrors(file)).toEqual([]);
  };

  it("a 10 s clip, 5 s after the event's creation: on both receivers within 1 s of startsAt, for the clip's length", async () => {
    const { dir, stream, receivers } = await streamWithReceivers(t, "Premiere", 2);
    const media = await upload({ dir, durationSec: 10 });
    expect(media.durationSec).toBeGreaterThan(9.9);
    const events = recordEvents(t.prism.bus, stream.id, ["stream.started", "stream.ended"]);
    const live = recordEvents(t.prism.bus, stream.id, ["destination.state"]);
    const startsAt = Date.now() + 5_000;
    const event = await schedule(stream.id, { title: "Premiere", startsAt: new Date(startsAt).toISOString(), source: { type: "media", mediaId: media.id } });

    await events.until(1, 10_000, "stream.started at the event's start");
    expect(Math.abs(Date.parse(events.seen[0]!.data.at) - startsAt)).toBeLessThan(1_000);
    // Each receiver accepted the relay's publish within 1 s of the start (its ffmpeg prints "Input #0" only
    // after probing a second or two of the stream, so that is no measure); the recording's length below
    // shows the file's first second reached it too.
    const wentLiveEvents = () => live.seen.filter((e) => e.data.state === "live");
    await waitFor(() => wentLiveEvents().length === receivers.length, { what: "both destinations live" });
    const wentLive = wentLiveEvents();
    expect(wentLive.map((e) => e.data.destinationId).sort()).toEqual(receivers.map((r) => r.destinationId).sort());
    for (const e of wentLive) expect(Math.abs(Date.parse(e.data.at) - startsAt)).toBeLessThan(1_000);
    expect((await t.api("GET", `/api/v1/events/${event.id}`)).body.status).toBe("started");

    await events.until(2, 25_000, "stream.ended at the file's end");
    await Promise.all(receivers.map((r) => withTimeout(r.exited, 10_000, "receiver end")));
    for (const receiver of receivers) {
      const rec = await probeRecording(receiver.file);
      expect(rec.video?.codec).toBe("h264");
      expect(rec.audio?.codec).toBe("aac");
      expect(rec.durationSec).toBeGreaterThan(9.5);
      expect(rec.durationSec).toBeLessThan(10.5);
      expect(await decodeErrors(receiver.file)).toEqual([]);
    }
    expect((await t.api("GET", `/api/v1/events/${event.id}`)).body).toMatchObject({ status: "ended", statusReason: "the stream ended" });
  });

  it("loop: a 3 s clip repeats until endsAt, timestamps increasing across every loop, ffmpeg -v error silent on the recording", async () => {
    const { dir, stream, receiver } = await streamWithReceivers(t, "Loop");
    const media = await upload({ dir, durationSec: 3 });
    const events = recordEvents(t.prism.bus, stream.id, ["stream.started", "stream.ended"]);
    const startsAt = Date.now() + 2_000;
    const endsAt = startsAt + 10_000;
    const event = await schedule(stream.id, { title: "On repeat", startsAt: new Date(startsAt).toISOString(), endsAt: new Date(endsAt).toISOString(), source: { type: "media", mediaId: media.id, loop: true } });

    await events.until(2, 25_000, "stream.started, then stream.ended at endsAt");
    expect(Math.abs(Date.parse(events.seen[1]!.data.at) - endsAt)).toBeLessThan(1_500);
    await withTimeout(receiver.exited, 10_000, "receiver end");
    const rec = await probeRecording(receiver.file);
    // Three loops and more: 10 s from a 3 s file.
    expect(rec.durationSec).toBeGreaterThan(9);
    expect(rec.durationSec).toBeLessThan(11);
    await expectSeamless(receiver.file, 0.25);
    expect((await t.api("GET", `/api/v1/events/${event.id}`)).body.status).toBe("ended");
  });

  it("OBS publishing the stream key during playback takes over: one session and one connection per receiver", async () => {
    const { dir, stream, receivers, health } = await streamWithReceivers(t, "Handover", 2);
    const media = await upload({ dir, durationSec: 2, color: "red", name: "red" });
    const events = recordEvents(t.prism.bus, stream.id, ["stream.started", "stream.ended", "stream.ingest_lost"]);
    const startsAt = Date.now() + 2_000;
    const event = await schedule(stream.id, { title: "Warm-up, then live", startsAt: new Date(startsAt).toISOString(), source: { type: "media", mediaId: media.id, loop: true } });
    await events.until(1, 10_000, "stream.started by the file");
    await Promise.all(receivers.map((r) => r.connected));
    // Past the first loop of the 2 s file: no bus event marks a loop, so the clock is what there is to wait on.
    await new Promise((r) => setTimeout(r, 3_000));
    expect((await t.api("GET", `/api/v1/media/${media.id}`)).body.playing).toEqual({ eventId: event.id, streamId: stream.id });

    const obs = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: 4, color: "blue" });
    expect(await obs.publishing).toBe(true);
    await withTimeout(obs.exited, 20_000, "OBS done");
    await events.until(2, 10_000, "stream.ended after OBS stops");
    await Promise.all(receivers.map((r) => withTimeout(r.exited, 10_000, "receiver end")));
    expect((await t.api("GET", `/api/v1/media/${media.id}`)).body.playing).toBeNull();

    // One broadcast session, never lost, and each receiver had a single connection throughout.
    expect(events.seen.map((e) => e.type)).toEqual(["stream.started", "stream.ended"]);
    for (const receiver of receivers) {
      expect((await health(receiver.destinationId)).reconnects).toBe(0);
      const colors = await averageColors(receiver.file, 2, dir);
      expect(isRed(colors[0]!)).toBe(true);
      expect(isBlue(colors.at(-1)!)).toBe(true);
      // Red, then blue from OBS's first keyframe on: never red again.
      const firstBlue = colors.findIndex(isBlue);
      expect(colors.slice(firstBlue).every((c) => !isRed(c))).toBe(true);
      await expectSeamless(receiver.file, 0.5);
    }
    expect((await t.api("GET", `/api/v1/events/${event.id}`)).body).toMatchObject({ status: "ended", statusReason: "the stream ended" });
  });
});
