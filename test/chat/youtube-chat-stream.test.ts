import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { youtubeChat } from "../../src/destinations/youtube/chat.js";
import { QuotaLedger } from "../../src/destinations/youtube/quota.js";
import { startYouTubeFake, YOUTUBE_CHANNEL, type YouTubeFake } from "../fakes/youtube.js";
import { startYouTubeChatStream, type YouTubeChatStreamFake } from "../fakes/youtube-chat-stream.js";
import { apiFor, RecordingSink, STREAM, waitFor } from "./support.js";

const FAST = { backoff: { initialMs: 20, maxMs: 80 }, minPollMs: 10 };
const ALICE = { channelId: "UCalice000000000000000001", displayName: "Alice", moderator: true };
const BOB = { channelId: "UCbob00000000000000000002", displayName: "Bob", sponsor: true };

describe("YouTube chat over liveChatMessages.streamList (gRPC)", () => {
  let yt: YouTubeFake;
  let grpc: YouTubeChatStreamFake;
  let abort: AbortController;
  const CHAT = "Cg0KCchat-stream";

  beforeEach(async () => {
    yt = await startYouTubeFake();
    grpc = await startYouTubeChatStream(yt.chat, yt.oauth, { lifetimeMs: 250 });
    yt.broadcasts.set("bc-1", { kind: "youtube#liveBroadcast", id: "bc-1", snippet: { title: "t", liveChatId: CHAT }, status: { lifeCycleStatus: "live" } });
    yt.chat.chats.set(CHAT, []);
    abort = new AbortController();
  });
  afterEach(async () => {
    abort.abort();
    await grpc.close();
    await yt.close();
  });

  const start = (options: Partial<Parameters<typeof youtubeChat>[0]> = {}) => {
    const quota = new QuotaLedger();
    const chat = youtubeChat({ apiUrl: yt.url, grpcUrl: grpc.url, quota, broadcastOf: () => "bc-1", ...FAST, ...options });
    const sink = new RecordingSink();
    const api = apiFor(yt.oauth, YOUTUBE_CHANNEL);
    const done = chat.read(api, STREAM, sink, abort.signal);
    return { sink, quota, done, api };
  };

  it("gets messages pushed as they are written, across the streams YouTube ends, without polling", async () => {
    yt.chat.post(CHAT, ALICE, "backlog");
    const { sink, quota } = start();
    await waitFor(() => sink.received.length === 1, "the backlog");
    yt.chat.post(CHAT, BOB, "pushed");
    await waitFor(() => sink.received.length === 2, "the pushed message");
    // Outlive a few streams: each reopens from the last page token, so nothing comes twice.
    await waitFor(() => grpc.calls.filter((c) => c.ended === "end").length >= 2, "two streams ended by the server");
    yt.chat.post(CHAT, ALICE, "after reconnects");
    await waitFor(() => sink.received.length === 3, "the message after the reconnects");
    expect(sink.texts).toEqual(["backlog", "pushed", "after reconnects"]);
    expect(sink.received[0]!.author).toEqual({ id: ALICE.channelId, name: "Alice", avatarUrl: `https://yt3.ggpht.com/${ALICE.channelId}`, badges: ["moderator"] });
    expect(sink.received[1]!.author.badges).toEqual(["member"]);
    expect(grpc.calls[0]!.pageToken).toBeNull();
    expect(grpc.calls.slice(1).every((c) => c.pageToken !== null)).toBe(true);
    expect(grpc.calls.every((c) => c.authorization?.startsWith("Bearer "))).toBe(true);
    expect(yt.chat.listCalls).toEqual([]);
    expect(sink.stateNames).toEqual(["connecting", "live"]);
    // 1 unit to find the chat, 5 per streamList call.
    const streams = grpc.calls.length;
    expect(quota.today("acc-1")).toBeGreaterThanOrEqual(1 + 5 * (streams - 1));
    expect(quota.methods().find((m) => m.method === "liveChatMessages.streamList")!.units).toBe(5 * quota.methods().find((m) => m.method === "liveChatMessages.streamList")!.calls);
  });

  it("reads engagement events over the stream: a Super Chat's amount (uint64 micros), a new member, a milestone", async () => {
    const { sink } = start();
    yt.chat.superChat(CHAT, BOB, 12.5, "EUR", "for the speedrun fund");
    yt.chat.engage(CHAT, ALICE, { type: "newSponsorEvent", displayMessage: "Welcome to Speedy Streams!", newSponsorDetails: { memberLevelName: "Fan", isUpgrade: false } });
    yt.chat.engage(CHAT, BOB, { type: "memberMilestoneChatEvent", displayMessage: "Member for 6 months", memberMilestoneChatDetails: { memberLevelName: "Fan", memberMonth: 6, userComment: "half a year!" } });
    await waitFor(() => sink.received.length === 3, "the three events");
    expect(yt.chat.listCalls).toEqual([]);
    expect(sink.received.map((m) => [m.kind, m.amount ?? null, m.text])).toEqual([
      ["paid", { value: 12.5, currency: "EUR" }, "for the speedrun fund"],
      ["membership", null, "Welcome to Speedy Streams!"],
      ["membership", null, "half a year!"],
    ]);
  });

  it("falls back to polling liveChatMessages.list where the stream is not served", async () => {
    grpc.faults.push("unimplemented");
    yt.chat.post(CHAT, ALICE, "hello");
    const { sink } = start();
    await waitFor(() => sink.received.length === 1, "the message, polled");
    expect(grpc.calls).toHaveLength(1);
    expect(yt.chat.listCalls.length).toBeGreaterThanOrEqual(1);
    expect(sink.texts).toEqual(["hello"]);
  });

  it("waits on quotaExceeded and says so, then resumes the stream from its token", async () => {
    const { sink } = start({ quotaWaitMs: 300 });
    yt.chat.post(CHAT, ALICE, "one");
    await waitFor(() => sink.received.length === 1, "the first message");
    grpc.faults.push("quotaExceeded");
    await waitFor(() => grpc.calls.some((c) => c.ended === "RESOURCE_EXHAUSTED"), "the quota error");
    const refusedAt = grpc.calls.find((c) => c.ended === "RESOURCE_EXHAUSTED")!.at;
    yt.chat.post(CHAT, BOB, "two");
    await waitFor(() => sink.received.length === 2, "the message after the wait");
    expect(grpc.calls.find((c) => c.at > refusedAt)!.at - refusedAt).toBeGreaterThanOrEqual(290);
    expect(sink.states.find((s) => s.state === "reconnecting")?.detail).toMatch(/quota is used up.*midnight Pacific/);
    expect(sink.texts).toEqual(["one", "two"]);
  });

  it("turned-off chat: says how to turn it on, and reads once it is on", async () => {
    grpc.faults.push("liveChatDisabled");
    yt.chat.post(CHAT, ALICE, "hi");
    const { sink } = start();
    await waitFor(() => sink.states.some((s) => /turned off.*YouTube Studio/.test(s.detail ?? "")), "the reason");
    expect(sink.states.every((s) => s.state !== "failed")).toBe(true);
  });
});
