import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { twitcastingChat } from "../../src/destinations/twitcasting/chat.js";
import { viewer } from "../fakes/twitcasting-chat.js";
import { startTwitCastingFake, TWITCASTING_USER, type TwitCastingFake } from "../fakes/twitcasting.js";
import { apiFor, RecordingSink, STREAM, waitFor } from "./support.js";

const FAST = { pollMs: 30, movieCheckMs: 60_000, backoff: { initialMs: 20, maxMs: 80 } };
const HANAKO = viewer("100001", "Hanako");
const TARO = viewer("100002", "Taro");

describe("TwitCasting chat reader", () => {
  let tc: TwitCastingFake;
  let abort: AbortController;
  let movie: string;

  beforeEach(async () => {
    tc = await startTwitCastingFake();
    movie = tc.chat.startMovie();
    abort = new AbortController();
  });
  afterEach(async () => {
    abort.abort();
    await tc.close();
  });

  const start = (options: Partial<Parameters<typeof twitcastingChat>[0]> = {}) => {
    const chat = twitcastingChat({ apiUrl: tc.url, ...FAST, ...options });
    const sink = new RecordingSink();
    const api = apiFor(tc.oauth, TWITCASTING_USER);
    const done = chat.read(api, STREAM, sink, abort.signal);
    return { chat, sink, api, done };
  };

  it("reads the current movie's comments once each, oldest first, with their authors", async () => {
    tc.chat.comment(movie, HANAKO, "こんばんは");
    tc.chat.comment(movie, TARO, "わこつ");
    const { sink } = start();
    await waitFor(() => sink.received.length === 2, "the backlog");
    for (let i = 0; i < 60; i++) tc.chat.comment(movie, i % 2 ? HANAKO : TARO, `c${i}`);
    await waitFor(() => sink.received.length === 62, "the burst (more than one page)");
    await new Promise((r) => setTimeout(r, 150));
    expect(sink.texts).toEqual(["こんばんは", "わこつ", ...Array.from({ length: 60 }, (_, i) => `c${i}`)]);
    expect(new Set(sink.received.map((m) => m.platformMessageId)).size).toBe(62);
    expect(sink.received[0]!.author).toEqual({ id: HANAKO.id, name: "Hanako", avatarUrl: HANAKO.image, badges: [] });
    expect(sink.received[0]!.sentAt.getTime()).toBe(tc.chat.movies.get(movie)!.comments[0]!.created * 1000);
    // After the first read every poll asked for comments after the newest one seen; only a full
    // answer was completed by walking back from the newest with offset.
    const polls = tc.chat.listCalls.slice(1).filter((c) => c.sliceId !== null);
    expect(polls.length).toBeGreaterThan(0);
    expect(tc.chat.listCalls.slice(1).every((c) => c.sliceId !== null || c.offset !== null)).toBe(true);
    expect(sink.stateNames).toEqual(["connecting", "live"]);
  });

  for (const keeps of ["newest", "oldest"] as const) {
    it(`a burst of far more than one page between two polls arrives whole, in order (slice_id keeping the ${keeps} 50)`, async () => {
      tc.chat.sliceKeeps = keeps;
      const { sink } = start();
      tc.chat.comment(movie, HANAKO, "first");
      await waitFor(() => sink.received.length === 1, "the first comment");
      for (let i = 0; i < 130; i++) tc.chat.comment(movie, TARO, `b${i}`);
      await waitFor(() => sink.received.length === 131, "the whole burst");
      await new Promise((r) => setTimeout(r, 100));
      expect(sink.texts).toEqual(["first", ...Array.from({ length: 130 }, (_, i) => `b${i}`)]);
      tc.chat.comment(movie, HANAKO, "after");
      await waitFor(() => sink.received.length === 132, "the next comment");
    });
  }

  it("waits while the streamer is not live, then reads the movie", async () => {
    tc.chat.liveMovieId = null;
    const { sink } = start({ movieCheckMs: 120 });
    await waitFor(() => sink.states.filter((s) => s.detail?.match(/not live/)).length >= 3, "three looks at a stream that is not live");
    // Waiting is not failing: it says why, looks again at the same pace, and never backs off.
    expect(sink.states.filter((s) => s.detail?.match(/not live/)).every((s) => s.state === "connecting")).toBe(true);
    expect(sink.stateNames).not.toContain("reconnecting");
    tc.chat.liveMovieId = movie;
    tc.chat.comment(movie, HANAKO, "始まった");
    await waitFor(() => sink.received.length === 1, "the comment", 1_000);
  });

  it("misses nothing across an outage: it resumes from its slice_id", async () => {
    const { sink } = start();
    tc.chat.comment(movie, HANAKO, "before");
    await waitFor(() => sink.received.length === 1, "the first comment");
    tc.chat.faults.push("down", "down", "down");
    tc.chat.comment(movie, TARO, "during 1");
    tc.chat.comment(movie, TARO, "during 2");
    await waitFor(() => sink.received.length === 3, "the comments written during the outage");
    expect(sink.texts).toEqual(["before", "during 1", "during 2"]);
    expect(sink.stateNames).toEqual(["connecting", "live", "reconnecting", "live"]);
  });

  it("stays inside the rate limit: waits for X-RateLimit-Reset instead of hammering", async () => {
    tc.chat.rateLimit = { limit: 4, windowMs: 1_000 };
    const { sink } = start({ pollMs: 5 });
    tc.chat.comment(movie, HANAKO, "one");
    await waitFor(() => sink.received.length === 1, "the first comment");
    await new Promise((r) => setTimeout(r, 1_500));
    tc.chat.comment(movie, TARO, "two");
    await waitFor(() => sink.received.length === 2, "the second comment", 3_000);
    // Polling every 5 ms would make hundreds of calls; the reader spent at most the window's allowance.
    expect(tc.chat.listCalls.filter((c) => c.status === 429)).toEqual([]);
    const perSecond = tc.chat.listCalls.length / ((Date.now() - tc.chat.listCalls[0]!.at) / 1000 + 1);
    expect(perSecond).toBeLessThanOrEqual(4);
  });

  it("on 429 waits until X-RateLimit-Reset, then goes on", async () => {
    const { sink } = start();
    await waitFor(() => sink.stateNames.includes("live"), "live");
    tc.chat.rateLimit = { limit: 0, windowMs: 600 };
    await waitFor(() => sink.stateNames.includes("reconnecting"), "the 429");
    expect(sink.states.find((s) => s.state === "reconnecting")?.detail).toMatch(/rate limit/);
    tc.chat.rateLimit = { limit: 60, windowMs: 600 };
    tc.chat.comment(movie, HANAKO, "back");
    await waitFor(() => sink.received.length === 1, "the comment after the reset", 3_000);
    // One refused call, then nothing until the window the 429 named was over.
    const refused = tc.chat.listCalls.filter((c) => c.status === 429);
    expect(refused).toHaveLength(1);
    const after = tc.chat.listCalls.find((c) => c.at > refused[0]!.at)!;
    expect(after.status).toBe(200);
    expect(after.at).toBeGreaterThanOrEqual(refused[0]!.resetAt - 5);
    expect(sink.stateNames).toEqual(["connecting", "live", "reconnecting", "live"]);
  });

  it("sends and deletes on the current movie", async () => {
    const { chat, api } = start();
    await chat.send!(api, STREAM, "ありがとう！");
    const posted = tc.chat.movies.get(movie)!.comments.at(-1)!;
    expect(posted.message).toBe("ありがとう！");
    expect(posted.from_user.id).toBe(TWITCASTING_USER.id);
    const spam = tc.chat.comment(movie, TARO, "spam");
    await chat.deleteMessage!(api, STREAM, spam.id);
    expect(tc.chat.deleted).toEqual([spam.id]);
    expect(chat.banAuthor).toBeUndefined();
  });
});
