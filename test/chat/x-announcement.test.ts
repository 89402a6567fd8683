import type { UserV2 } from "twitter-api-v2";
import { describe, expect, it } from "vitest";
import { waitFor, type TestPrism } from "../support/prism.js";
import { expectNoSecretLeak } from "../support/secrets.js";
import { X_USER, type XFake } from "../fakes/x.js";
import { expectFeed, goLive, streamWithX, useXPrism } from "./x-support.js";

const AMY: UserV2 = { id: "2244994945", name: "Amy", username: "amy_codes" };
const BEN: UserV2 = { id: "783214", name: "Ben", username: "ben" };
const STREAMER: UserV2 = { id: X_USER.id, name: X_USER.displayName, username: X_USER.login };

describe("an X destination's announcement post, through the API, with a real go-live", () => {
  let x: XFake;
  let t: TestPrism;
  useXPrism((fake, prism) => {
    [x, t] = [fake, prism];
  });

  it("refuses what is not a post, and X chat settings where they cannot work", async () => {
    const { stream, destination } = await streamWithX(t, x, {});
    const base = `/api/v1/streams/${stream.id}/destinations`;
    const notX = await t.api("PATCH", `${base}/${destination.id}`, { x: { announcementPost: "https://example.com/speedy_streams/status/1861" } });
    expect(notX.status).toBe(400);
    expect(notX.body.error).toMatchObject({ code: "validation_failed", message: expect.stringMatching(/^x\.announcementPost: example\.com is not X/) });
    const profile = await t.api("PATCH", `${base}/${destination.id}`, { x: { announcementPost: "https://x.com/speedy_streams" } });
    expect(profile.body.error.message).toMatch(/is not a post: it should look like https:\/\/x\.com\/<user>\/status\/<id>/);
    const words = await t.api("PATCH", `${base}/${destination.id}`, { x: { announcementPost: "my stream" } });
    expect(words.body.error.message).toMatch(/give the post's address .* or its numeric id/);
    const broadcast = await t.api("PATCH", `${base}/${destination.id}`, { x: { broadcastId: "no-dashes!" } });
    expect(broadcast.body.error.message).toMatch(/^x\.broadcastId: must be X's broadcast id/);
    const custom = await t.api("POST", base, { platform: "custom", name: "Other", url: "rtmp://127.0.0.1:1/app", streamKey: "k", x: { announcementPost: "1861000000000000001" } });
    expect(custom.status).toBe(400);
    expect(custom.body.error).toEqual({ code: "invalid_destination", message: "x: only X destinations have X chat settings." });
    const unlinked = await t.api("POST", base, { platform: "x", name: "X", url: "rtmps://va.pscp.tv:443/x", streamKey: "k", x: { announce: { text: "Live!" } } });
    expect(unlinked.body.error.message).toMatch(/needs a linked X account: give accountId/);
    // Nothing was stored by the refused requests.
    expect((await t.api("GET", `${base}/${destination.id}`)).body.x).toEqual({ announcementPostId: null, announcementPostUrl: null, announce: null, broadcastId: null });
  });

  it("reads the replies to the post set by its URL, each once; a post set by id while live takes over", async () => {
    const first = x.chat.post(STREAMER, "Live now: speedrun night");
    const { stream, destination } = await streamWithX(t, x, { announcementPost: `https://x.com/${STREAMER.username}/status/${first.id}?s=20` });
    expect(destination.x).toEqual({ announcementPostId: first.id, announcementPostUrl: `https://x.com/i/web/status/${first.id}`, announce: null, broadcastId: null });
    x.chat.post(AMY, "first!", first.id);
    x.chat.post(BEN, "not a reply: its own post");

    await goLive(t, stream);
    await expectFeed(t, stream.id, ["x:first!"]);
    x.chat.post(BEN, "hi from Ben", first.id);
    await expectFeed(t, stream.id, ["x:first!", "x:hi from Ben"]);

    // The streamer posts a second announcement and points Prism at it while live.
    const second = x.chat.post(STREAMER, "Part two: any% glitchless");
    x.chat.post(AMY, "part two hype", second.id);
    const patched = await t.api("PATCH", `/api/v1/streams/${stream.id}/destinations/${destination.id}`, { x: { announcementPost: second.id } });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body.x.announcementPostId).toBe(second.id);
    await expectFeed(t, stream.id, ["x:first!", "x:hi from Ben", "x:part two hype"]);
    // The reader follows the new post only.
    x.chat.post(BEN, "late reply to the first post", first.id);
    x.chat.post(BEN, "still here", second.id);
    await expectFeed(t, stream.id, ["x:first!", "x:hi from Ben", "x:part two hype", "x:still here"]);
    expect(x.chat.searchCalls.every((c) => c.status === 200)).toBe(true);
    expectNoSecretLeak(t, x.oauth.issued);
  });

  it("announce mode: Prism posts the announcement at go-live and reads the replies to that post", async () => {
    const { stream, destination } = await streamWithX(t, x, { announce: { text: "Live now on X: speedrun night! Say hi in the replies" } });
    expect(destination.x).toMatchObject({ announcementPostId: null, announce: { text: "Live now on X: speedrun night! Say hi in the replies" } });
    const before = x.chat.tweets.length;

    await goLive(t, stream);
    const announcement = await waitFor(() => x.chat.tweets.slice(before).find((p) => p.text.startsWith("Live now on X")), { what: "the announcement post" });
    expect(announcement).toMatchObject({ author_id: X_USER.id, conversation_id: announcement.id });
    expect(announcement.in_reply_to_user_id).toBeUndefined();
    await waitFor(async () => (await t.api("GET", `/api/v1/streams/${stream.id}/destinations/${destination.id}`)).body.x.announcementPostId === announcement.id, {
      what: "the new post stored as the destination's announcement",
    });

    x.chat.post(AMY, "hi!", announcement.id);
    await expectFeed(t, stream.id, ["x:hi!"]);
    // Posted once for this go-live, however many polls there were.
    expect(x.chat.tweets.filter((p) => p.text.startsWith("Live now on X"))).toHaveLength(1);

    // The streamer's answer goes out as a reply to the announcement.
    const sent = await t.api("POST", `/api/v1/streams/${stream.id}/comments`, { text: "thanks for coming!" });
    expect(sent.body.results).toEqual([{ platform: "x", destinationId: destination.id, ok: true }]);
    expect(x.chat.tweets.at(-1)).toMatchObject({ text: "thanks for coming!", author_id: X_USER.id, conversation_id: announcement.id });
  });
});
