import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatRelay } from "../../src/cluster/chat-relay.js";
import { ClusterUnavailableError, NatsLink } from "../../src/cluster/nats.js";
import type { FeedEvent } from "../../src/comments/types.js";
import type { ChatComment, NewComment } from "../../src/core/chat-comment.js";
import { openDatabase } from "../../src/db/client.js";
import { CommentsRepo } from "../../src/db/comments-repo.js";
import { wrapSync, type CommentsStore } from "../../src/db/store.js";
import { StreamsRepo } from "../../src/db/streams-repo.js";
import type { IncomingChatMessage } from "../../src/destinations/chat-types.js";
import { SecretBox } from "../../src/secrets/secret-box.js";
import { startNats, type TestNats } from "../support/nats.js";
import { makeTempDir, removeTempDir } from "../support/tmp.js";

let nats: TestNats;
let owner: NatsLink;
let other: NatsLink;
let dir: string;
let database: ReturnType<typeof openDatabase>;
let comments: CommentsStore;
let syncComments: CommentsRepo;
let streams: StreamsRepo;

beforeAll(async () => {
  nats = await startNats();
  owner = await NatsLink.connect({ url: nats.url, nodeId: "node-a", reconnectWaitMs: 100 });
  other = await NatsLink.connect({ url: nats.url, nodeId: "node-b", reconnectWaitMs: 100 });
  dir = await makeTempDir("prism-chat-relay-");
  database = openDatabase(join(dir, "prism.sqlite"));
  syncComments = new CommentsRepo(database.db);
  comments = wrapSync(syncComments);
  streams = new StreamsRepo(database.db, new SecretBox("chat-relay-test-secret-0123456789"));
});

afterAll(async () => {
  await owner?.close();
  await other?.close();
  await nats?.dispose();
  database?.close();
  if (dir) await removeTempDir(dir);
});

const history = (streamId: string, afterSeq: number, limit: number) => comments.visibleAfter(streamId, afterSeq, limit);

let counter = 0;
function newComment(streamId: string, text: string): NewComment {
  counter += 1;
  const at = new Date(Date.UTC(2026, 11, 6, 9, 0, counter));
  return { streamId, platform: "twitch", platformMessageId: `m${counter}`, author: { id: "u1", name: "viewer", badges: [] }, text, kind: "message", sentAt: at, receivedAt: at, flagged: null, hidden: null };
}

/** What the owner's feed does with a released batch: store it, then publish what was new. */
async function release(relay: ChatRelay, streamId: string, texts: string[]): Promise<ChatComment[]> {
  const stored = await comments.insertBatch(texts.map((t) => newComment(streamId, t)));
  relay.publish(streamId, stored.map((comment) => ({ type: "comment", comment })));
  return stored;
}

/** A follower's events, and a way to wait until it has seen a comment with `text`. */
function recorder() {
  const events: FeedEvent[] = [];
  const waiters: Array<() => void> = [];
  return {
    events,
    texts: () => events.map((e) => (e.type === "comment" ? e.comment.text : `removed:${e.ids.join(",")}`)),
    listener: (batch: readonly FeedEvent[]) => {
      events.push(...batch);
      for (const w of waiters.splice(0)) w();
    },
    async until(done: () => boolean): Promise<void> {
      while (!done()) await new Promise<void>((resolve) => waiters.push(resolve));
    },
  };
}

describe("chat of a stream owned by another node", () => {
  it("delivers the history, then live items, in order and each once across the handover", async () => {
    const streamId = streams.create("Chat show").id;
    const ownerRelay = new ChatRelay(owner);
    const followerRelay = new ChatRelay(other);
    const [first] = await release(ownerRelay, streamId, ["one", "two"]);

    // The history read is held until live items published meanwhile (one of them also in the history) arrived.
    let releaseHistory!: () => void;
    const gate = new Promise<void>((resolve) => (releaseHistory = resolve));
    const f = recorder();
    const following = followerRelay.follow(
      streamId,
      first!.seq - 1,
      async (s, after, limit) => {
        await gate;
        return history(s, after, limit);
      },
      f.listener,
    );
    await other.nc.flush(); // subscribed
    await release(ownerRelay, streamId, ["three"]);
    ownerRelay.publish(streamId, [{ type: "removed", ids: [first!.id], reason: "hidden" }]);
    await owner.nc.flush();
    await other.nc.flush(); // "three" and the removal are held by now
    releaseHistory();
    await f.until(() => f.events.length === 4);
    await release(ownerRelay, streamId, ["four"]);
    await f.until(() => f.texts().includes("four"));
    expect(f.texts()).toEqual(["one", "two", "three", `removed:${first!.id}`, "four"]);
    const seqs = f.events.flatMap((e) => (e.type === "comment" ? [e.comment.seq] : []));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    const live = f.events.find((e) => e.type === "comment" && e.comment.text === "four");
    expect(live?.type === "comment" && live.comment.sentAt).toBeInstanceOf(Date);
    (await following)();
  });

  it("follows from now, and reads back from the store what it missed while NATS was down", async () => {
    const streamId = streams.create("Outage show").id;
    const ownerRelay = new ChatRelay(owner);
    const f = recorder();
    const stop = await new ChatRelay(other).follow(streamId, null, history, f.listener);
    await other.nc.flush();
    await release(ownerRelay, streamId, ["before"]);
    await f.until(() => f.events.length === 1);

    await nats.stop();
    await Promise.all([owner.when(false), other.when(false)]);
    const missed = await release(ownerRelay, streamId, ["during-1", "during-2"]);
    expect(ownerRelay.publish(streamId, missed.map((comment) => ({ type: "comment", comment })))).toBe(false);

    await nats.start();
    await Promise.all([owner.when(true), other.when(true)]);
    await f.until(() => f.events.length === 3);
    await other.nc.flush();
    await release(ownerRelay, streamId, ["after"]);
    await f.until(() => f.texts().includes("after"));
    expect(f.texts()).toEqual(["before", "during-1", "during-2", "after"]);
    stop();
  });
});

