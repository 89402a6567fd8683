import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPrism, waitFor as waitUntil, type TestPrism } from "../support/prism.js";
import { startYouTubeFake, type YouTubeFake } from "../fakes/youtube.js";
import { startTwitchFake, TWITCH_USER, type TwitchFake } from "../fakes/twitch.js";
import { startXFake, type XFake } from "../fakes/x.js";
import { startTwitCastingFake, type TwitCastingFake } from "../fakes/twitcasting.js";
import { linkThroughBrowser } from "../oauth/support.js";
import { removeTempDirs } from "../support/tmp.js";
import { publishTestStream } from "../support/publisher.js";
import { killAll } from "../support/children.js";
import { recordEvents } from "../support/events.js";

interface AnnouncementView {
  platform: string;
  state: string;
  externalId: string | null;
  message: string | null;
}

const waitFor = (check: () => boolean, what: string, timeoutMs = 15_000) => waitUntil(() => check() || undefined, { what, timeoutMs });
const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();

/**
 * Planned broadcasts announced on the platforms of a stream's linked accounts, against the typed
 * fakes: YouTube's upcoming liveBroadcast bound to the account's reusable stream, Twitch's schedule
 * segment; refusals (a spent quota, a revoked grant) are recorded per platform, the event stays, and
 * the next change tries again without making anything twice.
 */
