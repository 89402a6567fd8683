import { expect, it } from "vitest";
import { NO_CHAT_MODES } from "../../src/core/chat-modes.js";
import type { NewComment } from "../../src/core/chat-comment.js";
import { describeDialects, fakeDate, T0, type DialectHarness } from "../support/dialects.js";

let n = 0;
const comment = (streamId: string, over: Partial<NewComment> = {}): NewComment => {
  n++;
  return {
    streamId,
    platform: "twitch",
    platformMessageId: `pm-${n}`,
    author: { id: "viewer-1", name: "Viewer", badges: ["subscriber/12"], color: "#ff0000" },
    text: `message ${n}`,
    kind: "message",
    sentAt: new Date(T0 + n),
    receivedAt: new Date(T0 + n + 5),
    flagged: null,
    hidden: null,
    ...over,
  };
};

async function stream(h: DialectHarness) {
  return (await h.store.streams.create("Show")).id;
}

describeDialects("chat comments store", (open) => {
  fakeDate();

  it("stores a batch in order with increasing seq, skips a message seen before, and reads it back whole", async () => {
    const h = await open();
    const s = await stream(h);
    const paid = comment(s, { kind: "paid", amount: { value: 5.5, currency: "USD" }, emotes: [{ id: "e1", name: "Kappa", start: 0, end: 4, url: "https://x/e1.png" }], author: { id: "v2", name: "Donor", badges: [], avatarUrl: "https://x/a.png" } });
    const first = await h.store.comments.insertBatch([comment(s), paid]);
    expect(first.map((c) => c.kind)).toEqual(["message", "paid"]);
    expect(first[1]!.seq).toBeGreaterThan(first[0]!.seq);
    const again = await h.store.comments.insertBatch([{ ...paid, text: "replayed" }, comment(s)]);
    expect(again).toHaveLength(1);
    expect(again[0]!.seq).toBeGreaterThan(first[1]!.seq);
    const { platformMessageId: _, ...expected } = paid;
    expect(await h.store.comments.get(s, first[1]!.id)).toEqual({ ...expected, id: first[1]!.id, seq: first[1]!.seq });
    const known = await h.store.comments.recentPlatformKeys(s, 10);
    expect(known).toContain(`twitch\n${paid.platformMessageId}`);
    expect(known).not.toContain(`youtube\n${paid.platformMessageId}`);
    expect(await h.store.comments.platformMessageId(first[1]!.id)).toBe(paid.platformMessageId);
    expect(await h.store.comments.insertBatch([])).toEqual([]);
  });

  it("names the newest messages' platform keys, hidden and flagged ones too (the merger's memory at go-live)", async () => {
    const h = await open();
    const s = await stream(h);
    const [a, b, c] = [comment(s), comment(s, { platform: "youtube", hidden: "hidden" }), comment(s, { flagged: "word: spam" })];
    await h.store.comments.insertBatch([a, b, c]);
    await h.store.comments.insertBatch([comment(await stream(h))]);
    expect(await h.store.comments.recentPlatformKeys(s, 2)).toEqual([`twitch\n${c.platformMessageId}`, `youtube\n${b.platformMessageId}`]);
    expect(await h.store.comments.recentPlatformKeys(s, 10)).toHaveLength(3);
  });

  it("pages history newest first (flagged only when asked, hidden never) and replays what a client missed", async () => {
    const h = await open();
    const s = await stream(h);
    const stored = await h.store.comments.insertBatch([comment(s), comment(s, { flagged: "word: spam" }), comment(s), comment(s, { hidden: "hidden" }), comment(s)]);
    const seqs = stored.map((c) => c.seq);
    expect((await h.store.comments.history(s, { limit: 10, includeFlagged: false })).map((c) => c.seq)).toEqual([seqs[4], seqs[2], seqs[0]]);
    expect((await h.store.comments.history(s, { limit: 10, includeFlagged: true })).map((c) => c.seq)).toEqual([seqs[4], seqs[2], seqs[1], seqs[0]]);
    expect((await h.store.comments.history(s, { limit: 1, beforeSeq: seqs[4], includeFlagged: false })).map((c) => c.seq)).toEqual([seqs[2]]);
    expect((await h.store.comments.visibleAfter(s, seqs[0]!, 10)).map((c) => c.seq)).toEqual([seqs[2], seqs[4]]);
    expect(await h.store.comments.history("other-stream", { limit: 10, includeFlagged: true })).toEqual([]);
  });

  it("flags visible messages a new filter names, hides by message or by author, and names an author", async () => {
    const h = await open();
    const s = await stream(h);
    const [a, b, c] = await h.store.comments.insertBatch([comment(s, { text: "buy cheap followers" }), comment(s, { text: "hello", author: { id: "troll", name: "Troll", badges: [] } }), comment(s, { text: "cheap again", author: { id: "troll", name: "Troll2", badges: [] } })]);
    const flagged = await h.store.comments.flagVisible(s, (text) => (text.includes("cheap") ? "word: cheap" : null));
    expect(flagged.sort()).toEqual([a!.id, c!.id].sort());
    expect(await h.store.comments.flagVisible(s, (text) => (text.includes("cheap") ? "again" : null))).toEqual([]);
    expect((await h.store.comments.get(s, a!.id))!.flagged).toBe("word: cheap");
    expect(await h.store.comments.hide(s, { id: b!.id }, "hidden")).toEqual([b!.id]);
    expect(await h.store.comments.hide(s, { id: b!.id }, "hidden")).toEqual([]);
    expect(await h.store.comments.hide(s, { platform: "twitch", authorId: "troll" }, "blocked")).toEqual([c!.id]);
    expect(await h.store.comments.authorName(s, "twitch", "troll")).toBe("Troll2");
    expect(await h.store.comments.authorName(s, "twitch", "nobody")).toBeUndefined();
  });

  it("keeps filters, blocks, the overlay token and chat modes per stream", async () => {
    const h = await open();
    const s = await stream(h);
    const f = await h.store.comments.addFilter(s, "regex", "^spam");
    expect(await h.store.comments.listFilters(s)).toEqual([{ id: f.id, streamId: s, kind: "regex", pattern: "^spam", createdAt: new Date(T0) }]);
    expect(await h.store.comments.deleteFilter("other", f.id)).toBe(false);
    expect(await h.store.comments.deleteFilter(s, f.id)).toBe(true);
    const block = await h.store.comments.addBlock(s, "twitch", "troll", "Troll");
    await h.store.comments.addBlock(s, "twitch", "troll", "Troll again");
    expect(await h.store.comments.listBlocks(s)).toEqual([block]);
    expect(await h.store.comments.deleteBlock(s, "twitch", "troll")).toBe(true);
    expect(await h.store.comments.deleteBlock(s, "twitch", "troll")).toBe(false);
    await h.store.comments.setOverlayToken(s, "hash-1");
    await h.store.comments.setOverlayToken(s, "hash-2");
    expect(await h.store.comments.streamForOverlayToken("hash-1")).toBeUndefined();
    expect(await h.store.comments.streamForOverlayToken("hash-2")).toBe(s);
    expect(await h.store.comments.chatModes(s)).toEqual(NO_CHAT_MODES);
    const modes = { slowSec: 30, followersOnly: { minFollowMinutes: 10 }, subscribersOnly: true, emoteOnly: false };
    await h.store.comments.setChatModes(s, modes);
    expect(await h.store.comments.chatModes(s)).toEqual(modes);
    await h.store.comments.setChatModes(s, NO_CHAT_MODES);
    expect(await h.store.comments.chatModes(s)).toEqual(NO_CHAT_MODES);
  });

  it("stores a hostile message carrying NUL characters instead of failing its batch", async () => {
    const h = await open();
    const s = await stream(h);
    const stored = await h.store.comments.insertBatch([comment(s, { text: "a\0b", author: { id: "x\0", name: "N\0ul", badges: ["b\0"] } }), comment(s)]);
    expect(stored).toHaveLength(2);
    const back = await h.store.comments.get(s, stored[0]!.id);
    // SQLite keeps NUL; PostgreSQL cannot, and stores U+FFFD in its place.
    const visible = (text: string) => text.replace(/[\0\uFFFD]/g, "");
    expect(visible(back!.text)).toBe("ab");
    expect(visible(back!.author.name)).toBe("Nul");
  });

  it("forgets a stream's chat with the stream", async () => {
    const h = await open();
    const s = await stream(h);
    const [c] = await h.store.comments.insertBatch([comment(s)]);
    await h.store.comments.addFilter(s, "word", "x");
    await h.store.streams.delete(s);
    expect(await h.store.comments.get(s, c!.id)).toBeUndefined();
    expect(await h.store.comments.listFilters(s)).toEqual([]);
  });
});
