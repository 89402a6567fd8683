import { rm } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ScheduledEventPayload } from "../../src/bus.js";
import { waitFor, type TestPrism } from "../support/prism.js";
import { usePrism } from "../support/lifecycle.js";
import { publishTestStream } from "../support/publisher.js";
import { decodeErrors, isMonotonic, maxGapSec, packetTimestamps, probeRecording } from "../support/probe.js";
import { averageColors } from "../support/frames.js";
import { recordEvents } from "../support/events.js";
import { withTimeout } from "../support/children.js";
import { isBlue, isRed, streamWithReceivers } from "../support/stream-receivers.js";
import { makeClip, uploadClip } from "../support/clip.js";

describe("a media file played into a stream as a live publisher", () => {
  let t!: TestPrism;
  usePrism((p) => (t = p));

  const streamWithReceiver = (name: string) => streamWithReceivers(t, name);

  const mediaEvent = (eventId: string, streamId: string, mediaId: string, loop: boolean, endsAt: string | null = null): ScheduledEventPayload => ({
    eventId,
    streamId,
    title: "Pre-recorded",
    startsAt: new Date().toISOString(),
    endsAt,
    source: { type: "media", mediaId, loop },
    at: new Date().toISOString(),
  });

  it("on event.started, a 10 s clip reaches the receiver, lasts the clip's length, and the stream ends with the file", async () => {
    const { dir, stream, receiver } = await streamWithReceiver("Premiere");
    const { body: media } = await uploadClip(t, await makeClip({ dir, durationSec: 10 }));
    const events = recordEvents(t.prism.bus, stream.id, ["stream.started", "stream.ended", "event.missed"]);
    const emittedAt = Date.now();
    t.prism.bus.emit("event.started", mediaEvent("sev_premiere", stream.id, media.id, false));
    await events.until(1, 5_000, "stream.started");
    expect(events.seen[0]!.type).toBe("stream.started");
    // A broadcast session like OBS's, on air within a second of the event's start.
    expect(Date.now() - emittedAt).toBeLessThan(1_000);
    expect((await t.api("GET", `/api/v1/streams/${stream.id}`)).body.live).toBe(true);

    // While it plays, the file is in use: shown, and not deletable.
    expect((await t.api("GET", `/api/v1/media/${media.id}`)).body.playing).toEqual({ eventId: "sev_premiere", streamId: stream.id });
    const refused = await t.api("DELETE", `/api/v1/media/${media.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/sev_premiere is streaming this file/);

    await events.until(2, 20_000, "stream.ended at the file's end");
    expect(events.seen.map((e) => e.type)).toEqual(["stream.started", "stream.ended"]);
    await withTimeout(receiver.exited, 10_000, "receiver end");

    const rec = await probeRecording(receiver.file);
    expect(rec.video?.codec).toBe("h264");
    expect(rec.audio?.codec).toBe("aac");
    expect(rec.durationSec).toBeGreaterThan(9.5);
    expect(rec.durationSec).toBeLessThan(10.5);
    expect(await decodeErrors(receiver.file)).toEqual([]);
    expect((await t.api("GET", `/api/v1/media/${media.id}`)).body.playing).toBeNull();
    expect((await t.api("DELETE", `/api/v1/media/${media.id}`)).status).toBe(204);
  });

  it("loops a 3 s clip cleanly until endsAt: timestamps keep increasing, the recording decodes without a word from ffmpeg", async () => {
    const { dir, stream, receiver } = await streamWithReceiver("Loop");
    const { body: media } = await uploadClip(t, await makeClip({ dir, durationSec: 3 }));
    const events = recordEvents(t.prism.bus, stream.id, ["stream.started", "stream.ended"]);
    // The internal entry point the scheduler can call instead of the bus.
    const started = await t.prism.media.play({ eventId: "sev_loop", streamId: stream.id, mediaId: media.id, loop: true, endsAt: new Date(Date.now() + 10_000).toISOString() });
    if (!started.ok) throw new Error(started.reason);
    expect(await withTimeout(started.ended, 20_000, "playback end")).toEqual({ outcome: "stopped", reason: "the event's end time was reached" });
    await events.until(2, 10_000, "stream.ended after endsAt");
    await withTimeout(receiver.exited, 10_000, "receiver end");

    const rec = await probeRecording(receiver.file);
    // Three loops and more: 10 s from a 3 s file, less the receiver's start.
    expect(rec.durationSec).toBeGreaterThan(8.5);
    for (const kind of ["video", "audio"] as const) {
      const ts = await packetTimestamps(receiver.file, kind);
      expect(isMonotonic(ts), kind).toBe(true);
      expect(maxGapSec(ts), kind).toBeLessThan(0.25);
    }
    expect(await decodeErrors(receiver.file)).toEqual([]);
  });

  it("plays an HEVC file as H.264 (FLV over RTMP carries no HEVC here), for its length", async () => {
    const { dir, stream, receiver } = await streamWithReceiver("HEVC");
    const { body: media } = await uploadClip(t, await makeClip({ dir, durationSec: 4, container: "mkv", videoCodec: "libx265", name: "hevc" }));
    expect(media.video.codec).toBe("hevc");
    const started = await t.prism.media.play({ eventId: "sev_hevc", streamId: stream.id, mediaId: media.id, loop: false, endsAt: null });
    if (!started.ok) throw new Error(started.reason);
    expect(await withTimeout(started.ended, 20_000, "playback end")).toEqual({ outcome: "finished", reason: "the file ended" });
    await withTimeout(receiver.exited, 10_000, "receiver end");
    const rec = await probeRecording(receiver.file);
    expect(rec.video?.codec).toBe("h264");
    expect(rec.audio?.codec).toBe("aac");
    expect(rec.durationSec).toBeGreaterThan(3.5);
    expect(rec.durationSec).toBeLessThan(4.5);
    expect(await decodeErrors(receiver.file)).toEqual([]);
  });

  it("hands over to OBS publishing the stream's key during playback: at its first keyframe, in one session per receiver", async () => {
    const { dir, stream, receiver, health } = await streamWithReceiver("Handover");
    const { body: media } = await uploadClip(t, await makeClip({ dir, durationSec: 2, color: "red", name: "red" }));
    const events = recordEvents(t.prism.bus, stream.id, ["stream.started", "stream.ended", "stream.ingest_lost"]);
    const started = await t.prism.media.play({ eventId: "sev_handover", streamId: stream.id, mediaId: media.id, loop: true, endsAt: null });
    if (!started.ok) throw new Error(started.reason);
    await waitFor(async () => (await health())?.state === "live", { what: "destination live on the file" });
    await receiver.connected;
    await new Promise((r) => setTimeout(r, 3_000)); // past one loop of the file

    const obs = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: 4, color: "blue" });
    expect(await obs.publishing).toBe(true);
    expect(await withTimeout(started.ended, 10_000, "the player stops")).toEqual({ outcome: "handed_over", reason: "the streamer's encoder took over" });
    await withTimeout(obs.exited, 15_000, "OBS done");
    await events.until(2, 10_000, "stream.ended after OBS stops");
    await withTimeout(receiver.exited, 10_000, "receiver end");

    // One broadcast session, never lost, never reconnected.
    expect(events.seen.map((e) => e.type)).toEqual(["stream.started", "stream.ended"]);
    expect((await health()).reconnects).toBe(0);
    const colors = await averageColors(receiver.file, 2, dir);
    expect(isRed(colors[0]!)).toBe(true);
    expect(isBlue(colors.at(-1)!)).toBe(true);
    // Red, then blue from OBS's first keyframe on: never red again.
    const firstBlue = colors.findIndex(isBlue);
    expect(colors.slice(firstBlue).every((c) => !isRed(c))).toBe(true);
    for (const kind of ["video", "audio"] as const) {
      const ts = await packetTimestamps(receiver.file, kind);
      expect(isMonotonic(ts), kind).toBe(true);
      expect(maxGapSec(ts), kind).toBeLessThan(0.5);
    }
    expect(await decodeErrors(receiver.file)).toEqual([]);
  });

  it("stops on event.cancelled, and says why on the bus when an event cannot play its file", async () => {
    const { dir, stream } = await streamWithReceiver("Refusals");
    const clip = await makeClip({ dir, durationSec: 2 });
    const { body: media } = await uploadClip(t, clip);
    const events = recordEvents(t.prism.bus, stream.id, ["stream.started", "stream.ended", "event.missed"]);

    t.prism.bus.emit("event.started", mediaEvent("sev_cancel", stream.id, media.id, true));
    await events.until(1, 5_000, "stream.started");
    t.prism.bus.emit("event.cancelled", mediaEvent("sev_cancel", stream.id, media.id, true));
    await events.until(2, 10_000, "stream.ended after the cancel");
    await waitFor(async () => (await t.api("GET", `/api/v1/media/${media.id}`)).body.playing === null, { what: "the player done" });

    // A file deleted before its event starts: a clear failure on the bus, no stream.
    expect((await t.api("DELETE", `/api/v1/media/${media.id}`)).status).toBe(204);
    t.prism.bus.emit("event.started", mediaEvent("sev_deleted", stream.id, media.id, false));
    await events.until(3, 5_000, "event.missed");
    expect(events.seen[2]).toMatchObject({ type: "event.missed", data: { eventId: "sev_deleted", reason: expect.stringMatching(/no longer exists/) } });

    // A file removed from the disk behind Prism's back.
    const { body: again } = await uploadClip(t, clip);
    for (const f of [`${again.id}.mp4`]) await rm(join(t.dataDir, "media", f));
    t.prism.bus.emit("event.started", mediaEvent("sev_gone", stream.id, again.id, false));
    await events.until(4, 5_000, "event.missed");
    expect(events.seen[3]!.data).toMatchObject({ reason: expect.stringMatching(/missing from the media directory/) });

    // The stream is already live with OBS: the file does not cut in.
    const { body: third } = await uploadClip(t, clip);
    const obs = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: Infinity });
    await waitFor(async () => (await t.api("GET", `/api/v1/streams/${stream.id}`)).body.live, { what: "live with OBS" });
    t.prism.bus.emit("event.started", mediaEvent("sev_busy", stream.id, third.id, false, new Date(Date.now() + 60_000).toISOString()));
    await events.until(6, 5_000, "event.missed while live");
    expect(events.seen.at(-1)).toMatchObject({ type: "event.missed", data: { reason: expect.stringMatching(/already live/) } });
    await obs.stop();
  });
});