describe("scheduled event announcements", () => {
  let t: TestPrism;
  let yt: YouTubeFake;
  let twitch: TwitchFake;
  let x: XFake;
  let twitcasting: TwitCastingFake;
  let streamId: string;

  beforeAll(async () => {
    yt = await startYouTubeFake();
    twitch = await startTwitchFake();
    x = await startXFake();
    twitcasting = await startTwitCastingFake();
    t = await startTestPrism({ env: { ...yt.env(), ...twitch.env(), ...x.env(), ...twitcasting.env(), PRISM_YOUTUBE_POLL_MS: "50" } });
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Main" });
    streamId = stream.id;
    for (const [platform, oauth] of [["youtube", yt.oauth], ["twitch", twitch.oauth]] as const) {
      const { location } = await linkThroughBrowser(t, platform, oauth);
      const added = await t.api("POST", `/api/v1/streams/${streamId}/destinations`, { platform, accountId: location.searchParams.get("account") });
      expect(added.status, added.text).toBe(201);
    }
    // Platforms that cannot take an announcement here: X without its Enterprise Livestream API, TwitCasting at all.
    const xAccount = (await linkThroughBrowser(t, "x", x.oauth)).location.searchParams.get("account");
    const xAdded = await t.api("POST", `/api/v1/streams/${streamId}/destinations`, { platform: "x", accountId: xAccount, url: "rtmps://127.0.0.1:1/x", streamKey: "x-media-studio-key" });
    expect(xAdded.status, xAdded.text).toBe(201);
    const tcAccount = (await linkThroughBrowser(t, "twitcasting", twitcasting.oauth)).location.searchParams.get("account");
    expect((await t.api("POST", `/api/v1/streams/${streamId}/destinations`, { platform: "twitcasting", accountId: tcAccount })).status).toBe(201);
  });
  afterAll(async () => {
    await killAll();
    await t?.stop();
    await yt?.close();
    await twitch?.close();
    await x?.close();
    await twitcasting?.close();
    await removeTempDirs();
  });

  const byPlatform = (announcements: AnnouncementView[]) => Object.fromEntries(announcements.map((a) => [a.platform, a]));

  it("announces, records a refusal without losing the event, retries it on the next change, updates in place and withdraws on cancel", async () => {
    yt.quotaExceeded = true;
    // One instant for both, so the length is exactly two hours (Twitch's segment counts whole minutes).
    const base = Date.now();
    const startsAt = new Date(base + 3 * 3_600_000).toISOString();
    const endsAt = new Date(base + 5 * 3_600_000).toISOString();
    const created = await t.api("POST", `/api/v1/streams/${streamId}/events`, { title: "Friday speedrun", description: "any%", startsAt, endsAt });
    expect(created.status, created.text).toBe(201);
    const first = byPlatform(created.body.announcements);
    expect(first.youtube).toMatchObject({ state: "refused", externalId: null });
    expect(first.youtube!.message).toMatch(/^YouTube refused to schedule the broadcast: The request cannot be completed because you have exceeded your .*quota.* \(quotaExceeded\)\.$/);
    expect(first.twitch).toMatchObject({ state: "announced", message: null });
    expect(first.x).toMatchObject({ state: "not_available", externalId: null });
    expect(first.x!.message).toMatch(/^X announces planned broadcasts only through its Enterprise Livestream API/);
    expect(first.twitcasting).toMatchObject({ state: "not_available", message: expect.stringMatching(/^TwitCasting's API can only read live schedules/) });
    const segment = twitch.segments.get(first.twitch!.externalId!)!;
    expect(segment).toMatchObject({ title: "Friday speedrun", start_time: new Date(startsAt).toISOString(), end_time: new Date(endsAt).toISOString(), is_recurring: false });
    expect(yt.broadcasts.size).toBe(0);

    // The quota is back; the next change retries YouTube and updates Twitch's segment in place.
    yt.quotaExceeded = false;
    const retitled = await t.api("PATCH", `/api/v1/events/${created.body.id}`, { title: "Friday speedrun: any%" });
    expect(retitled.status, retitled.text).toBe(200);
    const second = byPlatform(retitled.body.announcements);
    expect(second.youtube).toMatchObject({ state: "announced", message: null });
    expect(second.twitch).toMatchObject({ state: "announced", externalId: first.twitch!.externalId });
    expect(twitch.segments.size).toBe(1);
    expect(twitch.segments.get(first.twitch!.externalId!)!.title).toBe("Friday speedrun: any%");
    const broadcast = yt.broadcasts.get(second.youtube!.externalId!)!;
    expect(broadcast.snippet).toMatchObject({ title: "Friday speedrun: any%", description: "any%", scheduledStartTime: new Date(startsAt).toISOString(), scheduledEndTime: new Date(endsAt).toISOString() });
    // Bound to the account's one reusable stream, the one every go-live pushes to.
    expect(yt.streams.size).toBe(1);
    expect(broadcast.contentDetails?.boundStreamId).toBe([...yt.streams.keys()][0]);
    expect(broadcast.status?.lifeCycleStatus).toBe("ready");

    // Moved: both platforms get the new time on the objects they already have.
    const later = inMs(4 * 3_600_000);
    const moved = await t.api("PATCH", `/api/v1/events/${created.body.id}`, { startsAt: later });
    expect(byPlatform(moved.body.announcements).youtube!.externalId).toBe(broadcast.id);
    expect(yt.broadcasts.size).toBe(1);
    expect(broadcast.snippet?.scheduledStartTime).toBe(new Date(later).toISOString());
    expect(twitch.segments.get(first.twitch!.externalId!)!.start_time).toBe(new Date(later).toISOString());

    // The streamer removes Prism on Twitch: the change is refused there, shown, and the segment id kept.
    twitch.oauth.revokeUser(TWITCH_USER.id);
    const refused = await t.api("PATCH", `/api/v1/events/${created.body.id}`, { description: "any%, no glitches" });
    const third = byPlatform(refused.body.announcements);
    expect(third.twitch).toMatchObject({ state: "refused", externalId: first.twitch!.externalId });
    expect(third.twitch!.message).toMatch(/The Twitch account Speedy_Streams must be connected again/);
    expect(third.youtube).toMatchObject({ state: "announced" });
    expect((await t.api("GET", `/api/v1/events/${created.body.id}`)).body).toMatchObject({ status: "scheduled", description: "any%, no glitches" });

    // Cancelled: YouTube's upcoming broadcast is deleted; Twitch still cannot be reached and says so.
    const cancelled = await t.api("DELETE", `/api/v1/events/${created.body.id}`);
    expect(cancelled.body.status).toBe("cancelled");
    const last = byPlatform(cancelled.body.announcements);
    expect(last.youtube).toMatchObject({ state: "withdrawn", externalId: broadcast.id });
    expect(yt.deleted).toEqual([broadcast.id]);
    expect(last.twitch).toMatchObject({ state: "refused" });
    expect((await t.api("GET", `/api/v1/streams/${streamId}/events`)).body).toEqual([expect.objectContaining({ id: created.body.id, status: "cancelled" })]);
  });

  it("a go-live within the event's window goes live in the event's YouTube broadcast instead of a new one", async () => {
    const startsAt = inMs(5_000);
    const created = await t.api("POST", `/api/v1/streams/${streamId}/events`, { title: "Going live in the planned broadcast", startsAt });
    const planned = byPlatform(created.body.announcements).youtube!;
    expect(planned).toMatchObject({ state: "announced" });
    const inserted = yt.broadcasts.size;
    const started = recordEvents(t.prism.bus, streamId, ["event.started"]);

    const publisher = publishTestStream({ url: t.publishUrl((await t.api("POST", `/api/v1/streams/${streamId}/reveal-key`)).body.streamKey), durationSec: Infinity });
    expect(await publisher.publishing).toBe(true);
    const broadcast = yt.broadcasts.get(planned.externalId!)!;
    yt.setStreamStatus(broadcast.contentDetails!.boundStreamId!, "active");
    await waitFor(() => yt.transitions.some((tr) => tr.id === planned.externalId && tr.status === "live"), "YouTube's transition to live");
    expect(yt.broadcasts.size).toBe(inserted);
    await started.until(1, 15_000, "event.started at its time");
    expect(started.seen[0]!.data.eventId).toBe(created.body.id);

    await publisher.stop();
    await waitFor(() => yt.transitions.some((tr) => tr.id === planned.externalId && tr.status === "complete"), "the planned broadcast completed", 30_000);
  });
});
