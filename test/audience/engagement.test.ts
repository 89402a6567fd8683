import { afterAll, describe, expect, it } from "vitest";
import { startTestPrism, waitFor, type TestPrism } from "../support/prism.js";
import { publishTestStream, type Publisher } from "../support/publisher.js";
import { killAll } from "../support/children.js";
import { closedPort, releaseClosedPorts } from "../support/ports.js";
import { parseMetrics, value } from "../support/metrics.js";
import { linkThroughBrowser } from "../oauth/support.js";
import { openSse } from "../comments/support.js";
import { startHttpReceiver, type HttpReceiver } from "../webhooks/http-receiver.js";
import { startTwitchFake, TWITCH_USER, type TwitchFake } from "../fakes/twitch.js";
import { startYouTubeFake, type YouTubeFake } from "../fakes/youtube.js";

/**
 * Issue #17 part 2: engagement events from the platforms' own channels (YouTube's liveChatMessages,
 * Twitch's EventSub socket) arrive once each in the merged feed with their kind and amount, in the
 * stored history, on the overlay's feed, at a webhook (comment.received) and in the metrics.
 */
describe("engagement events in the merged feed", () => {
  let tw: TwitchFake, yt: YouTubeFake;
  let t: TestPrism | undefined;
  let publisher: Publisher | undefined;
  let receiver: HttpReceiver | undefined;

  afterAll(async () => {
    await publisher?.stop();
    await killAll();
    await t?.stop();
    await Promise.all([tw, yt, receiver].map((f) => f?.close()));
    await releaseClosedPorts();
  });

  it("a Super Chat, a cheer (delivered twice) and a raid arrive once each with their amounts: feed, history, overlay, webhook, metrics", async () => {
    [tw, yt, receiver] = await Promise.all([startTwitchFake(), startYouTubeFake(), startHttpReceiver()]);
    t = await startTestPrism({
      env: {
        ...tw.env(),
        ...yt.env(),
        PRISM_TWITCH_INGEST_URL: `rtmp://127.0.0.1:${await closedPort()}/app`,
        PRISM_YOUTUBE_CHAT_POLL_MS: "100",
        PRISM_CHAT_REORDER_MS: "300",
        PRISM_WEBHOOK_ALLOW_PRIVATE: "true",
      },
    });
    const prism = t;
    const twitch = (await linkThroughBrowser(prism, "twitch", tw.oauth)).location.searchParams.get("account")!;
    const youtube = (await linkThroughBrowser(prism, "youtube", yt.oauth)).location.searchParams.get("account")!;
    const { body: stream } = await prism.api("POST", "/api/v1/streams", { name: "Engagement" });
    for (const body of [{ platform: "twitch", accountId: twitch }, { platform: "youtube", accountId: youtube }]) {
      const created = await prism.api("POST", `/api/v1/streams/${stream.id}/destinations`, body);
      expect(created.status, created.text).toBe(201);
    }
    const hook = await prism.api("POST", "/api/v1/webhooks", { url: `${receiver.url}/chat`, events: ["comment.received"] });
    expect(hook.status, hook.text).toBe(201);
    const overlay = await prism.api("POST", `/api/v1/streams/${stream.id}/overlay-token`);
    expect(overlay.status, overlay.text).toBe(200);

    publisher = publishTestStream({ url: prism.publishUrl(stream.streamKey), durationSec: Infinity });
    expect(await publisher.publishing).toBe(true);
    // Linked with Prism's scopes (bits:read, channel:read:subscriptions): chat and every engagement event are subscribed.
    const types = () => new Set(tw.eventsub.liveSubscriptions().map((s) => s.type));
    await waitFor(() => ["channel.chat.message", "channel.cheer", "channel.subscribe", "channel.subscription.gift", "channel.subscription.message", "channel.raid"].every((x) => types().has(x)), {
      what: "Twitch's chat and engagement subscriptions",
      timeoutMs: 15_000,
    });
    expect(tw.eventsub.engagementAnswers.every((a) => a.status === 202)).toBe(true);
    const broadcast = await waitFor(() => [...yt.broadcasts.values()][0], { what: "the YouTube broadcast" });
    const liveChatId = broadcast.snippet!.liveChatId!;
    await waitFor(() => yt.chat.listCalls.length > 0, { what: "YouTube's chat read" });

    const base = `http://127.0.0.1:${prism.prism.httpPort}`;
    const feed = await openSse(`${base}/api/v1/streams/${stream.id}/comments/stream`, { authorization: `Bearer ${prism.token}` });
    const overlayFeed = await openSse(`${base}${new URL(overlay.body.overlayUrl).pathname}/feed`);
    expect(feed.status).toBe(200);
    expect(overlayFeed.status).toBe(200);

    yt.chat.superChat(liveChatId, { channelId: "UCsuperFan000000000000001", displayName: "Yuki" }, 5, "USD", "great run!");
    tw.eventsub.engage("channel.cheer", { ...tw.eventsub.broadcaster, is_anonymous: false, user_id: "90001", user_login: "mika_plays", user_name: "Mika_Plays", message: "Cheer100 clean skip", bits: 100 }, 2);
    tw.eventsub.engage("channel.raid", {
      from_broadcaster_user_id: "31415926",
      from_broadcaster_user_login: "friendly_raider",
      from_broadcaster_user_name: "Friendly_Raider",
      to_broadcaster_user_id: TWITCH_USER.id,
      to_broadcaster_user_login: TWITCH_USER.login,
      to_broadcaster_user_name: TWITCH_USER.displayName,
      viewers: 42,
    });
    // A gifted sub's recipient comes as channel.subscribe with is_gift: the gift event says it, so it is not a feed item of its own.
    tw.eventsub.engage("channel.subscribe", { ...tw.eventsub.broadcaster, user_id: "90002", user_login: "lucky", user_name: "Lucky", tier: "1000", is_gift: true });
    tw.eventsub.say({ id: "90003", login: "plain", name: "Plain" }, "just chatting");

    const items = await waitFor(() => (feed.comments().length >= 4 ? feed.comments() : undefined), { what: "four feed items", timeoutMs: 15_000 });
    await waitFor(() => (overlayFeed.comments().length >= 4 ? true : undefined), { what: "the overlay's feed" });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(feed.comments()).toHaveLength(4);
    const superChat = items.find((c) => c.platform === "youtube")!;
    expect(superChat).toMatchObject({ kind: "paid", amount: { value: 5, currency: "USD" }, text: "great run!", author: { id: "UCsuperFan000000000000001", name: "Yuki" } });
    const cheer = items.find((c) => c.platform === "twitch" && c.kind === "paid")!;
    expect(cheer).toMatchObject({ amount: { value: 100, currency: "BITS" }, text: "Cheer100 clean skip", author: { id: "90001", name: "Mika_Plays" } });
    expect(items.find((c) => c.kind === "raid")).toMatchObject({ platform: "twitch", text: "raided with 42 viewers", author: { id: "31415926", name: "Friendly_Raider" } });
    expect(items.find((c) => c.text === "just chatting")).toMatchObject({ kind: "message" });
    expect(items.find((c) => c.text === "just chatting").amount).toBeUndefined();

    // The overlay's feed carries the same kinds and amounts (the page styles them apart).
    expect(overlayFeed.comments().map((c) => [c.kind, c.amount ?? null]).sort()).toEqual(items.map((c) => [c.kind, c.amount ?? null]).sort());
    await Promise.all([feed.close(), overlayFeed.close()]);

    // Stored: the history answers them with kind and amount.
    const history = await prism.api("GET", `/api/v1/streams/${stream.id}/comments?limit=10`);
    expect(history.status).toBe(200);
    expect(history.body.comments.map((c: any) => [c.kind, c.amount ?? null]).sort()).toEqual(items.map((c) => [c.kind, c.amount ?? null]).sort());

    // At the webhook: comment.received with kind and amount, once each.
    const requests = await receiver.waitForRequests(4, 15_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.requests).toHaveLength(4);
    const delivered = requests.map((r) => JSON.parse(r.body));
    expect(delivered.every((e) => e.type === "comment.received")).toBe(true);
    expect(delivered.map((e) => e.data)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ platform: "youtube", kind: "paid", amount: { value: 5, currency: "USD" }, text: "great run!" }),
        expect.objectContaining({ platform: "twitch", kind: "paid", amount: { value: 100, currency: "BITS" } }),
        expect.objectContaining({ platform: "twitch", kind: "raid", text: "raided with 42 viewers" }),
        expect.objectContaining({ platform: "twitch", kind: "message", text: "just chatting" }),
      ]),
    );

    // Counted: events by kind, amounts by currency.
    const samples = parseMetrics((await prism.api("GET", "/metrics")).text);
    expect(value(samples, "prism_engagement_events_total", { stream_id: stream.id, platform: "twitch", kind: "paid" })).toBe(1);
    expect(value(samples, "prism_engagement_events_total", { stream_id: stream.id, platform: "twitch", kind: "raid" })).toBe(1);
    expect(value(samples, "prism_engagement_events_total", { stream_id: stream.id, platform: "youtube", kind: "paid" })).toBe(1);
    expect(value(samples, "prism_engagement_amount_total", { stream_id: stream.id, platform: "youtube", currency: "USD" })).toBe(5);
    expect(value(samples, "prism_engagement_amount_total", { stream_id: stream.id, platform: "twitch", currency: "BITS" })).toBe(100);
  }, 120_000);
});
