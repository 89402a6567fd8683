import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { twitchChat } from "../../src/destinations/twitch/chat.js";
import type { AccountApi } from "../../src/destinations/account-types.js";
import type { ChatSource } from "../../src/comments/index.js";
import { ChatModeKeeper, isEmoteOnly } from "../../src/comments/chat-modes.js";
import { youtubeChat } from "../../src/destinations/youtube/chat.js";
import type { NewComment } from "../../src/core/chat-comment.js";
import { startTwitchFake, TWITCH_USER, type TwitchFake } from "../fakes/twitch.js";
import { startTestPrism, waitFor, type TestPrism } from "../support/prism.js";
import { TestChat, goLive, message, openSse } from "../comments/support.js";
import { apiFor } from "./support.js";

const SCOPES = ["user:read:chat", "user:write:chat", "moderator:manage:chat_messages", "moderator:manage:banned_users", "moderator:manage:chat_settings"];
/** Linked before chat modes existed: the grant lacks moderator:manage:chat_settings. */
const OLD_SCOPES = SCOPES.slice(0, -1);

const noRequests: AccountApi = {
  account: { id: "acct-tc", platformUserId: "tc-user", displayName: "Streamer" },
  fetch: () => Promise.reject(new Error("this test platform makes no requests")),
  data: () => ({}),
  saveData: () => {},
};

/**
 * Chat modes through the real service: Twitch (its real chat adapter against the Twitch fake) sets
 * them with PATCH /helix/chat/settings; a platform without a chat-mode API (an in-process test
 * platform standing for TwitCasting) gets Prism's own rule on the merged feed and the overlay.
 */
