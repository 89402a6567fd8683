import type { UserV2 } from "twitter-api-v2";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { xChat, type XChatStream, type XStreamChat } from "../../src/destinations/x/chat.js";
import { startXFake, X_USER, type XFake } from "../fakes/x.js";
import { apiFor, RecordingSink, STREAM, waitFor } from "./support.js";

const FAST = { pollMs: 30, backoff: { initialMs: 20, maxMs: 80 } };
const AMY: UserV2 = { id: "2244994945", name: "Amy", username: "amy_codes", profile_image_url: "https://pbs.twimg.com/profile_images/amy.jpg", verified: true };
const BEN: UserV2 = { id: "783214", name: "Ben", username: "ben" };
const STREAMER: UserV2 = { id: X_USER.id, name: X_USER.displayName, username: X_USER.login };

describe("X replies reader", () => {
  let x: XFake;
  let abort: AbortController;
  let stream: XChatStream;

  beforeEach(async () => {
    x = await startXFake();
    const announcement = x.chat.post(STREAMER, "Live now: speedrun night https://x.com/i/broadcasts/1");
    x.chat.post(BEN, "an unrelated post");
    stream = { ...STREAM, xPostId: announcement.id };
    abort = new AbortController();
  });
  afterEach(async () => {
    abort.abort();
    await x.close();
  });

  const start = (options: Partial<Parameters<typeof xChat>[0]> = {}, on: XChatStream = stream) => {
    const chat = xChat({ apiUrl: x.url, ...FAST, ...options });
    const sink = new RecordingSink();
    const api = apiFor(x.oauth, X_USER, ["tweet.read", "users.read", "tweet.write", "offline.access"]);
    const done = chat.read(api, on, sink, abort.signal);
    return { chat, sink, api, done };
  };

  it("reads the announcement's replies once each, oldest first, across result pages, with their authors", async () => {
    x.chat.post(AMY, "first!", stream.xPostId);
    const { sink } = start();
    await waitFor(() => sink.received.length === 1, "the first reply");
    for (let i = 0; i < 150; i++) x.chat.post(i % 2 ? AMY : BEN, `reply ${i}`, stream.xPostId);
    await waitFor(() => sink.received.length === 151, "a burst bigger than one page");
    await new Promise((r) => setTimeout(r, 150));
    expect(sink.texts).toEqual(["first!", ...Array.from({ length: 150 }, (_, i) => `reply ${i}`)]);
    expect(new Set(sink.received.map((m) => m.platformMessageId)).size).toBe(151);
    expect(sink.received[0]!.author).toEqual({ id: AMY.id, name: "@amy_codes", avatarUrl: AMY.profile_image_url, badges: ["verified"] });
    expect(sink.received[1]!.author).toEqual({ id: BEN.id, name: "@ben", badges: [] });
    expect(x.chat.searchCalls.some((c) => c.nextToken !== null)).toBe(true);
    expect(sink.stateNames).toEqual(["connecting", "live"]);
  });

  it("misses nothing across an outage: since_id only moves once a poll is complete", async () => {
    const { sink } = start();
    x.chat.post(AMY, "before", stream.xPostId);
    await waitFor(() => sink.received.length === 1, "the first reply");
    x.chat.faults.push("down", "down");
    x.chat.post(BEN, "during 1", stream.xPostId);
    x.chat.post(BEN, "during 2", stream.xPostId);
    await waitFor(() => sink.received.length === 3, "the replies posted during the outage");
    expect(sink.texts).toEqual(["before", "during 1", "during 2"]);
    expect(sink.stateNames).toEqual(["connecting", "live", "reconnecting", "live"]);
  });

  it("keeps within the rate limit: a spent window is waited out, not hammered", async () => {
    x.chat.rateLimit = { limit: 3, windowMs: 700 };
    const { sink } = start({ pollMs: 5 });
    await new Promise((r) => setTimeout(r, 1_600));
    x.chat.post(AMY, "still here", stream.xPostId);
    await waitFor(() => sink.received.length === 1, "the reply", 3_000);
    // Spent windows are waited out: no 429 at all, and never more than the allowance per window.
    expect(x.chat.searchCalls.filter((c) => c.status === 429)).toEqual([]);
    const elapsed = Date.now() - x.chat.searchCalls[0]!.at;
    expect(x.chat.searchCalls.length).toBeLessThanOrEqual(3 * (Math.ceil(elapsed / 700) + 1));

  });

  it("on 429 waits until x-rate-limit-reset, then goes on", async () => {
    const { sink } = start();
    await waitFor(() => sink.stateNames.includes("live"), "live");
    x.chat.rateLimit = { limit: 0, windowMs: 600 };
    await waitFor(() => sink.stateNames.includes("reconnecting"), "the 429");
    expect(sink.states.find((s) => s.state === "reconnecting")?.detail).toMatch(/rate limit/);
    x.chat.rateLimit = { limit: 60, windowMs: 600 };
    x.chat.post(AMY, "back", stream.xPostId);
    await waitFor(() => sink.received.length === 1, "the reply after the reset", 3_000);
    const refused = x.chat.searchCalls.filter((c) => c.status === 429);
    expect(refused).toHaveLength(1);
    const after = x.chat.searchCalls.find((c) => c.at > refused[0]!.at)!;
    expect(after.status).toBe(200);
    expect(after.at).toBeGreaterThanOrEqual(refused[0]!.resetAt - 5);
  });

  it("a spent monthly usage cap (429 usage-capped) is said as such and stops the reader, instead of waiting like a rate limit", async () => {
    const { sink, done } = start();
    await waitFor(() => sink.stateNames.includes("live"), "live");
    x.chat.usageCapped = true;
    await waitFor(() => sink.stateNames.includes("failed"), "the reader to say the cap is spent");
    await done;
    expect(sink.states.at(-1)).toEqual({ state: "failed", detail: expect.stringMatching(/^X's monthly post cap for this app is used up until the app's next monthly usage period starts/) });
    expect(sink.stateNames).not.toContain("reconnecting");
    // Asked once, not again and again: waiting 15 minutes would not help.
    expect(x.chat.searchCalls.filter((c) => c.status === 429)).toHaveLength(1);
  });

  it("counts a broadcast chat message the way X does (CJK and emoji weigh 2) and refuses one that is too long before sending it", async () => {
    const live: XStreamChat = { current: () => ({ postId: null, announceText: null, broadcastId: "1mGPaZaAdNqJN" }), announcedThisGoLive: () => true, announced: () => {} };
    const on = { ...STREAM, x: live };
    const { chat, api } = start({}, on);
    await chat.send!(api, on, "a".repeat(140));
    await chat.send!(api, on, "こんばんは".repeat(14)); // 70 characters, 140 as X counts them
    await expect(chat.send!(api, on, "こんばんは".repeat(14) + "!")).rejects.toThrow(/at most 140 characters as X counts them .*this one counts 141/);
    await expect(chat.send!(api, on, "🎉".repeat(71))).rejects.toThrow(/this one counts 142/);
    expect(x.chat.broadcastChat.map((m) => [...m.text].length)).toEqual([140, 70]);
  });

  it("reports what is missing when the stream has no announcement post", async () => {
    const { sink, done } = start({}, STREAM);
    await done;
    expect(sink.states).toEqual([{ state: "failed", detail: expect.stringMatching(/no announcement post/) }]);
    expect(x.chat.searchCalls).toEqual([]);
  });

  it("with live settings: waits, saying why, until a post is set, then follows the post it is given", async () => {
    const settings = { postId: null as string | null, announceText: null, broadcastId: null };
    const live: XStreamChat = { current: () => settings, announcedThisGoLive: () => true, announced: () => {} };
    const { sink } = start({}, { ...STREAM, x: live });
    await waitFor(() => sink.states.filter((s) => s.detail?.match(/no announcement post is set/)).length >= 3, "the reader saying, more than once, that there is no post");
    // Waiting for the streamer is not a failure: it looks again at the same pace, with no backoff.
    expect(sink.states.filter((s) => s.detail?.match(/no announcement post/)).every((s) => s.state === "connecting")).toBe(true);
    expect(sink.stateNames).not.toContain("reconnecting");
    expect(x.chat.searchCalls).toEqual([]);
    x.chat.post(AMY, "early", stream.xPostId);
    settings.postId = stream.xPostId!;
    await waitFor(() => sink.received.length === 1, "the reply once a post is set", 1_000);
    const other = x.chat.post(STREAMER, "second announcement");
    x.chat.post(BEN, "on the second", other.id);
    settings.postId = other.id;
    await waitFor(() => sink.texts.includes("on the second"), "the reply to the new post");
    expect(sink.texts).toEqual(["early", "on the second"]);
  });

  it("sends a reply to the announcement", async () => {
    const { chat, api } = start();
    await chat.send!(api, stream, "thanks all!");
    const reply = x.chat.tweets.at(-1)!;
    expect(reply).toMatchObject({ text: "thanks all!", author_id: X_USER.id, conversation_id: stream.xPostId });
    await expect(chat.send!(api, STREAM, "nowhere")).rejects.toThrow(/no announcement post/);
    expect(chat.deleteMessage).toBeUndefined();
  });
});
