import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { startTestPrism, waitFor, type TestPrism } from "../support/prism.js";
import { publishTestStream } from "../support/publisher.js";
import { killAll } from "../support/children.js";
import { closedPort, releaseClosedPorts } from "../support/ports.js";
import { parseMetrics } from "../support/metrics.js";
import { linkThroughBrowser } from "../oauth/support.js";
import { openSse } from "./support.js";
import { startTwitchFake, type TwitchFake } from "../fakes/twitch.js";
import { startYouTubeFake, type YouTubeFake } from "../fakes/youtube.js";
import { startTwitCastingFake, type TwitCastingFake } from "../fakes/twitcasting.js";
import { viewer } from "../fakes/twitcasting-chat.js";
import { startXFake, X_USER, type XFake } from "../fakes/x.js";

/**
 * Issue #6: the four real chat readers (Twitch EventSub, YouTube liveChatMessages, TwitCasting
 * comments, X replies) of one stream, through one real Prism that went live over RTMP.
 *
 * What the merger promises, and so what is asserted (README, Chat; src/comments/merger.ts):
 * - A message is released once every other *live* platform has vouched past its sentAt, and at the
 *   latest REORDER_MS after it arrived. TwitCasting is polled every 4 s (not configurable), YouTube
 *   and X every POLL_MS here, so with REORDER_MS (6 s) above the slowest poll plus 2 s of slack, no
 *   message from a live reader arrives after one sent later than it was released: the whole feed
 *   is in sentAt order, and sentAt order is send order, which is asserted exactly.
 * - TwitCasting stamps comments in whole seconds. A comment's sentAt is the start of its second,
 *   earlier than when it was written, so a message of another platform written in the same second
 *   before it would sort after it. The test writes each TwitCasting comment in a second no other
 *   message has touched yet, so send order stays sentAt order (see `send`).
 * - A reader that is down is not waited for: during YouTube's outage the other three are released
 *   without it, and YouTube's messages written during the outage (still served by its page tokens)
 *   arrive after the outage, later than any window: they are placed after everything released
 *   meanwhile. That placement is asserted as such, not as sentAt order.
 * - Twitch keeps no history, so only the polled platforms are killed here.
 */

const REORDER_MS = 6_000;
const POLL_MS = 200;
/** Between two messages of a round. */
const GAP_MS = 200;

type Platform = "twitch" | "youtube" | "twitcasting" | "x";

interface Sent {
  platform: Platform;
  text: string;
  author: { id: string; name: string };
  /** What the platform stamped (YouTube, TwitCasting, X), or the bounds of the call (Twitch). */
  sentAt: { min: number; max: number };
}

interface FeedComment {
  id: string;
  seq: number;
  platform: string;
  author: { id: string; name: string };
  text: string;
  sentAt: string;
}