describe("chat modes across platforms", () => {
  let tw: TwitchFake;
  let t: TestPrism;
  const other = new TestChat("twitcasting");
  let twitchApi: AccountApi;

  beforeAll(async () => {
    tw = await startTwitchFake();
    twitchApi = apiFor(tw.oauth, TWITCH_USER, SCOPES);
    const twitch = twitchChat({ apiUrl: tw.url, authUrl: tw.url, clientId: tw.oauth.dialect.clientId, eventsubUrl: tw.eventsub.url, backoff: { initialMs: 20, maxMs: 80 } });
    const sources = {
      forStream: (streamId: string): ChatSource[] => [
        { platform: "twitch", destinationId: "dest-twitch", chat: twitch, api: twitchApi, stream: { streamId, destinationId: "dest-twitch", title: "T", description: null } },
        { platform: "twitcasting", destinationId: "dest-tc", chat: other, api: noRequests, stream: { streamId, destinationId: "dest-tc", title: "T", description: null } },
      ],
    };
    t = await startTestPrism({ env: { PRISM_LOG_LEVEL: "warn" }, chat: { sources, reorderWindowMs: 20 } });
  });
  afterAll(async () => {
    await t.stop();
    await tw.close();
  });

  const newStream = async (name: string) => (await t.api("POST", "/api/v1/streams", { name })).body.id as string;
  const byPlatform = (results: any[]) => Object.fromEntries(results.map((r) => [r.platform, r]));

  it("sends Twitch the PATCH with the right fields, says what each platform holds, and stores the modes", async () => {
    const id = await newStream("Modes");
    const res = await t.api("PUT", `/api/v1/streams/${id}/chat-modes`, { slowSec: 30, followersOnly: { minFollowMinutes: 10 }, subscribersOnly: true, emoteOnly: false });
    expect(res.status, res.text).toBe(200);
    expect(tw.eventsub.settingsPatches.at(-1)).toEqual({ slow_mode: true, slow_mode_wait_time: 30, follower_mode: true, follower_mode_duration: 10, subscriber_mode: true, emote_mode: false });
    expect(tw.eventsub.chatSettings).toMatchObject({ slow_mode: true, slow_mode_wait_time: 30, follower_mode: true, follower_mode_duration: 10, subscriber_mode: true, emote_mode: false });
    const results = byPlatform(res.body.results);
    expect(results.twitch).toMatchObject({ destinationId: "dest-twitch", applied: "platform", modes: { slowSec: "platform", followersOnly: "platform", subscribersOnly: "platform" } });
    // No chat-mode API and no supporter badges: slow mode is Prism's, the rest cannot be held.
    expect(results.twitcasting).toMatchObject({ applied: "unavailable", modes: { slowSec: "prism", followersOnly: "unavailable", subscribersOnly: "unavailable" } });
    expect(results.twitcasting.message).toMatch(/Prism holds twitcasting's messages to slow mode/);
    expect(results.twitcasting.message).toMatch(/followers-only, subscribers-only: not available for twitcasting/);

    const stored = await t.api("GET", `/api/v1/streams/${id}/chat-modes`);
    expect(stored.body.modes).toEqual({ slowSec: 30, followersOnly: { minFollowMinutes: 10 }, subscribersOnly: true, emoteOnly: false });

    // Out of Twitch's slow-mode range (3–120 s): Twitch turns slow mode off, Prism holds it instead.
    const long = await t.api("PUT", `/api/v1/streams/${id}/chat-modes`, { slowSec: 300, subscribersOnly: false, emoteOnly: true });
    expect(tw.eventsub.settingsPatches.at(-1)).toEqual({ slow_mode: false, follower_mode: false, subscriber_mode: false, emote_mode: true });
    expect(byPlatform(long.body.results).twitch).toMatchObject({ applied: "prism", modes: { slowSec: "prism", emoteOnly: "platform" } });
  });

  it("holds a platform without the API to slow mode and emote-only in the merged feed and the overlay, re-applying at go-live", async () => {
    const id = await newStream("Slow feed");
    await t.api("PUT", `/api/v1/streams/${id}/chat-modes`, { slowSec: 30, subscribersOnly: false, emoteOnly: false });
    const patches = tw.eventsub.settingsPatches.length;
    const overlayToken = (await t.api("POST", `/api/v1/streams/${id}/overlay-token`)).body.token;
    const base = `http://127.0.0.1:${t.prism.httpPort}`;
    const overlay = await openSse(`${base}/overlay/chat/${overlayToken}/feed`);
    goLive(t.prism, id);
    // Going live applies the stored modes again on the platform.
    await waitFor(() => tw.eventsub.settingsPatches.length > patches, { what: "the go-live PATCH" });
    expect(tw.eventsub.settingsPatches.at(-1)).toMatchObject({ slow_mode: true, slow_mode_wait_time: 30 });
    await waitFor(() => other.reading, { what: "the reader" });

    const t0 = Date.now() - 120_000;
    const at = (s: number) => new Date(t0 + s * 1000);
    other.push(message("first", at(0), "ann"), message("too soon", at(5), "ann"), message("hello", at(6), "bob"), message("later", at(31), "ann"));
    await waitFor(async () => (await t.api("GET", `/api/v1/streams/${id}/comments?include=flagged`)).body.comments.length === 4, { what: "four stored messages" });
    const all = (await t.api("GET", `/api/v1/streams/${id}/comments?include=flagged`)).body.comments;
    expect(all.find((c: any) => c.text === "too soon").flagged).toBe("slow mode (30 s between messages)");
    expect((await t.api("GET", `/api/v1/streams/${id}/comments`)).body.comments.map((c: any) => c.text)).toEqual(["first", "hello", "later"]);
    await waitFor(() => overlay.comments().length === 3, { what: "three on the overlay" });
    expect(overlay.comments().map((c) => c.text)).toEqual(["first", "hello", "later"]);

    // Emote-only, set mid-stream: emoji pass, words do not.
    const set = await t.api("PUT", `/api/v1/streams/${id}/chat-modes`, { slowSec: null, subscribersOnly: false, emoteOnly: true });
    expect(byPlatform(set.body.results).twitcasting).toMatchObject({ applied: "prism", modes: { emoteOnly: "prism" } });
    other.push(message("🎉🎉 👍🏽", at(40), "cat"), message("nice 🎉", at(41), "dan"));
    await waitFor(() => overlay.comments().length === 4, { what: "the emote message on the overlay" });
    await waitFor(async () => (await t.api("GET", `/api/v1/streams/${id}/comments?include=flagged`)).body.comments.length === 6, { what: "six stored messages" });
    const flagged = (await t.api("GET", `/api/v1/streams/${id}/comments?include=flagged`)).body.comments.find((c: any) => c.text === "nice 🎉");
    expect(flagged.flagged).toBe("emote-only mode");
    expect(overlay.comments().map((c) => c.text)).toEqual(["first", "hello", "later", "🎉🎉 👍🏽"]);
    await overlay.close();
  });

  it("says to link Twitch again when the account's grant lacks the chat-settings scope, without sending the PATCH", async () => {
    const id = await newStream("Old grant");
    twitchApi = apiFor(tw.oauth, TWITCH_USER, OLD_SCOPES);
    try {
      const before = tw.eventsub.settingsPatches.length;
      const res = await t.api("PUT", `/api/v1/streams/${id}/chat-modes`, { slowSec: 10, subscribersOnly: false, emoteOnly: false });
      expect(res.status).toBe(200);
      const twitch = byPlatform(res.body.results).twitch;
      expect(twitch).toMatchObject({ applied: "prism", modes: { slowSec: "prism" } });
      expect(twitch.message).toMatch(/lacks the moderator:manage:chat_settings permission\): connect it again under Accounts/);
      expect(tw.eventsub.settingsPatches.length).toBe(before);
    } finally {
      twitchApi = apiFor(tw.oauth, TWITCH_USER, SCOPES);
    }
  });

  it("refuses out-of-range modes with a message a person can act on", async () => {
    const id = await newStream("Bounds");
    for (const bad of [{ slowSec: 0, subscribersOnly: false, emoteOnly: false }, { slowSec: 1e9, subscribersOnly: false, emoteOnly: false }, { followersOnly: { minFollowMinutes: -1 }, subscribersOnly: false, emoteOnly: false }, { slowSec: 5 }]) {
      const res = await t.api("PUT", `/api/v1/streams/${id}/chat-modes`, bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(res.body.error.message).toMatch(/slowSec|minFollowMinutes|subscribersOnly/);
    }
  });
});

describe("emote-only as Prism tells it", () => {
  it("counts platform emote ranges (code points, inclusive) and emoji, nothing else", () => {
    expect(isEmoteOnly("Kappa PogChamp", [{ id: "25", name: "Kappa", start: 0, end: 4 }, { id: "3", name: "PogChamp", start: 6, end: 13 }])).toBe(true);
    expect(isEmoteOnly("Kappa hello", [{ id: "25", name: "Kappa", start: 0, end: 4 }])).toBe(false);
    expect(isEmoteOnly("👨‍👩‍👧 🇯🇵", undefined)).toBe(true);
    expect(isEmoteOnly("123", undefined)).toBe(false);
    expect(isEmoteOnly("   ", undefined)).toBe(false);
  });
});

describe("subscribers-only where the platform has no chat-mode API but badges its members", () => {
  it("YouTube: members, moderators and the owner pass on Prism's feed, others are held back; followers-only is unavailable", async () => {
    // The real YouTube adapter; applying modes asks nothing of YouTube (it has no chat-mode API).
    const yt = youtubeChat({ apiUrl: "http://127.0.0.1:9", broadcastOf: () => undefined });
    try {
      const keeper = new ChatModeKeeper();
      const [result] = await keeper.apply("s1", { slowSec: null, followersOnly: { minFollowMinutes: 0 }, subscribersOnly: true, emoteOnly: false }, [
        { platform: "youtube", destinationId: "d-yt", chat: yt, api: noRequests, stream: { streamId: "s1", destinationId: "d-yt", title: "T", description: null } },
      ]);
      expect(result).toMatchObject({ applied: "unavailable", modes: { subscribersOnly: "prism", followersOnly: "unavailable" } });
      const comment = (badges: string[]): NewComment => ({
        platform: "youtube", platformMessageId: `m-${badges.join()}`, streamId: "s1", author: { id: "a", name: "A", badges }, text: "hi", kind: "message",
        sentAt: new Date(), receivedAt: new Date(), flagged: null, hidden: null,
      });
      expect(keeper.flag(comment(["member"]))).toBeNull();
      expect(keeper.flag(comment(["moderator"]))).toBeNull();
      expect(keeper.flag(comment(["verified"]))).toBe("subscribers-only mode");
      expect(keeper.flag({ ...comment([]), platform: "elsewhere" })).toBeNull();
    } finally {
      yt.close();
    }
  });
});
