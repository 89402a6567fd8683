import { createHmac } from "node:crypto";
import type { UserV2 } from "twitter-api-v2";
import { describe, expect, it } from "vitest";
import { startTestPrism, type TestPrism } from "../support/prism.js";
import { expectNoSecretLeak } from "../support/secrets.js";
import { OpenApiChecker } from "../api/openapi-check.js";
import { X_USER, type XFake } from "../fakes/x.js";
import { expectFeed, goLive, streamWithX, useXPrism, X_CONSUMER_SECRET } from "./x-support.js";

const PATH = "/api/v1/platforms/x/webhook";
const AMY: UserV2 = { id: "2244994945", name: "Amy", username: "amy_codes", profile_image_url: "https://pbs.twimg.com/profile_images/amy.jpg", verified: true };

/**
 * One X Activity API delivery of `broadcast.chat`, the envelope Prism assumes (see
 * src/destinations/x/webhook.ts: X's pages show no delivered example); the author is a UserV2.
 */
interface BroadcastChatDelivery {
  data: { event_type: "broadcast.chat"; event_uuid: string; filter: { user_id: string }; tag: string; payload: { broadcast_id: string; message_id: string; message: string; author: { data: UserV2 } } };
}
const chatEvent = (userId: string, broadcastId: string, messageId: string, message: string): BroadcastChatDelivery => ({
  data: { event_type: "broadcast.chat", event_uuid: `uuid-${messageId}`, filter: { user_id: userId }, tag: "prism", payload: { broadcast_id: broadcastId, message_id: messageId, message, author: { data: AMY } } },
});

/** Computed here with node:crypto, independently of Prism's code: X's documented recipe. */
const hmac = (secret: string, data: string) => createHmac("sha256", secret).update(data).digest("base64");

