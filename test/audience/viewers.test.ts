import { afterAll, describe, expect, it } from "vitest";
import { startTestPrism, waitFor, type TestPrism } from "../support/prism.js";
import { publishTestStream, type Publisher } from "../support/publisher.js";
import { killAll } from "../support/children.js";
import { closedPort, releaseClosedPorts } from "../support/ports.js";
import { parseMetrics, value } from "../support/metrics.js";
import { linkThroughBrowser } from "../oauth/support.js";
import { openSse } from "../comments/support.js";
import { startTwitchFake, type TwitchFake } from "../fakes/twitch.js";
import { startYouTubeFake, type YouTubeFake } from "../fakes/youtube.js";
import { startTwitCastingFake, type TwitCastingFake } from "../fakes/twitcasting.js";
import { startXFake, type XFake } from "../fakes/x.js";
import type { PrismEvents } from "../../src/bus.js";

/**
 * Issue #17 part 1: live viewer counts per platform, read through the linked accounts from the
 * platform fakes (typed with the official clients' types) while a real RTMP stream is live, into
 * health, its SSE stream, /metrics and `audience.viewers` on the bus.
 */

const POLL_MS = 100;

describe("live viewer counts per platform", () => {
  let tw: TwitchFake, yt: YouTubeFake, tc: TwitCastingFake, x: XFake;
  let t: TestPrism | undefined;
  let publisher: Publisher | undefined;

  afterAll(async () => {
    await publisher?.stop();
    await killAll();
    await t?.stop();
    await Promise.all([tw, yt, tc, x].map((f) => f?.close()));
    await releaseClosedPorts();
  });

  it("reads each platform's count into health, SSE and metrics; hidden YouTube says hidden; X without an Enterprise id and a custom server say why; a failing Twitch backs off alone", async () => {
    [tw, yt, tc, x] = await Promise.all([startTwitchFake(), startYouTubeFake(), startTwitCastingFake(), startXFake()]);
    // The viewer reads alone would outrun TwitCasting's 60 calls a minute at this test pace; its limit is tested with its chat.
    tc.chat.rateLimit = { limit: 100_000, windowMs: 60_000 };
    t = await startTestPrism({
      env: {
        ...tw.env(),
        ...yt.env(),
        ...tc.env(),
        ...x.env(),
        PRISM_TWITCH_INGEST_URL: `rtmp://127.0.0.1:${await closedPort()}/app`,
        PRISM_YOUTUBE_POLL_MS: "100",
        PRISM_TWITCH_VIEWERS_POLL_MS: String(POLL_MS),
        PRISM_YOUTUBE_VIEWERS_POLL_MS: String(POLL_MS),
        PRISM_TWITCASTING_VIEWERS_POLL_MS: String(POLL_MS),
        PRISM_X_VIEWERS_POLL_MS: String(POLL_MS),
        // One-second buckets, so the session's series holds these counts within the test.
        PRISM_SESSION_BUCKET_SEC: "1",
      },
    });
    const prism = t;
    const events: Array<PrismEvents["audience.viewers"]> = [];
    prism.prism.bus.on("audience.viewers", (e) => events.push(e));

    const accounts: Record<string, string> = {};
    for (const [platform, fake] of [["twitch", tw], ["youtube", yt], ["twitcasting", tc], ["x", x]] as const) {
      accounts[platform] = (await linkThroughBrowser(prism, platform, fake.oauth)).location.searchParams.get("account")!;
    }
    const { body: stream } = await prism.api("POST", "/api/v1/streams", { name: "Audience" });
    // The stream ends when the publisher stops (no slate to wait out).
    expect((await prism.api("PATCH", `/api/v1/streams/${stream.id}`, { slate: { enabled: false } })).status).toBe(200);
    const ids: Record<string, string> = {};
    for (const body of [
      { platform: "twitch", accountId: accounts.twitch },
      { platform: "youtube", accountId: accounts.youtube },
      { platform: "twitcasting", accountId: accounts.twitcasting },
      { platform: "x", accountId: accounts.x, url: `rtmp://127.0.0.1:${await closedPort()}/x`, streamKey: "xk-audience" },
      { platform: "custom", name: "Own server", url: `rtmp://127.0.0.1:${await closedPort()}/live`, streamKey: "own" },
    ]) {
      const created = await prism.api("POST", `/api/v1/streams/${stream.id}/destinations`, body);
      expect(created.status, created.text).toBe(201);
      ids[body.platform] = created.body.id;
    }

    // What each platform would count: Twitch lists the channel live, the streamer is on air on TwitCasting.
    tw.viewers = 120;
    const movie = tc.chat.startMovie();
    Object.assign(tc.chat.movies.get(movie)!.movie, { current_view_count: 37, total_view_count: 410 });

    publisher = publishTestStream({ url: prism.publishUrl(stream.streamKey), durationSec: Infinity });
    expect(await publisher.publishing).toBe(true);
    // YouTube's ingest would see the stream: Prism switches the broadcast to live, and its video counts 55.
    const broadcast = await waitFor(() => [...yt.broadcasts.values()][0], { what: "the YouTube broadcast" });
    for (const s of yt.streams.keys()) yt.setStreamStatus(s, "active");
    yt.concurrentViewers.set(broadcast.id!, 55);

    const health = async () => (await prism.api("GET", `/api/v1/streams/${stream.id}/health`)).body;
    const viewersOf = (h: any, platform: string) => h.destinations.find((d: any) => d.id === ids[platform]).viewers;
    let h = await waitFor(
      async () => {
        const now = await health();
        return ["twitch", "youtube", "twitcasting"].every((p) => viewersOf(now, p)?.count !== undefined) && now.viewers?.count === 212 ? now : undefined;
      },
      { what: "Twitch, YouTube and TwitCasting counted", timeoutMs: 15_000 },
    );
    expect(viewersOf(h, "twitch")).toEqual({ count: 120, at: expect.any(String) });
    expect(viewersOf(h, "youtube")).toEqual({ count: 55, at: expect.any(String) });
    expect(viewersOf(h, "twitcasting")).toEqual({ count: 37, totalViews: 410, at: expect.any(String) });
    expect(viewersOf(h, "x")).toEqual({ unavailable: expect.stringContaining("X exposes no viewer count for Media Studio streams") });
    expect(viewersOf(h, "custom")).toEqual({ unavailable: expect.stringMatching(/custom RTMP\(S\) server/) });
    expect(h.viewers).toEqual({ count: 212, at: expect.any(String) });

    // The bus carries each reading with the broadcast session's id (the sessions report reads it).
    const twitchEvent = events.find((e) => e.platform === "twitch" && "count" in e.viewers)!;
    expect(twitchEvent).toMatchObject({ streamId: stream.id, destinationId: ids.twitch, viewers: { count: 120 } });
    expect(twitchEvent.sessionId).toEqual(expect.any(String));
    expect(events.filter((e) => e.platform === "custom")).toHaveLength(1);

    // /metrics: prism_viewers by platform; YouTube's videos.list calls are in its quota count.
    const samples = parseMetrics((await prism.api("GET", "/metrics")).text);
    expect(value(samples, "prism_viewers", { platform: "twitch" })).toBe(120);
    expect(value(samples, "prism_viewers", { platform: "youtube" })).toBe(55);
    expect(value(samples, "prism_viewers", { platform: "twitcasting" })).toBe(37);
    expect(samples.some((s) => s.name === "prism_viewers" && s.labels.platform === "x")).toBe(false);
    expect(value(samples, "prism_youtube_quota_calls_today", { method: "videos.list" })).toBeGreaterThan(0);

    // The broadcast session keeps them: its series per bucket and its report per platform.
    const sessionId = twitchEvent.sessionId;
    const series = await waitFor(
      async () => {
        const body = (await prism.api("GET", `/api/v1/sessions/${sessionId}/series`)).body;
        return body.minutes?.some((m: any) => m.viewers.twitch === 120 && m.viewers.youtube === 55 && m.viewers.twitcasting === 37) ? body : undefined;
      },
      { what: "a bucket with every platform's count", timeoutMs: 15_000 },
    );
    expect(series.minutes.every((m: any) => m.viewers.x === undefined && m.viewers.custom === undefined)).toBe(true);
    const report = (await prism.api("GET", `/api/v1/sessions/${sessionId}`)).body;
    expect(report.viewers.byPlatform.twitch).toMatchObject({ peak: 120 });
    expect(report.viewers.byPlatform.youtube).toMatchObject({ peak: 55 });
    expect(report.viewers.peak).toBeGreaterThanOrEqual(212);

    // The SSE health stream carries the same.
    const sse = await openSse(`http://127.0.0.1:${prism.prism.httpPort}/api/v1/streams/${stream.id}/health/stream`, { authorization: `Bearer ${prism.token}` });
    const first = await waitFor(() => sse.events.find((e) => e.event === "health"), { what: "a health event" });
    await sse.close();
    expect(first.data.viewers.count).toBe(212);
    expect(viewersOf(first.data, "twitch").count).toBe(120);

    // The channel owner hides YouTube's count: it reads "hidden", not 0, and leaves the total.
    yt.concurrentViewers.set(broadcast.id!, null);
    h = await waitFor(async () => ((await health()).viewers?.count === 157 ? await health() : undefined), { what: "YouTube hidden" });
    expect(viewersOf(h, "youtube")).toEqual({ unavailable: "hidden" });

    // Twitch rate-limits, then fails five times: it backs off on its own while TwitCasting keeps counting.
    tw.streamsFaults.push(429, 503, 503, 503, 503, 503);
    const failingFrom = tw.streamsCalls.length;
    await waitFor(() => events.some((e) => e.platform === "twitch" && "unavailable" in e.viewers && /rate limit/.test(e.viewers.unavailable)), { what: "Twitch's 429 reported" });
    Object.assign(tc.chat.movies.get(movie)!.movie, { current_view_count: 44 });
    h = await waitFor(async () => {
      const now = await health();
      return viewersOf(now, "twitcasting").count === 44 && /Service Unavailable/.test(viewersOf(now, "twitch").unavailable ?? "") ? now : undefined;
    }, { what: "TwitCasting counting on while Twitch fails" });
    expect(viewersOf(h, "twitch").unavailable).toMatch(/Twitch could not tell the stream's viewers right now .*Service Unavailable/);
    h = await waitFor(async () => ((await health()).destinations.find((d: any) => d.id === ids.twitch).viewers.count === 120 ? await health() : undefined), {
      what: "Twitch counting again",
      timeoutMs: 20_000,
    });
    const failing = tw.streamsCalls.slice(failingFrom, failingFrom + 7);
    expect(failing.map((c) => c.status)).toEqual([429, 503, 503, 503, 503, 503, 200]);
    // From the first 503 on, each wait is drawn from a step twice the one before (equal jitter: half to all of it).
    const gaps = failing.slice(1).map((c, i) => c.at - failing[i]!.at);
    for (let i = 1; i + 2 < gaps.length; i++) expect(gaps[i + 2]!, `gaps ${gaps.join(", ")} ms`).toBeGreaterThan(gaps[i]!);
    expect(gaps.at(-1)!).toBeGreaterThan(4 * POLL_MS);
    // Meanwhile the other platforms kept their pace.
    const tcDuring = events.filter((e) => e.platform === "twitcasting" && e.at >= new Date(failing[0]!.at).toISOString() && e.at <= new Date(failing.at(-1)!.at).toISOString());
    expect(tcDuring.length).toBeGreaterThan(failing.length);

    // An X Enterprise broadcast id set on the destination: its total_watching is read.
    x.chat.broadcasts.set("1OwGWwnoleRGQ", { totalWatching: 9, totalWatched: 31 });
    const patched = await prism.api("PATCH", `/api/v1/streams/${stream.id}/destinations/${ids.x}`, { x: { broadcastId: "1OwGWwnoleRGQ" } });
    expect(patched.status, patched.text).toBe(200);
    h = await waitFor(async () => (viewersOf(await health(), "x")?.count === 9 ? await health() : undefined), { what: "X's Enterprise count" });
    expect(viewersOf(h, "x")).toEqual({ count: 9, totalViews: 31, at: expect.any(String) });

    // The stream ends: no viewers in health, and the platforms are no longer asked.
    await publisher.stop();
    await waitFor(async () => ((await health()).live === false ? true : undefined), { what: "the stream offline", timeoutMs: 60_000 });
    h = await health();
    expect(h.viewers).toBeNull();
    expect(viewersOf(h, "twitch")).toBeNull();
    const callsAtEnd = tw.streamsCalls.length;
    await new Promise((resolve) => setTimeout(resolve, 5 * POLL_MS));
    expect(tw.streamsCalls.length).toBe(callsAtEnd);
  }, 120_000);
});
