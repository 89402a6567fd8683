import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { IncomingChatMessage } from "../chat-types.js";

/**
 * X's webhooks (Account Activity / X Activity API), as X documents them for every webhook product:
 * - CRC: X sends `GET ?crc_token=…` when the webhook is registered and then about hourly; the answer
 *   is `{ "response_token": "sha256=" + base64(HMAC-SHA256(consumer secret, crc_token)) }`, within 3 s.
 * - Every POST carries `x-twitter-webhooks-signature: sha256=<base64 HMAC-SHA256(consumer secret, raw body)>`.
 * The key is the app's consumer secret (API key secret), not a bearer or user token. The secret
 * stays inside this closure: callers get functions, never the value.
 */
export interface XWebhookSigner {
  /** undefined: not a token X would send (see CRC_TOKEN), so nothing is signed. */
  crcResponse(crcToken: string): string | undefined;
  /** Constant-time check of the signature header against the raw body. */
  verify(rawBody: Uint8Array, header: string | undefined): boolean;
}

/**
 * What a crc_token X sends looks like: a random challenge, base64 or base64url (X's observed tokens
 * are the base64 of a UUID, 48 characters; its docs' examples are UUIDs). The CRC answer is the very
 * HMAC a POST's signature header carries, so signing any text would let anyone forge a POST body:
 * this charset holds no `{`, `"`, `:` or space, so no JSON object (every delivery is one) can ever
 * be signed through it.
 */
export const CRC_TOKEN = /^[A-Za-z0-9+/_=-]{16,128}$/;
export const isCrcToken = (value: string): boolean => CRC_TOKEN.test(value);

export function xWebhookSigner(consumerSecret: string): XWebhookSigner {
  const mac = (data: Uint8Array | string) => createHmac("sha256", consumerSecret).update(data).digest();
  return {
    crcResponse: (crcToken) => (isCrcToken(crcToken) ? `sha256=${mac(crcToken).toString("base64")}` : undefined),
    verify(rawBody, header) {
      const given = /^sha256=([A-Za-z0-9+/]+={0,2})$/.exec(header?.trim() ?? "")?.[1];
      if (!given) return false;
      const expected = mac(rawBody);
      const received = Buffer.from(given, "base64");
      return received.length === expected.length && timingSafeEqual(received, expected);
    },
  };
}

/** Deliveries remembered; enough for hours of a busy chat, bounded so a flood of them costs a fixed ~1 MB. */
export const REPLAY_MEMORY = 10_000;

/**
 * Refuses a signed body seen before: a signature never expires, so anyone who once saw a delivery
 * (a proxy log, a leaked capture) could replay it forever. Remembers the SHA-256 of the last
 * REPLAY_MEMORY bodies (oldest forgotten first); older replays meet CHAT_MAX_AGE_MS instead when
 * their chat carries created_at, and the merger's message-id dedup otherwise.
 */
export class ReplayGuard {
  private readonly seen = new Set<string>();

  constructor(private readonly capacity = REPLAY_MEMORY) {}

  /** true the first time a body is offered, false for every repeat. */
  firstTime(rawBody: Uint8Array): boolean {
    const digest = createHash("sha256").update(rawBody).digest("base64");
    if (this.seen.has(digest)) return false;
    this.seen.add(digest);
    // A Set iterates in insertion order: its first value is the oldest.
    if (this.seen.size > this.capacity) this.seen.delete(this.seen.values().next().value!);
    return true;
  }
}

/** A chat whose created_at is older than this (or this far in the future) is not live chat any more: dropped. */
export const CHAT_MAX_AGE_MS = 15 * 60_000;

/*
 * The event envelope. Verified in X's docs: chat is the X Activity API event `broadcast.chat`, one
 * subscription per broadcasting user (filter.user_id) covering every broadcast that user owns.
 * ASSUMED (X's public pages show no delivered example; this follows a public client that parses
 * them): `{ data: { event_type, event_uuid, filter: { user_id }, tag, payload: { broadcast_id,
 * message_id, message, author: { data: <user> } } } }`. Parsed leniently: unknown fields pass, other
 * event types are acknowledged and ignored, and a chat event missing what the feed needs is skipped.
 */
const ActivityEvent = z.looseObject({
  event_type: z.string(),
  event_uuid: z.string().optional(),
  filter: z.looseObject({ user_id: z.string().optional() }).optional(),
  tag: z.string().optional(),
  payload: z.record(z.string(), z.unknown()).optional(),
});
export const XActivityDelivery = z.looseObject({ data: z.union([ActivityEvent, z.array(ActivityEvent)]) });
export type XActivityDelivery = z.infer<typeof XActivityDelivery>;

const BroadcastChat = z.looseObject({
  broadcast_id: z.string().optional(),
  message_id: z.string().min(1),
  message: z.string().min(1),
  created_at: z.string().optional(),
  author: z.looseObject({
    data: z.looseObject({ id: z.string(), username: z.string(), name: z.string().optional(), profile_image_url: z.string().optional(), verified: z.boolean().optional() }),
  }),
});

/** One chat message of a broadcast, with whose broadcast it is. */
export interface XBroadcastChat {
  userId: string;
  broadcastId: string | undefined;
  message: IncomingChatMessage;
}

/** The `broadcast.chat` messages of one delivery, in the order X sent them. */
export function broadcastChats(delivery: XActivityDelivery, receivedAt = new Date()): XBroadcastChat[] {
  const events = Array.isArray(delivery.data) ? delivery.data : [delivery.data];
  return events.flatMap((event) => {
    const userId = event.filter?.user_id;
    const chat = event.event_type === "broadcast.chat" && userId ? BroadcastChat.safeParse(event.payload) : undefined;
    if (!chat?.success || !userId) return [];
    const { broadcast_id, message_id, message, created_at, author } = chat.data;
    const sent = created_at ? new Date(created_at) : receivedAt;
    if (Math.abs(receivedAt.getTime() - sent.getTime()) > CHAT_MAX_AGE_MS) return [];
    return [
      {
        userId,
        broadcastId: broadcast_id,
        message: {
          platformMessageId: message_id,
          author: { id: author.data.id, name: `@${author.data.username}`, ...(author.data.profile_image_url && { avatarUrl: author.data.profile_image_url }), badges: author.data.verified ? ["verified"] : [] },
          text: message,
          // X's chat events carry no send time Prism could rely on (assumed): arrival time stands in.
          sentAt: Number.isNaN(sent.getTime()) ? receivedAt : sent,
        },
      },
    ];
  });
}
