import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { pino } from "pino";
import { facebookAccounts } from "../../src/destinations/facebook/account.js";
import { facebookChat } from "../../src/destinations/facebook/chat.js";
import type { Page } from "../../src/destinations/facebook/graph.js";
import type { AccountApi, LinkedPlatform } from "../../src/destinations/account-types.js";
import { PlatformRefused } from "../../src/destinations/account-types.js";
import { FACEBOOK_PAGE, FACEBOOK_USER, GRAPH, startFacebookFake, type FacebookFake } from "../fakes/facebook.js";
import { apiFor, RecordingSink, STREAM, waitFor } from "./support.js";

const HANA = { id: "5550001", name: "Hana Sato" };
const OMAR = { id: "5550002", name: "Omar Haddad" };
const FAST = { pollMs: 30, backoff: { initialMs: 20, maxMs: 80 } };

describe("Facebook live video: going live, title, comments read and written as the Page", () => {
  let fb: FacebookFake;
  let abort: AbortController;
  let api: AccountApi;
  let refusedTokens: string[];
  let platform: LinkedPlatform;

  beforeEach(async () => {
    fb = await startFacebookFake();
    abort = new AbortController();
    refusedTokens = [];
    api = { ...apiFor(fb.oauth, FACEBOOK_USER), tokenRefused: (reason) => (refusedTokens.push(reason), new PlatformRefused(`reconnect: ${reason}`)) };
    platform = facebookAccounts.create({
      settings: { clientId: "id", clientSecret: "secret", authUrl: fb.url + GRAPH, tokenUrl: fb.url + GRAPH, apiUrl: fb.url + GRAPH, options: { pageId: undefined, chatPollMs: 30, viewersPollMs: 30_000 } },
      log: pino({ level: "silent" }),
    });
  });
  afterEach(async () => {
    abort.abort();
    platform.close?.();
    await fb.close();
  });

  /** Goes live through the platform code (POST /{page}/live_videos with the Page token): the video and its Page. */
  async function goLive(): Promise<{ videoId: string; page: Page }> {
    await platform.ingest!(api, STREAM);
    const videoId = [...fb.liveVideos.keys()].at(-1)!;
    const accounts = (await (await api.fetch(`${fb.url}${GRAPH}/me/accounts?fields=id,name,access_token`)).json()) as { data: Array<{ id: string; name: string; access_token: string }> };
    return { videoId, page: { id: accounts.data[0]!.id, name: accounts.data[0]!.name, token: accounts.data[0]!.access_token } };
  }

  const read = (live: { videoId: string; page: Page } | undefined, options: { slowDownMs?: number } = {}) => {
    const sink = new RecordingSink();
    const chat = facebookChat({ apiUrl: fb.url + GRAPH, ...FAST, ...options, liveVideoOf: () => live && { liveVideoId: live.videoId, page: live.page } });
    const done = chat.read(api, STREAM, sink, abort.signal);
    return { sink, done };
  };

  it("creates the live video on the Page with the stream's title, takes its RTMPS URL (never the plain one), pushes a new title, ends it", async () => {
    fb.ingest.secureBase = "rtmps://127.0.0.1:4443/rtmp";
    fb.ingest.keySuffix = "?s_bl=1&s_psm=1&s_sc=9001&s_sw=0&s_vt=api-s&a=AbCd";
    const ingest = await platform.ingest!(api, STREAM);
    const [video] = [...fb.liveVideos.values()];
    expect(video).toMatchObject({ pageId: FACEBOOK_PAGE.id, status: "LIVE", title: STREAM.title, description: "" });
    expect(ingest).toEqual({ url: "rtmps://127.0.0.1:4443/rtmp", streamKey: video!.streamKey });
    expect(ingest.streamKey).toMatch(/^FB-\d+-0-Ab[0-9a-f]+\?s_bl=1&.*a=AbCd$/);
    // A reconnect reuses the live video; a title changed meanwhile reaches it.
    await platform.ingest!(api, { ...STREAM, title: "Speedrun night, part 2", description: "Any% glitchless" });
    expect(fb.liveVideos.size).toBe(1);
    expect(video!.titles).toEqual([STREAM.title, "Speedrun night, part 2"]);
    expect(video!.description).toBe("Any% glitchless");
    await platform.ended!(api, STREAM);
    expect(video!.status).toBe("VOD");
    expect(fb.calls.filter((c) => c.method === "POST" && c.path === `/${video!.id}`)).toHaveLength(2);
  });

  it("a restart mid-stream carries on in the same live video (its id is kept with the account), and ends it; an ended one is not reused", async () => {
    const first = await platform.ingest!(api, STREAM);
    expect(api.data()).toEqual({ liveVideos: { [STREAM.destinationId]: { id: [...fb.liveVideos.keys()][0], pageId: FACEBOOK_PAGE.id } } });
    const restarted = facebookAccounts.create({ settings: { clientId: "id", clientSecret: "secret", authUrl: "", tokenUrl: "", apiUrl: fb.url + GRAPH, options: { pageId: undefined, chatPollMs: 30, viewersPollMs: 30_000 } }, log: pino({ level: "silent" }) });
    expect(await restarted.ingest!(api, STREAM)).toEqual(first);
    expect(fb.liveVideos.size).toBe(1);
    await restarted.ended!(api, STREAM);
    expect([...fb.liveVideos.values()][0]!.status).toBe("VOD");
    expect(api.data()).toEqual({ liveVideos: {} });

    // Ended on Facebook while Prism was away: a fresh live video, not the finished one.
    await platform.ingest!(api, { ...STREAM, destinationId: "dst-2" });
    fb.liveVideos.get([...fb.liveVideos.keys()][1]!)!.status = "VOD";
    const again = facebookAccounts.create({ settings: { clientId: "id", clientSecret: "secret", authUrl: "", tokenUrl: "", apiUrl: fb.url + GRAPH, options: { pageId: undefined, chatPollMs: 30, viewersPollMs: 30_000 } }, log: pino({ level: "silent" }) });
    const fresh = await again.ingest!(api, { ...STREAM, destinationId: "dst-2" });
    expect(fb.liveVideos.size).toBe(3);
    expect(fresh.streamKey).toBe([...fb.liveVideos.values()][2]!.streamKey);
  });

  it("refuses a live video Facebook hands out without an RTMPS URL: plain RTMP is not taken", async () => {
    fb.ingest.secureBase = "rtmp://127.0.0.1:1935/rtmp";
    await expect(platform.ingest!(api, STREAM)).rejects.toThrow(/without an RTMPS ingest URL Prism can use.*accepts no plain RTMP/);
  });

  it("reads each comment once, oldest first, with its author, a burst of several pages included", async () => {
    const live = await goLive();
    fb.comment(live.videoId, HANA, "hello from Lisbon");
    fb.comment(live.videoId, OMAR, "first!");
    const { sink } = read(live);
    await waitFor(() => sink.received.length === 2, "the backlog");
    for (let i = 0; i < 130; i++) fb.comment(live.videoId, i % 2 ? HANA : OMAR, `b${i}`);
    await waitFor(() => sink.received.length === 132, "the burst (three pages of 50)");
    await new Promise((r) => setTimeout(r, 150));
    expect(sink.texts).toEqual(["hello from Lisbon", "first!", ...Array.from({ length: 130 }, (_, i) => `b${i}`)]);
    expect(new Set(sink.received.map((m) => m.platformMessageId)).size).toBe(132);
    const first = fb.liveVideos.get(live.videoId)!.comments[0]!;
    expect(sink.received[0]).toMatchObject({ platformMessageId: first.id, author: { id: HANA.id, name: HANA.name, avatarUrl: first.from!.picture!.data.url, badges: [] } });
    expect(sink.received[0]!.sentAt.toISOString().slice(0, 19)).toBe(first.created_time.slice(0, 19));
    // Read newest first with the Page token, every call.
    const lists = fb.calls.filter((c) => c.path === `/${live.videoId}/comments`);
    expect(lists.every((c) => c.status === 200)).toBe(true);
    expect(sink.stateNames).toEqual(["connecting", "live"]);
  });

  it("waits, without backing off, until the destination has a live video", async () => {
    let live: { videoId: string; page: Page } | undefined;
    const sink = new RecordingSink();
    const chat = facebookChat({ apiUrl: fb.url + GRAPH, ...FAST, liveVideoOf: () => live && { liveVideoId: live.videoId, page: live.page } });
    void chat.read(api, STREAM, sink, abort.signal);
    await waitFor(() => sink.states.filter((s) => s.detail?.match(/not live on Facebook/)).length >= 3, "three looks");
    expect(sink.stateNames).not.toContain("reconnecting");
    live = await goLive();
    fb.comment(live.videoId, HANA, "it started");
    await waitFor(() => sink.received.length === 1, "the comment");
  });

  it("sends as the Page, and the reader sees it as the broadcaster's", async () => {
    await expect(platform.chat!.send!(api, STREAM, "hello")).rejects.toThrow(/not live on Facebook yet/);
    await platform.ingest!(api, STREAM);
    await platform.chat!.send!(api, STREAM, "Thanks for watching!");
    const [video] = [...fb.liveVideos.values()];
    expect(video!.comments).toEqual([expect.objectContaining({ message: "Thanks for watching!", from: expect.objectContaining({ id: FACEBOOK_PAGE.id, name: FACEBOOK_PAGE.name }) })]);
    // goLive reuses the destination's live video: it is the one the comment went to.
    const live = await goLive();
    expect(live.videoId).toBe(video!.id);
    const reader = read(live);
    await waitFor(() => reader.sink.received.length === 1, "the Page's comment");
    expect(reader.sink.received[0]!.author).toMatchObject({ id: FACEBOOK_PAGE.id, badges: ["broadcaster"] });
    await platform.chat!.deleteMessage!(api, STREAM, video!.comments[0]!.id);
    expect(video!.comments).toEqual([]);
  });

  it("backs off on Facebook's rate limit (code 4, no retry time): nothing is asked until the wait is over, then nothing is lost", async () => {
    const live = await goLive();
    const { sink } = read(live, { slowDownMs: 400 });
    await waitFor(() => sink.stateNames.includes("live"), "live");
    fb.faults.push("rate-limit");
    fb.comment(live.videoId, HANA, "during the limit");
    await waitFor(() => sink.stateNames.includes("reconnecting"), "the rate limit");
    expect(sink.states.find((s) => s.state === "reconnecting")?.detail).toMatch(/rate limit is reached \(\(#4\) Application request limit reached\)/);
    await waitFor(() => sink.received.length === 1, "the comment after the wait", 3_000);
    const lists = fb.calls.filter((c) => c.path === `/${live.videoId}/comments`);
    const refused = lists.findIndex((c) => c.status === 400);
    expect(lists[refused + 1]!.at - lists[refused]!.at).toBeGreaterThanOrEqual(400);
    expect(sink.stateNames.slice(-1)).toEqual(["live"]);
  });

  it("a dead token (code 190) ends the reader as failed and hands the account over for reconnecting", async () => {
    const live = await goLive();
    const { sink, done } = read(live);
    await waitFor(() => sink.stateNames.includes("live"), "live");
    fb.faults.push("expired");
    await done;
    expect(sink.stateNames.at(-1)).toBe("failed");
    expect(refusedTokens).toEqual([expect.stringMatching(/^Facebook refused the token of the Page Alex Plays \(Error validating access token: Session has expired/)]);
  });
});
