import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { startTestPrism, waitFor, type TestPrism } from "../support/prism.js";
import { recordEvents } from "../support/events.js";
import { publishTestStream } from "../support/publisher.js";
import { killAll } from "../support/children.js";
import { makeTempDir, removeTempDirs } from "../support/tmp.js";
import { uploadedClip } from "../support/clip.js";

const SCHEDULE_ENV = {
  // 0.02 min: starting_soon 1.2 s before the start, so a test sees the whole timeline in seconds.
  PRISM_EVENT_STARTING_SOON_MIN: "0.02",
  PRISM_EVENT_MISSED_GRACE_SEC: "1",
};
const EVENT_TYPES = ["event.scheduled", "event.starting_soon", "event.started", "event.cancelled", "event.missed"] as const;
const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();
/** Waits for the wall clock itself (Prism is stopped meanwhile: there is no event to await). */
const until = (instant: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, instant - Date.now())));

describe("scheduled events", () => {
  const running: TestPrism[] = [];
  const start = async (dataDir?: string) => {
    const t = await startTestPrism({ env: SCHEDULE_ENV, ...(dataDir && { dataDir }) });
    running.push(t);
    return t;
  };
  afterEach(async () => {
    await killAll();
    for (const t of running.splice(0)) await t.stop();
  });
  afterAll(() => removeTempDirs());

  it("refuses bad input with a message a person can act on, and never shadows the event log", async () => {
    const t = await start();
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Main" });
    const post = (body: unknown) => t.api("POST", `/api/v1/streams/${stream.id}/events`, body);

    const past = await post({ title: "Late", startsAt: inMs(-60_000) });
    expect(past.status).toBe(400);
    expect(past.body.error).toMatchObject({ code: "starts_in_past" });
    expect(past.body.error.message).toMatch(/startsAt .* has passed: give a time ahead/);

    const backwards = await post({ title: "Backwards", startsAt: inMs(3_600_000), endsAt: inMs(1_800_000) });
    expect(backwards.status).toBe(400);
    expect(backwards.body.error).toMatchObject({ code: "ends_before_start" });

    const notADate = await post({ title: "When?", startsAt: "next friday" });
    expect(notADate.status).toBe(400);
    expect(notADate.body.error.message).toMatch(/startsAt must be an ISO 8601 date/);

    const badMedia = await post({ title: "Clip", startsAt: inMs(3_600_000), source: { type: "media", mediaId: "../../etc/passwd" } });
    expect(badMedia.status).toBe(400);
    expect(badMedia.body.error.message).toMatch(/mediaId must be a media file's id/);
    // Well formed, but no such upload: the media library says so, on create and on change.
    const unknownMedia = await post({ title: "Clip", startsAt: inMs(3_600_000), source: { type: "media", mediaId: "med_neveruploaded" } });
    expect(unknownMedia.status).toBe(400);
    expect(unknownMedia.body.error).toMatchObject({ code: "bad_source" });
    expect(unknownMedia.body.error.message).toMatch(/No uploaded video med_neveruploaded: upload one with POST \/api\/v1\/media/);
    expect((await t.api("GET", `/api/v1/streams/${stream.id}/events`)).body).toEqual([]);

    const noStream = await t.api("POST", "/api/v1/streams/00000000-0000-4000-8000-000000000000/events", { title: "Nowhere", startsAt: inMs(3_600_000) });
    expect(noStream.status).toBe(404);
    expect((await t.api("GET", "/api/v1/streams/00000000-0000-4000-8000-000000000000/events")).status).toBe(404);

    const unknown = await t.api("GET", `/api/v1/events/sev_${"0".repeat(32)}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toMatch(/No scheduled event sev_0+/);
    const malformed = await t.api("PATCH", "/api/v1/events/not-an-id", { title: "x" });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.message).toMatch(/not a scheduled event's id/);

    // The webhook event log's catalog still answers, and lists the scheduled events' types.
    const types = await t.api("GET", "/api/v1/events/types");
    expect(types.status).toBe(200);
    expect(types.body.map((e: { type: string }) => e.type)).toEqual(expect.arrayContaining([...EVENT_TYPES]));

    const created = await post({ title: "Friday", startsAt: inMs(3_600_000), endsAt: inMs(7_200_000) });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ id: expect.stringMatching(/^sev_[0-9a-f]{32}$/), status: "scheduled", source: { type: "live" }, announcements: [] });
    const emptyPatch = await t.api("PATCH", `/api/v1/events/${created.body.id}`, {});
    expect(emptyPatch.status).toBe(400);
    const endBeforeKeptStart = await t.api("PATCH", `/api/v1/events/${created.body.id}`, { endsAt: inMs(60_000) });
    expect(endBeforeKeptStart.body.error).toMatchObject({ code: "ends_before_start" });
    const toUnknownMedia = await t.api("PATCH", `/api/v1/events/${created.body.id}`, { source: { type: "media", mediaId: "med_neveruploaded" } });
    expect(toUnknownMedia.status).toBe(400);
    expect(toUnknownMedia.body.error).toMatchObject({ code: "bad_source" });
    expect((await t.api("GET", `/api/v1/events/${created.body.id}`)).body.source).toEqual({ type: "live" });
    expect((await t.api("DELETE", `/api/v1/events/${created.body.id}`)).body.status).toBe("cancelled");
    const again = await t.api("DELETE", `/api/v1/events/${created.body.id}`);
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/The event is cancelled; only an event still scheduled can be cancelled/);
    expect((await t.api("PATCH", `/api/v1/events/${created.body.id}`, { title: "x" })).status).toBe(409);

    // Each scheduled event holds timers: a stream may have 100 at once.
    for (let i = 0; i < 100; i++) expect((await post({ title: `Episode ${i}`, startsAt: inMs(86_400_000 + i * 60_000) })).status).toBe(201);
    const tooMany = await post({ title: "One more", startsAt: inMs(86_400_000) });
    expect(tooMany.status).toBe(409);
    expect(tooMany.body.error).toMatchObject({ code: "too_many_events" });
    expect(tooMany.body.error.message).toMatch(/already has 100 events scheduled, the most it may have: cancel some first/);
  });

  it("runs a media event's timeline on time: scheduled, starting_soon, started at startsAt (within 1 s); each also in the event log", async () => {
    const t = await start();
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Main" });
    const trailer = await uploadedClip(t, { durationSec: 1, name: "trailer" });
    const events = recordEvents(t.prism.bus, stream.id, [...EVENT_TYPES]);
    const onAir = recordEvents(t.prism.bus, stream.id, ["stream.started"]);
    const startsAt = inMs(2_500);
    const created = await t.api("POST", `/api/v1/streams/${stream.id}/events`, { title: "Trailer", startsAt, source: { type: "media", mediaId: trailer.id, loop: true } });
    expect(created.status, created.text).toBe(201);
    await events.until(3, 10_000, "scheduled, starting_soon, started");
    expect(events.seen.map((e) => e.type)).toEqual(["event.scheduled", "event.starting_soon", "event.started"]);
    const started = events.seen[2]!.data;
    expect(started).toMatchObject({ eventId: created.body.id, streamId: stream.id, title: "Trailer", startsAt: new Date(startsAt).toISOString(), endsAt: null, source: { type: "media", mediaId: trailer.id, loop: true } });
    expect(Math.abs(Date.parse(started.at) - Date.parse(startsAt))).toBeLessThan(1_000);
    const soon = events.seen[1]!.data;
    expect(Date.parse(startsAt) - Date.parse(soon.at)).toBeGreaterThan(600);

    // The uploaded video is what went on air.
    await onAir.until(1, 5_000, "stream.started by the media player");
    expect((await t.api("GET", `/api/v1/media/${trailer.id}`)).body.playing).toEqual({ eventId: created.body.id, streamId: stream.id });

    const view = await t.api("GET", `/api/v1/events/${created.body.id}`);
    expect(view.body).toMatchObject({ status: "started", startedAt: started.at, startingSoonSentAt: soon.at });
    const log = await t.api("GET", "/api/v1/events?type=event.started");
    expect(log.body[0]).toMatchObject({ type: "event.started", data: { eventId: created.body.id, startedAt: started.at, source: { type: "media", mediaId: trailer.id, loop: true } } });
  });

  it("a live event starts when its publisher is live at its time, ends with the stream; one nobody publishes to is missed after the grace period", async () => {
    const t = await start();
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Main" });
    const { body: quiet } = await t.api("POST", "/api/v1/streams", { name: "Quiet" });
    // No slate: the stream ends when its publisher stops.
    expect((await t.api("PATCH", `/api/v1/streams/${stream.id}`, { slate: { enabled: false } })).status).toBe(200);
    const events = recordEvents(t.prism.bus, stream.id, ["event.started"]);
    const ended = recordEvents(t.prism.bus, stream.id, ["stream.ended"]);
    const missed = recordEvents(t.prism.bus, quiet.id, ["event.missed"]);
    const startsAt = inMs(2_000);
    const live = await t.api("POST", `/api/v1/streams/${stream.id}/events`, { title: "Live show", startsAt });
    const nobody = await t.api("POST", `/api/v1/streams/${quiet.id}/events`, { title: "No show", startsAt });

    const publisher = publishTestStream({ url: t.publishUrl(stream.streamKey), durationSec: Infinity });
    expect(await publisher.publishing).toBe(true);
    await events.until(1, 10_000, "event.started");
    expect(events.seen[0]!.data.eventId).toBe(live.body.id);
    // Published before its time: it starts at its time, not at the publish.
    expect(Math.abs(Date.parse(events.seen[0]!.data.at) - Date.parse(startsAt))).toBeLessThan(1_000);

    await missed.until(1, 10_000, "event.missed");
    expect(missed.seen[0]!.data).toMatchObject({ eventId: nobody.body.id, reason: "nobody published to the stream within the grace period after its start" });
    expect(Date.parse(missed.seen[0]!.data.at) - Date.parse(startsAt)).toBeGreaterThanOrEqual(1_000);
    expect((await t.api("GET", `/api/v1/events/${nobody.body.id}`)).body).toMatchObject({ status: "missed" });

    await publisher.stop();
    await ended.until(1, 20_000, "stream.ended");
    // The scheduler ends the event on stream.ended, behind the bus: a moment after it.
    const over = await waitFor(async () => {
      const { body } = await t.api("GET", `/api/v1/events/${live.body.id}`);
      return body.status === "started" ? undefined : body;
    }, { what: "the live event no longer started" });
    expect(over).toMatchObject({ status: "ended", statusReason: "the stream ended" });
  });

  it("survives a restart: an event 10 s ahead still starts on time (within 1 s); one whose start passed while Prism was down is marked missed", async () => {
    const dataDir = await makeTempDir("prism-schedule-");
    const first = await start(dataDir);
    const { body: stream } = await first.api("POST", "/api/v1/streams", { name: "Main" });
    const clip = await uploadedClip(first, { durationSec: 1 });
    const startsAt = inMs(10_000);
    const ahead = await first.api("POST", `/api/v1/streams/${stream.id}/events`, { title: "After the restart", startsAt, source: { type: "media", mediaId: clip.id } });
    const soonGone = Date.now() + 1_000;
    const passing = await first.api("POST", `/api/v1/streams/${stream.id}/events`, { title: "While down", startsAt: new Date(soonGone).toISOString() });
    await first.stop();
    running.splice(running.indexOf(first), 1);
    // Prism is down past the second event's start and grace period (1 s each).
    await until(soonGone + 1_200);

    const second = await start(dataDir);
    const events = recordEvents(second.prism.bus, stream.id, ["event.started"]);
    expect((await second.api("GET", `/api/v1/events/${passing.body.id}`)).body).toMatchObject({ status: "missed", statusReason: "Prism was not running at its start time" });
    // The event log is written in batches behind the bus: it shows the miss a moment later.
    const logged = await waitFor(async () => (await second.api("GET", "/api/v1/events?type=event.missed")).body[0], { what: "event.missed in the event log" });
    expect(logged).toMatchObject({ data: { eventId: passing.body.id, reason: "Prism was not running at its start time" } });
    await events.until(1, 15_000, "event.started after the restart");
    expect(events.seen[0]!.data.eventId).toBe(ahead.body.id);
    expect(Math.abs(Date.parse(events.seen[0]!.data.at) - Date.parse(startsAt))).toBeLessThan(1_000);
  });

  it("a video an event still has to play cannot be deleted (409 media_scheduled); one gone from the disk by its start makes the event missed, with the reason", async () => {
    const t = await start();
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Main" });
    const kept = await uploadedClip(t, { durationSec: 1, name: "kept" });
    const { body: later } = await t.api("POST", `/api/v1/streams/${stream.id}/events`, { title: "Rerun", startsAt: inMs(3_600_000), source: { type: "media", mediaId: kept.id } });
    const refused = await t.api("DELETE", `/api/v1/media/${kept.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: "media_scheduled", details: { eventIds: [later.id] } });
    expect(refused.body.error.message).toMatch(new RegExp(`Scheduled event ${later.id} \\(starts .*\\) will stream this file; pick another video for it or cancel it`));
    expect((await t.api("GET", `/api/v1/media/${kept.id}`)).status).toBe(200);
    // Another source for the event: the video is free to go.
    expect((await t.api("PATCH", `/api/v1/events/${later.id}`, { source: { type: "live" } })).status).toBe(200);
    expect((await t.api("DELETE", `/api/v1/media/${kept.id}`)).status).toBe(204);

    // Removed behind Prism's back (not through the API): the event fails at its start, clearly.
    const gone = await uploadedClip(t, { durationSec: 1, name: "gone" });
    const events = recordEvents(t.prism.bus, stream.id, ["event.started", "event.missed", "stream.started"]);
    const { body: soon } = await t.api("POST", `/api/v1/streams/${stream.id}/events`, { title: "Premiere", startsAt: inMs(1_500), source: { type: "media", mediaId: gone.id } });
    await rm(join(t.dataDir, "media", `${gone.id}.mp4`));
    await events.until(2, 10_000, "event.started, then event.missed");
    expect(events.seen.map((e) => e.type)).toEqual(["event.started", "event.missed"]);
    const reason = `Media file ${gone.id} ("gone.mp4") is missing from the media directory; upload it again.`;
    expect(events.seen[1]!.data).toMatchObject({ eventId: soon.id, reason });
    // The scheduler records it after the player's announcement: at once on SQLite, a round trip later on PostgreSQL.
    const recorded = await waitFor(async () => {
      const body = (await t.api("GET", `/api/v1/events/${soon.id}`)).body;
      return body.status !== "started" && body;
    }, { what: "the event recorded as missed" });
    expect(recorded).toMatchObject({ status: "missed", statusReason: reason });
    expect((await t.api("GET", `/api/v1/streams/${stream.id}`)).body.live).toBe(false);
    // No longer anything's to play: it can be deleted.
    expect((await t.api("DELETE", `/api/v1/media/${gone.id}`)).status).toBe(204);
  });

  it("action URLs start and cancel the stream's events, and only its own", async () => {
    const t = await start();
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Main" });
    const { body: other } = await t.api("POST", "/api/v1/streams", { name: "Other" });
    const token = await t.api("POST", `/api/v1/streams/${stream.id}/action-tokens`, { name: "Stream Deck", actions: ["start-event", "cancel-event"] });
    expect(token.status, token.text).toBe(201);
    const action = (name: string, body: unknown) => t.api("POST", `/api/v1/actions/${token.body.token}/${name}`, body, { token: null });
    const rerun = await uploadedClip(t, { durationSec: 1, name: "rerun" });
    const later = inMs(3_600_000);
    const { body: media } = await t.api("POST", `/api/v1/streams/${stream.id}/events`, { title: "Rerun", startsAt: later, source: { type: "media", mediaId: rerun.id } });
    const { body: live } = await t.api("POST", `/api/v1/streams/${stream.id}/events`, { title: "Live", startsAt: inMs(7_200_000) });
    const { body: foreign } = await t.api("POST", `/api/v1/streams/${other.id}/events`, { title: "Not yours", startsAt: later });

    const events = recordEvents(t.prism.bus, stream.id, ["event.started", "event.cancelled"]);
    const started = await action("start-event", {});
    expect(started.status, started.text).toBe(200);
    expect(started.body).toMatchObject({ id: media.id, status: "started" });
    const noPublisher = await action("start-event", { eventId: live.id });
    expect(noPublisher.status).toBe(409);
    expect(noPublisher.body.error.message).toMatch(/nothing is publishing to the stream: start OBS/);
    expect((await action("cancel-event", { eventId: foreign.id })).status).toBe(404);
    const cancelled = await action("cancel-event", JSON.stringify({ eventId: live.id }));
    expect(cancelled.body).toMatchObject({ id: live.id, status: "cancelled" });
    expect(events.seen.map((e) => [e.type, e.data.eventId])).toEqual([
      ["event.started", media.id],
      ["event.cancelled", live.id],
    ]);
  });
});
