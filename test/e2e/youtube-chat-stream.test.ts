import { afterAll, describe, expect, it } from "vitest";
import { startTestPrism, waitFor, type TestPrism } from "../support/prism.js";
import { publishTestStream } from "../support/publisher.js";
import { killAll } from "../support/children.js";
import { find, parseMetrics, value } from "../support/metrics.js";
import { linkThroughBrowser } from "../oauth/support.js";
import { startYouTubeFake, type YouTubeFake } from "../fakes/youtube.js";

/**
 * Issue #14: a live Prism reads YouTube chat over liveChatMessages.streamList (the fake gRPC server)
 * rather than polling list, and /metrics shows the quota its YouTube calls spent today.
 */
describe("YouTube chat over streamList through a live Prism, with its quota on /metrics", () => {
  let yt: YouTubeFake;
  let t: TestPrism | undefined;

  afterAll(async () => {
    await killAll();
    await t?.stop();
    await yt?.close();
  });

  it("streams the chat, and counts every unit its go-live and chat spent", async () => {
    yt = await startYouTubeFake({ grpc: true });
    t = await startTestPrism({ env: { ...yt.env(), PRISM_YOUTUBE_POLL_MS: "50" } });
    const prism = t;
    const accountId = (await linkThroughBrowser(prism, "youtube", yt.oauth)).location.searchParams.get("account")!;
    const { body: stream } = await prism.api("POST", "/api/v1/streams", { name: "Streamed chat" });
    const created = await prism.api("POST", `/api/v1/streams/${stream.id}/destinations`, { platform: "youtube", accountId });
    expect(created.status, created.text).toBe(201);

    const publisher = publishTestStream({ url: prism.publishUrl(stream.streamKey), durationSec: Infinity });
    expect(await publisher.publishing).toBe(true);
    await waitFor(() => yt.broadcasts.size === 1, { what: "the go-live's broadcast" });
    const liveChatId = [...yt.broadcasts.values()][0]!.snippet!.liveChatId!;
    await waitFor(() => (yt.chatStream!.calls.length > 0 ? true : undefined), { what: "the chat stream opened" });

    yt.chat.post(liveChatId, { channelId: "UCviewer0000000000000001", displayName: "Viewer" }, "hello over gRPC");
    const comments = await waitFor(
      async () => {
        const res = await prism.api("GET", `/api/v1/streams/${stream.id}/comments`);
        const items = res.body.comments as Array<{ text: string; platform: string }>;
        return items.some((c) => c.text === "hello over gRPC") ? items : undefined;
      },
      { what: "the YouTube message in the feed", timeoutMs: 15_000 },
    );
    expect(comments.find((c) => c.text === "hello over gRPC")!.platform).toBe("youtube");
    // Read over the stream: liveChatMessages.list was never polled.
    expect(yt.chat.listCalls).toEqual([]);
    expect(yt.chatStream!.calls.every((c) => c.authorization?.startsWith("Bearer "))).toBe(true);

    const samples = parseMetrics((await prism.api("GET", "/metrics")).text);
    const calls = (method: string) => find(samples, "prism_youtube_quota_calls_today", { method })[0]?.value ?? 0;
    expect(calls("liveBroadcasts.insert")).toBe(1);
    expect(calls("liveBroadcasts.bind")).toBe(1);
    expect(calls("liveChatMessages.streamList")).toBeGreaterThanOrEqual(1);
    expect(calls("liveChatMessages.list")).toBe(0);
    // liveStreams.insert + liveBroadcasts.insert + bind = 150, plus lists at 1 and streams at 5 each.
    const units = value(samples, "prism_youtube_quota_units_today", { account_id: accountId });
    expect(units).toBeGreaterThanOrEqual(150 + 5 * calls("liveChatMessages.streamList"));
    expect(value(samples, "prism_youtube_quota_units_today", { account_id: "linking" })).toBe(1);
    expect(value(samples, "prism_youtube_quota_units_daily_limit")).toBe(10_000);

    // Health shows the destination's chat reader and the account's quota of the day.
    const health = async () => (await prism.api("GET", `/api/v1/streams/${stream.id}/health`)).body.destinations[0];
    const youtube = await health();
    expect(youtube.chat).toEqual({ state: "live" });
    // Chat keeps spending (a streamList call each time YouTube ends a stream): never less than at the scrape.
    expect(youtube.quota.unitsToday).toBeGreaterThanOrEqual(units);
    expect(youtube.quota.dailyLimit).toBe(10_000);
    // Midnight Pacific is 07:00 or 08:00 UTC, within a day.
    expect(youtube.quota.resetsAt).toMatch(/T0[78]:00:00\.000Z$/);
    expect(Date.parse(youtube.quota.resetsAt) - Date.now()).toBeLessThanOrEqual(86_400_000);

    // A chat YouTube forbids: the streamer reads why in health, not just in a log.
    yt.chatStream!.faults.push("forbidden");
    const refused = await waitFor(async () => ((await health()).chat.state === "failed" ? (await health()).chat : undefined), { what: "the refused chat in health", intervalMs: 20 });
    expect(refused.detail).toMatch(/does not let this account read the broadcast's live chat/);
    publisher.stop();
  });
});
