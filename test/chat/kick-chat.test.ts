import { generateKeyPairSync, sign } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestPrism, waitFor, type TestPrism } from "../support/prism.js";
import { expectNoSecretLeak } from "../support/secrets.js";
import { killAll } from "../support/children.js";
import { closedPort, releaseClosedPorts } from "../support/ports.js";
import { OpenApiChecker } from "../api/openapi-check.js";
import { linkThroughBrowser } from "../oauth/support.js";
import { KICK_USER, startKickFake, type KickDelivery, type KickFake } from "../fakes/kick.js";
import { expectFeed, goLive } from "./x-support.js";
import { apiFor, RecordingSink, STREAM } from "./support.js";
import { kickChat } from "../../src/destinations/kick/chat.js";

const PATH = "/api/v1/platforms/kick/webhook";

describe("Kick chat: subscribed while live, read from Kick's signed webhook, sent and moderated through Kick's API", () => {
  let kick: KickFake;
  let t: TestPrism;
  let checker: OpenApiChecker;
  const post = async (delivery: KickDelivery, headers: Record<string, string> = delivery.headers) => {
    const res = await t.api("POST", PATH, delivery.body, { token: null, headers });
    checker.check("POST", PATH, res);
    return res;
  };

  beforeAll(async () => {
    kick = await startKickFake();
    t = await startTestPrism({ env: { ...kick.env(), PRISM_CHAT_REORDER_MS: "50" } });
    checker = new OpenApiChecker((await t.api("GET", "/api/v1/openapi.json", undefined, { token: null })).body);
  });
  afterEach(async () => {
    await killAll();
  });
  afterAll(async () => {
    await t?.stop();
    await kick?.close();
    await releaseClosedPorts();
  });

  async function liveStreamWithKick() {
    const { location } = await linkThroughBrowser(t, "kick", kick.oauth);
    const accountId = location.searchParams.get("account")!;
    const { body: stream } = await t.api("POST", "/api/v1/streams", { name: "Kick night" });
    const created = await t.api("POST", `/api/v1/streams/${stream.id}/destinations`, { platform: "kick", accountId });
    expect(created.status, created.text).toBe(201);
    const publisher = await goLive(t, stream);
    // The reader subscribes to the broadcaster's chat once the stream is live.
    await waitFor(() => [...kick.subscriptions.values()].some((s) => s.event === "chat.message.sent" && String(s.broadcaster_user_id) === KICK_USER.id), { what: "a chat subscription at Kick" });
    return { stream, destination: created.body, publisher };
  }

  it("takes a signed delivery into the feed once; refuses unsigned, forged, altered and stale ones; acknowledges a repeated delivery without taking it again", async () => {
    const { stream, publisher } = await liveStreamWithKick();
    expect([...kick.subscriptions.values()][0]).toMatchObject({ method: "webhook", version: 1 });

    const hello = kick.chatDelivery({ text: "hello [emote:37226:KEKW]", emotes: [{ emote_id: "37226", positions: [{ s: 6, e: 23 }] }], sender: { identity: { username_color: "#FF5733", badges: [{ text: "Subscriber", type: "subscriber", count: 3 }] } } });

    const { "kick-event-signature": _, ...unsignedHeaders } = hello.headers;
    const unsigned = await post(hello, unsignedHeaders);
    expect(unsigned.status).toBe(401);
    expect(unsigned.body.error).toMatchObject({ code: "invalid_signature", message: expect.stringMatching(/Kick-Event-Signature/) });

    // Signed with another private key than the one whose public half Kick publishes.
    const stranger = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
    const forgedSignature = sign("sha256", Buffer.from(`${hello.headers["kick-event-message-id"]}.${hello.headers["kick-event-message-timestamp"]}.${hello.body}`), stranger).toString("base64");
    expect((await post(hello, { ...hello.headers, "kick-event-signature": forgedSignature })).status).toBe(401);
    // Kick's signature, but over other bytes: a body changed on the way, or another message id.
    expect((await post({ ...hello, body: hello.body.replace("hello", "HELLO") })).status).toBe(401);
    expect((await post(hello, { ...hello.headers, "kick-event-message-id": "01JOTHERID0000000000000000" })).status).toBe(401);
    expect((await post(hello, { ...hello.headers, "kick-event-signature": "not base64!" })).status).toBe(401);

    const taken = await post(hello);
    expect(taken.status, taken.text).toBe(200);
    expect(taken.body).toEqual({ event: "chat.message.sent", delivered: 1, duplicate: false });
    // Kick delivers at least once: the same delivery again is acknowledged (so Kick stops) but not taken twice.
    const again = await post(hello);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ event: "chat.message.sent", delivered: 0, duplicate: true });

    // Properly signed, but stamped 20 minutes ago: a captured delivery replayed later.
    const old = kick.chatDelivery({ text: "from long ago", timestamp: new Date(Date.now() - 20 * 60_000) });
    const stale = await post(old);
    expect(stale.status).toBe(400);
    expect(stale.body.error).toMatchObject({ code: "stale_delivery", message: expect.stringMatching(/Kick-Event-Message-Timestamp/) });

    // Another channel's chat, and events other than chat, are acknowledged and dropped.
    expect((await post(kick.chatDelivery({ text: "not ours", broadcasterId: "555" }))).body).toEqual({ event: "chat.message.sent", delivered: 0, duplicate: false });
    const followed = kick.signDelivery("01JFOLLOW00000000000000000", new Date().toISOString(), JSON.stringify({ broadcaster: {}, follower: {} }), "channel.followed");
    expect((await post(followed)).body).toEqual({ event: "channel.followed", delivered: 0, duplicate: false });

    await expectFeed(t, stream.id, ["kick:hello [emote:37226:KEKW]"]);
    const { body: page } = await t.api("GET", `/api/v1/streams/${stream.id}/comments`);
    expect(page.comments[0].author).toEqual({ id: "987654321", name: "amy_codes", color: "#FF5733", badges: ["subscriber"] });
    expect(page.comments[0].emotes).toEqual([{ id: "37226", name: "KEKW", start: 6, end: 23 }]);
    // Kick's public key was fetched once and kept.
    expect(kick.counts.publicKey).toBe(1);

    await publisher.stop();
    // The stream ended: the subscription the reader made is removed at Kick.
    await waitFor(() => kick.subscriptions.size === 0, { what: "the chat subscription removed" });
    expect(kick.counts.unsubscribe).toBe(1);
  });

  it("sends the streamer's message to Kick's chat, deletes a message and bans an author there", async () => {
    const { stream, destination, publisher } = await liveStreamWithKick();
    const sent = await t.api("POST", `/api/v1/streams/${stream.id}/comments`, { text: "welcome to the stream!" });
    expect(sent.body.results).toEqual([{ platform: "kick", destinationId: destination.id, ok: true }]);
    expect(kick.sent.at(-1)).toEqual({ userId: KICK_USER.id, body: { broadcaster_user_id: Number(KICK_USER.id), content: "welcome to the stream!", type: "user" } });
    // Kick takes up to 500 characters, as much as Prism's API does: sent whole, never cut.
    const longest = await t.api("POST", `/api/v1/streams/${stream.id}/comments`, { text: "a".repeat(500) });
    expect(longest.body.results[0]).toMatchObject({ ok: true });
    expect(kick.sent.at(-1)?.body.content).toBe("a".repeat(500));

    const spam = kick.chatDelivery({ messageId: "msg-spam-1", text: "buy followers", sender: { user_id: 4242, username: "spammer" } });
    expect((await post(spam)).body.delivered).toBe(1);
    let comment: { id: string } | undefined;
    await waitFor(async () => (comment = (await t.api("GET", `/api/v1/streams/${stream.id}/comments`)).body.comments.find((c: { text: string }) => c.text === "buy followers")), { what: "the spam in the feed" });
    const hidden = await t.api("POST", `/api/v1/streams/${stream.id}/comments/${comment!.id}/hide`);
    expect(hidden.body.platformDeleted).toMatchObject({ platform: "kick", ok: true });
    expect(kick.deletedMessages).toEqual(["msg-spam-1"]);
    const blocked = await t.api("POST", `/api/v1/streams/${stream.id}/chat-blocks`, { platform: "kick", authorId: "4242" });
    expect(blocked.body.platformBanned).toMatchObject({ platform: "kick", ok: true });
    expect(kick.bans).toEqual([{ userId: KICK_USER.id, body: expect.objectContaining({ broadcaster_user_id: Number(KICK_USER.id), user_id: 4242 }) }]);

    await publisher.stop();
    expectNoSecretLeak(t, kick.oauth.issued);
  });
});

