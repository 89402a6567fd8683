import { afterEach, describe, expect, it } from "vitest";
import { startTestPrism, waitFor, type TestPrism } from "../support/prism.js";
import { startTwitCastingFake, type TwitCastingFake } from "../fakes/twitcasting.js";
import { viewer } from "../fakes/twitcasting-chat.js";
import { linkThroughBrowser } from "../oauth/support.js";

/**
 * The wiring end to end with a platform's own reader: a linked TwitCasting account's destination is
 * read when the stream goes live, through the AccountApi the OAuth layer builds, against the fake.
 */
describe("the feed reads linked-account destinations", () => {
  let t: TestPrism | undefined;
  let tc: TwitCastingFake | undefined;
  afterEach(async () => {
    await t?.stop();
    await tc?.close();
  });

  it("opens the platform's reader at stream.started, merges its chat, sends through it, and stops at stream.ended", async () => {
    tc = await startTwitCastingFake();
    t = await startTestPrism({ env: tc.env() });
    const { location } = await linkThroughBrowser(t, "twitcasting", tc.oauth);
    const accountId = location.searchParams.get("account")!;
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Linked chat" });
    expect((await t.api("POST", `/api/v1/streams/${stream.id}/destinations`, { platform: "twitcasting", accountId })).status).toBe(201);
    const movie = tc.chat.startMovie();
    tc.chat.comment(movie, viewer("100001", "Hanako"), "こんばんは");
    tc.chat.comment(movie, viewer("100002", "Taro"), "わこつ");

    t.prism.bus.emit("stream.started", { streamId: stream.id, sessionId: "session-1", name: stream.name, at: new Date().toISOString() });
    const page = await waitFor(async () => {
      const { body } = await t!.api("GET", `/api/v1/streams/${stream.id}/comments`);
      return body.comments.length === 2 ? body : undefined;
    }, { what: "the TwitCasting comments in the feed" });
    expect(page.comments.map((c: any) => [c.platform, c.author.name, c.text])).toEqual([
      ["twitcasting", "Hanako", "こんばんは"],
      ["twitcasting", "Taro", "わこつ"],
    ]);

    const sent = await t.api("POST", `/api/v1/streams/${stream.id}/comments`, { text: "ありがとう!" });
    expect(sent.body.results).toEqual([{ platform: "twitcasting", destinationId: expect.any(String), ok: true }]);
    expect(tc.chat.movies.get(movie)!.comments.map((c) => c.message)).toContain("ありがとう!");

    // The same through an action URL, as a phone shortcut or Zapier sends it (JSON as text/plain).
    const { token } = (await t.api("POST", `/api/v1/streams/${stream.id}/action-tokens`, { name: "Shortcut", actions: ["send-comment"] })).body;
    const viaAction = await fetch(`http://127.0.0.1:${t.prism.httpPort}/api/v1/actions/${token}/send-comment`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify({ text: "すぐ戻ります", platforms: ["twitcasting"] }),
    });
    expect(viaAction.status).toBe(200);
    expect(((await viaAction.json()) as { results: unknown }).results).toEqual([{ platform: "twitcasting", destinationId: expect.any(String), ok: true }]);
    expect(tc.chat.movies.get(movie)!.comments.map((c) => c.message)).toContain("すぐ戻ります");

    t.prism.bus.emit("stream.ended", { streamId: stream.id, sessionId: "session-1", name: stream.name, at: new Date().toISOString(), reason: "test" });
    await new Promise((r) => setTimeout(r, 100));
    const calls = tc.chat.listCalls.length;
    await new Promise((r) => setTimeout(r, 4_500));
    expect(tc.chat.listCalls.length).toBe(calls);
  }, 20_000);
});
