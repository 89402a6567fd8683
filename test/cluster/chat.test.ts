import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createTestDatabase, type TestDatabase } from "../support/pg.js";
import { startNats, type TestNats } from "../support/nats.js";
import { startTestPrism, waitFor, type TestPrism } from "../support/prism.js";
import { publishTestStream } from "../support/publisher.js";
import { killAll, withTimeout } from "../support/children.js";
import { removeTempDirs } from "../support/tmp.js";
import { startTwitCastingFake, type TwitCastingFake } from "../fakes/twitcasting.js";
import { viewer } from "../fakes/twitcasting-chat.js";
import { linkThroughBrowser } from "../oauth/support.js";
import { KICK_USER, startKickFake, type KickDelivery, type KickFake } from "../fakes/kick.js";
import { openSse } from "../comments/support.js";

type Feed = Awaited<ReturnType<typeof openSse>>;

/**
 * Issue #21, "any node answers any request", for chat: a stream's TwitCasting reader runs on node A, which owns
 * the stream; node B's chat feed (the SSE feed the dashboard's Chat page reads) gets the same messages through
 * NATS after the history from PostgreSQL, each once and in order; a message sent and a hide asked through B go to
 * A and show on both feeds; B cut off from NATS answers 503, and its open feed gets the gap from the store once
 * NATS is back.
 */
