import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { twitcastingChat } from "../../src/destinations/twitcasting/chat.js";
import { twitchChat } from "../../src/destinations/twitch/chat.js";
import { xChat, type XChatStream } from "../../src/destinations/x/chat.js";
import { youtubeChat } from "../../src/destinations/youtube/chat.js";
import { viewer } from "../fakes/twitcasting-chat.js";
import { startTwitCastingFake, TWITCASTING_USER, type TwitCastingFake } from "../fakes/twitcasting.js";
import { startTwitchFake, TWITCH_USER, type TwitchFake } from "../fakes/twitch.js";
import { startXFake, X_USER, type XFake } from "../fakes/x.js";
import { startYouTubeFake, YOUTUBE_CHANNEL, type YouTubeFake } from "../fakes/youtube.js";
import { apiFor, RecordingSink, STREAM, waitFor } from "./support.js";

const backoff = { initialMs: 20, maxMs: 80 };

describe("four chat readers side by side", () => {
  let tw: TwitchFake, yt: YouTubeFake, tc: TwitCastingFake, x: XFake;
  const abort = new AbortController();
  beforeAll(async () => {
    [tw, yt, tc, x] = await Promise.all([startTwitchFake(), startYouTubeFake(), startTwitCastingFake(), startXFake()]);
  });
  afterAll(async () => {
    abort.abort();
    await Promise.all([tw, yt, tc, x].map((f) => f.close()));
  });

  it("keep reading when one platform goes away entirely", async () => {
    yt.broadcasts.set("bc-1", { id: "bc-1", snippet: { liveChatId: "yt-chat" }, status: { lifeCycleStatus: "live" } });
    yt.chat.chats.set("yt-chat", []);
    const movie = tc.chat.startMovie();
    const post = x.chat.post({ id: X_USER.id, name: X_USER.displayName, username: X_USER.login }, "live now");
    const xStream: XChatStream = { ...STREAM, xPostId: post.id };
    const sinks = { twitch: new RecordingSink(), youtube: new RecordingSink(), twitcasting: new RecordingSink(), x: new RecordingSink() };
    void twitchChat({ apiUrl: tw.url, authUrl: tw.url, clientId: tw.oauth.dialect.clientId, eventsubUrl: tw.eventsub.url, backoff }).read(apiFor(tw.oauth, TWITCH_USER, ["user:read:chat"]), STREAM, sinks.twitch, abort.signal);
    void youtubeChat({ apiUrl: yt.url, broadcastOf: () => "bc-1", backoff, minPollMs: 10 }).read(apiFor(yt.oauth, YOUTUBE_CHANNEL), STREAM, sinks.youtube, abort.signal);
    void twitcastingChat({ apiUrl: tc.url, pollMs: 30, backoff }).read(apiFor(tc.oauth, TWITCASTING_USER), STREAM, sinks.twitcasting, abort.signal);
    void xChat({ apiUrl: x.url, pollMs: 30, backoff }).read(apiFor(x.oauth, X_USER), xStream, sinks.x, abort.signal);
    await waitFor(() => Object.values(sinks).every((s) => s.stateNames.includes("live")) && tw.eventsub.liveSubscriptions().length > 0, "all four live");

    await yt.close();
    await waitFor(() => sinks.youtube.stateNames.includes("reconnecting"), "YouTube's reader to notice");
    for (let i = 0; i < 3; i++) {
      tw.eventsub.say({ id: "7", login: "v", name: "V" }, `tw ${i}`);
      tc.chat.comment(movie, viewer("9", "W"), `tc ${i}`);
      x.chat.post({ id: "8", name: "U", username: "u" }, `x ${i}`, post.id);
    }
    await waitFor(() => sinks.twitch.received.length === 3 && sinks.twitcasting.received.length === 3 && sinks.x.received.length === 3, "the other three platforms' messages");
    expect(sinks.twitch.texts).toEqual(["tw 0", "tw 1", "tw 2"]);
    expect(sinks.twitcasting.texts).toEqual(["tc 0", "tc 1", "tc 2"]);
    expect(sinks.x.texts).toEqual(["x 0", "x 1", "x 2"]);
    expect(sinks.youtube.states.at(-1)?.state).toBe("reconnecting");
  });
});
