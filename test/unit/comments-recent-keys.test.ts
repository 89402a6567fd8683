import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/client.js";
import { CommentsRepo } from "../../src/db/comments-repo.js";
import { StreamsRepo } from "../../src/db/streams-repo.js";
import type { NewComment } from "../../src/core/chat-comment.js";
import { SecretBox } from "../../src/secrets/secret-box.js";
import { makeTempDir, removeTempDirs } from "../support/tmp.js";

describe("CommentsRepo.recentPlatformKeys (seeds the feed's synchronous repeat check at go-live)", () => {
  const open: Array<() => void> = [];
  afterEach(() => open.splice(0).forEach((close) => close()));
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
    const database = openDatabase(join(await makeTempDir("prism-recent-keys-"), "prism.sqlite"));
    open.push(database.close);
    const streams = new StreamsRepo(database.db, new SecretBox("0123456789abcdef0123456789abcdef"));
    const [a, b] = [streams.create("A").id, streams.create("B").id];
    const repo = new CommentsRepo(database.db);
    repo.insertBatch([comment(a, "twitch", "t1"), comment(a, "youtube", "y1"), comment(b, "twitch", "other")]);
    repo.insertBatch([comment(a, "twitch", "t2"), comment(a, "twitch", "t1")]); // the repeat is not stored twice
    repo.hide(a, { id: repo.history(a, { limit: 10, includeFlagged: true }).find((c) => c.text === "y1")!.id }, "hidden");

    expect(repo.recentPlatformKeys(a, 10)).toEqual(["twitch\nt2", "youtube\ny1", "twitch\nt1"]);
    expect(repo.recentPlatformKeys(a, 2)).toEqual(["twitch\nt2", "youtube\ny1"]);
    expect(repo.recentPlatformKeys(b, 10)).toEqual(["twitch\nother"]);
    expect(repo.recentPlatformKeys("no-such-stream", 10)).toEqual([]);
  });
});