describe("chat of a stream live on another node", () => {
  let nats: TestNats;
  let db: TestDatabase;
  let tc: TwitCastingFake;
  let kick: KickFake;
  let a: TestPrism;
  let b: TestPrism;
  const feeds: Feed[] = [];
  const sockets: WebSocket[] = [];

  // A lease long enough to outlive the NATS outage below: the stream stays A's throughout.
  const clusterEnv = (nodeId: string) => ({
    PRISM_DATABASE_URL: db.url,
    PRISM_NATS_URL: nats.url,
    PRISM_NODE_ID: nodeId,
    PRISM_CLUSTER_LEASE_MS: "20000",
    PRISM_SECRET: "cluster-chat-test-master-secret-0123456789",
    ...tc.env(),
    ...kick.env(),
  });

  beforeAll(async () => {
    [nats, db, tc, kick] = await Promise.all([startNats(), createTestDatabase(), startTwitCastingFake(), startKickFake()]);
    a = await startTestPrism({ env: clusterEnv("node-a") });
    b = await startTestPrism({ env: clusterEnv("node-b") });
  });
  afterAll(async () => {
    for (const feed of feeds) await feed.close();
    for (const socket of sockets) socket.terminate();
    await b?.stop();
    await a?.stop();
    await killAll();
    await nats?.dispose().catch(() => undefined);
    await tc?.close();
    await kick?.close();
    await db?.drop();
    await removeTempDirs();
  });

  const open = async (node: TestPrism, streamId: string, lastEventId?: number) => {
    const headers: Record<string, string> = { authorization: `Bearer ${node.token}` };
    if (lastEventId !== undefined) headers["last-event-id"] = String(lastEventId);
    const feed = await openSse(`http://127.0.0.1:${node.prism.httpPort}/api/v1/streams/${streamId}/comments/stream`, headers);
    feeds.push(feed);
    expect(feed.status).toBe(200);
    return feed;
  };
  /** The chat WebSocket of `node`: its frames as they come, or the HTTP status it was refused with. */
  const openSocket = (node: TestPrism, streamId: string) =>
    new Promise<{ frames: any[] } | { refused: number; body: string }>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${node.prism.httpPort}/api/v1/streams/${streamId}/comments/ws`, ["prism.chat", `bearer.${node.token}`]);
      sockets.push(ws);
      const frames: any[] = [];
      ws.on("message", (data) => frames.push(JSON.parse(String(data))));
      ws.once("open", () => resolve({ frames }));
      ws.once("unexpected-response", (_req, res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => (body += chunk));
        res.on("end", () => resolve({ refused: res.statusCode ?? 0, body }));
      });
      ws.once("error", reject);
    });
  const texts = (feed: Feed) => feed.comments().map((c: { text: string }) => c.text);
  const until = (feed: Feed, wanted: string[], what: string) => waitFor(() => wanted.every((t) => texts(feed).includes(t)), { timeoutMs: 20_000, what });

  it("serves the owner's chat on the other node once and in order; sends, hides and a NATS outage through that node", async () => {
    const { location } = await linkThroughBrowser(a, "twitcasting", tc.oauth);
    const accountId = location.searchParams.get("account")!;
    const stream = (await a.api("POST", "/api/v1/streams", { name: "Chat across nodes" })).body;
    expect((await a.api("POST", `/api/v1/streams/${stream.id}/destinations`, { platform: "twitcasting", accountId })).status).toBe(201);
    const movie = tc.chat.startMovie();
    const say = (text: string) => tc.chat.comment(movie, viewer("100001", "Hanako"), text);

    const publisher = publishTestStream({ url: a.publishUrl(stream.streamKey), durationSec: Infinity });
    expect(await withTimeout(publisher.publishing, 20_000, "publish to node A")).toBe(true);
    say("one");
    say("two");
    // Read on A (its reader), stored in PostgreSQL: B's history has them.
    const stored = await waitFor(
      async () => {
        const { body } = await b.api("GET", `/api/v1/streams/${stream.id}/comments`);
        return body.comments?.length === 2 ? body.comments : null;
      },
      { timeoutMs: 20_000, what: "the first two messages in the history, read through node B" },
    );

    // B from its Last-Event-ID (the history, then live through NATS); A and B from now.
    const fromStart = await open(b, stream.id, stored[0].seq - 1);
    const onA = await open(a, stream.id);
    const onB = await open(b, stream.id);
    const socketOnB = await openSocket(b, stream.id);
    if (!("frames" in socketOnB)) throw new Error(`node B refused the chat WebSocket: ${socketOnB.refused}`);
    await until(fromStart, ["one", "two"], "the history on node B's feed");
    say("three");
    say("four");
    await until(fromStart, ["three", "four"], "live messages on node B's feed");
    await until(onB, ["three", "four"], "live messages on node B's second feed");
    await until(onA, ["three", "four"], "live messages on node A's feed");

    // Sent through B: the request goes to A (the owner), which posts it on TwitCasting; A's reader reads it back.
    const sent = await b.api("POST", `/api/v1/streams/${stream.id}/comments`, { text: "from node B" });
    expect(sent.status).toBe(200);
    expect(sent.body.results).toEqual([{ platform: "twitcasting", destinationId: expect.any(String), ok: true }]);
    await until(onB, ["from node B"], "the message sent through node B on its feed");
    await until(onA, ["from node B"], "the message sent through node B on node A's feed");

    // Hidden through B: A hides it (and deletes it on TwitCasting); both feeds are told once.
    const three = onB.comments().find((c: { text: string }) => c.text === "three");
    const hidden = await b.api("POST", `/api/v1/streams/${stream.id}/comments/${three.id}/hide`);
    expect(hidden.status).toBe(200);
    const removal = (feed: Feed) => feed.events.filter((e) => e.event === "removed");
    await waitFor(() => removal(onA).length > 0 && removal(onB).length > 0 && removal(fromStart).length > 0, { what: "the removal on every feed" });
    expect(tc.chat.deleted).toHaveLength(1);

    // A feed opened on B just before the outage, that has seen nothing live yet, still gets what the outage hid.
    const lateOnB = await open(b, stream.id);
    // B loses NATS: a new feed there is refused with a reason; A, which reads the chat, goes on.
    await withTimeout(nats.stop(), 15_000, "nats stop");
    await waitFor(async () => (await b.api("GET", "/api/v1/cluster")).status === 503, { what: "node B to notice NATS is gone" });
    const refused = await fetch(`http://127.0.0.1:${b.prism.httpPort}/api/v1/streams/${stream.id}/comments/stream`, { headers: { authorization: `Bearer ${b.token}` } });
    expect(refused.status).toBe(503);
    expect(refused.headers.get("content-type")).toContain("application/json");
    expect(((await refused.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: "cluster_unavailable", message: expect.stringContaining("lost its connection to NATS") });
    const refusedSocket = await openSocket(b, stream.id);
    expect(refusedSocket).toMatchObject({ refused: 503 });
    expect(JSON.parse((refusedSocket as { body: string }).body).error.code).toBe("cluster_unavailable");
    say("during the outage");
    await until(onA, ["during the outage"], "node A's feed to go on without NATS");

    // NATS is back: B's open feeds read what they missed from the store, then go on live.
    await nats.start();
    await until(fromStart, ["during the outage"], "the outage's message on node B's feed, read back from the store");
    await until(onB, ["during the outage"], "the outage's message on node B's second feed");
    await until(lateOnB, ["during the outage"], "the outage's message on the feed node B opened just before it");
    say("after");
    await until(fromStart, ["after"], "live messages on node B's feed after the outage");
    await until(onB, ["after"], "live messages on node B's second feed after the outage");
    await until(onA, ["after"], "live messages on node A's feed after the outage");
    await until(lateOnB, ["after"], "live messages on the late feed after the outage");

    const all = ["one", "two", "three", "four", "from node B", "during the outage", "after"];
    expect(texts(fromStart)).toEqual(all);
    expect(texts(onB)).toEqual(all.slice(2));
    expect(texts(onA)).toEqual(all.slice(2));
    expect(texts(lateOnB)).toEqual(["during the outage", "after"]);
    await waitFor(() => socketOnB.frames.some((f) => f.comment?.text === "after"), { what: "the last message on node B's WebSocket" });
    expect(socketOnB.frames.map((f) => (f.type === "comment" ? f.comment.text : `removed:${f.ids.join(",")}`))).toEqual(["three", "four", "from node B", `removed:${three.id}`, "during the outage", "after"]);
    expect(removal(lateOnB)).toEqual([]);
    for (const feed of [fromStart, onA, onB]) {
      const seqs = feed.comments().map((c: { seq: number }) => c.seq);
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
      expect(removal(feed)).toEqual([{ event: "removed", data: { ids: [three.id], reason: "hidden" } }]);
    }
    // The history has every message once.
    const { body: history } = await b.api("GET", `/api/v1/streams/${stream.id}/comments`);
    expect(history.comments.map((c: { text: string }) => c.text)).toEqual(all.filter((t) => t !== "three"));

    await withTimeout(publisher.stop(), 15_000, "publisher stop");
  }, 120_000);

  it("forwards chat a platform pushes to a node that does not own the stream to its owner; without NATS the platform is told to send it again", async () => {
    const { location } = await linkThroughBrowser(a, "kick", kick.oauth);
    const accountId = location.searchParams.get("account")!;
    const stream = (await a.api("POST", "/api/v1/streams", { name: "Kick across nodes" })).body;
    expect((await a.api("POST", `/api/v1/streams/${stream.id}/destinations`, { platform: "kick", accountId })).status).toBe(201);
    const publisher = publishTestStream({ url: a.publishUrl(stream.streamKey), durationSec: Infinity });
    expect(await withTimeout(publisher.publishing, 20_000, "publish to node A")).toBe(true);
    await waitFor(() => [...kick.subscriptions.values()].some((s) => s.event === "chat.message.sent" && String(s.broadcaster_user_id) === KICK_USER.id), { what: "node A's chat subscription at Kick" });
    // B knows the stream is live from A's health snapshots (GET /streams/:id reads B's own view), so a delivery for it is A's to take.
    await waitFor(async () => (await b.api("GET", `/api/v1/streams/${stream.id}`)).body.live, { timeoutMs: 15_000, what: "node B to see the stream live on A" });
    const onA = await open(a, stream.id);
    const onB = await open(b, stream.id);
    const post = (delivery: KickDelivery) => b.api("POST", "/api/v1/platforms/kick/webhook", delivery.body, { token: null, headers: delivery.headers });

    const hello = kick.chatDelivery({ text: "pushed to node B" });
    const taken = await post(hello);
    expect(taken.status, taken.text).toBe(200);
    expect(taken.body).toEqual({ event: "chat.message.sent", delivered: 1, duplicate: false });
    await until(onA, ["pushed to node B"], "the pushed message on node A's feed");
    await until(onB, ["pushed to node B"], "the pushed message on node B's feed");

    // B cut off from NATS: the delivery is refused with a reason, and Kick's retry once NATS is back is taken.
    await withTimeout(nats.stop(), 15_000, "nats stop");
    await waitFor(async () => (await b.api("GET", "/api/v1/cluster")).status === 503, { what: "node B to notice NATS is gone" });
    const later = kick.chatDelivery({ text: "pushed during the outage" });
    const refused = await post(later);
    expect(refused.status, refused.text).toBe(503);
    expect(refused.body.error).toMatchObject({ code: "cluster_unavailable", message: expect.stringContaining("lost its connection to NATS") });
    await nats.start();
    await waitFor(async () => (await b.api("GET", "/api/v1/cluster")).status === 200, { timeoutMs: 15_000, what: "node B back on NATS" });
    const retried = await waitFor(
      async () => {
        const res = await post(later);
        return res.status === 200 ? res : null;
      },
      { timeoutMs: 15_000, what: "Kick's retry to be taken" },
    );
    expect(retried.body).toEqual({ event: "chat.message.sent", delivered: 1, duplicate: false });
    await until(onA, ["pushed during the outage"], "the retried message on node A's feed");
    await until(onB, ["pushed during the outage"], "the retried message on node B's feed");
    expect(texts(onA)).toEqual(["pushed to node B", "pushed during the outage"]);
    expect(texts(onB)).toEqual(["pushed to node B", "pushed during the outage"]);

    await withTimeout(publisher.stop(), 15_000, "publisher stop");
  }, 120_000);
});