describe("four platforms' chats through one live Prism", () => {
  let tw: TwitchFake, yt: YouTubeFake, tc: TwitCastingFake, x: XFake;
  let t: TestPrism | undefined;
  let sse: Awaited<ReturnType<typeof openSse>> | undefined;

  afterAll(async () => {
    await sse?.close();
    await killAll();
    await t?.stop();
    await Promise.all([tw, yt, tc, x].map((f) => f?.close()));
    await releaseClosedPorts();
  });

  it("merges all four once each in sentAt order, keeps three flowing while YouTube is down, and catches up on what YouTube still serves", async () => {
    [tw, yt, tc, x] = await Promise.all([startTwitchFake(), startYouTubeFake(), startTwitCastingFake(), startXFake()]);
    // X's Basic tier window would run out at this pace; the limit is not what is tested here.
    x.chat.rateLimit = { limit: 100_000, windowMs: 15 * 60_000 };
    t = await startTestPrism({
      env: {
        ...tw.env(),
        ...yt.env(),
        ...tc.env(),
        ...x.env(),
        // Video goes nowhere: every ingest refuses (YouTube's and TwitCasting's fakes already name port 1).
        PRISM_TWITCH_INGEST_URL: `rtmp://127.0.0.1:${await closedPort()}/app`,
        PRISM_YOUTUBE_CHAT_POLL_MS: String(POLL_MS),
        PRISM_X_CHAT_POLL_MS: String(POLL_MS),
        PRISM_CHAT_REORDER_MS: String(REORDER_MS),
      },
    });
    const prism = t;

    // One linked account per platform, through each fake's OAuth, and a stream with four destinations.
    const accounts: Record<string, string> = {};
    for (const [platform, fake] of [["twitch", tw], ["youtube", yt], ["twitcasting", tc], ["x", x]] as const) {
      accounts[platform] = (await linkThroughBrowser(prism, platform, fake.oauth)).location.searchParams.get("account")!;
    }
    const { body: stream } = await prism.api("POST", "/api/v1/streams", { name: "Four chats" });
    const announcement = x.chat.post({ id: X_USER.id, name: X_USER.displayName, username: X_USER.login }, "Live now on four platforms! Reply here");
    for (const body of [
      { platform: "twitch", accountId: accounts.twitch },
      { platform: "youtube", accountId: accounts.youtube },
      { platform: "twitcasting", accountId: accounts.twitcasting },
      { platform: "x", accountId: accounts.x, url: `rtmp://127.0.0.1:${await closedPort()}/x`, streamKey: "xk-four", x: { announcementPost: announcement.id } },
    ]) {
      const created = await prism.api("POST", `/api/v1/streams/${stream.id}/destinations`, body);
      expect(created.status, created.text).toBe(201);
    }
    // The streamer is live on TwitCasting (its reader follows the current movie); YouTube's broadcast is made by the go-live.
    const movie = tc.chat.startMovie();

    sse = await openSse(`http://127.0.0.1:${prism.prism.httpPort}/api/v1/streams/${stream.id}/comments/stream`, { authorization: `Bearer ${prism.token}` });
    expect(sse.status).toBe(200);

    const publisher = publishTestStream({ url: prism.publishUrl(stream.streamKey), durationSec: Infinity });
    expect(await publisher.publishing).toBe(true);

    const readerStates = async () => {
      const samples = parseMetrics((await prism.api("GET", "/metrics")).text);
      const states: Record<string, string> = {};
      for (const s of samples) if (s.name === "prism_chat_reader_state" && s.labels.stream_id === stream.id && s.value === 1) states[s.labels.platform!] = s.labels.state!;
      return states;
    };
    const allLive = async () => {
      const s = await readerStates();
      return ["twitch", "youtube", "twitcasting", "x"].every((p) => s[p] === "live") ? s : undefined;
    };
    await waitFor(async () => (await allLive()) && tw.eventsub.liveSubscriptions().length > 0, {
      what: "the four chat readers live (and Twitch subscribed)",
      timeoutMs: 15_000,
    });
    expect(yt.broadcasts.size).toBe(1);
    const liveChatId = [...yt.broadcasts.values()][0]!.snippet!.liveChatId!;

    const sent: Sent[] = [];
    let lastSend = 0;
    /**
     * Until the wall clock reads `at`. A timer alone is not enough: timers run on the monotonic millisecond clock
     * and wake up to a millisecond before Date.now() gets there (~1 wait in 180 measured on this machine), and a
     * TwitCasting comment written then is stamped with the second before, i.e. before the previous round's last
     * messages: the merger rightly releases it ahead of them, and the feed no longer matches the send order.
     */
    const until = async (at: number) => {
      while (Date.now() < at) await sleep(at - Date.now());
    };
    let n = 0;
    /** Writes one message on a platform, in its own wire format. */
    const send = async (platform: Platform, label: string) => {
      // TwitCasting stamps whole seconds: its comment goes into a second nothing has been written in yet.
      await until(platform === "twitcasting" ? (Math.floor(lastSend / 1000) + 1) * 1000 : lastSend + GAP_MS);
      const text = `${label} #${++n} on ${platform}`;
      const before = Date.now();
      let entry: Sent;
      if (platform === "twitch") {
        tw.eventsub.say({ id: "90001", login: "mika_plays", name: "Mika_Plays" }, text);
        entry = { platform, text, author: { id: "90001", name: "Mika_Plays" }, sentAt: { min: before, max: Date.now() } };
      } else if (platform === "youtube") {
        const m = yt.chat.post(liveChatId, { channelId: "UCyukiViewer000000000001", displayName: "Yuki" }, text);
        const at = Date.parse(m.snippet!.publishedAt!);
        entry = { platform, text, author: { id: "UCyukiViewer000000000001", name: "Yuki" }, sentAt: { min: at, max: at } };
      } else if (platform === "twitcasting") {
        const c = tc.chat.comment(movie, viewer("182000001", "Hanako"), text);
        entry = { platform, text, author: { id: "182000001", name: "Hanako" }, sentAt: { min: c.created * 1000, max: c.created * 1000 } };
      } else {
        const p = x.chat.post({ id: "2244994945", name: "Amy", username: "amy_codes" }, text, announcement.id);
        const at = Date.parse(p.created_at!);
        entry = { platform, text, author: { id: "2244994945", name: "@amy_codes" }, sentAt: { min: at, max: at } };
      }
      lastSend = Date.now();
      sent.push(entry);
      return entry;
    };
    /** One message per platform, GAP_MS apart; Twitch last, so its watermark soon releases the polled ones. */
    const round = async (label: string, platforms: Platform[] = ["twitcasting", "youtube", "x", "twitch"]) => {
      const out: Sent[] = [];
      for (const p of platforms) out.push(await send(p, label));
      return out;
    };

    const history = async (): Promise<FeedComment[]> => {
      const res = await prism.api("GET", `/api/v1/streams/${stream.id}/comments?limit=500`);
      expect(res.status, res.text).toBe(200);
      return res.body.comments;
    };
    const feedHas = (texts: Sent[]) => async () => {
      const feed = await history();
      const seen = new Set(feed.map((c) => c.text));
      return texts.every((s) => seen.has(s.text)) ? feed : undefined;
    };
    const expectFeedIs = (feed: FeedComment[], expected: Sent[]) => {
      expect(feed.map((c) => `${c.platform}: ${c.text}`)).toEqual(expected.map((s) => `${s.platform}: ${s.text}`));
      for (const [i, c] of feed.entries()) {
        const s = expected[i]!;
        expect(c.author, c.text).toMatchObject(s.author);
        const at = Date.parse(c.sentAt);
        expect(at >= s.sentAt.min && at <= s.sentAt.max, `${c.text}: sentAt ${c.sentAt} not in [${new Date(s.sentAt.min).toISOString()}, ${new Date(s.sentAt.max).toISOString()}]`).toBe(true);
      }
    };

    // 1. Three rounds of all four, interleaved over ~3 s: the feed is exactly the send order.
    const phase1: Sent[] = [];
    for (let r = 0; r < 3; r++) phase1.push(...(await round("hello")));
    const feed1 = await waitFor(feedHas(phase1), { what: "the first rounds in the feed", timeoutMs: 15_000 });
    expectFeedIs(feed1, phase1);
    const sentAts = feed1.map((c) => Date.parse(c.sentAt));
    expect(sentAts).toEqual([...sentAts].sort((a, b) => a - b));

    // 2. YouTube goes away. Its reader backs off; the merger stops waiting for it.
    await yt.down();
    await waitFor(async () => (await readerStates()).youtube === "reconnecting", { what: "YouTube's reader to notice the outage" });
    const outage: Sent[] = [];
    for (let r = 0; r < 2; r++) outage.push(...(await round("during the outage")));
    const others = outage.filter((s) => s.platform !== "youtube");
    const youtubeLate = outage.filter((s) => s.platform === "youtube");
    const feed2 = await waitFor(feedHas(others), { what: "Twitch, TwitCasting and X flowing during YouTube's outage", timeoutMs: 15_000 });
    // Still down: what reached the feed came without YouTube, and none of YouTube's outage messages yet.
    expect((await readerStates()).youtube).not.toBe("live");
    expectFeedIs(feed2, [...phase1, ...others]);

    // YouTube is back: the reader resumes from its page token, so what YouTube still serves comes once.
    await yt.up();
    const feed3 = await waitFor(feedHas(youtubeLate), { what: "YouTube's outage messages after its return", timeoutMs: 20_000 });
    expectFeedIs(feed3, [...phase1, ...others, ...youtubeLate]);
    await waitFor(allLive, { what: "the four readers live again" });

    // 3. After the outage, the four are merged in sentAt order again.
    const after = await round("after the outage");
    const feed4 = await waitFor(feedHas(after), { what: "the last round in the feed", timeoutMs: 15_000 });
    const all = [...phase1, ...others, ...youtubeLate, ...after];
    expectFeedIs(feed4, all);

    // Nothing comes twice later either: each polled reader polls again (YouTube and X twice) and the feed stays the same.
    const polls = { yt: yt.chat.listCalls.length, x: x.chat.searchCalls.length };
    await waitFor(() => yt.chat.listCalls.length >= polls.yt + 2 && x.chat.searchCalls.length >= polls.x + 2, { what: "two more YouTube and X polls" });
    const final = await history();
    expectFeedIs(final, all);
    expect(new Set(final.map((c) => c.id)).size).toBe(all.length);
    expect(final.map((c) => c.seq)).toEqual([...final.map((c) => c.seq)].sort((a, b) => a - b));

    // The SSE subscriber connected before go-live got the same messages, once each, in the same order.
    await waitFor(() => sse!.comments().length >= all.length, { what: "the SSE subscriber to catch up" });
    const live = sse.comments() as FeedComment[];
    expect(live.map((c) => [c.seq, c.id, c.platform, c.author.name, c.text])).toEqual(final.map((c) => [c.seq, c.id, c.platform, c.author.name, c.text]));
    expect(sse.events.filter((e) => e.event === "comment").map((e) => Number(e.id))).toEqual(final.map((c) => c.seq));
  }, 60_000);
});
