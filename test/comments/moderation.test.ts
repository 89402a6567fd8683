import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_TOKEN, waitFor } from "../support/prism.js";
import { find, parseMetrics } from "../support/metrics.js";
import { ReadOnlyChat, TestChat, goLive, message, openSse, startChatPrism, type ChatPrism } from "./support.js";

describe("moderation, sending and the overlay", () => {
  const twitch = new TestChat("twitch");
  const youtube = new TestChat("youtube");
  const x = new TestChat("x");
  let t: ChatPrism;
  let streamId: string;
  let otherId: string;
  const history = async (query = "") => (await t.api("GET", `/api/v1/streams/${streamId}/comments?limit=500${query}`)).body.comments as any[];

  beforeAll(async () => {
    t = await startChatPrism({ twitch, youtube, x: new ReadOnlyChat(x) }, { reorderWindowMs: 50 });
    streamId = (await t.api("POST", "/api/v1/streams", { name: "Moderated" })).body.id;
    otherId = (await t.api("POST", "/api/v1/streams", { name: "Other" })).body.id;
    goLive(t.prism, streamId);
    goLive(t.prism, otherId);
    await waitFor(() => twitch.reading && youtube.reading && x.reading, { what: "readers open" });
  });
  afterAll(async () => {
    await t.stop();
  });

  it("filters flag matching messages: kept for review, out of the feed, the overlay and the bus", async () => {
    const word = await t.api("POST", `/api/v1/streams/${streamId}/chat-filters`, { kind: "word", pattern: "Spoiler" });
    expect(word.status).toBe(201);
    const regex = await t.api("POST", `/api/v1/streams/${streamId}/chat-filters`, { kind: "regex", pattern: "buy (cheap )?followers" });
    expect(regex.status).toBe(201);
    for (const pattern of ["(a+)+$", "(a|aa)*b", "(x)\\1", "(?=a)a", "x".repeat(201), "[unclosed"]) {
      const refused = await t.api("POST", `/api/v1/streams/${streamId}/chat-filters`, { kind: "regex", pattern });
      expect(refused.status, pattern).toBe(400);
      expect(refused.body.error.code).toBe("validation_failed");
    }
    expect((await t.api("GET", `/api/v1/streams/${streamId}/chat-filters`)).body).toHaveLength(2);

    const overlayToken = (await t.api("POST", `/api/v1/streams/${streamId}/overlay-token`)).body.token;
    const overlay = await openSse(`${t.base}/overlay/chat/${overlayToken}/feed`);
    const feed = await openSse(`${t.base}/api/v1/streams/${streamId}/comments/stream`, { authorization: `Bearer ${TEST_TOKEN}` });
    const announced: string[] = [];
    // The other stream reads the same test chats without filters: only this stream's announcements count.
    const off = t.prism.bus.on("comment.received", (c) => c.streamId === streamId && announced.push(c.text));

    twitch.push(message("no SPOILER please", new Date(), "ann"), message("spoilers are fine", new Date(), "ann"), message("Buy cheap followers now", new Date(), "bot"), message("gg", new Date(), "bob"));
    await waitFor(() => feed.comments().length === 2 && overlay.comments().length === 2, { what: "clean messages on both feeds" });
    await new Promise((r) => setTimeout(r, 200));
    off();
    expect(feed.comments().map((c) => c.text)).toEqual(["spoilers are fine", "gg"]);
    expect(overlay.comments().map((c) => c.text)).toEqual(["spoilers are fine", "gg"]);
    expect(announced).toEqual(["spoilers are fine", "gg"]);
    expect((await history()).map((c) => c.text)).toEqual(["spoilers are fine", "gg"]);
    const flagged = (await history("&include=flagged")).filter((c) => c.flagged);
    expect(flagged.map((c) => [c.text, c.flagged])).toEqual([
      ["no SPOILER please", 'word filter "Spoiler"'],
      ["Buy cheap followers now", "regex filter /buy (cheap )?followers/"],
    ]);

    const filterId = word.body.id;
    expect((await t.api("DELETE", `/api/v1/streams/${streamId}/chat-filters/${filterId}`)).status).toBe(204);
    expect((await t.api("DELETE", `/api/v1/streams/${streamId}/chat-filters/${filterId}`)).status).toBe(404);
    twitch.push(message("spoiler: it works", new Date(), "ann"));
    await waitFor(() => feed.comments().length === 3, { what: "unfiltered message" });
    await feed.close();
    await overlay.close();
  });

  it("blocking an author removes their messages from the feed and the overlay, bans them where the platform allows, and hides their new ones", async () => {
    const overlayToken = (await t.api("POST", `/api/v1/streams/${streamId}/overlay-token`)).body.token;
    const overlay = await openSse(`${t.base}/overlay/chat/${overlayToken}/feed`);
    youtube.push(message("first from troll", new Date(), "troll"), message("hello", new Date(), "friend"));
    await waitFor(() => overlay.comments().length === 2, { what: "two overlay messages" });

    const blocked = await t.api("POST", `/api/v1/streams/${streamId}/chat-blocks`, { platform: "youtube", authorId: "id-troll" });
    expect(blocked.status).toBe(200);
    expect(blocked.body).toMatchObject({ block: { platform: "youtube", authorId: "id-troll", authorName: "troll" }, hidden: 1, platformBanned: { platform: "youtube", ok: true } });
    expect(youtube.banned).toEqual(["id-troll"]);
    await waitFor(() => overlay.events.some((e) => e.event === "removed"), { what: "removed event on the overlay" });
    expect(overlay.events.find((e) => e.event === "removed")!.data).toEqual({ ids: [overlay.comments()[0].id], reason: "blocked" });

    youtube.push(message("second from troll", new Date(), "troll"), message("still here", new Date(), "friend"));
    await waitFor(() => overlay.comments().length === 3, { what: "friend's message" });
    await new Promise((r) => setTimeout(r, 200));
    expect(overlay.comments().map((c) => c.text)).toEqual(["first from troll", "hello", "still here"]);
    expect((await history()).some((c) => c.author.id === "id-troll")).toBe(false);
    expect((await t.api("GET", `/api/v1/streams/${streamId}/chat-blocks`)).body).toHaveLength(1);

    // X offers no ban: the block still applies in Prism, platformBanned is null.
    const onX = await t.api("POST", `/api/v1/streams/${streamId}/chat-blocks`, { platform: "x", authorId: "id-someone" });
    expect(onX.body.platformBanned).toBeNull();

    expect((await t.api("DELETE", `/api/v1/streams/${streamId}/chat-blocks/youtube/id-troll`)).status).toBe(204);
    youtube.push(message("reformed troll", new Date(), "troll"));
    await waitFor(() => overlay.comments().length === 4, { what: "unblocked author's message" });
    await overlay.close();
  });

  it("hiding one message takes it off the feed and deletes it on the platform", async () => {
    const feed = await openSse(`${t.base}/api/v1/streams/${streamId}/comments/stream`, { authorization: `Bearer ${TEST_TOKEN}` });
    twitch.push(message("oops, my address", new Date(), "ann", "tw-oops"));
    await waitFor(() => feed.comments().length === 1, { what: "message" });
    const id = feed.comments()[0].id;
    const hidden = await t.api("POST", `/api/v1/streams/${streamId}/comments/${id}/hide`);
    expect(hidden.status).toBe(200);
    expect(hidden.body).toMatchObject({ comment: { id, hidden: "hidden" }, platformDeleted: { platform: "twitch", ok: true } });
    expect(twitch.deleted).toEqual(["tw-oops"]);
    await waitFor(() => feed.events.some((e) => e.event === "removed"), { what: "removed event" });
    expect((await history("&include=flagged")).some((c) => c.id === id)).toBe(false);
    expect((await t.api("POST", `/api/v1/streams/${streamId}/comments/cmt_nope/hide`)).status).toBe(404);
    await feed.close();
  });

  it("sending posts to each chosen platform and reports each one's answer", async () => {
    youtube.refuseSend = "YouTube refused the message: the chat is in members-only mode.";
    const all = await t.api("POST", `/api/v1/streams/${streamId}/comments`, { text: "Back in 5!" });
    expect(all.status).toBe(200);
    const byPlatform = Object.fromEntries(all.body.results.map((r: any) => [r.platform, r]));
    expect(byPlatform.twitch).toEqual({ platform: "twitch", destinationId: "dest-twitch", ok: true });
    expect(byPlatform.youtube).toEqual({ platform: "youtube", destinationId: "dest-youtube", ok: false, error: "YouTube refused the message: the chat is in members-only mode." });
    expect(byPlatform.x.ok).toBe(false);
    expect(twitch.sent).toEqual(["Back in 5!"]);

    const one = await t.api("POST", `/api/v1/streams/${streamId}/comments`, { text: "Twitch only", platforms: ["twitch"] });
    expect(one.body.results).toEqual([{ platform: "twitch", destinationId: "dest-twitch", ok: true }]);
    expect(twitch.sent).toEqual(["Back in 5!", "Twitch only"]);
    expect((await t.api("POST", `/api/v1/streams/${streamId}/comments`, { text: "" })).status).toBe(400);
    expect((await t.api("POST", `/api/v1/streams/${streamId}/comments`, { text: "hi", platforms: ["kick"] })).status).toBe(409);
  });

  it("the overlay page is served to its token only, and its feed shows only that token's stream", async () => {
    const first = (await t.api("POST", `/api/v1/streams/${streamId}/overlay-token`)).body;
    expect(first.overlayUrl).toBe(`${t.base}/overlay/chat/${first.token}`);
    const page = await fetch(first.overlayUrl);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    const html = await page.text();
    expect(html).toContain("background: transparent");
    expect(html).toContain("EventSource");
    expect(html).not.toMatch(/<(script|link)[^>]+(src|href)=/);

    const otherToken = (await t.api("POST", `/api/v1/streams/${otherId}/overlay-token`)).body.token;
    const mine = await openSse(`${t.base}/overlay/chat/${first.token}/feed`);
    const other = await openSse(`${t.base}/overlay/chat/${otherToken}/feed`);
    twitch.push(message("for both streams' readers", new Date(), "ann"));
    await waitFor(() => mine.comments().length === 1 && other.comments().length === 1, { what: "one message per overlay" });
    expect(mine.comments()[0].streamId).toBe(streamId);
    expect(other.comments()[0].streamId).toBe(otherId);
    await mine.close();
    await other.close();

    // The overlay token is not an API token, and a rotated one stops working.
    expect((await t.api("GET", `/api/v1/streams/${streamId}/comments`, undefined, first.token)).status).toBe(401);
    const second = (await t.api("POST", `/api/v1/streams/${streamId}/overlay-token`)).body;
    expect((await fetch(first.overlayUrl)).status).toBe(404);
    expect((await fetch(`${t.base}/overlay/chat/${first.token}/feed`)).status).toBe(404);
    expect((await fetch(second.overlayUrl)).status).toBe(200);
  });
  it("a filter added mid-stream also flags the matching messages already shown, on the feed and the overlay", async () => {
    const overlayToken = (await t.api("POST", `/api/v1/streams/${streamId}/overlay-token`)).body.token;
    const overlay = await openSse(`${t.base}/overlay/chat/${overlayToken}/feed`);
    const feed = await openSse(`${t.base}/api/v1/streams/${streamId}/comments/stream`, { authorization: `Bearer ${TEST_TOKEN}` });
    twitch.push(message("the villain is the butler", new Date(), "leaker"), message("what a game", new Date(), "fan"));
    await waitFor(() => feed.comments().length === 2 && overlay.comments().length === 2, { what: "both messages shown" });
    const leak = feed.comments().find((c) => c.text.includes("butler"))!;

    expect((await t.api("POST", `/api/v1/streams/${streamId}/chat-filters`, { kind: "word", pattern: "butler" })).status).toBe(201);
    for (const sse of [feed, overlay]) {
      await waitFor(() => sse.events.some((e) => e.event === "removed"), { what: "removed event" });
      expect(sse.events.find((e) => e.event === "removed")!.data).toEqual({ ids: [leak.id], reason: "filtered" });
    }
    expect((await history()).some((c) => c.id === leak.id)).toBe(false);
    expect((await history("&include=flagged")).find((c) => c.id === leak.id)?.flagged).toBe('word filter "butler"');
    // The other stream has no such filter: its copy of the message stays.
    const others = (await t.api("GET", `/api/v1/streams/${otherId}/comments?limit=500`)).body.comments as any[];
    expect(others.some((c) => c.text === "the villain is the butler")).toBe(true);
    await feed.close();
    await overlay.close();
  });

  it("a reloaded overlay starts with the newest few messages of the last minute, then goes on live", async () => {
    const token = (await t.api("POST", `/api/v1/streams/${streamId}/overlay-token`)).body.token;
    youtube.push(message("backlog one", new Date(), "fan"), message("backlog two", new Date(), "fan"), message("backlog three", new Date(), "fan"));
    await waitFor(async () => (await history()).some((c) => c.text === "backlog three"), { what: "stored messages" });
    const reloaded = await openSse(`${t.base}/overlay/chat/${token}/feed?recent=2`);
    await waitFor(() => reloaded.comments().length === 2, { what: "the backlog" });
    expect(reloaded.comments().map((c) => c.text)).toEqual(["backlog two", "backlog three"]);
    youtube.push(message("live again", new Date(), "fan"));
    await waitFor(() => reloaded.comments().length === 3, { what: "the live message" });
    expect(reloaded.comments()[2].text).toBe("live again");
    // Without ?recent the feed starts now, as before.
    const plain = await openSse(`${t.base}/overlay/chat/${token}/feed`);
    await new Promise((r) => setTimeout(r, 150));
    expect(plain.comments()).toEqual([]);
    expect((await fetch(`${t.base}/overlay/chat/${token}/feed?recent=1000`)).status).toBe(400);
    await reloaded.close();
    await plain.close();
  });
  it("/metrics counts messages per stream, platform and outcome, and shows each chat reader's state", async () => {
    const scrape = async () => parseMetrics((await t.api("GET", "/metrics")).text);
    const count = (samples: ReturnType<typeof parseMetrics>, platform: string, outcome: string) =>
      find(samples, "prism_comments_total", { stream_id: streamId, platform, outcome })[0]?.value ?? 0;
    const before = await scrape();
    const blocks = await t.api("POST", `/api/v1/streams/${streamId}/chat-blocks`, { platform: "twitch", authorId: "id-spammer" });
    expect(blocks.status).toBe(200);
    twitch.push(message("hello from twitch", new Date(), "ann"), message("buy followers here", new Date(), "bot"), message("spam", new Date(), "spammer"));
    youtube.push(message("hello from youtube", new Date(), "fan"));
    await waitFor(async () => count(await scrape(), "youtube", "shown") === count(before, "youtube", "shown") + 1, { what: "the YouTube message counted" });
    const after = await scrape();
    expect(count(after, "twitch", "shown") - count(before, "twitch", "shown")).toBe(1);
    expect(count(after, "twitch", "flagged") - count(before, "twitch", "flagged")).toBe(1);
    expect(count(after, "twitch", "blocked") - count(before, "twitch", "blocked")).toBe(1);
    expect(find(after, "prism_comments_total", { stream_id: streamId, platform: "twitch", outcome: "shown" })[0]!.labels.stream).toBe("Test");
    expect(find(after, "prism_chat_reader_state", { stream_id: streamId, platform: "twitch", state: "live" })[0]?.value).toBe(1);
    expect(find(after, "prism_chat_reader_state", { stream_id: streamId, platform: "twitch", state: "reconnecting" })[0]?.value).toBe(0);
    // Authors and texts never become labels.
    expect((await t.api("GET", "/metrics")).text).not.toMatch(/spammer|hello from/);
  });
});
