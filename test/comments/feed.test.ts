import { afterEach, describe, expect, it } from "vitest";
import { rmSync } from "node:fs";
import { waitFor } from "../support/prism.js";
import { TestChat, goLive, message, startChatPrism, type ChatPrism } from "./support.js";

const running: ChatPrism[] = [];
afterEach(async () => {
  for (const p of running.splice(0)) await p.stop();
});

describe("the merged comment feed", () => {
  it("reads every platform of a live stream, keeps each message once, in sentAt order, and keeps the history across a restart", async () => {
    const chats = { twitch: new TestChat("twitch"), youtube: new TestChat("youtube"), twitcasting: new TestChat("twitcasting") };
    let t = await startChatPrism(chats, { reorderWindowMs: 500 });
    running.push(t);
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Chat" });
    const announced: Array<{ platform: string; text: string }> = [];
    t.prism.bus.on("comment.received", (c) => announced.push({ platform: c.platform, text: c.text }));

    goLive(t.prism, stream.id);
    await waitFor(() => Object.values(chats).every((c) => c.reading), { what: "every reader open" });

    const t0 = Date.now() - 5_000;
    const at = (s: number) => new Date(t0 + s * 1000);
    chats.twitch.push(message("t1", at(1), "ann", "tw-1"), message("t3", at(3), "ann", "tw-3"));
    // YouTube polls: its older message arrives after Twitch's newer one, inside the reorder window.
    chats.youtube.push(message("y2", at(2), "bob", "yt-2"));
    chats.twitcasting.push(message("c4", at(4), "cat", "tc-4"));
    // A reader that re-reads a page after a reconnect hands over the same messages again.
    chats.twitch.push(message("t1", at(1), "ann", "tw-1"));
    chats.youtube.push(message("y2", at(2), "bob", "yt-2"));

    await waitFor(async () => (await t.api("GET", `/api/v1/streams/${stream.id}/comments`)).body.comments.length === 4, { what: "four comments" });
    const { body: page } = await t.api("GET", `/api/v1/streams/${stream.id}/comments`);
    expect(page.comments.map((c: any) => `${c.platform}:${c.text}`)).toEqual(["twitch:t1", "youtube:y2", "twitch:t3", "twitcasting:c4"]);
    expect(page.comments[0]).toMatchObject({ streamId: stream.id, author: { id: "id-ann", name: "ann", badges: [] }, sentAt: at(1).toISOString(), flagged: null, hidden: null });
    expect(announced.map((a) => a.text)).toEqual(["t1", "y2", "t3", "c4"]);

    // A duplicate arriving long after the window (the in-memory keys aside) is still dropped by the store.
    chats.twitch.push(message("t1", at(1), "ann", "tw-1"));
    await new Promise((r) => setTimeout(r, 700));
    expect((await t.api("GET", `/api/v1/streams/${stream.id}/comments`)).body.comments).toHaveLength(4);

    // Paging: newest page first, `next` walks back.
    const { body: newest } = await t.api("GET", `/api/v1/streams/${stream.id}/comments?limit=3`);
    expect(newest.comments.map((c: any) => c.text)).toEqual(["y2", "t3", "c4"]);
    const { body: older } = await t.api("GET", `/api/v1/streams/${stream.id}/comments?limit=3&before=${newest.next}`);
    expect(older.comments.map((c: any) => c.text)).toEqual(["t1"]);
    expect(older.next).toBeNull();

    prismStreamEnded(t, stream.id);
    await waitFor(() => Object.values(chats).every((c) => !c.reading), { what: "readers stopped at stream end" });

    await t.stop();
    running.pop();
    t = await startChatPrism(chats, { dataDir: t.dataDir });
    running.push(t);
    const { body: after } = await t.api("GET", `/api/v1/streams/${stream.id}/comments`);
    expect(after.comments.map((c: any) => c.text)).toEqual(["t1", "y2", "t3", "c4"]);
    // After the restart the same platform message is still known.
    goLive(t.prism, stream.id);
    await waitFor(() => chats.twitch.reading, { what: "reader reopened" });
    chats.twitch.push(message("t1", at(1), "ann", "tw-1"), message("t5", at(4.5), "ann", "tw-5"));
    await waitFor(async () => (await t.api("GET", `/api/v1/streams/${stream.id}/comments`)).body.comments.length === 5, { what: "five comments" });
    expect((await t.api("GET", `/api/v1/streams/${stream.id}/comments`)).body.comments.map((c: any) => c.text)).toEqual(["t1", "y2", "t3", "c4", "t5"]);
    rmSync(t.dataDir, { recursive: true, force: true, maxRetries: 3 });
  });

  it("waits for a live, quiet platform up to the window, not for one whose reader is down or has nothing to read", async () => {
    const chats = { twitch: new TestChat("twitch"), youtube: new TestChat("youtube") };
    const t = await startChatPrism(chats, { reorderWindowMs: 1_500 });
    running.push(t);
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Waits" });
    goLive(t.prism, stream.id);
    await waitFor(() => chats.twitch.reading && chats.youtube.reading, { what: "both readers open" });
    const texts = async () => (await t.api("GET", `/api/v1/streams/${stream.id}/comments`)).body.comments.map((c: any) => c.text);
    const shownAfter = async (text: string, sentMsAgo = 0) => {
      const t0 = Date.now();
      chats.twitch.push(message(text, new Date(t0 - sentMsAgo), "ann"));
      await waitFor(async () => (await texts()).includes(text), { what: text, intervalMs: 20 });
      return Date.now() - t0;
    };

    // YouTube is live but has not vouched for anything this recent: Twitch's message waits for it, up to the window.
    expect(await shownAfter("held")).toBeGreaterThanOrEqual(1_400);
    // A YouTube poll came back: it has handed over everything sent before now, so a Twitch message sent before then goes at once.
    chats.youtube.caughtUp(new Date());
    expect(await shownAfter("vouched", 50)).toBeLessThan(700);
    // YouTube's reader is down (or, like X without an announcement post, waiting): nothing to wait for.
    chats.youtube.say("reconnecting", "YouTube is unreachable");
    expect(await shownAfter("not waited for")).toBeLessThan(700);
    chats.youtube.say("live");
    expect(await shownAfter("held again")).toBeGreaterThanOrEqual(1_400);
    chats.youtube.caughtUp(null);
    expect(await shownAfter("nothing to read")).toBeLessThan(700);
    expect(await texts()).toEqual(["held", "vouched", "not waited for", "held again", "nothing to read"]);
  });

  it("answers 404 for an unknown stream and 400 for a bad cursor", async () => {
    const t = await startChatPrism({});
    running.push(t);
    expect((await t.api("GET", "/api/v1/streams/nope/comments")).status).toBe(404);
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Chat" });
    const bad = await t.api("GET", `/api/v1/streams/${stream.id}/comments?limit=0`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("validation_failed");
  });
});

function prismStreamEnded(t: ChatPrism, streamId: string) {
  t.prism.bus.emit("stream.ended", { streamId, sessionId: "session-1", name: "Test", at: new Date().toISOString(), reason: "publisher stopped" });
}