describe("Kick's chat subscription and webhook when Kick is unkind", () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  it("subscribes again when Kick dropped the subscription (its webhook kept failing), waits out a 429, and removes its subscription when the stream ends", async () => {
    const kick = await startKickFake();
    cleanup.push(() => kick.close());
    const api = apiFor(kick.oauth, KICK_USER, ["events:subscribe"]);
    const sink = new RecordingSink();
    const stop = new AbortController();
    kick.rateLimitNext(1);
    const reading = kickChat({ apiUrl: `${kick.url}/public/v1`, checkMs: 50, backoff: { initialMs: 20, maxMs: 50 } }).read(api, STREAM, sink, stop.signal);
    await waitFor(() => kick.subscriptions.size === 1, { what: "subscribed after the 429" });
    expect(sink.states.map((s) => s.state)).toEqual(expect.arrayContaining(["connecting", "reconnecting", "live"]));
    expect(sink.states.find((s) => s.state === "reconnecting")?.detail).toMatch(/rate limit/);
    // Kick unsubscribes an app whose webhook failed for a day: the reader notices and subscribes again.
    kick.subscriptions.clear();
    await waitFor(() => kick.subscriptions.size === 1, { what: "subscribed again" });
    expect(kick.counts.subscribe).toBe(2);
    expect(sink.nothingToRead).toBeGreaterThan(0);
    stop.abort();
    await reading;
    expect(kick.subscriptions.size).toBe(0);
  });

  it("answers 503 and takes nothing while Kick's public key cannot be fetched", async () => {
    const kick = await startKickFake();
    cleanup.push(() => kick.close());
    const t = await startTestPrism({ env: { ...kick.env(), PRISM_KICK_API_URL: `http://127.0.0.1:${await closedPort()}/public/v1` } });
    cleanup.push(() => t.stop());
    const checker = new OpenApiChecker((await t.api("GET", "/api/v1/openapi.json", undefined, { token: null })).body);
    const delivery = kick.chatDelivery({ text: "hello" });
    const res = await t.api("POST", PATH, delivery.body, { token: null, headers: delivery.headers });
    checker.check("POST", PATH, res);
    expect(res.status).toBe(503);
    expect(res.body.error).toMatchObject({ code: "kick_public_key_unavailable" });
  });
});
