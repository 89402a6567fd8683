import { describe, expect, it } from "vitest";
import { chatMessageOf, DeliveryGuard, kickSignatureCheck } from "../../src/destinations/kick/webhook.js";
import { startKickFake } from "../fakes/kick.js";

describe("Kick's webhook deliveries", () => {
  it("remembers a bounded number of message ids: a flood costs a fixed amount of memory, the oldest forgotten first", () => {
    const guard = new DeliveryGuard(60_000, 3);
    for (const id of ["a", "b", "c"]) expect(guard.firstTime(id)).toBe(true);
    expect(guard.firstTime("a")).toBe(false);
    expect(guard.firstTime("d")).toBe(true);
    // "a" was the oldest: forgotten to keep the memory at 3 (a replay of it meets the time window instead).
    expect(guard.firstTime("a")).toBe(true);
    expect(guard.firstTime("d")).toBe(false);
  });

  it("takes deliveries stamped within the window only, either side of now", () => {
    const guard = new DeliveryGuard(10 * 60_000);
    const now = Date.parse("2026-12-05T20:00:00Z");
    expect(guard.fresh("2026-12-05T19:51:00Z", now)).toBe(true);
    expect(guard.fresh("2026-12-05T20:09:00+00:00", now)).toBe(true);
    expect(guard.fresh("2026-12-05T19:49:00Z", now)).toBe(false);
    expect(guard.fresh("2026-12-05T20:11:00Z", now)).toBe(false);
    expect(guard.fresh("yesterday", now)).toBe(false);
  });

  it("reads a chat message as Kick documents it, and skips emote positions outside the text", () => {
    const content = "Hello [emote:4148074:HYPERCLAP] [emote:37226:KEKW]";
    const chat = chatMessageOf({
      message_id: "unique_message_id_123",
      broadcaster: { user_id: 123456789, username: "broadcaster_name" },
      sender: { user_id: 987654321, username: "sender_name", is_verified: true, identity: { username_color: "#FF5733", badges: [{ text: "Moderator", type: "moderator" }] } },
      content,
      emotes: [
        { emote_id: "4148074", positions: [{ s: 6, e: 30 }, { s: 40, e: 9_999 }] },
        { emote_id: "37226", positions: [{ s: 32, e: 49 }, { s: -1, e: 3 }] },
      ],
      created_at: "2025-01-14T16:08:06Z",
    });
    expect(chat).toEqual({
      broadcasterUserId: "123456789",
      message: {
        platformMessageId: "unique_message_id_123",
        author: { id: "987654321", name: "sender_name", color: "#FF5733", badges: ["verified", "moderator"] },
        text: content,
        emotes: [
          { id: "4148074", name: "HYPERCLAP", start: 6, end: 30 },
          { id: "37226", name: "KEKW", start: 32, end: 49 },
        ],
        sentAt: new Date("2025-01-14T16:08:06Z"),
      },
    });
    expect(chatMessageOf({ message_id: "x", content: "no sender" })).toBeUndefined();
    expect(chatMessageOf("not an object")).toBeUndefined();
  });

  it("checks signatures against the key Kick publishes, fetched once", async () => {
    const kick = await startKickFake();
    try {
      const check = kickSignatureCheck(`${kick.url}/public/v1`);
      const d = kick.chatDelivery({ text: "hi" });
      const headers = { messageId: d.headers["kick-event-message-id"]!, timestamp: d.headers["kick-event-message-timestamp"]!, signature: d.headers["kick-event-signature"]! };
      expect(await check.verify(headers, Buffer.from(d.body))).toBe(true);
      expect(await check.verify({ ...headers, timestamp: new Date().toISOString() }, Buffer.from(d.body))).toBe(false);
      expect(await check.verify({ ...headers, signature: "%%%" }, Buffer.from(d.body))).toBe(false);
      expect(await check.verify({ ...headers, signature: "AAAA" }, Buffer.from(d.body))).toBe(false);
      expect(kick.counts.publicKey).toBe(1);

      // Kick unreachable: the failure is kept for a while, so posts cannot make Prism ask Kick again and again.
      const fresh = kickSignatureCheck(`${kick.url}/public/v1`);
      await kick.down();
      await expect(fresh.verify(headers, Buffer.from(d.body))).rejects.toThrow();
      await kick.up();
      await expect(fresh.verify(headers, Buffer.from(d.body))).rejects.toThrow();
      expect(kick.counts.publicKey).toBe(1);
    } finally {
      await kick.close();
    }
  });
});
