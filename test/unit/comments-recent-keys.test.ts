import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { NewComment } from "../../src/core/chat-comment.js";
import { openTestStore } from "../support/db.js";
import { removeTempDirs } from "../support/tmp.js";

describe("CommentsRepo.recentPlatformKeys (seeds the feed's synchronous repeat check at go-live)", () => {
  const open: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of open.splice(0)) await close();
  });
  afterAll(removeTempDirs);

  const comment = (streamId: string, platform: string, platformMessageId: string): NewComment => ({
    streamId,
    platform,
    platformMessageId,
    author: { id: "a1", name: "ann", badges: [] },
    text: platformMessageId,
    kind: "message",
    sentAt: new Date(),
    receivedAt: new Date(),
    flagged: null,
    hidden: null,
  });

  it("answers the stream's newest stored (platform, id) pairs only, newest first, at most `limit`, hidden ones included", async () => {
    const database = await openTestStore();
    open.push(database.close);
    const { streams, comments: repo } = database.store;
    const [a, b] = [(await streams.create("A")).id, (await streams.create("B")).id];
    await repo.insertBatch([comment(a, "twitch", "t1"), comment(a, "youtube", "y1"), comment(b, "twitch", "other")]);
    await repo.insertBatch([comment(a, "twitch", "t2"), comment(a, "twitch", "t1")]); // the repeat is not stored twice
    await repo.hide(a, { id: (await repo.history(a, { limit: 10, includeFlagged: true })).find((c) => c.text === "y1")!.id }, "hidden");

    expect(await repo.recentPlatformKeys(a, 10)).toEqual(["twitch\nt2", "youtube\ny1", "twitch\nt1"]);
    expect(await repo.recentPlatformKeys(a, 2)).toEqual(["twitch\nt2", "youtube\ny1"]);
    expect(await repo.recentPlatformKeys(b, 10)).toEqual(["twitch\nother"]);
    expect(await repo.recentPlatformKeys("no-such-stream", 10)).toEqual([]);
  });
});