describe("chat on the node that publishes it", () => {
  it("reaches that node's own subscribers once, locally, and the other nodes' through NATS", async () => {
    const streamId = streams.create("Both sides").id;
    const here = new ChatRelay(owner, { origin: "node-a" });
    const there = new ChatRelay(other, { origin: "node-b" });
    const localListeners = new Set<(events: readonly FeedEvent[]) => void>();
    const local = (l: (events: readonly FeedEvent[]) => void) => {
      localListeners.add(l);
      return () => localListeners.delete(l);
    };
    /** What the comments feed does on the node that stores a batch: its own subscribers, then the cluster. */
    const publishHere = (events: FeedEvent[]) => {
      for (const l of localListeners) l(events);
      here.publish(streamId, events);
    };
    const mine = recorder();
    const theirs = recorder();
    const stopMine = await here.follow(streamId, null, history, mine.listener, local);
    const stopTheirs = await there.follow(streamId, null, history, theirs.listener);
    await Promise.all([owner.nc.flush(), other.nc.flush()]);

    const stored = await comments.insertBatch([newComment(streamId, "hello"), newComment(streamId, "again")]);
    publishHere(stored.map((comment) => ({ type: "comment", comment })));
    publishHere([{ type: "removed", ids: [stored[0]!.id], reason: "hidden" }]);
    await theirs.until(() => theirs.events.length === 3);
    // NATS has carried node A's own messages back to it by now: they are not delivered a second time.
    await owner.nc.flush();
    await new Promise<void>((resolve) => setImmediate(resolve));
    const expected = ["hello", "again", `removed:${stored[0]!.id}`];
    expect(mine.texts()).toEqual(expected);
    expect(theirs.texts()).toEqual(expected);
    stopMine();
    stopTheirs();
  });
});

describe("chat pushed to a node that does not own the stream", () => {
  const message = (id: string, text: string): IncomingChatMessage => ({ platformMessageId: id, author: { id: "u9", name: "pusher", badges: [] }, text, sentAt: new Date("2026-12-06T09:10:00.000Z") });

  it("reaches the owner's merger, dates and all, and says so only once the owner took it", async () => {
    const received: Array<[string, IncomingChatMessage[]]> = [];
    const stop = new ChatRelay(owner).serveInbox("stream-pushed", (platform, messages) => received.push([platform, messages]));
    await owner.nc.flush();
    await new ChatRelay(other, { maxForwarded: 2 }).forwardToOwner("stream-pushed", "kick", [message("k1", "a"), message("k2", "b"), message("k3", "c")]);
    expect(received).toEqual([
      ["kick", [message("k1", "a"), message("k2", "b")]],
      ["kick", [message("k3", "c")]],
    ]);
    expect(received[0]![1][0]!.sentAt).toBeInstanceOf(Date);
    stop();
  });

  it("fails clearly when no node owns the stream, or the owner refuses", async () => {
    const relay = new ChatRelay(other);
    await expect(relay.forwardToOwner("stream-nobody", "kick", [message("k1", "a")])).rejects.toThrow(
      new ClusterUnavailableError("No node is reading stream stream-nobody's chat right now (it is not live, or its owner is restarting); try again shortly"),
    );
    const stop = new ChatRelay(owner).serveInbox("stream-refusing", () => {
      throw new Error("the merger is closed");
    });
    await owner.nc.flush();
    await expect(relay.forwardToOwner("stream-refusing", "kick", [message("k1", "a")])).rejects.toThrow("The node that owns stream stream-refusing refused the forwarded chat: the merger is closed");
    const raw = await other.nc.request("prism.stream.stream-refusing.chat.in", JSON.stringify({ platform: "kick", messages: "nope" }), { timeout: 5_000 });
    expect(raw.json()).toEqual({ ok: false, error: "Forwarded chat must be { platform, messages } with at most 500 messages, each with platformMessageId, author, text and sentAt" });
    stop();
  });
});
