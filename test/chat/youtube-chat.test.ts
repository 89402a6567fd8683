import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { pino } from "pino";
import { youtubeAccounts } from "../../src/destinations/youtube/account.js";
import { youtubeChat } from "../../src/destinations/youtube/chat.js";
import { startYouTubeFake, YOUTUBE_CHANNEL, type YouTubeFake } from "../fakes/youtube.js";
import { apiFor, RecordingSink, STREAM, waitFor } from "./support.js";

const FAST = { backoff: { initialMs: 20, maxMs: 80 }, minPollMs: 10 };
const ALICE = { channelId: "UCalice000000000000000001", displayName: "Alice", moderator: true };
const BOB = { channelId: "UCbob00000000000000000002", displayName: "Bob", sponsor: true };

describe("YouTube chat reader", () => {
  let yt: YouTubeFake;
  let abort: AbortController;
  const CHAT = "Cg0KCchat-one";

  beforeEach(async () => {
    yt = await startYouTubeFake();
    yt.broadcasts.set("bc-1", { kind: "youtube#liveBroadcast", id: "bc-1", snippet: { title: "t", liveChatId: CHAT }, status: { lifeCycleStatus: "live" } });
    yt.chat.chats.set(CHAT, []);
    abort = new AbortController();
  });
  afterEach(async () => {
    abort.abort();
    await yt.close();
  });

  const start = (options: Partial<Parameters<typeof youtubeChat>[0]> = {}) => {
    const chat = youtubeChat({ apiUrl: yt.url, broadcastOf: (d) => (d === STREAM.destinationId ? "bc-1" : undefined), ...FAST, ...options });
    const sink = new RecordingSink();
    const api = apiFor(yt.oauth, YOUTUBE_CHANNEL);
    const done = chat.read(api, STREAM, sink, abort.signal);
    return { chat, sink, api, done };
  };

  it("reads every message once, in order, with authors and badges, following page tokens", async () => {
    yt.chat.post(CHAT, ALICE, "first");
    yt.chat.post(CHAT, BOB, "second");
    const { sink } = start();
    await waitFor(() => sink.received.length === 2, "the backlog");
    for (let i = 0; i < 5; i++) yt.chat.post(CHAT, i % 2 ? ALICE : BOB, `live ${i}`);
    await waitFor(() => sink.received.length === 7, "the live messages");
    await new Promise((r) => setTimeout(r, 200));
    expect(sink.texts).toEqual(["first", "second", "live 0", "live 1", "live 2", "live 3", "live 4"]);
    expect(new Set(sink.received.map((m) => m.platformMessageId)).size).toBe(7);
    expect(sink.received[0]!.author).toEqual({ id: ALICE.channelId, name: "Alice", avatarUrl: `https://yt3.ggpht.com/${ALICE.channelId}`, badges: ["moderator"] });
    expect(sink.received[1]!.author.badges).toEqual(["member"]);
    expect(sink.received[0]!.sentAt).toBeInstanceOf(Date);
    expect(sink.stateNames).toEqual(["connecting", "live"]);
    // Every poll after the first resumed from the token the previous answer handed out.
    const tokens = yt.chat.listCalls.map((c) => c.pageToken);
    expect(tokens[0]).toBeNull();
    expect(tokens.slice(1).every((t) => t !== null)).toBe(true);
  });

  it("waits pollingIntervalMillis between polls", async () => {
    yt.chat.pollingIntervalMillis = 300;
    start();
    await new Promise((r) => setTimeout(r, 1_000));
    const calls = yt.chat.listCalls;
    expect(calls.length).toBeGreaterThanOrEqual(3);
    expect(calls.length).toBeLessThanOrEqual(5);
    for (let i = 1; i < calls.length; i++) expect(calls[i]!.at - calls[i - 1]!.at).toBeGreaterThanOrEqual(280);
  });

  it("vouches after each good poll for everything sent before it asked, so the merger need not wait for YouTube", async () => {
    yt.chat.pollingIntervalMillis = 200;
    const { sink } = start();
    await waitFor(() => sink.caughtUpTo.length >= 2, "two polls");
    const polls = yt.chat.listCalls.filter((c) => c.status === 200);
    // Each vouch is no later than the answer it came with: it never claims what a poll could not have seen.
    for (const [i, until] of sink.caughtUpTo.entries()) expect(until.getTime()).toBeLessThanOrEqual(polls[i]!.at);
    expect(sink.caughtUpTo[1]!.getTime()).toBeGreaterThan(sink.caughtUpTo[0]!.getTime());
    yt.chat.faults.push("backendError");
    const vouched = sink.caughtUpTo.length;
    await waitFor(() => yt.chat.listCalls.some((c) => c.status !== 200), "the failed poll");
    await waitFor(() => sink.stateNames.at(-1) === "live" && sink.caughtUpTo.length > vouched, "the poll after the failure");
    // The failed poll vouched for nothing: no vouch was asked between the good poll before it and it.
    const failedAt = yt.chat.listCalls.findIndex((c) => c.status !== 200);
    const [before, failed] = [yt.chat.listCalls[failedAt - 1]!, yt.chat.listCalls[failedAt]!];
    expect(sink.caughtUpTo.filter((d) => d.getTime() > before.at && d.getTime() <= failed.at)).toEqual([]);
  });

  it("misses nothing across an outage: it backs off, then resumes from its page token", async () => {
    const { sink } = start();
    yt.chat.post(CHAT, ALICE, "before");
    await waitFor(() => sink.received.length === 1, "the first message");
    yt.chat.faults.push("backendError", "backendError", "backendError");
    yt.chat.post(CHAT, BOB, "during 1");
    yt.chat.post(CHAT, BOB, "during 2");
    await waitFor(() => sink.received.length === 3, "the messages written during the outage");
    expect(sink.texts).toEqual(["before", "during 1", "during 2"]);
    expect(sink.stateNames).toEqual(["connecting", "live", "reconnecting", "live"]);
  });

  it("backs off on quotaExceeded and rateLimitExceeded instead of polling on", async () => {
    const { sink } = start({ quotaWaitMs: 400 });
    await waitFor(() => yt.chat.listCalls.length >= 1, "the first poll");
    yt.chat.faults.push("quotaExceeded");
    await waitFor(() => yt.chat.listCalls.some((c) => c.status === 403), "the quota error");
    const refusedAt = yt.chat.listCalls.find((c) => c.status === 403)!.at;
    yt.chat.post(CHAT, ALICE, "after quota");
    await waitFor(() => sink.received.length === 1, "the message after the quota wait");
    const next = yt.chat.listCalls.find((c) => c.at > refusedAt)!;
    expect(next.at - refusedAt).toBeGreaterThanOrEqual(390);
    expect(sink.states.find((s) => s.state === "reconnecting")?.detail).toMatch(/quota/);

    yt.chat.faults.push("rateLimitExceeded");
    const before = yt.chat.listCalls.length;
    await waitFor(() => yt.chat.listCalls.length > before + 1, "the poll after the rate limit");
    const limited = yt.chat.listCalls.slice(before);
    expect(limited[0]!.status).toBe(403);
    expect(limited[1]!.at - limited[0]!.at).toBeGreaterThanOrEqual(10);
  });

  it("quotaExceeded waits until YouTube's quota day ends (midnight Pacific) and says so", async () => {
    yt.chat.faults.push("quotaExceeded");
    const { sink } = start();
    await waitFor(() => sink.states.some((s) => s.state === "reconnecting"), "the quota error");
    const detail = sink.states.find((s) => s.state === "reconnecting")!.detail!;
    expect(detail).toMatch(/quota is used up.*midnight Pacific time \(in \d+ h \d+ min\)/);
    // It does not poll again before the reset.
    await new Promise((r) => setTimeout(r, 300));
    expect(yt.chat.listCalls).toHaveLength(1);
  });

  it("takes liveChatNotFound right after go-live for a chat not open yet, and reads it once it opens", async () => {
    yt.chat.faults.push("liveChatNotFound", "liveChatNotFound");
    yt.chat.post(CHAT, ALICE, "first words");
    const { sink } = start();
    await waitFor(() => sink.received.length === 1, "the message once the chat opened");
    expect(sink.states.filter((s) => s.state === "reconnecting").map((s) => s.detail)).toEqual(["the YouTube live chat is not open yet", "the YouTube live chat is not open yet"]);
    expect(sink.states.some((s) => s.state === "failed")).toBe(false);
  });

  it("a chat that never opens fails with the reason, after a few tries", async () => {
    yt.chat.faults.push(...Array.from({ length: 8 }, () => "liveChatNotFound" as const));
    const { sink, done } = start();
    await done;
    expect(yt.chat.listCalls).toHaveLength(6);
    expect(sink.states.at(-1)).toEqual({ state: "failed", detail: expect.stringMatching(/no live chat for this broadcast \(liveChatNotFound\)/) });
  });

  it("turned-off chat: the reader says how to turn it on and keeps looking, then reads", async () => {
    yt.chat.faults.push("liveChatDisabled");
    yt.chat.post(CHAT, ALICE, "now it is on");
    const { sink } = start({ chatDisabledRetryMs: 100 });
    await waitFor(() => sink.received.length === 1, "the message once chat is on");
    expect(sink.states[1]).toEqual({ state: "connecting", detail: expect.stringMatching(/turned off.*turn it on in YouTube Studio/) });
    expect(sink.states.some((s) => s.state === "failed")).toBe(false);
  });

  it("forbidden: the reader fails with what to do about it", async () => {
    yt.chat.faults.push("forbidden");
    const { sink, done } = start();
    await done;
    expect(sink.states.at(-1)).toEqual({ state: "failed", detail: expect.stringMatching(/does not let this account read the broadcast's live chat.*owner account/) });
  });

  it("stops when the chat ends", async () => {
    const { sink, done } = start();
    await waitFor(() => sink.stateNames.includes("live"), "live");
    yt.chat.ended.add(CHAT);
    await done;
    expect(sink.states.at(-1)).toEqual({ state: "failed", detail: "the YouTube live chat has ended" });
  });

  it("follows the destination to its next go-live's broadcast and chat", async () => {
    let broadcast = "bc-1";
    const { chat, api } = start({ broadcastOf: () => broadcast });
    await chat.send!(api, STREAM, "on the first");
    yt.broadcasts.set("bc-2", { kind: "youtube#liveBroadcast", id: "bc-2", snippet: { title: "t", liveChatId: "Cg0KCchat-two" }, status: { lifeCycleStatus: "live" } });
    yt.chat.chats.set("Cg0KCchat-two", []);
    broadcast = "bc-2";
    await chat.send!(api, STREAM, "on the second");
    expect(yt.chat.chats.get(CHAT)!.map((m) => m.snippet?.displayMessage)).toEqual(["on the first"]);
    expect(yt.chat.chats.get("Cg0KCchat-two")!.map((m) => m.snippet?.displayMessage)).toEqual(["on the second"]);
  });

  it("finds the active broadcast's chat when the go-live's broadcast is unknown", async () => {
    yt.chat.post(CHAT, ALICE, "hello");
    const { sink } = start({ broadcastOf: () => undefined });
    await waitFor(() => sink.received.length === 1, "the message");
    expect(sink.texts).toEqual(["hello"]);
  });

  it("sends, deletes and bans through the chat endpoints", async () => {
    const { chat, api } = start();
    await chat.send!(api, STREAM, "thanks for watching");
    const sent = yt.chat.chats.get(CHAT)!.at(-1)!;
    expect(sent.snippet?.textMessageDetails?.messageText).toBe("thanks for watching");
    expect(sent.authorDetails?.channelId).toBe(YOUTUBE_CHANNEL.id);
    const spam = yt.chat.post(CHAT, BOB, "spam");
    await chat.deleteMessage!(api, STREAM, spam.id!);
    expect(yt.chat.deleted).toEqual([spam.id]);
    await chat.banAuthor!(api, STREAM, BOB.channelId);
    expect(yt.chat.bans[0]?.snippet).toEqual({ liveChatId: CHAT, type: "permanent", bannedUserDetails: { channelId: BOB.channelId } });
    await expect(chat.deleteMessage!(api, STREAM, "nope")).rejects.toThrow(/YouTube refused/);
  });

  it("is the chat of the broadcast the account's go-live created", async () => {
    const platform = youtubeAccounts.create({
      settings: { clientId: "id", clientSecret: "secret", authUrl: yt.url, tokenUrl: yt.url, apiUrl: yt.url, options: { privacy: "unlisted", pollMs: 60_000, chatPollMs: 5_000, viewersPollMs: 60_000, grpcUrl: undefined } },
      log: pino({ level: "silent" }),
    });
    const api = apiFor(yt.oauth, YOUTUBE_CHANNEL);
    await platform.ingest!(api, STREAM);
    // Not live yet (no stream arrived), so only the go-live's own record leads to its chat.
    const created = [...yt.broadcasts.values()].find((b) => b.id !== "bc-1")!;
    yt.chat.post(created.snippet!.liveChatId!, ALICE, "on the new broadcast");
    const sink = new RecordingSink();
    void platform.chat!.read(api, STREAM, sink, abort.signal);
    await waitFor(() => sink.received.length === 1, "the go-live's chat");
    expect(sink.texts).toEqual(["on the new broadcast"]);
    platform.close!();
  });
});