describe("X Enterprise chat: the broadcast.chat webhook", () => {
  let x: XFake;
  let t: TestPrism;
  let checker: OpenApiChecker;
  const post = async (body: string, signature?: string) => {
    const res = await t.api("POST", PATH, body, { token: null, headers: { "content-type": "application/json", ...(signature !== undefined && { "x-twitter-webhooks-signature": signature }) } });
    checker.check("POST", PATH, res);
    return res;
  };

  useXPrism(async (fake, prism) => {
    [x, t] = [fake, prism];
    checker = new OpenApiChecker((await t.api("GET", "/api/v1/openapi.json", undefined, { token: null })).body);
  });

  it("answers X's CRC challenge with the consumer secret's HMAC, without the API token", async () => {
    const crcToken = "9b4507b3-9040-4669-9ca3-6b94edb50553";
    const res = await t.api("GET", `${PATH}?crc_token=${crcToken}`, undefined, { token: null });
    checker.check("GET", PATH, res);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ response_token: `sha256=${hmac(X_CONSUMER_SECRET, crcToken)}` });
    const missing = await t.api("GET", PATH, undefined, { token: null });
    checker.check("GET", PATH, missing);
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe("validation_failed");
  });

  it("signs only challenge-shaped crc_tokens, so its answer can never serve as a POST's signature", async () => {
    // The CRC answer is HMAC(consumer secret, text): asking it to sign a delivery would forge one.
    const forged = JSON.stringify(chatEvent(X_USER.id, "1mGPaZaAdNqJN", "2090000000000000007", "forged by the streamer"));
    for (const hostile of [forged, "{}", "a b c d e f g h i j", "short", "a".repeat(129)]) {
      const res = await t.api("GET", `${PATH}?crc_token=${encodeURIComponent(hostile)}`, undefined, { token: null });
      checker.check("GET", PATH, res);
      expect(res.status, hostile).toBe(400);
      expect(res.body.error).toMatchObject({ code: "validation_failed", message: expect.stringMatching(/crc_token: not a challenge X would send/) });
      expect(JSON.stringify(res.body)).not.toContain(hmac(X_CONSUMER_SECRET, hostile));
    }
    // What X actually sends (base64 of a UUID, as observed; base64url and UUIDs alike) is answered.
    for (const real of ["M2RkODJkZmMtYjlkYi00NmQ4LTk0MGUtM2JjYzkwM2Q4MjQ0", "q4Pk-7_2ZmQxLTRmYjItOWI", "a".repeat(128)]) {
      const res = await t.api("GET", `${PATH}?crc_token=${encodeURIComponent(real)}`, undefined, { token: null });
      expect(res.body).toEqual({ response_token: `sha256=${hmac(X_CONSUMER_SECRET, real)}` });
    }
  });

  it("refuses unsigned and wrongly signed posts with 401, takes a signed broadcast.chat into the live stream's feed, and sends to the broadcast", async () => {
    const { stream, destination, accountId } = await streamWithX(t, x, { broadcastId: "1mGPaZaAdNqJN" });
    expect(destination.x).toMatchObject({ broadcastId: "1mGPaZaAdNqJN", announcementPostId: null });
    // With Enterprise chat on, linking asks for the broadcast scopes too (without it, see test/oauth/accounts-api.test.ts, it does not).
    expect(x.oauth.lastAuthorize?.get("scope")?.split(" ")).toEqual(["tweet.read", "users.read", "tweet.write", "offline.access", "broadcast.read", "broadcast.write"]);
    expect((await t.api("GET", `/api/v1/accounts/${accountId}`)).body.scopes).toEqual(expect.arrayContaining(["broadcast.read", "broadcast.write"]));
    await goLive(t, stream);
    // The reader is up (X is among the stream's chats) before anything is pushed.
    await new Promise((r) => setTimeout(r, 300));

    const body = JSON.stringify(chatEvent(X_USER.id, "1mGPaZaAdNqJN", "2090000000000000004", "hello from chat"));
    const unsigned = await post(body);
    expect(unsigned.status).toBe(401);
    expect(unsigned.body).toEqual({ error: { code: "invalid_signature", message: expect.stringMatching(/x-twitter-webhooks-signature/) } });
    expect((await post(body, `sha256=${hmac("another app's secret", body)}`)).status).toBe(401);
    // Signed over other bytes than those sent: a body changed on the way.
    expect((await post(body.replace("hello", "HELLO"), `sha256=${hmac(X_CONSUMER_SECRET, body)}`)).status).toBe(401);
    expect((await post(body, hmac(X_CONSUMER_SECRET, body))).status).toBe(401);

    const signed = await post(body, `sha256=${hmac(X_CONSUMER_SECRET, body)}`);
    expect(signed.status, signed.text).toBe(200);
    expect(signed.body).toEqual({ events: 1, delivered: 1 });
    // The same signed body again (a captured delivery replayed) is refused, not taken again.
    const replay = await post(body, `sha256=${hmac(X_CONSUMER_SECRET, body)}`);
    expect(replay.status).toBe(409);
    expect(replay.body.error).toMatchObject({ code: "replayed_delivery", message: expect.stringMatching(/delivered before/) });
    // A chat stamped long ago (a replay of an old event under a new envelope) is not live chat: dropped.
    const stale = { ...chatEvent(X_USER.id, "1mGPaZaAdNqJN", "2090000000000000009", "from an hour ago") };
    const staleBody = JSON.stringify({ data: { ...stale.data, payload: { ...stale.data.payload, created_at: new Date(Date.now() - 3600_000).toISOString() } } });
    expect((await post(staleBody, `sha256=${hmac(X_CONSUMER_SECRET, staleBody)}`)).body).toEqual({ events: 1, delivered: 0 });
    // Another user's broadcast, and another broadcast of this user, are not this stream's chat.
    for (const other of [chatEvent("999", "1mGPaZaAdNqJN", "2090000000000000005", "not ours"), chatEvent(X_USER.id, "1OtherBroadcast", "2090000000000000006", "other broadcast")]) {
      const otherBody = JSON.stringify(other);
      expect((await post(otherBody, `sha256=${hmac(X_CONSUMER_SECRET, otherBody)}`)).body).toEqual({ events: 1, delivered: 0 });
    }
    await expectFeed(t, stream.id, ["x:hello from chat"]);
    const { body: page } = await t.api("GET", `/api/v1/streams/${stream.id}/comments`);
    expect(page.comments[0].author).toEqual({ id: AMY.id, name: "@amy_codes", avatarUrl: AMY.profile_image_url, badges: ["verified"] });
    // Enterprise mode searches nothing: the chat comes from the webhook.
    expect(x.chat.searchCalls).toEqual([]);

    const sent = await t.api("POST", `/api/v1/streams/${stream.id}/comments`, { text: "welcome!" });
    expect(sent.body.results).toEqual([{ platform: "x", destinationId: destination.id, ok: true }]);
    expect(x.chat.broadcastChat).toEqual([expect.objectContaining({ broadcastId: "1mGPaZaAdNqJN", userId: X_USER.id, text: "welcome!" })]);
    const tooLong = await t.api("POST", `/api/v1/streams/${stream.id}/comments`, { text: "a".repeat(141) });
    expect(tooLong.body.results[0]).toMatchObject({ ok: false, error: expect.stringMatching(/at most 140 characters/) });

    expectNoSecretLeak(t, [X_CONSUMER_SECRET, ...x.oauth.issued]);
  });

  it("is off, saying how to turn it on, when no consumer secret is configured", async () => {
    const bare = await startTestPrism({ env: x.env() });
    try {
      const crc = await bare.api("GET", `${PATH}?crc_token=M2RkODJkZmMtYjlkYi00NmQ4LTk0MGUtM2JjYzkwM2Q4MjQ0`, undefined, { token: null });
      expect(crc.status).toBe(503);
      expect(crc.body.error).toMatchObject({ code: "x_webhook_not_configured", message: expect.stringMatching(/PRISM_X_CONSUMER_SECRET/) });
      checker.check("GET", PATH, crc);
      const res = await bare.api("POST", PATH, "{}", { token: null, headers: { "content-type": "application/json", "x-twitter-webhooks-signature": "sha256=AAAA" } });
      expect(res.status).toBe(503);
      checker.check("POST", PATH, res);
    } finally {
      await bare.stop();
    }
  });
});
